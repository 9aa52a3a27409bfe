// Reconnection with a grace period (RECONNECT_GRACE_SECONDS=2 here): a participant whose connection drops keeps
// its place; the others see user_disconnected, then user_reconnected when the client (socket.io-client's own
// reconnection, auth at CONNECT) joins again from its new socket, and nobody leaves. Without a rejoin within the
// grace the participant leaves (user_left_call), and when that was the last one the call ends (all_left).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import {
  getSession, initiateCall, makeUser, participantOf, pollUntil, startHearth, stopAll,
} from './lib/server.mjs';
import {
  assertNone, closeAll, connect, emitAck, expectAckOk, expectRefused, joinCall, received, roundTrip, waitFor,
} from './lib/sockets.mjs';

const GRACE_MS = 2000;
let server;
before(async () => {
  server = await startHearth({ RECONNECT_GRACE_SECONDS: GRACE_MS / 1000 });
});
after(async () => {
  closeAll();
  await stopAll();
});

// A socket that reconnects by itself (socket.io-client's Manager), authenticating at CONNECT each time.
function reconnecting(user, mode) {
  return connect(server, {
    user, connectAuth: true, mode, reconnection: true, reconnectionDelay: 100, reconnectionDelayMax: 200,
    randomizationFactor: 0,
  });
}

// Drops the connection under the socket (as a network failure would): the client notices and reconnects.
function dropConnection(socket) {
  socket.io.engine.close();
}

