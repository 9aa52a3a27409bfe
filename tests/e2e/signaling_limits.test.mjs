// Per-socket limits and payloads out of the ordinary: events over the 64 KiB event limit (call_error
// payload_too_large), messages over maxPayload (1 MB) over WebSocket and long-polling (the connection is closed;
// the server stays healthy), the events-per-second token bucket, the outbound queue bound of a client that stops
// reading, and binary attachments relayed intact.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import {
  assertHealthy, initiateCall, isRunning, makeUser, pollUntil, startHearth, stopAll,
} from './lib/server.mjs';
import {
  assertNone, closeAll, connect, emitAck, expectAckError, expectAckOk, expectRefused, joinCall, rawSocket,
  received, roundTrip, waitDisconnect, waitFor,
} from './lib/sockets.mjs';

const MAX_PAYLOAD = 1_000_000;
const EVENT_LIMIT = 64 * 1024;
let server;
before(async () => {
  // A high event rate, so the outbound-queue test can send fast; the token bucket has its own server below.
  server = await startHearth({ SOCKET_EVENTS_PER_SECOND: 100000 });
});
after(async () => {
  closeAll();
  await stopAll();
});

/** alice and bob (and more) in one group call, connected with auth at CONNECT. */
async function callOf(names, { mode = 'websocket', on = server } = {}) {
  const users = names.map((n) => makeUser(n));
  const sockets = await Promise.all(users.map((user) => connect(on, { user, connectAuth: true, mode })));
  const { sessionId } = await initiateCall(on, users[0], users.slice(1));
  for (const s of sockets) await joinCall(s, sessionId);
  return { users, sockets, sessionId };
}

/** The server is alive and serving: /healthz, and a new socket connects, authenticates and relays in a call. */
async function assertServing(on = server) {
  assert.ok(isRunning(on), `the server exited: ${on.stderr().slice(-2000)}`);
  await assertHealthy(on);
  const { sockets: [x, y], sessionId } = await callOf(['after1', 'after2'], { on });
  expectAckOk(await emitAck(x, 'webrtc_offer', { targetSocketId: y.id, sessionId, offer: { sdp: 'still here' } }));
  assert.equal((await waitFor(y, 'webrtc_offer')).offer.sdp, 'still here');
  x.disconnect();
  y.disconnect();
}

describe('large payloads', () => {
  test('an event over 64 KiB gets call_error payload_too_large and is not delivered', async () => {
    const { sockets: [a, b], sessionId } = await callOf(['alice', 'bob']);
    for (const size of [EVENT_LIMIT + 1, 200_000, 900_000]) {
      const err = await expectRefused(a, 'webrtc_offer', { targetSocketId: b.id, sessionId, offer: { sdp: 'x'.repeat(size) } },
        'payload_too_large');
      assert.match(err.message, /too large/i);
    }
    await expectRefused(a, 'media_state_changed', { sessionId, hasVideo: false, padding: 'p'.repeat(100_000) }, 'payload_too_large');
    // Just under the limit is fine.
    const sdp = 'y'.repeat(EVENT_LIMIT - 500);
    expectAckOk(await emitAck(a, 'webrtc_offer', { targetSocketId: b.id, sessionId, offer: { sdp } }));
    assert.equal((await waitFor(b, 'webrtc_offer')).offer.sdp.length, sdp.length);
    assert.equal(received(b, 'webrtc_offer').length, 1, 'only the event under the limit arrived');
    assertNone(b, 'media_state_changed');
    assert.ok(a.connected && b.connected);
  });

  test('a WebSocket message over maxPayload closes that connection only; the server stays healthy', async () => {
    const { users: [, bob], sockets: [a, b, c], sessionId } = await callOf(['alice', 'bob', 'carol']);
    assert.equal(b.io.engine.transport.name, 'websocket');
    const bobSocket = b.id;
    b.emit('webrtc_offer', { targetSocketId: a.id, sessionId, offer: { sdp: 'z'.repeat(MAX_PAYLOAD + 1000) } });
    assert.equal(await waitDisconnect(b), 'transport close');
    // The others see bob's connection drop; nothing of his offer arrives.
    assert.deepEqual(await waitFor(a, 'user_disconnected'), { sessionId, userId: bob.userId, socketId: bobSocket });
    await roundTrip(a);
    assertNone(a, 'webrtc_offer');
    // alice and carol are unaffected.
    expectAckOk(await emitAck(a, 'webrtc_offer', { targetSocketId: c.id, sessionId, offer: { sdp: 'fine' } }));
    assert.equal((await waitFor(c, 'webrtc_offer')).offer.sdp, 'fine');
    // bob comes back with a new socket.
    const b2 = await connect(server, { user: bob, connectAuth: true });
    await joinCall(b2, sessionId);
    await waitFor(a, 'user_reconnected');
    await assertServing();
  });

  test('a long-polling request over maxPayload is refused and closes that session only', async () => {
    const { sockets: [a, b], sessionId } = await callOf(['alice', 'bob'], { mode: 'polling' });
    b.emit('webrtc_offer', { targetSocketId: a.id, sessionId, offer: { sdp: 'z'.repeat(MAX_PAYLOAD + 1000) } });
    const reason = await waitDisconnect(b);
    assert.match(reason, /transport (error|close)/);
    await waitFor(a, 'user_disconnected');
    await roundTrip(a);
    assertNone(a, 'webrtc_offer');
    await assertServing();
  });

  // The server answers with a close frame (1009) and ends the connection; a client still sending its oversized
  // frame may see the TCP reset before that close frame (1006).
  const closedForSize = async (raw, what) => {
    const { code } = await raw.closed;
    assert.ok([1009, 1006].includes(code), `${what}: close code ${code}`);
    assert.ok(!raw.messages.some((m) => m?.startsWith('42') && !m.startsWith('42["authenticated"')), `${what}: no event answered`);
  };

  test('raw WebSocket frames over maxPayload (text and binary) close the connection', async () => {
    const user = makeUser('raw');
    const raw = await rawSocket(server, { token: user.token });
    assert.equal(raw.open.maxPayload, MAX_PAYLOAD, 'the open packet announces maxPayload');
    raw.send(`42${JSON.stringify(['webrtc_offer', { offer: 'q'.repeat(2 * MAX_PAYLOAD) }])}`);
    await closedForSize(raw, 'text frame');

    const raw2 = await rawSocket(server, { token: user.token });
    raw2.send(`451-${JSON.stringify(['webrtc_offer', { offer: { _placeholder: true, num: 0 } }])}`);
    raw2.ws.send(Buffer.alloc(MAX_PAYLOAD + 1, 7), { binary: true });
    await closedForSize(raw2, 'binary frame');

    // A frame far over the limit: closed as soon as its header is read.
    const raw3 = await rawSocket(server);
    raw3.send('4' + 'x'.repeat(8 * MAX_PAYLOAD));
    await closedForSize(raw3, 'huge frame');
    await assertServing();
  });
});

