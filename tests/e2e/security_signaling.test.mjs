// Security over Socket.IO (issue 12, "Abuse and faults"), with the official socket.io-client and, where it would
// not send what an attacker sends, raw Engine.IO frames: relays outside one's call (from outsiders, to sockets of
// another call, naming a call one is not in), spoofed sender fields (fromSocketId / fromUserId, duplicate and
// escaped keys, a binary relay), joining uninvited or a call that has ended, media / leave / decline for a call
// one is not in, refused tokens at CONNECT and with `authenticate`, strings echoed back (event names, display
// names, relayed text) that must stay JSON-escaped on polling and WebSocket, raw control characters inside JSON,
// and a socket whose token expires while it is connected. The REST and HTTP side: tests/integration/security.test.mjs.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, test } from 'node:test';

import { b64url, mint, nowSeconds, signHS256 } from '../integration/lib/jwt.mjs';
import {
  endCall, getSession, initiateCall, makeUser, participantOf, rest, SECRET, sleep, startHearth, stopAll,
} from './lib/server.mjs';
import {
  assertNone, authenticate, closeAll, connect, emitAck, expectAckError, expectAckOk, expectRefused, joinCall,
  leaveCall, rawSocket, received, roundTrip, waitDisconnect, waitFor,
} from './lib/sockets.mjs';

// The verifier's clock-skew leeway (src/auth/jwt.hpp, JwtConfig::leeway): a token is refused from exp + 30 s.
const LEEWAY_S = 30;

let server;
before(async () => {
  server = await startHearth();
});
after(async () => {
  closeAll();
  await stopAll();
});

/** Connects (auth at CONNECT) one socket per user. */
function connectAll(users, options = {}) {
  return Promise.all(users.map((user) => connect(server, { user, connectAuth: true, ...options })));
}

/** A call of `users[0]` inviting the rest, every socket in `sockets` joined. */
async function callWith(users, sockets, extra = {}) {
  const { sessionId } = await initiateCall(server, users[0], users.slice(1), extra);
  for (const s of sockets) await joinCall(s, sessionId);
  return sessionId;
}

const offer = (sessionId, targetSocketId, n) => ({ sessionId, targetSocketId, offer: { type: 'offer', sdp: 'v=0', n } });
const RELAYS = [['webrtc_offer', 'offer'], ['webrtc_answer', 'answer'], ['webrtc_ice_candidate', 'candidate']];

let ackSeq = 100;
/**
 * Sends `42<id>["<event>",<payloadText>]` on a raw socket (the payload as raw JSON text, exactly as given) and
 * resolves the acknowledgement's first argument, or `null` when none arrives within `timeoutMs`.
 */
async function rawAck(raw, event, payloadText, timeoutMs = 3000) {
  const id = ackSeq++;
  raw.send(`42${id}[${JSON.stringify(event)},${payloadText}]`);
  try {
    const frame = await raw.next((m) => m.startsWith(`43${id}[`), `ack ${id}`, timeoutMs);
    return JSON.parse(frame.slice(`43${id}`.length))[0];
  } catch {
    return null;
  }
}

