// Call quality over Socket.IO (docs/protocol.md, call_quality_report): reports from socket.io clients score every
// participant, changes reach every member, the bottleneck is named (and cleared), a member who joins later is told
// the current state, reports are validated and rate limited, and the quality summary ends up stored with the session
// (GET /session/:id/quality) and in the usage analytics.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { API, endCall, initiateCall, makeUser, pollUntil, rest, sleep, startHearth, stopAll } from './lib/server.mjs';
import {
  assertNone, closeAll, connect, emitAck, expectAckError, expectAckOk, joinCall, roundTrip, waitFor,
} from './lib/sockets.mjs';

const LEVELS = ['excellent', 'good', 'fair', 'poor', 'lost'];

let server;
before(async () => {
  server = await startHearth();
});
after(async () => {
  closeAll();
  await stopAll();
});

/** A call of `n` users, every socket joined; returns {users, sockets, sessionId}. */
async function callOf(prefixes) {
  const users = prefixes.map((p) => makeUser(p));
  const sockets = await Promise.all(users.map((user) => connect(server, { user, connectAuth: true })));
  const { sessionId } = await initiateCall(server, users[0], users.slice(1));
  for (const s of sockets) await joinCall(s, sessionId);
  return { users, sockets, sessionId };
}

const link = (socket, { loss = 0, rtt = 40, jitter = 2, ...extra } = {}) => ({
  socketId: socket.id, rttMs: rtt, jitterMs: jitter, packetLossPct: loss, ...extra,
});

// The server takes one report a second per socket, bursts of 5: the tests keep to that with a bucket of their own.
const buckets = new WeakMap();
async function paced(socket) {
  const now = Date.now();
  const b = buckets.get(socket) ?? { tokens: 5, at: now };
  b.tokens = Math.min(5, b.tokens + (now - b.at) / 1000);
  b.at = now;
  if (b.tokens < 1) {
    await sleep(Math.ceil((1 - b.tokens) * 1000) + 20);
    b.tokens = 1;
    b.at = Date.now();
  }
  b.tokens -= 1;
  buckets.set(socket, b);
}

/** Sends a report (paced) and expects it acknowledged; returns the ack's data. */
async function report(socket, sessionId, links, extra = {}) {
  await paced(socket);
  const ack = await emitAck(socket, 'call_quality_report', { sessionId, links, ...extra });
  return expectAckOk(ack, `ack of call_quality_report by ${socket.id}`);
}

/** The next connection_quality_changed about `userId` on `socket` matching `where`. */
function levelOf(socket, sessionId, userId, where = () => true) {
  return waitFor(socket, 'connection_quality_changed', {
    where: (e) => e.sessionId === sessionId && e.userId === userId && where(e),
  });
}

const worseThanGood = (e) => LEVELS.indexOf(e.level) > LEVELS.indexOf('good');

