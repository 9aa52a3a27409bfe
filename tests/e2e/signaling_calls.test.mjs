// Call rules over Socket.IO: declines, the REST end announced to participants and invitees, relays refused
// between sockets that are not both active participants of the call (and never delivered), two tabs of one
// user, capacity (the 9th participant of a group call), join/leave/media/decline refusals, and the shape of
// every acknowledgement.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import {
  endCall, getSession, initiateCall, ISO_RE, makeUser, participantOf, putMedia, sleep, startHearth, stopAll,
} from './lib/server.mjs';
import {
  assertNone, closeAll, connect, emitAck, expectAckOk, expectRefused, joinCall, leaveCall,
  received, roundTrip, waitDisconnect, waitFor,
} from './lib/sockets.mjs';

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

function assertEnded(ev, { sessionId, endedBy, reason }, what) {
  assert.deepEqual(Object.keys(ev).sort(), ['duration', 'endedBy', 'reason', 'sessionId'], what);
  assert.equal(ev.sessionId, sessionId, what);
  assert.equal(ev.endedBy, endedBy, what);
  assert.equal(ev.reason, reason, what);
  assert.ok(Number.isInteger(ev.duration) && ev.duration >= 0, `${what}: duration ${ev.duration}`);
}

describe('decline_call', () => {
  test('one-to-one: the initiator gets call_declined, and everyone invited gets call_ended (declined)', async () => {
    const [alice, bob] = [makeUser('alice'), makeUser('bob')];
    const [a, b1] = await connectAll([alice, bob]);
    const [b2] = await connectAll([bob], { mode: 'polling' });
    const { sessionId } = await initiateCall(server, alice, [bob], { sessionType: 'one-to-one' });
    await joinCall(a, sessionId); // the caller is already in the call, ringing
    await waitFor(b2, 'call_invitation');

    expectAckOk(await emitAck(b2, 'decline_call', { sessionId }), 'ack of decline_call');
    assert.deepEqual(await waitFor(a, 'call_declined'), { sessionId, userId: bob.userId, name: bob.name });
    for (const s of [a, b1, b2]) {
      assertEnded(await waitFor(s, 'call_ended'), { sessionId, endedBy: bob.userId, reason: 'declined' }, `call_ended on ${s.id}`);
    }
    const doc = await getSession(server, alice, sessionId);
    assert.equal(doc.status, 'ended');
    assert.equal(doc.endReason, 'declined');
    assert.equal(doc.endedBy, bob.userId);
    assert.equal(doc.duration, 0);
    assert.equal(participantOf(doc, alice.userId).isActive, false);
    // Ended: no more joining, declining, or relaying.
    await expectRefused(b1, 'join_call_session', { sessionId }, 'session_ended');
    await expectRefused(b1, 'decline_call', { sessionId }, 'session_ended');
    await expectRefused(a, 'webrtc_offer', { sessionId, targetSocketId: b1.id, offer: {} }, undefined);
    await roundTrip(b1);
    assertNone(b1, 'webrtc_offer');
  });

  test('group: the initiator is told, the session does not change', async () => {
    const [alice, bob, carol] = [makeUser('alice'), makeUser('bob'), makeUser('carol')];
    const [a, b, c] = await connectAll([alice, bob, carol]);
    const { sessionId } = await initiateCall(server, alice, [bob, carol]);
    expectAckOk(await emitAck(b, 'decline_call', { sessionId }));
    assert.deepEqual(await waitFor(a, 'call_declined'), { sessionId, userId: bob.userId, name: bob.name });
    const doc = await getSession(server, alice, sessionId);
    assert.equal(doc.status, 'waiting');
    for (const s of [a, b, c]) await roundTrip(s);
    for (const s of [a, b, c]) assertNone(s, 'call_ended');
    assertNone(c, 'call_declined', undefined, 'only the initiator is told');
    // The call goes on: carol and alice can join.
    await joinCall(a, sessionId);
    await joinCall(c, sessionId);
  });

  test('refusals: initiator, non-member, unknown session, bad payload', async () => {
    const [alice, bob, eve] = [makeUser('alice'), makeUser('bob'), makeUser('eve')];
    const [a, , e] = await connectAll([alice, bob, eve]);
    const { sessionId } = await initiateCall(server, alice, [bob], { sessionType: 'one-to-one' });
    await expectRefused(a, 'decline_call', { sessionId }, 'invalid_argument');
    await expectRefused(e, 'decline_call', { sessionId }, 'forbidden');
    await expectRefused(e, 'decline_call', { sessionId: 'call_1700000000000_aaaaaaaaa' }, 'not_found');
    await expectRefused(e, 'decline_call', {}, 'invalid_argument');
    await expectRefused(e, 'decline_call', 'just a string', 'invalid_argument');
    await roundTrip(a);
    assertNone(a, 'call_declined');
    assert.equal((await getSession(server, alice, sessionId)).status, 'waiting');
  });
});

