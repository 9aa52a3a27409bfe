// Call controls over Socket.IO (docs/call-controls.md), the waiting room continued: leaving or disconnecting while
// waiting, capacity (waiting counts against nothing; admission respects maxParticipants), a therapy call without a
// waiting room (its early client is let in when the host joins), group calls with and without one (a co-host admits
// and denies), non-hosts refused, an admitted participant who comes back does not wait again, removing a waiting
// member, and a locked call. The waiting room's first steps and roles are in call_controls.test.mjs.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import {
  ISO_RE, getSession, initiateCall, makeUser, participantOf, startHearth, stopAll,
} from './lib/server.mjs';
import {
  assertNone, closeAll, connect, expectRefused, joinCall, leaveCall, received, roundTrip, waitDisconnect, waitFor,
} from './lib/sockets.mjs';
import {
  admit, deny, joinWaiting, moderate, waitApplied, waitWaitingList, connectAll as connectUsers, entryOf,
  therapyCall as therapyCallOn,
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

describe('waiting room', () => {
  test('leaving or disconnecting while waiting takes the user out of the hosts\' list', async () => {
    const [therapist, c1, c2, c3] = [makeUser('therapist'), makeUser('c1'), makeUser('c2'), makeUser('c3')];
    const [t, s1, s2, s3] = await connectAll([therapist, c1, c2, c3]);
    const { sessionId } = await therapyCall(therapist, [c1, c2, c3]);
    await joinCall(t, sessionId);
    await joinWaiting(s1, sessionId);
    await waitWaitingList(t, sessionId, [c1]);
    await joinWaiting(s2, sessionId);
    await waitWaitingList(t, sessionId, [c1, c2]);
    await joinWaiting(s3, sessionId);
    await waitWaitingList(t, sessionId, [c1, c2, c3]);

    await leaveCall(s1, sessionId);
    await waitWaitingList(t, sessionId, [c2, c3]);
    s2.disconnect();
    await waitDisconnect(s2);
    await waitWaitingList(t, sessionId, [c3]);
    const doc = await getSession(server, therapist, sessionId);
    assert.deepEqual(doc.waitingRoom.map((w) => w.userId), [c3.userId]);
    // Nobody was announced as leaving the call: they were never in it.
    await roundTrip(t);
    assertNone(t, 'user_left_call');
    assertNone(t, 'user_disconnected');
    // The one who left can come back to the queue, behind c3.
    await joinWaiting(s1, sessionId);
    await waitWaitingList(t, sessionId, [c3, c1]);
  });

  test('capacity: waiting counts against nothing; admitting into a full call is refused session_full', async () => {
    const [therapist, c1, c2] = [makeUser('therapist'), makeUser('c1'), makeUser('c2')];
    const [t, s1, s2] = await connectAll([therapist, c1, c2]);
    const { sessionId } = await therapyCall(therapist, [c1, c2], { maxParticipants: 2 });
    await joinCall(t, sessionId);
    await joinWaiting(s1, sessionId);
    await admit(t, sessionId, c1);
    await waitFor(s1, 'call_session_joined', { what: 'call_session_joined of c1' });
    // The call is full (2 of 2), yet c2 may wait.
    await joinWaiting(s2, sessionId);
    await waitWaitingList(t, sessionId, [c2]);
    const err = await expectRefused(t, 'admit_participant', { sessionId, userId: c2.userId }, 'session_full');
    assert.equal(err.event, 'admit_participant');
    await roundTrip(s2);
    assertNone(s2, 'call_session_joined', undefined, 'a refused admission joins nobody');
    let doc = await getSession(server, therapist, sessionId);
    assert.equal(doc.participants.filter((p) => p.isActive).length, 2);
    assert.deepEqual(doc.waitingRoom.map((w) => w.userId), [c2.userId], 'c2 still waits');
    // c1 leaves: now c2 fits.
    await leaveCall(s1, sessionId);
    await admit(t, sessionId, c2);
    const joined = await waitFor(s2, 'call_session_joined', { what: 'call_session_joined of c2' });
    assert.deepEqual(joined.participants.map((p) => p.userId), [therapist.userId]);
    doc = await getSession(server, therapist, sessionId);
    assert.equal(participantOf(doc, c2.userId).isActive, true);
  });

  test('a therapy call without a waiting room: an early client waits, and is let in when the host joins', async () => {
    const [therapist, client, late] = [makeUser('therapist'), makeUser('client'), makeUser('late')];
    const [t, c, l] = await connectAll([therapist, client, late]);
    const { sessionId } = await therapyCall(therapist, [client, late], { callSettings: { waitingRoom: false } });
    await joinWaiting(c, sessionId);
    await roundTrip(c);
    assertNone(c, 'call_session_joined', undefined, 'no host yet');

    const joinedT = await joinCall(t, sessionId);
    const joinedC = await waitFor(c, 'call_session_joined', { where: (j) => j?.sessionId === sessionId,
      what: 'call_session_joined when the host joins' });
    // Either order is a consistent call: the client joined first (the host's join lists the client, the client hears
    // user_joined_call of the host) or right after the host (the other way round). Each learns the other's socket
    // exactly once.
    const clientFirst = joinedT.participants.some((p) => p.userId === client.userId);
    // `second` lists `first` in its call_session_joined; `first` hears user_joined_call of `second`.
    const [first, firstUser, second, secondUser, secondJoined, firstJoined] = clientFirst
      ? [c, client, t, therapist, joinedT, joinedC] : [t, therapist, c, client, joinedC, joinedT];
    assert.equal(entryOf(secondJoined, firstUser).socketId, first.id, 'the later joiner sees the earlier one');
    const heard = await waitFor(first, 'user_joined_call', { where: (e) => e?.userId === secondUser.userId,
      what: `user_joined_call of ${secondUser.userId} (${clientFirst ? 'the client counted as joined first' : 'the host joined first'})` });
    assert.equal(heard.socketId, second.id);
    assert.ok(!firstJoined.participants.some((p) => p.userId === secondUser.userId), 'the earlier joiner hears of the later once');
    await roundTrip(second);
    assertNone(second, 'user_joined_call', (e) => e.userId === firstUser.userId, 'the later joiner learnt of the earlier from its join');
    const doc = await getSession(server, therapist, sessionId);
    assert.equal(participantOf(doc, client.userId).isActive, true);
    assert.deepEqual(doc.waitingRoom, []);
    // With the host in, a member joins directly.
    const joinedL = await joinCall(l, sessionId);
    assert.deepEqual(joinedL.participants.map((p) => p.userId).sort(), [therapist.userId, client.userId].sort());
  });

  test('a group call has no waiting room: members join directly, even before the host', async () => {
    const [alice, bob, carol] = [makeUser('alice'), makeUser('bob'), makeUser('carol')];
    const [a, b, c] = await connectAll([alice, bob, carol]);
    const { sessionId } = await initiateCall(server, alice, [bob, carol]);
    const joinedB = await joinCall(b, sessionId);
    assert.deepEqual(joinedB.participants, []);
    await joinCall(a, sessionId);
    await joinCall(c, sessionId);
    for (const s of [a, b, c]) {
      await roundTrip(s);
      assertNone(s, 'waiting_room_entered');
      assertNone(s, 'waiting_room_updated');
    }
  });

  test('a group call with waitingRoom: members wait even for an absent host; a co-host admits and denies', async () => {
    const [alice, bob, carol, dave] = [makeUser('alice'), makeUser('bob'), makeUser('carol'), makeUser('dave')];
    const [a, b, c, d] = await connectAll([alice, bob, carol, dave]);
    const { sessionId } = await initiateCall(server, alice, [bob, carol, dave], { callSettings: { waitingRoom: true } });
    await joinWaiting(b, sessionId);
    await joinCall(a, sessionId);
    await admit(a, sessionId, bob);
    await waitFor(b, 'call_session_joined', { what: 'bob admitted' });
    await moderate(a, sessionId, 'make_cohost', bob);
    await waitApplied(b, sessionId, 'make_cohost', { target: bob, by: alice });
    // The co-host's sockets hear the list too, and may admit and deny.
    await joinWaiting(c, sessionId);
    await waitWaitingList(b, sessionId, [carol]);
    await waitWaitingList(a, sessionId, [carol]);
    await admit(b, sessionId, carol);
    const joinedC = await waitFor(c, 'call_session_joined', { what: 'carol admitted by the co-host' });
    assert.deepEqual(joinedC.participants.map((p) => p.userId).sort(), [alice.userId, bob.userId].sort());
    await joinWaiting(d, sessionId);
    await waitWaitingList(b, sessionId, [dave]);
    await deny(b, sessionId, dave, 'Full today');
    assert.deepEqual(await waitFor(d, 'waiting_room_denied'), { sessionId, reason: 'Full today' });
  });

  test('non-hosts cannot admit or deny; a waiting user cannot admit themselves', async () => {
    const [therapist, client, other] = [makeUser('therapist'), makeUser('client'), makeUser('other')];
    const [t, c, o] = await connectAll([therapist, client, other]);
    const { sessionId } = await therapyCall(therapist, [client, other]);
    await joinCall(t, sessionId);
    await joinWaiting(c, sessionId);
    await admit(t, sessionId, client);
    await waitFor(c, 'call_session_joined');
    await joinWaiting(o, sessionId);
    await waitWaitingList(t, sessionId, [other]);
    await expectRefused(c, 'admit_participant', { sessionId, userId: other.userId }, 'forbidden');
    await expectRefused(c, 'deny_participant', { sessionId, userId: other.userId }, 'forbidden');
    await expectRefused(o, 'admit_participant', { sessionId, userId: other.userId }, 'forbidden');
    await expectRefused(o, 'deny_participant', { sessionId, userId: other.userId }, 'forbidden');
    await roundTrip(o);
    assertNone(o, 'call_session_joined');
    assertNone(o, 'waiting_room_denied');
    assert.deepEqual((await getSession(server, therapist, sessionId)).waitingRoom.map((w) => w.userId), [other.userId]);
    // Payload rules.
    await expectRefused(t, 'admit_participant', { sessionId }, 'invalid_argument');
    await expectRefused(t, 'admit_participant', { userId: other.userId }, 'invalid_argument');
    await expectRefused(t, 'deny_participant', { sessionId, userId: other.userId, reason: 7 }, 'invalid_argument');
  });

  test('an admitted participant who reconnects or leaves and comes back does not wait again', async () => {
    const [therapist, client] = [makeUser('therapist'), makeUser('client')];
    const [t, c] = await connectAll([therapist, client]);
    const { sessionId } = await therapyCall(therapist, [client]);
    await joinCall(t, sessionId);
    await joinWaiting(c, sessionId);
    await admit(t, sessionId, client);
    await waitFor(c, 'call_session_joined');
    await waitFor(t, 'user_joined_call');

    // The connection drops; a new socket joins again: straight in, as a reconnection.
    const oldId = c.id;
    c.disconnect();
    await waitFor(t, 'user_disconnected', { what: 'user_disconnected of the client' });
    const [c2] = await connectAll([client]);
    const joined = await joinCall(c2, sessionId);
    assert.equal(entryOf(joined, therapist).socketId, t.id);
    const back = await waitFor(t, 'user_reconnected', { what: 'user_reconnected of the client' });
    assert.equal(back.oldSocketId, oldId);
    assert.equal(back.socketId, c2.id);

    // Leaves the call and joins again: still no waiting.
    await leaveCall(c2, sessionId);
    await waitFor(t, 'user_left_call');
    await joinCall(c2, sessionId);
    await waitFor(t, 'user_joined_call', { where: (e) => e?.userId === client.userId && e.socketId === c2.id });
    await roundTrip(t);
    assert.equal(received(t, 'waiting_room_updated', (e) => e.waiting.length > 0).length, 1, 'the client waited once');
  });

  test('removing a waiting member: removed_from_call, out of the list, refused on joining again', async () => {
    const [therapist, client] = [makeUser('therapist'), makeUser('client')];
    const [t, c] = await connectAll([therapist, client]);
    const { sessionId } = await therapyCall(therapist, [client]);
    await joinCall(t, sessionId);
    await joinWaiting(c, sessionId);
    await waitWaitingList(t, sessionId, [client]);
    await moderate(t, sessionId, 'remove', client);
    assert.deepEqual(await waitFor(c, 'removed_from_call', { what: 'removed_from_call' }), { sessionId, byUserId: therapist.userId });
    await waitWaitingList(t, sessionId, []);
    const err = await expectRefused(c, 'join_call_session', { sessionId }, 'forbidden');
    assert.equal(err.message, 'You were removed from this call');
    const doc = await getSession(server, therapist, sessionId);
    assert.deepEqual(doc.removedUsers, [client.userId]);
    assert.deepEqual(doc.waitingRoom, []);
  });

  test('a locked call refuses a new member instead of letting them wait', async () => {
    const [therapist, client] = [makeUser('therapist'), makeUser('client')];
    const [t, c] = await connectAll([therapist, client]);
    const { sessionId } = await therapyCall(therapist, [client]);
    await joinCall(t, sessionId);
    await moderate(t, sessionId, 'lock');
    await waitApplied(t, sessionId, 'lock', { by: therapist });
    const err = await expectRefused(c, 'join_call_session', { sessionId }, 'forbidden');
    assert.equal(err.message, 'The call is locked');
    await roundTrip(t);
    assertNone(t, 'waiting_room_updated', (e) => e.waiting.length > 0);
    await moderate(t, sessionId, 'unlock');
    await joinWaiting(c, sessionId);
    await waitWaitingList(t, sessionId, [client]);
    assert.match((await getSession(server, therapist, sessionId)).waitingRoom[0].since, ISO_RE);
  });
});