describe('call_quality_report', () => {
  test('scores every participant, and tells every member', async () => {
    const { users, sockets, sessionId } = await callOf(['ann', 'ben', 'cat']);
    const [a, b, c] = sockets;
    assert.deepEqual(await report(a, sessionId, [link(b), link(c)]), { level: 'excellent', mos: 4.39 });
    await report(b, sessionId, [link(a), link(c)]);
    await report(c, sessionId, [link(a), link(b)]);
    for (const s of sockets) {
      for (const [i, user] of users.entries()) {
        const ev = await levelOf(s, sessionId, user.userId);
        assert.deepEqual(Object.keys(ev).sort(), ['level', 'mos', 'sessionId', 'socketId', 'userId']);
        assert.equal(ev.socketId, sockets[i].id);
        assert.equal(ev.level, 'excellent', `${user.userId} seen by ${s.id}`);
        assert.ok(ev.mos > 4 && ev.mos <= 4.5, `mos ${ev.mos}`);
      }
    }
  });

  test('a weak uplink drops its sender for everyone, and is named the bottleneck until it recovers', async () => {
    const { users, sockets, sessionId } = await callOf(['ann', 'ben', 'cat']);
    const [a, b, c] = sockets;
    const [ann] = users;
    await report(a, sessionId, [link(b), link(c)]);
    await report(b, sessionId, [link(a), link(c)]);
    await report(c, sessionId, [link(a), link(b)]);
    for (const s of sockets) await levelOf(s, sessionId, ann.userId);

    // ben and cat both receive ann at 20 % loss, twice (one sample is not enough to change a level).
    await report(b, sessionId, [link(a, { loss: 20 }), link(c)]);
    await report(c, sessionId, [link(a, { loss: 20 }), link(b)]);
    await roundTrip(a);
    assertNone(a, 'connection_quality_changed', (e) => e.userId === ann.userId && e.level !== 'excellent',
      'one bad sample does not change a level');
    await report(b, sessionId, [link(a, { loss: 20 }), link(c)]);
    await report(c, sessionId, [link(a, { loss: 20 }), link(b)]);
    for (const s of sockets) {
      const ev = await levelOf(s, sessionId, ann.userId, worseThanGood);
      assert.ok(ev.mos < 3.6, `ann's mos ${ev.mos}`);
      assert.deepEqual(await waitFor(s, 'quality_bottleneck_changed'), { sessionId, userId: ann.userId });
    }

    // ann's uplink recovers: the level comes back and the bottleneck is cleared.
    for (let i = 0; i < 4; i += 1) {
      await report(b, sessionId, [link(a), link(c)]);
      await report(c, sessionId, [link(a), link(b)]);
    }
    for (const s of sockets) {
      await levelOf(s, sessionId, ann.userId, (e) => !worseThanGood(e));
      assert.deepEqual(await waitFor(s, 'quality_bottleneck_changed', { where: (e) => e.userId === null }),
        { sessionId, userId: null });
    }
  });

  test('a weak downlink is not a bottleneck', async () => {
    const { users, sockets, sessionId } = await callOf(['ann', 'ben', 'cat']);
    const [a, b, c] = sockets;
    for (let i = 0; i < 2; i += 1) {
      await report(c, sessionId, [link(a, { loss: 25 }), link(b, { loss: 25 })]); // cat receives everyone badly
      await report(a, sessionId, [link(b), link(c)]);
      await report(b, sessionId, [link(a), link(c)]);
    }
    const ev = await levelOf(a, sessionId, users[2].userId, worseThanGood);
    assert.ok(ev.mos < 3.6);
    for (const s of sockets) await roundTrip(s);
    assertNone(a, 'quality_bottleneck_changed', () => true, 'nobody\'s uplink is to blame');
  });

  test('a member who joins later is told the current levels and bottleneck', async () => {
    const [ann, ben, cat, dan] = ['ann', 'ben', 'cat', 'dan'].map((p) => makeUser(p));
    const sockets = await Promise.all([ann, ben, cat, dan].map((user) => connect(server, { user, connectAuth: true })));
    const [a, b, c, d] = sockets;
    const { sessionId } = await initiateCall(server, ann, [ben, cat, dan]);
    for (const s of [a, b, c]) await joinCall(s, sessionId);
    for (let i = 0; i < 2; i += 1) {
      await report(b, sessionId, [link(a, { loss: 30 }), link(c)]);
      await report(c, sessionId, [link(a, { loss: 30 }), link(b)]);
    }
    await waitFor(a, 'quality_bottleneck_changed', { where: (e) => e.userId === ann.userId });

    await joinCall(d, sessionId);
    const seen = new Set();
    for (let i = 0; i < 3; i += 1) {
      const ev = await waitFor(d, 'connection_quality_changed', { where: (e) => !seen.has(e.userId) });
      seen.add(ev.userId);
      if (ev.userId === ann.userId) assert.ok(worseThanGood(ev), `ann is ${ev.level}`);
    }
    assert.deepEqual([...seen].sort(), [ann, ben, cat].map((u) => u.userId).sort());
    assert.deepEqual(await waitFor(d, 'quality_bottleneck_changed'), { sessionId, userId: ann.userId });
    // The events come after call_session_joined.
    const order = d.received.map((r) => r.event);
    assert.ok(order.indexOf('call_session_joined') < order.indexOf('connection_quality_changed'), order.join(','));
  });

  test('reports are validated, limited to members, and rate limited', async () => {
    const { users, sockets, sessionId } = await callOf(['ann', 'ben']);
    const [a, b] = sockets;
    // Each from a socket of its own: the rate limit (checked first) would refuse the sixth from one socket.
    const refused = async (payload, code, message) => {
      const s = await connect(server, { user: users[0], connectAuth: true });
      const ack = await emitAck(s, 'call_quality_report', payload);
      expectAckError(ack, code, JSON.stringify(payload).slice(0, 80));
      if (message) assert.match(ack.message, message);
      const err = await waitFor(s, 'call_error', { where: (e) => e.event === 'call_quality_report' });
      assert.deepEqual(err, { event: 'call_quality_report', message: ack.message, code });
      s.close();
    };
    await refused({ sessionId }, 'invalid_argument', /^links: an array is required$/);
    await refused({ sessionId, links: [link(b, { loss: 101 })] }, 'invalid_argument',
      /^links\[0\]\.packetLossPct: must be a number between 0 and 100$/);
    await refused({ sessionId, links: [{ rttMs: 1, jitterMs: 1, packetLossPct: 0 }] }, 'invalid_argument',
      /^links\[0\]\.socketId: required$/);
    await refused({ sessionId, links: [link(b, { rtt: -1 })] }, 'invalid_argument', /rttMs/);
    await refused({ sessionId, links: [link(b, { localCandidateType: 'carrier-pigeon' })] }, 'invalid_argument',
      /localCandidateType: must be one of host, srflx, prflx, relay/);
    await refused({ sessionId, links: Array.from({ length: 33 }, () => link(b)) }, 'invalid_argument',
      /^links: at most 32 links$/);
    await refused({ links: [] }, 'invalid_argument', /^sessionId: required$/);

    // Not in this call: another call's member, and a socket that never joined.
    const other = await callOf(['eve', 'fay']);
    const outsider = await connect(server, { user: users[1], connectAuth: true });
    for (const s of [other.sockets[0], outsider]) {
      const ack = await emitAck(s, 'call_quality_report', { sessionId, links: [link(a)] });
      expectAckError(ack, 'forbidden');
    }

    // One a second with a burst of 5.
    const ben2 = await connect(server, { user: users[1], connectAuth: true });
    await joinCall(ben2, sessionId); // takes over ben's place in the call
    const acks = await Promise.all(
      Array.from({ length: 7 }, () => emitAck(ben2, 'call_quality_report', { sessionId, links: [link(a)] })));
    const limited = acks.filter((ack) => ack?.code === 'rate_limited');
    assert.ok(acks.filter((ack) => ack?.success).length >= 5, JSON.stringify(acks));
    assert.ok(limited.length >= 1, JSON.stringify(acks));
    assert.match(limited[0].message, /Too many quality reports/);
  });
});

