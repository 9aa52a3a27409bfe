// Call controls over Socket.IO (docs/call-controls.md), part one: roles in the session document and in
// call_session_joined, and the waiting room's first steps — a therapy call's client waits (ack {waiting: true},
// waiting_room_entered), the hosts see the list and learn it on joining, admit or deny (with a reason); a waiting
// user learns no socket ids and cannot relay or change media. The rest of the waiting room is in
// call_controls_waiting.test.mjs, moderation in call_controls_moderation.test.mjs, chat in call_controls_chat.test.mjs.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import {
  ISO_RE, getHistory, getSession, initiateCall, makeUser, participantOf, startHearth, stopAll,
} from './lib/server.mjs';
import {
  assertNone, closeAll, connect, emitAck, expectAckOk, expectRefused, joinCall, received, roundTrip, waitFor,
} from './lib/sockets.mjs';
import {
  admit, assertWaitingEntry, deny, joinWaiting, moderate, waitApplied, waitWaitingList,
  connectAll as connectUsers, entryOf, therapyCall as therapyCallOn,
} from './lib/controls.mjs';

let server;
before(async () => {
  server = await startHearth();
});
after(async () => {
  closeAll();
  await stopAll();
});

const connectAll = (users, options) => connectUsers(server, users, options);
const therapyCall = (therapist, clients, extra) => therapyCallOn(server, therapist, clients, extra);

describe('roles', () => {
  test('the initiator is the host, the invitees participants; make_cohost / remove_cohost change the role', async () => {
    const [alice, bob, carol] = [makeUser('alice'), makeUser('bob'), makeUser('carol')];
    const [a, b, c] = await connectAll([alice, bob, carol]);
    const { sessionId, session } = await initiateCall(server, alice, [bob, carol]);
    assert.equal(participantOf(session, alice.userId).role, 'host', 'POST /initiate: the initiator is host');
    let doc = await getSession(server, bob, sessionId);
    assert.equal(participantOf(doc, alice.userId).role, 'host');
    assert.equal(participantOf(doc, bob.userId).role, 'participant');
    assert.equal(participantOf(doc, carol.userId).role, 'participant');
    assert.equal(doc.callSettings.waitingRoom, false, 'a group call has no waiting room by default');
    assert.deepEqual(doc.waitingRoom, [], 'session.waitingRoom');
    assert.equal(doc.locked, false, 'session.locked');
    assert.deepEqual(doc.removedUsers, [], 'session.removedUsers');
    assert.deepEqual(doc.moderation, [], 'session.moderation');

    const joinedA = await joinCall(a, sessionId);
    assert.ok(Array.isArray(joinedA.waitingRoom), `a host's call_session_joined carries waitingRoom: ${JSON.stringify(joinedA)}`);
    assert.deepEqual(joinedA.waitingRoom, []);
    const joinedB = await joinCall(b, sessionId);
    assert.equal(entryOf(joinedB, alice).role, 'host', 'call_session_joined: alice is host');
    assert.ok(!('waitingRoom' in joinedB), 'a participant is not told the waiting list');

    await moderate(a, sessionId, 'make_cohost', bob);
    for (const s of [a, b]) await waitApplied(s, sessionId, 'make_cohost', { target: bob, by: alice });
    doc = await getSession(server, alice, sessionId);
    assert.equal(participantOf(doc, bob.userId).role, 'cohost', 'bob is a co-host');
    assert.equal(participantOf(doc, alice.userId).role, 'host');
    // A co-host is told the waiting list on joining, and a later joiner sees the roles.
    const joinedC = await joinCall(c, sessionId);
    assert.equal(entryOf(joinedC, alice).role, 'host');
    assert.equal(entryOf(joinedC, bob).role, 'cohost');
    assert.equal(entryOf(joinedC, bob).socketId, b.id);
    const bAgain = await joinCall(b, sessionId); // joining again from the same socket answers again
    assert.deepEqual(bAgain.waitingRoom, [], 'a co-host\'s call_session_joined carries waitingRoom');

    await moderate(a, sessionId, 'remove_cohost', bob);
    for (const s of [a, b, c]) await waitApplied(s, sessionId, 'remove_cohost', { target: bob, by: alice });
    doc = await getSession(server, carol, sessionId);
    assert.equal(participantOf(doc, bob.userId).role, 'participant', 'bob is a participant again');
  });

  test('callSettings.waitingRoom: true by default for therapy calls, settable; false for one-to-one', async () => {
    const [t, c, x] = [makeUser('therapist'), makeUser('client'), makeUser('x')];
    const therapy = await therapyCall(t, [c]);
    assert.equal(therapy.callSettings.waitingRoom, true, 'POST /initiate data.callSettings');
    assert.equal((await getSession(server, t, therapy.sessionId)).callSettings.waitingRoom, true);
    const open = await therapyCall(t, [c], { callSettings: { waitingRoom: false } });
    assert.equal((await getSession(server, c, open.sessionId)).callSettings.waitingRoom, false);
    const oneToOne = await initiateCall(server, t, [x], { sessionType: 'one-to-one' });
    assert.equal((await getSession(server, x, oneToOne.sessionId)).callSettings.waitingRoom, false);
    const grouped = await initiateCall(server, t, [x, c], { callSettings: { waitingRoom: true } });
    assert.equal((await getSession(server, x, grouped.sessionId)).callSettings.waitingRoom, true);
  });
});