describe('relay outside one\'s call', () => {
  test('from outsiders, to sockets of another call, or naming a call one is not in: forbidden, never delivered', async () => {
    const [alice, bob, carol, dave, xena, yann] = ['alice', 'bob', 'carol', 'dave', 'xena', 'yann'].map((n) => makeUser(n));
    const [a, b, c, d, x, y] = await connectAll([alice, bob, carol, dave, xena, yann]);
    const [b2] = await connectAll([bob]); // bob's second socket, never joined
    const call = await callWith([alice, bob, carol], [a, b]); // carol invited, not joined
    const other = await callWith([xena, yann], [x, y]);

    const refusals = [
      [d, call, a.id, 'an outsider (connected, never invited) to a participant'],
      [c, call, a.id, 'an invitee who has not joined to a participant'],
      [a, call, x.id, 'a participant to a socket of another call, naming its own call'],
      [a, other, x.id, 'a participant to a socket of another call, naming that call'],
      [x, call, a.id, 'a participant of another call naming this call'],
      [x, other, a.id, 'a participant of another call to this call\'s socket'],
      [a, call, b2.id, 'to another socket of a participant, one that is not in the call'],
      [b2, call, a.id, 'from another socket of a participant, one that is not in the call'],
      [a, call, d.id, 'to an outsider'],
    ];
    for (const [from, sessionId, target, why] of refusals) {
      for (const [event, field] of RELAYS) {
        const err = await expectRefused(from, event, { sessionId, targetSocketId: target, [field]: { why } }, 'forbidden');
        assert.match(err.message, /active participants/, `${event}: ${why}`);
      }
    }
    await expectRefused(d, 'webrtc_offer', offer('call_1700000000000_zzzzzzzzz', a.id), 'not_found');

    // A valid relay after all of them: any refused one would have been delivered before it.
    expectAckOk(await emitAck(a, 'webrtc_offer', offer(call, b.id, 'valid')));
    await waitFor(b, 'webrtc_offer', { where: (o) => o.offer.n === 'valid' });
    for (const s of [a, b, b2, c, d, x, y]) await roundTrip(s);
    for (const s of [a, b, b2, c, d, x, y]) {
      for (const [event, field] of RELAYS) assertNone(s, event, (p) => p?.[field]?.why !== undefined, 'a refused relay');
    }
    assert.equal(received(b, 'webrtc_offer').length, 1, 'bob got the valid offer only');

    // Once the call has ended nobody can relay in it any more.
    await endCall(server, alice, call);
    await waitFor(b, 'call_ended', { where: (e) => e.sessionId === call });
    const ack = await emitAck(a, 'webrtc_offer', offer(call, b.id, 'after end'));
    expectAckError(ack);
    assert.ok(['not_found', 'forbidden', 'session_ended'].includes(ack.code), JSON.stringify(ack));
    await roundTrip(b);
    assertNone(b, 'webrtc_offer', (o) => o.offer.n === 'after end');
  });

  test('an unauthenticated socket cannot relay to anyone', async () => {
    const [alice, bob] = [makeUser('alice'), makeUser('bob')];
    const [a, b] = await connectAll([alice, bob]);
    const call = await callWith([alice, bob], [a, b]);
    const anon = await connect(server, { mode: 'polling' });
    for (const [event, field] of RELAYS) {
      expectAckError(await emitAck(anon, event, { sessionId: call, targetSocketId: a.id, [field]: {} }), 'unauthenticated');
    }
    await roundTrip(a);
    for (const [event] of RELAYS) assertNone(a, event);
  });
});