describe('REST end', () => {
  test('call_ended goes to participants and to invitees who have not joined, not to others', async () => {
    const [alice, bob, carol, dave] = [makeUser('alice'), makeUser('bob'), makeUser('carol'), makeUser('dave')];
    const [a, b, c, d] = await connectAll([alice, bob, carol, dave]);
    const { sessionId } = await initiateCall(server, alice, [bob, carol]);
    await joinCall(a, sessionId);
    await joinCall(b, sessionId);
    const { session } = await endCall(server, alice, sessionId);
    assert.equal(session.endReason, 'ended_by_user');
    for (const s of [a, b, c]) {
      const ev = await waitFor(s, 'call_ended');
      assertEnded(ev, { sessionId, endedBy: alice.userId, reason: 'ended_by_user' }, `call_ended on ${s.hearthUser.userId}`);
      assert.equal(ev.duration, session.duration);
    }
    await roundTrip(d);
    assertNone(d, 'call_ended', undefined, 'dave is not invited');
    // Nobody got user_left_call: the call ended, it was not left.
    for (const s of [a, b]) assertNone(s, 'user_left_call');
    // The room is gone: relaying, leaving, media and joining are refused.
    await expectRefused(a, 'webrtc_offer', { sessionId, targetSocketId: b.id, offer: {} });
    await expectRefused(b, 'leave_call_session', { sessionId }, 'forbidden');
    await expectRefused(b, 'media_state_changed', { sessionId, hasAudio: false });
    await expectRefused(c, 'join_call_session', { sessionId }, 'session_ended');
    await roundTrip(b);
    assertNone(b, 'webrtc_offer');
  });

  test('the invitee of a one-to-one call ends it before anyone joined: duration 0', async () => {
    const [alice, bob] = [makeUser('alice'), makeUser('bob')];
    const [a, b] = await connectAll([alice, bob]);
    const { sessionId } = await initiateCall(server, alice, [bob], { sessionType: 'one-to-one' });
    await endCall(server, bob, sessionId);
    for (const s of [a, b]) {
      const ev = await waitFor(s, 'call_ended');
      assertEnded(ev, { sessionId, endedBy: bob.userId, reason: 'ended_by_user' }, 'call_ended');
      assert.equal(ev.duration, 0);
    }
    // Ending again is harmless and announces nothing new.
    await endCall(server, alice, sessionId);
    await roundTrip(a);
    assert.equal(received(a, 'call_ended').length, 1);
  });
});