describe('binary attachments', () => {
  test('are relayed intact to the target, with fromSocketId/fromUserId', async () => {
    const { users: [alice], sockets: [a, b, c], sessionId } = await callOf(['alice', 'bob', 'carol']);
    const blob = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7) % 256));
    const offer = { targetSocketId: b.id, sessionId, offer: { type: 'offer', sdp: 'v=0', blob, parts: [Buffer.from('one'), 'two', Buffer.alloc(0)] } };
    expectAckOk(await emitAck(a, 'webrtc_offer', offer));
    const got = await waitFor(b, 'webrtc_offer');
    assert.ok(Buffer.isBuffer(got.offer.blob), `a Buffer expected, got ${JSON.stringify(got.offer.blob).slice(0, 80)}`);
    assert.ok(got.offer.blob.equals(blob), 'blob bytes');
    assert.ok(Buffer.from('one').equals(got.offer.parts[0]));
    assert.equal(got.offer.parts[1], 'two');
    assert.ok(Buffer.isBuffer(got.offer.parts[2]) && got.offer.parts[2].length === 0);
    assert.deepEqual({ ...got, offer: undefined }, { ...offer, offer: undefined, fromSocketId: a.id, fromUserId: alice.userId });

    // A binary candidate at the top level of the payload, over long-polling too.
    const { sockets: [p, q], sessionId: pollCall } = await callOf(['pia', 'quinn'], { mode: 'polling' });
    const candidate = Buffer.from('binary candidate \u00ff');
    expectAckOk(await emitAck(p, 'webrtc_ice_candidate', { targetSocketId: q.id, sessionId: pollCall, candidate }));
    assert.ok(candidate.equals((await waitFor(q, 'webrtc_ice_candidate')).candidate));

    await roundTrip(c);
    assertNone(c, 'webrtc_offer');
  });

  test('binary and text relays from several senders to one target arrive whole and in order', async () => {
    const { sockets, sessionId } = await callOf(['target', 's1', 's2', 's3']);
    const [t, ...senders] = sockets;
    const N = 40;
    for (let i = 0; i < N; i++) {
      for (const [k, s] of senders.entries()) {
        const tag = `${k}:${i}`;
        if (i % 2) s.emit('webrtc_ice_candidate', { targetSocketId: t.id, sessionId, candidate: { tag } });
        else s.emit('webrtc_ice_candidate', { targetSocketId: t.id, sessionId, candidate: { tag, bytes: Buffer.from(tag.repeat(50)) } });
      }
    }
    for (const [k, s] of senders.entries()) {
      for (let i = 0; i < N; i++) {
        const got = await waitFor(t, 'webrtc_ice_candidate', { where: (e) => e.fromSocketId === s.id });
        const tag = `${k}:${i}`;
        assert.equal(got.candidate.tag, tag, `order of ${s.id}`);
        if (!(i % 2)) assert.ok(Buffer.from(tag.repeat(50)).equals(got.candidate.bytes), `bytes of ${tag}`);
      }
    }
    assert.ok(t.connected);
  });

  test('a binary event over 64 KiB is refused like a text one', async () => {
    const { sockets: [a, b], sessionId } = await callOf(['alice', 'bob']);
    await expectRefused(a, 'webrtc_offer', { targetSocketId: b.id, sessionId, offer: { blob: Buffer.alloc(100_000) } }, 'payload_too_large');
    await roundTrip(b);
    assertNone(b, 'webrtc_offer');
  });
});