describe('spoofed sender fields', () => {
  test('fromSocketId / fromUserId sent by the client: the receiver sees the real sender, for every relay event', async () => {
    const [alice, bob, carol] = [makeUser('alice'), makeUser('bob'), makeUser('carol')];
    const [a, b, c] = await connectAll([alice, bob, carol]);
    const call = await callWith([alice, bob, carol], [a, b, c]);
    for (const [mode, [event, field]] of RELAYS.entries()) {
      // Pretend to be carol (a real participant), in front and behind the real fields.
      const spoof = { fromSocketId: c.id, fromUserId: carol.userId };
      const payload = mode === 1
        ? { sessionId: call, targetSocketId: b.id, [field]: { n: mode }, ...spoof }
        : { ...spoof, sessionId: call, targetSocketId: b.id, [field]: { n: mode } };
      expectAckOk(await emitAck(a, event, payload));
      const got = await waitFor(b, event, { record: true });
      assert.equal(got.args.length, 1, `${event}: one argument`);
      assert.equal(got.args[0].fromSocketId, a.id, `${event}: fromSocketId`);
      assert.equal(got.args[0].fromUserId, alice.userId, `${event}: fromUserId`);
      assert.deepEqual(got.args[0][field], { n: mode });
    }
  });

  test('a binary relay with spoofed fields: the receiver sees the real sender and the bytes', async () => {
    const [alice, bob] = [makeUser('alice'), makeUser('bob')];
    const [a, b] = await connectAll([alice, bob], { mode: 'polling' });
    const call = await callWith([alice, bob], [a, b]);
    const bytes = Buffer.from([0, 1, 2, 0x1e, 0x0d, 0x0a, 255]);
    expectAckOk(await emitAck(a, 'webrtc_offer', {
      fromUserId: 'mallory', fromSocketId: 'evil', sessionId: call, targetSocketId: b.id, offer: { sdp: 'x', blob: bytes },
      more: { fromUserId: 'nested is just data' },
    }));
    const got = await waitFor(b, 'webrtc_offer');
    assert.equal(got.fromSocketId, a.id);
    assert.equal(got.fromUserId, alice.userId);
    assert.ok(Buffer.from(got.offer.blob).equals(bytes), 'the attachment arrives unchanged');
    assert.deepEqual(got.more, { fromUserId: 'nested is just data' });
  });

  test('raw frames: duplicate, escaped and trailing keys never let the sender pick its identity, target or call', async () => {
    const [alice, bob, dave, xena, yann] = ['alice', 'bob', 'dave', 'xena', 'yann'].map((n) => makeUser(n));
    const raw = await rawSocket(server, { token: alice.token });
    const [b, d, x, y] = await connectAll([bob, dave, xena, yann]);
    const { sessionId: call } = await initiateCall(server, alice, [bob]);
    const joined = await rawAck(raw, 'join_call_session', JSON.stringify({ sessionId: call }));
    assert.equal(joined?.success, true, `raw join: ${JSON.stringify(joined)}`);
    await joinCall(b, call);
    const other = await callWith([xena, yann], [x, y]);
    // An object's JSON text from [key, value] pairs: keys as raw text (escapes and duplicates kept), values encoded.
    const obj = (...pairs) => `{${pairs.map(([k, v]) => `"${k}":${JSON.stringify(v)}`).join(',')}}`;
    const S = 'sessionId';
    const T = 'targetSocketId';
    const spoof = [['fromUserId', 'mallory'], ['fromSocketId', 'evil']];

    // Delivered to bob: whatever the sender wrote, the last sessionId / targetSocketId (as JSON.parse reads them)
    // name this call and bob, and the sender fields are the server's.
    const delivered = [
      ['sender fields first', obj(...spoof, [S, call], [T, b.id], ['offer', { n: 0 }])],
      ['escaped key names',
        obj(['from\\u0055serId', 'mallory'], ['from\\u0053ocketId', 'evil'], [S, call], [T, b.id], ['offer', { n: 1 }])],
      ['sender fields last, with spaces', `{ "${S}" : "${call}" , "${T}" : "${b.id}" , "offer" : {"n":2} , "fromUserId" : "mallory" , "fromSocketId":"evil"   }  `],
      ['further arguments', `${obj([S, call], [T, b.id], ['offer', { n: 3 }])},{"fromUserId":"mallory"},"x"`],
      ['braces and keys inside strings', obj([S, call], [T, b.id], ['offer', { n: 4, sdp: '}","fromUserId":"mallory"}' }], ['z', '}'])],
      ['a duplicate targetSocketId (an outsider, then bob)', obj([T, d.id], [S, call], [T, b.id], ['offer', { n: 5 }])],
      ['a duplicate sessionId (another call, then this one)', obj([S, other], [T, b.id], [S, call], ['offer', { n: 6 }])],
      ['an escaped targetSocketId key after the plain one', obj([T, d.id], [S, call], ['target\\u0053ocketId', b.id], ['offer', { n: 7 }])],
      ['an escaped sessionId key', obj(['session\\u0049d', call], [T, b.id], ['offer', { n: 8 }])],
    ];
    for (const [n, [why, text]] of delivered.entries()) {
      const ack = await rawAck(raw, 'webrtc_offer', text);
      assert.equal(ack?.success, true, `${why}: ${JSON.stringify(ack)}`);
      const got = await waitFor(b, 'webrtc_offer', { where: (o) => o.offer?.n === n, record: true });
      assert.equal(got.args.length, 1, `${why}: one argument`);
      const o = got.args[0];
      assert.deepEqual([o.fromSocketId, o.fromUserId], [raw.socketId, alice.userId], why);
      assert.deepEqual([o.sessionId, o.targetSocketId], [call, b.id], `${why}: what bob reads is what the server checked`);
    }

    // Refused: the last sessionId / targetSocketId names a call alice is not in, or a socket outside the call.
    const refused = [
      ['a duplicate targetSocketId (bob, then an outsider)', obj([T, b.id], [S, call], [T, d.id], ['offer', { n: 'r1' }])],
      ['a duplicate sessionId (this call, then another)', obj([S, call], [T, x.id], [S, other], ['offer', { n: 'r2' }])],
      ['an escaped targetSocketId key naming an outsider last', obj([T, b.id], [S, call], ['target\\u0053ocketId', d.id], ['offer', { n: 'r3' }])],
      ['an escaped sessionId key naming another call last', obj([S, call], [T, x.id], ['session\\u0049d', other], ['offer', { n: 'r4' }])],
    ];
    for (const [why, text] of refused) {
      const ack = await rawAck(raw, 'webrtc_offer', text);
      assert.equal(ack?.success, false, `${why}: ${JSON.stringify(ack)}`);
      assert.equal(ack.code, 'forbidden', why);
    }

    // A binary relay is re-encoded by the server (not spliced): duplicate keys must resolve the same way there.
    const bytes = Buffer.from('binary \u001e\r\n', 'utf8');
    const blob = { _placeholder: true, num: 0 };
    for (const [why, text, ok] of [
      ['binary: duplicate sessionId (another call, then this one)',
        obj([S, other], [T, b.id], [S, call], ...spoof, ['offer', { n: 'b1', blob }]), true],
      ['binary: duplicate targetSocketId (an outsider, then bob)',
        obj([T, d.id], [S, call], [T, b.id], ['from\\u0053ocketId', 'evil'], ['offer', { n: 'b2', blob }]), true],
      ['binary: duplicate targetSocketId (bob, then an outsider)', obj([T, b.id], [S, call], [T, d.id], ['offer', { n: 'rb3', blob }]), false],
    ]) {
      const id = ackSeq++;
      raw.send(`451-${id}["webrtc_offer",${text}]`);
      raw.ws.send(bytes);
      const frame = await raw.next((m) => m.startsWith(`43${id}[`), `ack of ${why}`);
      const ack = JSON.parse(frame.slice(`43${id}`.length))[0];
      assert.equal(ack.success, ok, `${why}: ${JSON.stringify(ack)}`);
      if (!ok) continue;
      const { n } = JSON.parse(text).offer;
      const o = await waitFor(b, 'webrtc_offer', { where: (p) => p.offer?.n === n });
      assert.deepEqual([o.fromSocketId, o.fromUserId], [raw.socketId, alice.userId], why);
      assert.deepEqual([o.sessionId, o.targetSocketId], [call, b.id], `${why}: what bob reads is what the server checked`);
      assert.ok(Buffer.from(o.offer.blob).equals(bytes), `${why}: attachment`);
    }

    for (const s of [b, d, x, y]) await roundTrip(s);
    for (const s of [b, d, x, y]) assertNone(s, 'webrtc_offer', (o) => String(o.offer?.n).startsWith('r'), 'a refused raw relay');
    assert.equal(received(b, 'webrtc_offer').length, delivered.length + 2);
  });
});