describe('relay refusals', () => {
  test('a relay to or from a socket that is not an active participant is refused and never delivered', async () => {
    const [alice, bob, carol, dave] = [makeUser('alice'), makeUser('bob'), makeUser('carol'), makeUser('dave')];
    const [a, b, c, d] = await connectAll([alice, bob, carol, dave]);
    const { sessionId } = await initiateCall(server, alice, [bob, carol]);
    await joinCall(a, sessionId);
    await joinCall(b, sessionId);
    const [x, y] = [makeUser('x'), makeUser('y')];
    const [sx, sy] = await connectAll([x, y]);
    const { sessionId: other } = await initiateCall(server, x, [y]);
    await joinCall(sx, other);
    await joinCall(sy, other);

    const offer = (targetSocketId, sid = sessionId) => ({ targetSocketId, sessionId: sid, offer: { type: 'offer', sdp: 'v=0' } });
    const refusals = [
      [a, 'webrtc_offer', offer(d.id), 'to an outsider (dave, connected, not invited)'],
      [a, 'webrtc_answer', { ...offer(c.id), answer: {} }, 'to an invitee who has not joined (carol)'],
      [a, 'webrtc_ice_candidate', { targetSocketId: sx.id, sessionId, candidate: {} }, 'to a participant of another call'],
      [a, 'webrtc_offer', offer(sx.id, other), 'naming another call the sender is not in'],
      [c, 'webrtc_offer', offer(a.id), 'from an invitee who has not joined'],
      [d, 'webrtc_offer', offer(a.id), 'from an outsider'],
      [a, 'webrtc_offer', offer(a.id), 'to oneself'],
      [a, 'webrtc_offer', offer('no-such-socket'), 'to an unknown socket id'],
    ];
    for (const [from, event, payload, why] of refusals) {
      const err = await expectRefused(from, event, payload, 'forbidden');
      assert.match(err.message, /active participants/, why);
    }
    await expectRefused(a, 'webrtc_offer', offer(b.id, 'call_1700000000000_zzzzzzzzz'), 'not_found');

    // Malformed relays.
    await expectRefused(a, 'webrtc_offer', { sessionId, offer: {} }, 'invalid_argument');                  // no target
    await expectRefused(a, 'webrtc_offer', { targetSocketId: b.id, offer: {} }, 'invalid_argument');       // no session
    await expectRefused(a, 'webrtc_offer', { targetSocketId: b.id, sessionId }, 'invalid_argument');       // no offer
    await expectRefused(a, 'webrtc_answer', { targetSocketId: b.id, sessionId, offer: {} }, 'invalid_argument');
    await expectRefused(a, 'webrtc_ice_candidate', { targetSocketId: b.id, sessionId }, 'invalid_argument');
    await expectRefused(a, 'webrtc_offer', { targetSocketId: 7, sessionId, offer: {} }, 'invalid_argument');
    await expectRefused(a, 'webrtc_offer', 'a string', 'invalid_argument');
    await expectRefused(a, 'webrtc_offer', [b.id, sessionId], 'invalid_argument');

    // After all that, a valid relay goes through: every refused one would have arrived before it.
    expectAckOk(await emitAck(a, 'webrtc_offer', offer(b.id)));
    await waitFor(b, 'webrtc_offer');
    for (const s of [a, c, d, sx, sy]) await roundTrip(s);
    assert.equal(received(b, 'webrtc_offer').length, 1, 'bob got the valid offer only');
    assertNone(b, 'webrtc_answer');
    for (const s of [a, c, d, sx, sy]) {
      for (const ev of ['webrtc_offer', 'webrtc_answer', 'webrtc_ice_candidate']) assertNone(s, ev);
    }

    // After bob leaves, he is out of reach.
    await leaveCall(b, sessionId);
    await waitFor(a, 'user_left_call');
    await expectRefused(a, 'webrtc_offer', offer(b.id), 'forbidden');
    await expectRefused(b, 'webrtc_offer', offer(a.id), 'forbidden');
    await roundTrip(b);
    await roundTrip(a);
    assert.equal(received(b, 'webrtc_offer').length, 1, 'nothing more for bob');
    assertNone(a, 'webrtc_offer');
  });

  test('fromSocketId / fromUserId cannot be spoofed', async () => {
    const [alice, bob] = [makeUser('alice'), makeUser('bob')];
    const [a, b] = await connectAll([alice, bob]);
    const { sessionId } = await initiateCall(server, alice, [bob], { sessionType: 'one-to-one' });
    await joinCall(a, sessionId);
    await joinCall(b, sessionId);
    a.emit('webrtc_offer', { fromSocketId: 'evil', fromUserId: 'mallory', targetSocketId: b.id, sessionId, offer: { sdp: 'x' } });
    const got = await waitFor(b, 'webrtc_offer');
    assert.equal(got.fromSocketId, a.id);
    assert.equal(got.fromUserId, alice.userId);
    assert.deepEqual(got.offer, { sdp: 'x' });
  });
});