// Resolves the socket's next `connect` (after a reconnection) and its new `authenticated`.
async function reconnected(socket) {
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${socket.hearthUser.userId}: no reconnection within 5 s`)), 5000);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  await waitFor(socket, 'authenticated');
}

// Two participants of one call, bob's socket reconnecting by itself.
async function twoInACall(mode) {
  const [alice, bob] = [makeUser('alice'), makeUser('bob')];
  const a = await connect(server, { user: alice, connectAuth: true, mode });
  const b = await reconnecting(bob, mode);
  const { sessionId } = await initiateCall(server, alice, [bob], { sessionType: 'one-to-one' });
  await joinCall(a, sessionId, { peerId: 'peer-a' });
  await joinCall(b, sessionId, { peerId: 'peer-b' });
  await waitFor(a, 'user_joined_call');
  return { alice, bob, a, b, sessionId };
}

describe('reconnection within the grace period', () => {
  for (const mode of ['websocket', 'upgrade']) {
    test(`${mode}: user_disconnected, then user_reconnected; nobody leaves, relays reach the new socket`, async () => {
      const { alice, bob, a, b, sessionId } = await twoInACall(mode);
      // The clock for "the grace has passed": a second call whose participant drops and never comes back.
      const { a: watcher, b: goner, bob: gonerUser, sessionId: clockCall } = await twoInACall('websocket');

      const oldSocket = b.id;
      const dropped = Date.now();
      dropConnection(b);
      assert.deepEqual(await waitFor(a, 'user_disconnected'), { sessionId, userId: bob.userId, socketId: oldSocket });
      // While bob is away he keeps his place (still active), but he cannot be reached.
      let doc = await getSession(server, alice, sessionId);
      assert.equal(doc.status, 'active');
      assert.equal(participantOf(doc, bob.userId).isActive, true);
      await expectRefused(a, 'webrtc_offer', { targetSocketId: oldSocket, sessionId, offer: {} }, 'forbidden');

      // The client reconnects (a new socket id), authenticates at CONNECT, and joins again.
      await reconnected(b);
      assert.notEqual(b.id, oldSocket);
      const joined = await joinCall(b, sessionId, { peerId: 'peer-b2' });
      assert.deepEqual(joined.participants.map((p) => [p.userId, p.socketId]), [[alice.userId, a.id]]);
      assert.deepEqual(await waitFor(a, 'user_reconnected'),
        { sessionId, userId: bob.userId, oldSocketId: oldSocket, socketId: b.id, peerId: 'peer-b2' });
      assert.ok(Date.now() - dropped < GRACE_MS, 'the rejoin happened within the grace');

      // Relays go both ways with the new socket.
      expectAckOk(await emitAck(a, 'webrtc_offer', { targetSocketId: b.id, sessionId, offer: { sdp: 'again' } }));
      assert.equal((await waitFor(b, 'webrtc_offer')).offer.sdp, 'again');
      expectAckOk(await emitAck(b, 'webrtc_answer', { targetSocketId: a.id, sessionId, answer: { sdp: 'ok' } }));
      assert.equal((await waitFor(a, 'webrtc_answer')).fromSocketId, b.id);

      // Let the grace pass (the clock call's participant drops now and leaves when its grace ends).
      const gonerSocket = goner.id;
      goner.io.opts.reconnection = false;
      dropConnection(goner);
      await waitFor(watcher, 'user_disconnected');
      const left = await waitFor(watcher, 'user_left_call', { timeoutMs: GRACE_MS + 5000 });
      assert.deepEqual(left, { sessionId: clockCall, userId: gonerUser.userId, socketId: gonerSocket });
      assert.ok(Date.now() - dropped >= GRACE_MS, 'the first call\'s grace has passed too');

      // Nobody left bob's call; bob is active with his new socket; the call goes on.
      await roundTrip(a);
      await roundTrip(b);
      assertNone(a, 'user_left_call');
      assertNone(b, 'call_ended');
      assert.equal(received(a, 'user_disconnected').length, 1);
      doc = await getSession(server, alice, sessionId);
      assert.equal(doc.status, 'active');
      const p = participantOf(doc, bob.userId);
      assert.equal(p.isActive, true);
      assert.equal(p.socketId, b.id);
      assert.equal(p.peerId, 'peer-b2');
      expectAckOk(await emitAck(b, 'webrtc_ice_candidate', { targetSocketId: a.id, sessionId, candidate: { c: 1 } }));
      await waitFor(a, 'webrtc_ice_candidate');
    });
  }
});

describe('reconnection after the grace period', () => {
  test('the participant leaves (user_left_call) and can join again as a new participant', async () => {
    const { alice, bob, a, b, sessionId } = await twoInACall('websocket');
    const oldSocket = b.id;
    b.io.opts.reconnection = false; // gone for longer than the grace
    const dropped = Date.now();
    dropConnection(b);
    assert.deepEqual(await waitFor(a, 'user_disconnected'), { sessionId, userId: bob.userId, socketId: oldSocket });
    const left = await waitFor(a, 'user_left_call', { timeoutMs: GRACE_MS + 5000 });
    const waited = Date.now() - dropped;
    assert.deepEqual(left, { sessionId, userId: bob.userId, socketId: oldSocket });
    assert.ok(waited >= GRACE_MS - 200, `left after ${waited} ms, before the ${GRACE_MS} ms grace`);
    assert.ok(waited < GRACE_MS + 3000, `left only after ${waited} ms`);
    let doc = await getSession(server, alice, sessionId);
    assert.equal(doc.status, 'active', 'alice is still in the call');
    assert.equal(participantOf(doc, bob.userId).isActive, false);

    // Back later: a fresh join, announced as user_joined_call.
    const b2 = await connect(server, { user: bob, connectAuth: true });
    const joined = await joinCall(b2, sessionId);
    assert.equal(joined.participants.length, 1);
    const again = await waitFor(a, 'user_joined_call', { where: (e) => e.socketId === b2.id });
    assert.equal(again.userId, bob.userId);
    doc = await getSession(server, alice, sessionId);
    assert.equal(participantOf(doc, bob.userId).isActive, true);
  });

  test('when everyone is gone past the grace, the call ends (all_left)', async () => {
    const { alice, bob, a, b, sessionId } = await twoInACall('websocket');
    const carol = makeUser('carol');
    const alice2 = await connect(server, { user: alice, connectAuth: true }); // alice's other device, not in the call
    const { sessionId: groupCall } = await initiateCall(server, alice, [bob, carol]);
    const c = await connect(server, { user: carol, connectAuth: true });
    await joinCall(c, groupCall);
    // 1) the one-to-one: both drop; alice's other socket (not in the call) learns the end.
    b.io.opts.reconnection = false;
    dropConnection(b);
    dropConnection(a);
    const ended = await waitFor(alice2, 'call_ended', { where: (e) => e.sessionId === sessionId, timeoutMs: GRACE_MS + 5000 });
    assert.deepEqual(ended.reason, 'all_left');
    assert.equal(ended.endedBy, null);
    assert.ok(Number.isInteger(ended.duration));
    const doc = await getSession(server, bob, sessionId);
    assert.equal(doc.status, 'ended');
    assert.equal(doc.endReason, 'all_left');
    assert.ok(doc.participants.every((p) => !p.isActive));
    // 2) a waiting group call whose only active member drops: it stays waiting.
    c.io.opts.reconnection = false;
    dropConnection(c);
    // (nobody is left in that call to be told: watch the session document)
    const groupDoc = await pollUntil(async () => {
      const d = await getSession(server, carol, groupCall);
      return participantOf(d, carol.userId).isActive ? null : d;
    }, { timeoutMs: GRACE_MS + 5000, intervalMs: 100 });
    assert.ok(groupDoc, 'carol left after the grace');
    assert.equal(groupDoc.status, 'waiting');
    await roundTrip(alice2);
    assertNone(alice2, 'call_ended', (e) => e.sessionId === groupCall);
  });
});