describe('socket ids are not session handles', () => {
  test('the socket id other participants see cannot be used as an Engine.IO sid (polling or WebSocket)', async () => {
    const [alice, bob] = [makeUser('alice'), makeUser('bob')];
    const [a] = await connectAll([alice], { mode: 'polling' });
    const [b] = await connectAll([bob]);
    const call = await callWith([alice, bob], [a, b]);
    const seen = received(b, 'call_session_joined', (j) => j.sessionId === call)[0].participants[0].socketId;
    assert.equal(seen, a.id);
    assert.notEqual(a.id, a.io.engine.id, 'socket id and Engine.IO sid must differ');
    const url = `${server.url}/socket.io/?EIO=4&transport=polling&sid=${encodeURIComponent(seen)}`;
    const get = await fetch(url);
    assert.equal(get.status, 400);
    const refusal = ({ code, message }) => ({ code, message });
    assert.deepEqual(refusal(await get.json()), { code: 1, message: 'Session ID unknown' });
    const post = await fetch(url, {
      method: 'POST', headers: { 'content-type': 'text/plain;charset=UTF-8' },
      body: `42${JSON.stringify(['media_state_changed', { sessionId: call, hasAudio: false }])}`,
    });
    assert.equal(post.status, 400);
    assert.deepEqual(refusal(await post.json()), { code: 1, message: 'Session ID unknown' });
    const { default: WebSocket } = await import('ws');
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/socket.io/?EIO=4&transport=websocket&sid=${encodeURIComponent(seen)}`);
    const outcome = await new Promise((resolve) => {
      ws.on('unexpected-response', (_req, res) => resolve(`HTTP ${res.statusCode}`));
      ws.on('open', () => resolve('open'));
      ws.on('error', (err) => resolve(`error ${err.message}`));
    });
    ws.terminate();
    assert.notEqual(outcome, 'open', 'a WebSocket upgrade with a socket id as sid was accepted');
    await roundTrip(b);
    assertNone(b, 'media_state_changed');
    assert.equal(participantOf(await getSession(server, alice, call), alice.userId).hasAudio, true);
  });
});

describe('joining uninvited, or a call that has ended', () => {
  test('uninvited users (look-alike ids, the invitee\'s display name, an admin role) are refused; nobody is told', async () => {
    const [alice, bob] = [makeUser('alice'), makeUser('bob')];
    const [a] = await connectAll([alice]);
    const { sessionId } = await initiateCall(server, alice, [bob], { sessionType: 'one-to-one' });
    await joinCall(a, sessionId);
    const strangers = [
      makeUser('mallory'),
      { userId: makeUser('m').userId, name: bob.name, token: null }, // bob's display name, not bob's id
      { userId: bob.userId.toUpperCase(), name: 'BOB', token: null },
      { userId: `${bob.userId} `, name: 'bob+space', token: null },
      { userId: `${bob.userId}\u200b`, name: 'bob+zwsp', token: null },
      { userId: makeUser('admin').userId, name: 'Admin', token: null, role: 'admin' },
    ].map((u) => ({ ...u, token: u.token ?? mint({ sub: u.userId, name: u.name, ...(u.role ? { role: u.role } : {}) }, SECRET) }));
    const sockets = await connectAll(strangers);
    for (const s of sockets) {
      const err = await expectRefused(s, 'join_call_session', { sessionId, peerId: 'p' }, 'forbidden');
      assert.equal(err.message, 'You are not a participant of this call session', s.hearthUser.userId);
    }
    await roundTrip(a);
    assertNone(a, 'user_joined_call');
    assertNone(a, 'user_reconnected');
    const doc = await getSession(server, alice, sessionId);
    assert.equal(doc.status, 'waiting');
    assert.deepEqual(doc.participants.map((p) => p.userId), [alice.userId, bob.userId]);
    assert.equal(participantOf(doc, bob.userId).isActive, false);
  });

  test('an invitee joining a call that has ended (ended by the initiator, declined, or all left): session_ended', async () => {
    const [alice, bob, carol] = [makeUser('alice'), makeUser('bob'), makeUser('carol')];
    const [a, b, c] = await connectAll([alice, bob, carol]);

    // Ended by the initiator over REST before the invitee joined.
    const ended = (await initiateCall(server, alice, [bob, carol])).sessionId;
    await endCall(server, alice, ended);
    await waitFor(b, 'call_ended', { where: (e) => e.sessionId === ended });
    await expectRefused(b, 'join_call_session', { sessionId: ended }, 'session_ended');
    await expectRefused(a, 'join_call_session', { sessionId: ended }, 'session_ended');

    // A one-to-one call the invitee declined: neither party can join it afterwards.
    const declined = (await initiateCall(server, alice, [bob], { sessionType: 'one-to-one' })).sessionId;
    expectAckOk(await emitAck(b, 'decline_call', { sessionId: declined }));
    await waitFor(a, 'call_ended', { where: (e) => e.sessionId === declined });
    await expectRefused(b, 'join_call_session', { sessionId: declined }, 'session_ended');
    await expectRefused(a, 'join_call_session', { sessionId: declined }, 'session_ended');

    // A group call everyone left (all_left): the invitee who never joined cannot reopen it.
    const left = await callWith([alice, bob, carol], [a, b]);
    await leaveCall(a, left);
    await leaveCall(b, left);
    await waitFor(c, 'call_ended', { where: (e) => e.sessionId === left && e.reason === 'all_left' });
    await expectRefused(c, 'join_call_session', { sessionId: left }, 'session_ended');
    await expectRefused(c, 'media_state_changed', { sessionId: left, hasVideo: false }, undefined);

    for (const id of [ended, declined, left]) {
      const doc = await getSession(server, alice, id);
      assert.equal(doc.status, 'ended', id);
      assert.ok(doc.participants.every((p) => !p.isActive), `${id}: nobody active`);
    }
    expectAckError(await emitAck(b, 'decline_call', { sessionId: left }), 'session_ended');
  });
});

describe('media, leave and decline for a call one is not in', () => {
  test('refused (forbidden / not_found), announced to nobody, and the session is unchanged', async () => {
    const [alice, bob, carol, dave, xena] = ['alice', 'bob', 'carol', 'dave', 'xena'].map((n) => makeUser(n));
    const [a, b, c, d, x] = await connectAll([alice, bob, carol, dave, xena]);
    const [b2] = await connectAll([bob]);
    const call = await callWith([alice, bob, carol], [a, b]);
    await callWith([xena, makeUser('yann')], [x]);
    const before = await getSession(server, alice, call);

    const media = { sessionId: call, hasVideo: false, hasAudio: false, isScreenSharing: true };
    for (const [s, why] of [[d, 'an outsider'], [c, 'an invitee who has not joined'], [x, 'a participant of another call'],
      [b2, 'another socket of a participant']]) {
      const err = await expectRefused(s, 'media_state_changed', media, 'forbidden');
      assert.match(err.message, /not a participant|not in the call/, why);
    }
    await expectRefused(d, 'media_state_changed', { ...media, sessionId: 'call_1700000000000_qqqqqqqqq' }, 'not_found');
    await expectRefused(d, 'leave_call_session', { sessionId: call }, 'forbidden');
    await expectRefused(x, 'leave_call_session', { sessionId: call }, 'forbidden');
    await expectRefused(b2, 'leave_call_session', { sessionId: call }, 'forbidden');
    await expectRefused(d, 'decline_call', { sessionId: call }, 'forbidden');
    await expectRefused(x, 'decline_call', { sessionId: call }, 'forbidden');

    for (const s of [a, b]) await roundTrip(s);
    for (const s of [a, b]) {
      assertNone(s, 'media_state_changed');
      assertNone(s, 'user_left_call');
      assertNone(s, 'call_declined');
    }
    assert.deepEqual(await getSession(server, alice, call), before, 'the session is unchanged');

    // A participant who left is out of the call for media too.
    await leaveCall(b, call);
    await expectRefused(b, 'media_state_changed', { sessionId: call, hasAudio: false }, 'forbidden');
    await roundTrip(a);
    assertNone(a, 'media_state_changed');
  });
});

describe('tokens over Socket.IO', () => {
  const bad = () => {
    const t = nowSeconds();
    const claims = { sub: 'mallory', name: 'Mallory' };
    return [
      ['expired (exp 45 s ago)', signHS256({ ...claims, exp: t - 45 }, SECRET), 'Token expired'],
      ['not yet valid (nbf in 2 min)', signHS256({ ...claims, exp: t + 3600, nbf: t + 120 }, SECRET), 'Token not valid yet'],
      ['alg none', signHS256({ ...claims, exp: t + 3600 }, SECRET, { alg: 'none', typ: 'JWT' }), 'Unsupported token algorithm'],
      ['alg NONE, unsigned', `${b64url({ alg: 'NONE' })}.${b64url({ ...claims, exp: t + 3600 })}.`, 'Malformed token'],
      ['alg HS512', signHS256({ ...claims, exp: t + 3600 }, SECRET, { alg: 'HS512' }), 'Unsupported token algorithm'],
      ['RS256 header, HMAC signature', signHS256({ ...claims, exp: t + 3600 }, SECRET, { alg: 'RS256' }), 'Unsupported token algorithm'],
      ['HS256 with another secret', mint(claims, `${SECRET}-not`), 'Invalid token signature'],
      ['a spliced signature', (() => {
        const [h, p] = mint(claims, SECRET).split('.');
        const sig = createHmac('sha256', SECRET).update('something else').digest('base64url');
        return `${h}.${p}.${sig}`;
      })(), 'Invalid token signature'],
    ];
  };

  test('at CONNECT: connect_error "Authentication failed: <reason>"', async () => {
    for (const [why, token, reason] of bad()) {
      await assert.rejects(connect(server, { auth: { token } }), (err) => {
        assert.equal(err.connectError?.message, `Authentication failed: ${reason}`, why);
        return true;
      });
    }
  });

  test('with authenticate: authentication_error, still unauthenticated, no invitation reaches the socket', async () => {
    const s = await connect(server, { mode: 'polling' });
    for (const [why, token, reason] of bad()) {
      const ack = await emitAck(s, 'authenticate', token);
      expectAckError(ack, 'unauthenticated', why);
      assert.equal(ack.message, `Authentication failed: ${reason}`, why);
      assert.deepEqual(await waitFor(s, 'authentication_error'), { message: ack.message }, why);
    }
    const host = makeUser('host');
    const { sessionId } = await initiateCall(server, host, ['mallory']);
    expectAckError(await emitAck(s, 'join_call_session', { sessionId }), 'unauthenticated');
    assertNone(s, 'call_invitation');
    assertNone(s, 'authenticated');
  });
});

describe('echoed strings stay JSON-escaped', () => {
  // What would end a frame, a polling record (U+001E), an HTML script, or a JS string if written raw.
  const NASTY = 'q"uote\\ \r\n\u2028\u2029 </script><script>x()</script> \u001e42["call_ended",{}]\u001e \u0000 \u007f é ✓';

  for (const mode of ['polling', 'websocket']) {
    test(`an unknown event name comes back exactly in call_error (${mode})`, async () => {
      const [alice] = [makeUser('alice')];
      const [a] = await connectAll([alice], { mode });
      const name = `evil ${NASTY}`;
      const err = await expectRefused(a, name, {}, 'unknown_event');
      assert.deepEqual(err, { event: name, message: `Unknown event '${name}'`, code: 'unknown_event' });
      await roundTrip(a);
      assertNone(a, 'call_ended');
      assert.deepEqual(a.received.filter((r) => !['call_error', 'authenticated'].includes(r.event)).map((r) => r.event), []);
    });
  }

  test('the raw WebSocket frames of that call_error hold no raw control character and parse to the exact name', async () => {
    const user = makeUser('raw');
    const raw = await rawSocket(server, { token: user.token });
    const name = `evil ${NASTY}`;
    raw.send(`42${JSON.stringify([name, {}])}`);
    const frame = await raw.next((m) => m.startsWith('42["call_error"'), 'call_error');
    assert.doesNotMatch(frame, /[\x00-\x1f]/, `raw control character in ${JSON.stringify(frame)}`);
    assert.deepEqual(JSON.parse(frame.slice(2)), ['call_error', { event: name, message: `Unknown event '${name}'`, code: 'unknown_event' }]);
  });

  test('display names and relayed text reach polling clients exactly, and inject no packet', async () => {
    const alice = makeUser('alice', { name: `Alice ${NASTY}`.replace('\u0000', '') }); // a NUL in a claim is refused
    const bob = makeUser('bob', { name: `Bob ${NASTY}`.replace('\u0000', '') });
    const [a, b] = await connectAll([alice, bob], { mode: 'polling' }); // asserts the exact authenticated names
    const { sessionId } = await initiateCall(server, alice, [bob]);
    const invitation = await waitFor(b, 'call_invitation', { where: (i) => i.sessionId === sessionId });
    assert.equal(invitation.initiator.name, alice.name);
    await joinCall(a, sessionId);
    const joined = await joinCall(b, sessionId);
    assert.equal(joined.participants[0].name, alice.name);
    assert.equal((await waitFor(a, 'user_joined_call')).name, bob.name);
    const sdp = `v=0\r\n${NASTY}`;
    expectAckOk(await emitAck(a, 'webrtc_offer', { sessionId, targetSocketId: b.id, offer: { sdp } }));
    assert.equal((await waitFor(b, 'webrtc_offer')).offer.sdp, sdp);
    for (const s of [a, b]) await roundTrip(s);
    for (const s of [a, b]) assertNone(s, 'call_ended');
    assert.equal(participantOf(await getSession(server, bob, sessionId), alice.userId).name, alice.name);
  });

  test('raw control characters inside a JSON string (invalid JSON) are refused and never relayed', async () => {
    const [alice, bob] = [makeUser('alice'), makeUser('bob')];
    const [b] = await connectAll([bob], { mode: 'polling' });
    const { sessionId } = await initiateCall(server, alice, [bob]);
    for (const ctl of ['\u001e', '\n', '\r', '\u0000']) {
      const raw = await rawSocket(server, { token: alice.token });
      assert.equal((await rawAck(raw, 'join_call_session', JSON.stringify({ sessionId })))?.success, true);
      if (!received(b, 'call_session_joined').length) await joinCall(b, sessionId);
      const text = `{"sessionId":${JSON.stringify(sessionId)},"targetSocketId":${JSON.stringify(b.id)},"offer":{"sdp":"a${ctl}42[\\"call_ended\\",{}]"}}`;
      const id = ackSeq++;
      raw.send(`42${id}["webrtc_offer",${text}]`);
      // A malformed packet closes the whole Engine.IO session, as the reference server does (docs/protocol.md).
      const closed = await Promise.race([raw.closed, sleep(3000).then(() => null)]);
      assert.ok(closed, `raw ${JSON.stringify(ctl)} in a JSON string: the session should be closed`);
      assert.ok(!raw.messages.some((m) => m?.startsWith(`43${id}[`)), `raw ${JSON.stringify(ctl)}: acknowledged`);
      await roundTrip(b);
      assertNone(b, 'webrtc_offer', undefined, `raw ${JSON.stringify(ctl)}`);
      assertNone(b, 'call_ended', undefined, `raw ${JSON.stringify(ctl)}`);
      raw.ws.terminate();
    }
  });
});

describe('a socket whose token expires while connected', () => {
  // exp 26 s ago: still accepted thanks to the 30 s leeway, refused from about 4 s from now. Waiting for a token
  // minted with exp = now + 3 would take the same path 30 s later.
  test('gets authentication_error "Token expired" and is disconnected at exp + leeway; then no invitation, no media', async () => {
    const host = makeUser('host');
    const userId = makeUser('bob').userId;
    const exp = nowSeconds() - (LEEWAY_S - 4);
    const bob = { userId, name: 'Bob', token: mint({ sub: userId, name: 'Bob', exp }, SECRET) };
    const deadline = (exp + LEEWAY_S) * 1000;

    const [h] = await connectAll([host]);
    const viaConnect = await connect(server, { user: bob, connectAuth: true });
    const viaEvent = await connect(server, { user: bob, mode: 'polling' });
    await authenticate(viaEvent);
    const raw = await rawSocket(server, { token: bob.token }); // will not go away by itself

    // Before the deadline the token works: invitation to every socket, raw joins, media is relayed.
    const { sessionId } = await initiateCall(server, host, [bob]);
    for (const s of [viaConnect, viaEvent]) await waitFor(s, 'call_invitation', { where: (i) => i.sessionId === sessionId });
    await raw.next((m) => m.startsWith('42["call_invitation"') && m.includes(sessionId), 'invitation on raw');
    await joinCall(h, sessionId);
    assert.equal((await rawAck(raw, 'join_call_session', JSON.stringify({ sessionId })))?.success, true, 'raw join');
    assert.equal((await rawAck(raw, 'media_state_changed', JSON.stringify({ sessionId, hasVideo: false })))?.success, true);
    await waitFor(h, 'media_state_changed', { where: (m) => m.userId === userId && m.hasVideo === false });
    assert.ok(Date.now() < deadline - 500, 'set-up took too long to test before the deadline');

    // At the deadline: authentication_error {message: "Token expired"} and a server-side disconnect.
    const window = deadline - Date.now() + 4000;
    for (const s of [viaConnect, viaEvent]) {
      const [err, reason] = await Promise.all([
        waitFor(s, 'authentication_error', { where: (e) => e.message === 'Token expired', timeoutMs: window }),
        waitDisconnect(s, window),
      ]);
      assert.deepEqual(err, { message: 'Token expired' });
      assert.equal(reason, 'io server disconnect', 'closed by the server');
      assert.ok(Date.now() >= deadline - 1000, `disconnected ${deadline - Date.now()} ms before exp + leeway`);
    }
    const rawError = await raw.next((m) => m.startsWith('42["authentication_error"'), 'raw authentication_error');
    assert.deepEqual(JSON.parse(rawError.slice(2)), ['authentication_error', { message: 'Token expired' }]);
    await Promise.race([raw.next((m) => m === '41', 'raw namespace disconnect'), raw.closed]);

    // After it: nothing reaches bob's sockets, and what the raw one still sends changes nothing.
    const media = await rawAck(raw, 'media_state_changed', JSON.stringify({ sessionId, hasAudio: false }), 1500);
    assert.notEqual(media?.success, true, `media change after expiry accepted: ${JSON.stringify(media)}`);
    const fresh = await connect(server, { user: { ...bob, token: mint({ sub: userId, name: 'Bob' }, SECRET) }, connectAuth: true });
    const { sessionId: later } = await initiateCall(server, host, [bob]);
    await waitFor(fresh, 'call_invitation', { where: (i) => i.sessionId === later }); // control: bob with a new token
    await sleep(300);
    assert.ok(!raw.messages.some((m) => m?.includes(later)), 'the raw socket got the invitation after expiry');
    for (const s of [viaConnect, viaEvent]) assertNone(s, 'call_invitation', (i) => i.sessionId === later);
    await roundTrip(h);
    assertNone(h, 'media_state_changed', (m) => m.userId === userId && m.hasAudio === false, 'media from an expired socket');
    assert.equal(participantOf(await getSession(server, host, sessionId), userId).hasAudio, true);

    // The expired token itself is refused everywhere now.
    await assert.rejects(connect(server, { auth: { token: bob.token } }), /Token expired/);
    const res = await rest(server, bob).history();
    assert.equal(res.status, 401);
    assert.equal(res.body.message, 'Token expired');
  });
});