describe('two tabs of one user', () => {
  test('the second join takes over: the first tab gets call_error replaced and is out of the call', async () => {
    const [alice, bob] = [makeUser('alice'), makeUser('bob')];
    const [a, tab1] = await connectAll([alice, bob]);
    const [tab2] = await connectAll([bob], { mode: 'polling' });
    const { sessionId } = await initiateCall(server, alice, [bob], { sessionType: 'one-to-one' });
    await joinCall(a, sessionId);
    await joinCall(tab1, sessionId, { peerId: 'tab-1' });
    await waitFor(a, 'user_joined_call');

    const joined = await joinCall(tab2, sessionId, { peerId: 'tab-2' });
    assert.deepEqual(joined.participants.map((p) => p.userId), [alice.userId], 'the new tab sees alice, not itself');
    const replaced = await waitFor(tab1, 'call_error', { where: (e) => e.code === 'replaced' });
    assert.equal(replaced.event, 'join_call_session');
    assert.equal(replaced.code, 'replaced');
    assert.equal(replaced.sessionId, sessionId);
    assert.equal(typeof replaced.message, 'string');
    // alice learns bob's new socket (the same person, so no user_joined_call).
    const moved = await waitFor(a, 'user_reconnected');
    assert.deepEqual(moved, { sessionId, userId: bob.userId, oldSocketId: tab1.id, socketId: tab2.id, peerId: 'tab-2' });
    await roundTrip(a);
    assert.equal(received(a, 'user_joined_call').length, 1, 'bob joined only once');
    assertNone(a, 'user_left_call');

    const doc = await getSession(server, bob, sessionId);
    assert.equal(participantOf(doc, bob.userId).socketId, tab2.id);
    assert.equal(participantOf(doc, bob.userId).peerId, 'tab-2');
    assert.equal(doc.status, 'active');

    // Relays reach the new tab only; the old tab can no longer send or receive.
    await expectRefused(a, 'webrtc_offer', { targetSocketId: tab1.id, sessionId, offer: {} }, 'forbidden');
    await expectRefused(tab1, 'webrtc_offer', { targetSocketId: a.id, sessionId, offer: {} }, 'forbidden');
    expectAckOk(await emitAck(a, 'webrtc_offer', { targetSocketId: tab2.id, sessionId, offer: { n: 1 } }));
    assert.equal((await waitFor(tab2, 'webrtc_offer')).offer.n, 1);
    expectAckOk(await emitAck(tab2, 'webrtc_answer', { targetSocketId: a.id, sessionId, answer: { n: 2 } }));
    assert.equal((await waitFor(a, 'webrtc_answer')).fromSocketId, tab2.id);
    await roundTrip(tab1);
    assertNone(tab1, 'webrtc_offer');
    // The old tab cannot leave on bob's behalf, and closing it does not take bob out of the call.
    await expectRefused(tab1, 'leave_call_session', { sessionId }, 'forbidden');
    tab1.disconnect();
    await sleep(300); // nothing to await: the server must announce nothing
    expectAckOk(await emitAck(a, 'webrtc_offer', { targetSocketId: tab2.id, sessionId, offer: { n: 3 } }));
    assert.equal((await waitFor(tab2, 'webrtc_offer')).offer.n, 3);
    await roundTrip(a);
    assertNone(a, 'user_left_call');
    assertNone(a, 'user_disconnected');
    assert.equal(participantOf(await getSession(server, bob, sessionId), bob.userId).isActive, true);
  });
});

describe('capacity', () => {
  test('the 9th participant of a group call is refused (session_full) until someone leaves', async () => {
    const host = makeUser('host');
    const guests = Array.from({ length: 9 }, (_, i) => makeUser(`guest${i}`));
    const [h, ...gs] = await connectAll([host, ...guests]);
    const { sessionId, session } = await initiateCall(server, host, guests);
    assert.equal(session.maxParticipants, 8);
    await joinCall(h, sessionId);
    for (const g of gs.slice(0, 7)) await joinCall(g, sessionId);
    const ninth = gs[8];
    const err = await expectRefused(ninth, 'join_call_session', { sessionId, peerId: 'p9' }, 'session_full');
    assert.equal(err.event, 'join_call_session');
    let doc = await getSession(server, host, sessionId);
    assert.equal(doc.participants.filter((p) => p.isActive).length, 8);
    assert.equal(participantOf(doc, ninth.hearthUser.userId).isActive, false);
    for (const s of [h, ...gs.slice(0, 7)]) await roundTrip(s);
    for (const s of [h, ...gs.slice(0, 7)]) assertNone(s, 'user_joined_call', (e) => e.userId === ninth.hearthUser.userId);
    // Someone already in can join again (same socket) even though the call is full.
    const again = await joinCall(gs[0], sessionId);
    assert.equal(again.participants.length, 7);
    // One leaves: the 9th fits.
    await leaveCall(gs[1], sessionId);
    const joined = await joinCall(ninth, sessionId);
    assert.equal(joined.participants.length, 7);
    doc = await getSession(server, host, sessionId);
    assert.equal(doc.participants.filter((p) => p.isActive).length, 8);
  });

  test('maxParticipants 3: the 4th is refused', async () => {
    const users = Array.from({ length: 4 }, (_, i) => makeUser(`m${i}`));
    const sockets = await connectAll(users);
    const { sessionId } = await initiateCall(server, users[0], users.slice(1), { maxParticipants: 3 });
    for (const s of sockets.slice(0, 3)) await joinCall(s, sessionId);
    await expectRefused(sockets[3], 'join_call_session', { sessionId }, 'session_full');
  });
});