describe('outbound queue bound', () => {
  test('a client that stops reading is disconnected; the sender and the server carry on', async () => {
    const [alice, rawUser] = [makeUser('alice'), makeUser('slow')];
    const a = await connect(server, { user: alice, connectAuth: true });
    const { sessionId } = await initiateCall(server, alice, [rawUser]);
    await joinCall(a, sessionId);
    const raw = await rawSocket(server, { token: rawUser.token });
    raw.emit('join_call_session', { sessionId });
    await raw.next((m) => m.startsWith('42["call_session_joined"'), 'call_session_joined');
    await waitFor(a, 'user_joined_call');
    raw.ws.pause(); // stop reading: the server's writes back up

    const sdp = 's'.repeat(60_000);
    let sent = 0;
    const overflowed = waitFor(a, 'user_disconnected', { timeoutMs: 30_000, what: 'user_disconnected of the slow reader' });
    let done = false;
    overflowed.then(() => { done = true; }, () => { done = true; });
    while (!done && sent < 2000) {
      for (let i = 0; i < 20; i++) a.emit('webrtc_offer', { targetSocketId: raw.socketId, sessionId, offer: { sdp } });
      sent += 20;
      await new Promise((r) => setImmediate(r));
      if (a.io.engine.transport.writable === false) await new Promise((r) => a.io.engine.once('drain', r));
    }
    const ev = await overflowed;
    assert.equal(ev.socketId, raw.socketId);
    assert.ok(a.connected, 'the sender is still connected');
    await roundTrip(a);
    await assertServing();
  });
});

describe('events per second (SOCKET_EVENTS_PER_SECOND=5, bursts of 10)', () => {
  test('events over the rate get call_error rate_limited and are not delivered; the bucket refills', async () => {
    const limited = await startHearth({ SOCKET_EVENTS_PER_SECOND: 5 });
    const { sockets: [a, b], sessionId } = await callOf(['alice', 'bob'], { on: limited });
    // The joins used 1 token each; now 20 at once.
    const acks = await Promise.all(Array.from({ length: 20 }, (_, i) =>
      emitAck(a, 'webrtc_ice_candidate', { targetSocketId: b.id, sessionId, candidate: { i } })));
    const ok = acks.filter((x) => x.success);
    const refused = acks.filter((x) => !x.success);
    for (const r of refused) expectAckError(r, 'rate_limited');
    assert.ok(ok.length >= 8 && ok.length <= 11, `${ok.length} accepted of 20 (burst 10)`);
    const errors = await Promise.all(refused.map(() => waitFor(a, 'call_error', { where: (e) => e.code === 'rate_limited' })));
    for (const e of errors) assert.equal(e.event, 'webrtc_ice_candidate');
    // Accepted ones arrive, refused ones do not.
    for (let n = 0; n < ok.length; n++) await waitFor(b, 'webrtc_ice_candidate');
    // The bucket refills at 5 per second.
    const again = await pollUntil(async () => {
      const ack = await emitAck(a, 'webrtc_ice_candidate', { targetSocketId: b.id, sessionId, candidate: { again: true } });
      return ack.success ? ack : null;
    }, { timeoutMs: 3000, intervalMs: 100 });
    assert.ok(again, 'accepted again after a pause');
    await waitFor(b, 'webrtc_ice_candidate', { where: (e) => e.candidate.again });
    assert.equal(received(b, 'webrtc_ice_candidate').length, ok.length + 1, 'refused events were never delivered');
    // Limits are per socket: bob is not limited by alice's burst.
    expectAckOk(await emitAck(b, 'webrtc_answer', { targetSocketId: a.id, sessionId, answer: {} }));
    await limited.stop();
  });
});