describe('waiting room', () => {
  test('a therapy client waits: ack {waiting: true}, the host sees the list; admit lets them in', async () => {
    const [therapist, client] = [makeUser('therapist'), makeUser('client')];
    const [t, c] = await connectAll([therapist, client]);
    const { sessionId } = await therapyCall(therapist, [client]);
    const joinedT = await joinCall(t, sessionId, { peerId: 'peer-t' });
    assert.deepEqual(joinedT.waitingRoom, [], 'nobody waits yet');

    const before = Date.now();
    await joinWaiting(c, sessionId, { peerId: 'peer-c' });
    const list = await waitWaitingList(t, sessionId, [client]);
    assert.ok(Date.parse(list.waiting[0].since) >= before - 1000, 'since is the arrival time');
    let doc = await getSession(server, therapist, sessionId);
    assert.deepEqual(doc.waitingRoom.map((w) => [w.userId, w.name, ISO_RE.test(w.since)]), [[client.userId, client.name, true]],
      `session.waitingRoom: ${JSON.stringify(doc.waitingRoom)}`); // its exact shape: the test after the next
    assert.equal(participantOf(doc, client.userId).isActive, false, 'a waiting user is not active');
    assert.equal(doc.status, 'waiting');

    // The waiting user learns nothing of the call and cannot signal into it.
    await roundTrip(c);
    assertNone(c, 'call_session_joined', undefined, 'a waiting user is not sent the participants');
    assertNone(t, 'user_joined_call', undefined, 'a waiting user has not joined');
    for (const [event, extra] of [['webrtc_offer', { offer: { sdp: 'x' } }], ['webrtc_answer', { answer: {} }],
      ['webrtc_ice_candidate', { candidate: {} }]]) {
      await expectRefused(c, event, { sessionId, targetSocketId: t.id, ...extra }, 'forbidden');
    }
    await expectRefused(c, 'media_state_changed', { sessionId, hasAudio: false }, 'forbidden');
    expectAckOk(await emitAck(t, 'media_state_changed', { sessionId, hasVideo: false }));
    await roundTrip(t);
    await roundTrip(c);
    for (const ev of ['webrtc_offer', 'webrtc_answer', 'webrtc_ice_candidate']) assertNone(t, ev, undefined, 'the host never receives a waiting user\'s relay');
    assertNone(c, 'media_state_changed', undefined, 'a waiting user is not sent media states');

    // Admitted: the waiting socket gets call_session_joined, the host user_joined_call, the list empties.
    await admit(t, sessionId, client);
    const joinedC = await waitFor(c, 'call_session_joined', { where: (j) => j?.sessionId === sessionId, what: 'call_session_joined after admission' });
    assert.equal(joinedC.sessionType, 'therapy');
    const host = entryOf(joinedC, therapist);
    assert.equal(host.socketId, t.id);
    assert.equal(host.peerId, 'peer-t');
    assert.equal(host.role, 'host');
    assert.equal(host.hasVideo, false, 'the host\'s current media state');
    assert.ok(!('waitingRoom' in joinedC), 'a participant is not told the waiting list');
    const heard = await waitFor(t, 'user_joined_call', { where: (e) => e?.userId === client.userId, what: 'user_joined_call of the admitted client' });
    assert.equal(heard.sessionId, sessionId);
    assert.equal(heard.socketId, c.id);
    assert.equal(heard.peerId, 'peer-c', 'the peerId given when asking to join');
    await waitWaitingList(t, sessionId, []);
    doc = await getSession(server, client, sessionId);
    assert.deepEqual(doc.waitingRoom, []);
    assert.equal(participantOf(doc, client.userId).isActive, true);
    assert.equal(participantOf(doc, client.userId).socketId, c.id);
    assert.equal(participantOf(doc, client.userId).role, 'participant');
    assert.equal(doc.status, 'active');

    // Now relays go both ways.
    expectAckOk(await emitAck(c, 'webrtc_offer', { sessionId, targetSocketId: t.id, offer: { sdp: 'after' } }));
    assert.equal((await waitFor(t, 'webrtc_offer')).offer.sdp, 'after');
    expectAckOk(await emitAck(t, 'webrtc_answer', { sessionId, targetSocketId: c.id, answer: { sdp: 'ok' } }));
    assert.equal((await waitFor(c, 'webrtc_answer')).fromSocketId, t.id);
    await roundTrip(t);
    assert.equal(received(t, 'webrtc_offer').length, 1, 'only the offer sent after admission arrived');
  });

  test('a client who arrives before the host waits; the host learns the list on joining', async () => {
    const [therapist, client] = [makeUser('therapist'), makeUser('client')];
    const [t, c] = await connectAll([therapist, client]);
    const { sessionId } = await therapyCall(therapist, [client]);
    await joinWaiting(c, sessionId);
    const joinedT = await joinCall(t, sessionId);
    assert.deepEqual(joinedT.participants, [], 'the waiting client is not a participant');
    assert.equal(joinedT.waitingRoom.length, 1, `call_session_joined.waitingRoom: ${JSON.stringify(joinedT.waitingRoom)}`);
    assertWaitingEntry(joinedT.waitingRoom[0], client, 'call_session_joined.waitingRoom[0]');
    await roundTrip(c);
    assertNone(c, 'call_session_joined');
    assertNone(c, 'user_joined_call', undefined, 'the waiting client is not told the host joined');
    await admit(t, sessionId, client);
    const joinedC = await waitFor(c, 'call_session_joined', { what: 'call_session_joined after admission' });
    assert.equal(entryOf(joinedC, therapist).socketId, t.id);
  });

  test('the session document lists the waiting users as {userId, name, since}, no socket ids (session and history)', async () => {
    const [therapist, client, other] = [makeUser('therapist'), makeUser('client'), makeUser('other')];
    const [t, c, o] = await connectAll([therapist, client, other]);
    const { sessionId } = await therapyCall(therapist, [client, other]);
    await joinCall(t, sessionId);
    await joinWaiting(c, sessionId, { peerId: 'peer-c' });
    await joinWaiting(o, sessionId);
    await waitWaitingList(t, sessionId, [client, other]);
    for (const viewer of [therapist, client, other]) {
      const doc = await getSession(server, viewer, sessionId);
      assert.equal(doc.waitingRoom.length, 2, `session.waitingRoom seen by ${viewer.userId}: ${JSON.stringify(doc.waitingRoom)}`);
      assertWaitingEntry(doc.waitingRoom[0], client, `session.waitingRoom[0] seen by ${viewer.userId}`);
      assertWaitingEntry(doc.waitingRoom[1], other, `session.waitingRoom[1] seen by ${viewer.userId}`);
      // The history shows the same view of the live call.
      const listed = (await getHistory(server, viewer)).sessions.find((s) => s.sessionId === sessionId);
      assert.ok(listed, `the call is in ${viewer.userId}'s history`);
      assert.equal(listed.waitingRoom.length, 2);
      listed.waitingRoom.forEach((w, i) => assertWaitingEntry(w, [client, other][i], `history waitingRoom[${i}] seen by ${viewer.userId}`));
      // Who waits does not learn the sockets of those in the call.
      const host = participantOf(listed, therapist.userId);
      if (viewer === therapist) assert.equal(host.socketId, t.id);
      else assert.equal(host.socketId, null, `the host's socket shown to ${viewer.userId}`);
    }
  });

  test('deny: waiting_room_denied with the reason (null without); the user may ask again', async () => {
    const [therapist, client, other] = [makeUser('therapist'), makeUser('client'), makeUser('other')];
    const [t, c, o] = await connectAll([therapist, client, other]);
    const [c2] = await connectAll([client], { mode: 'polling' }); // the client's second device, not in the call
    const { sessionId } = await therapyCall(therapist, [client, other]);
    await joinCall(t, sessionId);
    await joinWaiting(c, sessionId);
    await joinWaiting(o, sessionId);
    await waitWaitingList(t, sessionId, [client, other]);

    await expectRefused(t, 'deny_participant', { sessionId, userId: client.userId, reason: 'x'.repeat(201) }, 'invalid_argument');
    await deny(t, sessionId, client, 'Please join from the clinic link');
    for (const s of [c, c2]) {
      assert.deepEqual(await waitFor(s, 'waiting_room_denied', { what: 'waiting_room_denied' }),
        { sessionId, reason: 'Please join from the clinic link' }, 'waiting_room_denied goes to every socket of the user');
    }
    await waitWaitingList(t, sessionId, [other]);
    await roundTrip(o);
    assertNone(o, 'waiting_room_denied', undefined, 'only the denied user hears it');
    await roundTrip(c);
    assertNone(c, 'call_session_joined');

    await deny(t, sessionId, other); // no reason
    assert.deepEqual(await waitFor(o, 'waiting_room_denied'), { sessionId, reason: null });
    await waitWaitingList(t, sessionId, []);
    const reason200 = 'é'.repeat(200); // 200 characters (400 bytes) is allowed
    await joinWaiting(o, sessionId);
    await waitWaitingList(t, sessionId, [other]);
    await deny(t, sessionId, other, reason200);
    assert.deepEqual(await waitFor(o, 'waiting_room_denied'), { sessionId, reason: reason200 });

    // A denied user may ask again, and be admitted this time.
    await joinWaiting(c, sessionId);
    await waitWaitingList(t, sessionId, [client]);
    await admit(t, sessionId, client);
    await waitFor(c, 'call_session_joined', { what: 'call_session_joined after the second request' });
    assert.equal(participantOf(await getSession(server, client, sessionId), client.userId).isActive, true);
  });
});