describe('refusals and acknowledgements', () => {
  test('join_call_session', async () => {
    const [alice, bob, eve] = [makeUser('alice'), makeUser('bob'), makeUser('eve')];
    const [a, , e] = await connectAll([alice, bob, eve]);
    const { sessionId } = await initiateCall(server, alice, [bob]);
    await expectRefused(e, 'join_call_session', { sessionId }, 'forbidden');
    await expectRefused(a, 'join_call_session', { sessionId: 'call_1700000000000_aaaaaaaaa' }, 'not_found');
    await expectRefused(a, 'join_call_session', {}, 'invalid_argument');
    await expectRefused(a, 'join_call_session', { sessionId: '' }, 'invalid_argument');
    await expectRefused(a, 'join_call_session', { sessionId: 42 }, 'invalid_argument');
    await expectRefused(a, 'join_call_session', { sessionId, peerId: { x: 1 } }, 'invalid_argument');
    await expectRefused(a, 'join_call_session', sessionId, 'invalid_argument');
    await expectRefused(a, 'join_call_session', undefined, 'invalid_argument');
    // Without peerId the socket id is used.
    const joined = await joinCall(a, sessionId, { peerId: undefined });
    assert.equal(joined.sessionId, sessionId);
    assert.equal(participantOf(await getSession(server, alice, sessionId), alice.userId).peerId, a.id);
  });

  test('leave_call_session', async () => {
    const [alice, bob] = [makeUser('alice'), makeUser('bob')];
    const [a, b] = await connectAll([alice, bob]);
    const { sessionId } = await initiateCall(server, alice, [bob]);
    await expectRefused(b, 'leave_call_session', { sessionId }, 'forbidden'); // never joined
    await expectRefused(b, 'leave_call_session', { sessionId: 'call_1700000000000_aaaaaaaaa' }, 'not_found');
    await expectRefused(b, 'leave_call_session', {}, 'invalid_argument');
    // The only active member of a waiting call leaves: it stays waiting, no call_ended.
    await joinCall(a, sessionId);
    const ack = await emitAck(a, 'leave_call_session', { sessionId });
    assert.deepEqual(Object.keys(ack).sort(), ['message', 'success']);
    expectAckOk(ack);
    const doc = await getSession(server, alice, sessionId);
    assert.equal(doc.status, 'waiting');
    assert.equal(participantOf(doc, alice.userId).isActive, false);
    await roundTrip(a);
    assertNone(a, 'call_ended');
    await expectRefused(a, 'leave_call_session', { sessionId }, 'forbidden'); // left already
  });

  test('media_state_changed', async () => {
    const [alice, bob] = [makeUser('alice'), makeUser('bob')];
    const [a, b] = await connectAll([alice, bob]);
    const { sessionId } = await initiateCall(server, alice, [bob], { callSettings: { allowScreenShare: false, isVideoEnabled: false } });
    await expectRefused(a, 'media_state_changed', { sessionId, hasAudio: false }, 'forbidden'); // not in the call
    await joinCall(a, sessionId);
    const joined = await joinCall(b, sessionId);
    assert.equal(joined.participants[0].hasVideo, false, 'media flags start from callSettings');
    await expectRefused(a, 'media_state_changed', { sessionId }, 'invalid_argument');
    await expectRefused(a, 'media_state_changed', { sessionId, hasVideo: 'yes' }, 'invalid_argument');
    await expectRefused(a, 'media_state_changed', { sessionId, hasVideo: null }, 'invalid_argument');
    await expectRefused(a, 'media_state_changed', { hasVideo: true }, 'invalid_argument');
    await expectRefused(a, 'media_state_changed', { sessionId, isScreenSharing: true }, 'forbidden');
    await roundTrip(b);
    assertNone(b, 'media_state_changed');
    const ack = await emitAck(a, 'media_state_changed', { sessionId, hasVideo: true, isScreenSharing: false });
    assert.deepEqual(Object.keys(ack).sort(), ['message', 'success']);
    expectAckOk(ack);
    assert.deepEqual(await waitFor(b, 'media_state_changed'),
      { sessionId, userId: alice.userId, socketId: a.id, hasVideo: true, hasAudio: true, isScreenSharing: false });
  });

  test('success acks: {success: true, message, data?}; join data is call_session_joined', async () => {
    const [alice, bob] = [makeUser('alice'), makeUser('bob')];
    const [a, b] = await connectAll([alice, bob]);
    const { sessionId } = await initiateCall(server, alice, [bob]);
    const joinAck = await emitAck(a, 'join_call_session', { sessionId, peerId: 'pa' });
    const data = expectAckOk(joinAck);
    assert.deepEqual(data, await waitFor(a, 'call_session_joined'));
    await joinCall(b, sessionId);
    for (const [event, extra] of [['webrtc_offer', { offer: {} }], ['webrtc_answer', { answer: {} }],
      ['webrtc_ice_candidate', { candidate: {} }]]) {
      const ack = await emitAck(a, event, { targetSocketId: b.id, sessionId, ...extra });
      assert.deepEqual(Object.keys(ack).sort(), ['message', 'success'], `${event} ack has no data`);
      expectAckOk(ack);
    }
  });

  test('an unknown event gets call_error unknown_event', async () => {
    const [alice] = [makeUser('alice')];
    const [a] = await connectAll([alice]);
    await expectRefused(a, 'make_coffee', { sugar: 2 }, 'unknown_event');
    a.emit('no_ack_here');
    assert.equal((await waitFor(a, 'call_error', { where: (e) => e.event === 'no_ack_here' })).code, 'unknown_event');
  });
});