describe('quality summary', () => {
  test('is stored with the session, read by its members, and counted in the analytics', async () => {
    const { users, sockets, sessionId } = await callOf(['ann', 'ben']);
    const [a, b] = sockets;
    const [ann, ben] = users;
    // An offer/answer exchange between the two: the server's set-up time.
    expectAckOk(await emitAck(a, 'webrtc_offer', { sessionId, targetSocketId: b.id, offer: { type: 'offer', sdp: 'v=0' } }));
    await waitFor(b, 'webrtc_offer');
    expectAckOk(await emitAck(b, 'webrtc_answer', { sessionId, targetSocketId: a.id, answer: { type: 'answer', sdp: 'v=0' } }));
    await waitFor(a, 'webrtc_answer');

    await report(a, sessionId, [link(b, { localCandidateType: 'relay', remoteCandidateType: 'srflx', loss: 2 })],
      { connectionEstablishedMs: 640 });
    await report(b, sessionId, [link(a, { localCandidateType: 'host', remoteCandidateType: 'relay', loss: 7 })],
      { connectionEstablishedMs: 910 });
    await report(b, sessionId, [link(a, { localCandidateType: 'host', remoteCandidateType: 'relay', loss: 1 })],
      { connectionEstablishedMs: 5000 }); // a later report of the same join: the first value counts
    await endCall(server, ann, sessionId);

    const stranger = makeUser('stranger');
    assert.equal((await rest(server, stranger).get(`${API}/session/${sessionId}/quality`)).status, 403);
    assert.equal((await rest(server, ann).get(`${API}/session/not_a_session/quality`)).status, 404);
    const res = await rest(server, ben).get(`${API}/session/${sessionId}/quality`);
    assert.equal(res.status, 200, res.text);
    const { data } = res.body;
    assert.equal(data.sessionId, sessionId);
    const byUser = Object.fromEntries(data.participants.map((p) => [p.userId, p]));
    assert.deepEqual(Object.keys(byUser).sort(), [ann.userId, ben.userId].sort());
    for (const p of data.participants) {
      assert.ok(p.samples > 0, `${p.userId} scored`);
      assert.ok(p.mosMin <= p.mosMean && p.mosMean <= 4.5, JSON.stringify(p));
      assert.equal(typeof p.establishmentMs.server, 'number', `server set-up time of ${p.userId}`);
      assert.ok(p.establishmentMs.server >= 0 && p.establishmentMs.server < 60_000);
      assert.equal(p.relayed, true, 'the link went through TURN');
      assert.ok(LEVELS.includes(p.level), p.level);
    }
    assert.equal(byUser[ann.userId].establishmentMs.client, 640);
    assert.equal(byUser[ben.userId].establishmentMs.client, 910);
    assert.deepEqual(byUser[ann.userId].candidateTypes, ['relay']); // its own end, as ann and ben saw it
    assert.deepEqual(byUser[ben.userId].candidateTypes, ['host', 'srflx']);
    assert.equal(byUser[ann.userId].worstLossPct, 7);
    assert.equal(byUser[ben.userId].worstLossPct, 7);
    assert.equal(data.call.relayed, true);

    // The recorded call carries its quality into the usage analytics (recorded a few seconds after it ended).
    const admin = makeUser('admin', { role: 'admin' });
    const from = new Date(Date.now() - 60_000).toISOString();
    const to = new Date(Date.now() + 60_000).toISOString();
    const analytics = await pollUntil(async () => {
      const r = await rest(server, admin).get(`${API}/analytics?from=${from}&to=${to}&granularity=hour`);
      assert.equal(r.status, 200, r.text);
      return r.body.data.quality.calls >= 1 ? r.body.data : undefined;
    }, { timeoutMs: 20_000 });
    assert.ok(analytics, 'the call is recorded in the analytics within 20 s');
    assert.ok(analytics.quality.relayed.calls >= 1);
    assert.ok(analytics.establishmentMs.client.count >= 1);
    assert.ok(analytics.establishmentMs.server.count >= 1);
  });
});