describe('media over REST', () => {
  test('a member whose socket is not in the call: the others get media_state_changed with socketId null', async () => {
    const [alice, bob, carol] = [makeUser('alice'), makeUser('bob'), makeUser('carol')];
    const [a, b, c] = await connectAll([alice, bob, carol]);
    const { sessionId } = await initiateCall(server, alice, [bob, carol]);
    await joinCall(a, sessionId);
    await joinCall(b, sessionId);
    await putMedia(server, carol, sessionId, { hasAudio: false });
    for (const s of [a, b]) {
      assert.deepEqual(await waitFor(s, 'media_state_changed'),
        { sessionId, userId: carol.userId, socketId: null, hasVideo: true, hasAudio: false, isScreenSharing: false });
    }
    await roundTrip(c);
    assertNone(c, 'media_state_changed', undefined, 'carol is not in the call');
    // carol joins later: the others see her current flags.
    await joinCall(c, sessionId);
    const joined = await waitFor(a, 'user_joined_call', { where: (e) => e.userId === carol.userId });
    assert.equal(joined.hasAudio, false);
    assert.equal(joined.hasVideo, true);
  });
});

describe('missed call (CALL_RING_TIMEOUT_SECONDS=1, SWEEP_INTERVAL_SECONDS=1)', () => {
  test('the sweep ends an unanswered call: call_ended {reason: missed, endedBy: null, duration: 0}', async () => {
    const ringing = await startHearth({ CALL_RING_TIMEOUT_SECONDS: 1, SWEEP_INTERVAL_SECONDS: 1 });
    const [alice, bob] = [makeUser('alice'), makeUser('bob')];
    const [a, b] = await Promise.all([alice, bob].map((user) => connect(ringing, { user, connectAuth: true })));
    const { sessionId } = await initiateCall(ringing, alice, [bob], { sessionType: 'one-to-one' });
    await joinCall(a, sessionId); // the caller waits in the call; bob never answers
    for (const s of [a, b]) {
      const ev = await waitFor(s, 'call_ended', { timeoutMs: 6000 });
      assert.deepEqual(ev, { sessionId, endedBy: null, reason: 'missed', duration: 0 });
    }
    const doc = await getSession(ringing, bob, sessionId);
    assert.equal(doc.endReason, 'missed');
    await expectRefused(b, 'join_call_session', { sessionId }, 'session_ended');
    await ringing.stop();
  });
});

describe('disconnect', () => {
  test('a participant whose socket closes is announced with user_disconnected', async () => {
    const [alice, bob] = [makeUser('alice'), makeUser('bob')];
    const [a, b] = await connectAll([alice, bob]);
    const { sessionId } = await initiateCall(server, alice, [bob]);
    await joinCall(a, sessionId);
    await joinCall(b, sessionId);
    const bobSocket = b.id;
    b.disconnect();
    await waitDisconnect(b);
    assert.deepEqual(await waitFor(a, 'user_disconnected'), { sessionId, userId: bob.userId, socketId: bobSocket });
    assert.match((await getSession(server, alice, sessionId)).startTime, ISO_RE);
  });
});
