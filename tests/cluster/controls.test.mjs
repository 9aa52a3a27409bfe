// Call controls across nodes (docs/call-controls.md): two nodes behind nginx (PostgreSQL, Redis), the host's socket
// on n1 and the client's on n2. The waiting room (the client's wait heard by the host on the other node, admission
// joining the client on n2), a mute, chat both ways, and a removal, each heard on the other node; and breakout rooms
// whose members are spread over both nodes (relays kept within a room across nodes, then closed everywhere); last, a
// countdown whose node is killed before it ends: the other node's sweeper closes the rooms.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { SECRET, getSession, initiateCall, makeUser, participantOf } from '../e2e/lib/server.mjs';
import {
  assertNone, closeAll, emitAck, expectAckOk, expectRefused, joinCall, roundTrip, waitFor,
} from '../e2e/lib/sockets.mjs';
import {
  admit, chat, closeBreakout, joinWaiting, moderate, openBreakout, relayDelivered, relayRefused, waitApplied, waitChat,
  waitWaitingList,
} from '../e2e/lib/controls.mjs';
import { startCluster, stopClusters } from './lib/cluster.mjs';
import { connectOn } from './lib/spread.mjs';

let cluster;
let lb; // nginx, as the REST helpers want a server: {url}
before(async () => {
  cluster = await startCluster({ nodes: 2, secret: SECRET, env: { SWEEP_INTERVAL_SECONDS: '1' } });
  lb = { url: cluster.url };
});
after(async () => {
  closeAll();
  await stopClusters();
});

const node = (id) => cluster.nodes.find((n) => n.id === id);

/**
 * A therapy call: the therapist's socket on n1 joined, the client's on n2 admitted from the waiting room — the
 * waiting room's steps asserted on the way.
 */
async function admittedAcrossNodes() {
  const [therapist, client] = [makeUser('therapist'), makeUser('client')];
  const t = await connectOn(cluster, therapist, 'n1');
  const c = await connectOn(cluster, client, 'n2');
  const { sessionId } = await initiateCall(node('n2'), therapist, [client], { sessionType: 'therapy' });
  await joinCall(t, sessionId, { peerId: 'peer-t' });

  await joinWaiting(c, sessionId, { peerId: 'peer-c' }); // on n2
  await waitWaitingList(t, sessionId, [client]);           // heard on n1
  const doc = await getSession(node('n2'), therapist, sessionId);
  assert.deepEqual(doc.waitingRoom.map((w) => w.userId), [client.userId], 'the waiting room is in the shared document');
  // Still waiting: a relay from n2 to the host on n1 is refused and never arrives (forbidden; or not_found, as n2
  // holds nobody of the call yet: protocol.md's relay rule).
  const refused = await expectRefused(c, 'webrtc_offer', { sessionId, targetSocketId: t.id, offer: { sdp: 'x' } });
  assert.ok(['forbidden', 'not_found'].includes(refused.code), `a waiting user's relay: ${JSON.stringify(refused)}`);

  await admit(t, sessionId, client); // on n1
  const joined = await waitFor(c, 'call_session_joined', { where: (j) => j?.sessionId === sessionId,
    what: 'call_session_joined on n2 after admission on n1', timeoutMs: 10_000 });
  const host = joined.participants.find((p) => p.userId === therapist.userId);
  assert.ok(host, `the host in the admitted client's participants: ${JSON.stringify(joined.participants)}`);
  assert.equal(host.socketId, t.id);
  assert.equal(host.role, 'host');
  const heard = await waitFor(t, 'user_joined_call', { where: (e) => e?.userId === client.userId,
    what: 'user_joined_call on n1', timeoutMs: 10_000 });
  assert.equal(heard.socketId, c.id);
  assert.equal(heard.peerId, 'peer-c');
  await waitWaitingList(t, sessionId, []);
  await roundTrip(t);
  assertNone(t, 'webrtc_offer', undefined, 'the relay refused while waiting');
  // Relays cross nodes now.
  expectAckOk(await emitAck(c, 'webrtc_offer', { sessionId, targetSocketId: t.id, offer: { sdp: 'admitted' } }));
  assert.equal((await waitFor(t, 'webrtc_offer', { timeoutMs: 10_000 })).offer.sdp, 'admitted');
  return { sessionId, therapist, client, t, c };
}

test('waiting room across nodes: entered on n2, the list on n1, admitted on n1, joined on n2', async () => {
  const { sessionId, client } = await admittedAcrossNodes();
  const doc = await getSession(lb, client, sessionId);
  assert.equal(participantOf(doc, client.userId).isActive, true);
  assert.deepEqual(doc.waitingRoom, []);
});

test('a mute on n1 is applied to the participant on n2, and its lock holds there', async () => {
  const { sessionId, therapist, client, t, c } = await admittedAcrossNodes();
  await moderate(t, sessionId, 'mute_audio', client, { lock: true });
  await waitApplied(c, sessionId, 'mute_audio', { target: client, by: therapist, lock: true });
  await waitApplied(t, sessionId, 'mute_audio', { target: client, by: therapist, lock: true });
  const media = await waitFor(t, 'media_state_changed', { where: (m) => m?.userId === client.userId && m.hasAudio === false,
    what: 'media_state_changed of the muted client on n1' });
  assert.equal(media.socketId, c.id);
  const err = await expectRefused(c, 'media_state_changed', { sessionId, hasAudio: true }, 'forbidden');
  assert.equal(err.message, 'Muted by the host');
  const p = participantOf(await getSession(node('n1'), therapist, sessionId), client.userId);
  assert.equal(p.hasAudio, false);
  assert.equal(p.audioLocked, true);
});

test('chat across nodes, both ways, in one seq order', async () => {
  const { sessionId, therapist, client, t, c } = await admittedAcrossNodes();
  const first = await chat(t, { sessionId, text: 'Hello from n1', clientMessageId: 'n1-1' });
  await waitChat(c, therapist, 'n1-1', { text: 'Hello from n1', ack: first, timeoutMs: 10_000 });
  const reply = await chat(c, { sessionId, text: 'Hello from n2 ✓', clientMessageId: 'n2-1' });
  await waitChat(t, client, 'n2-1', { text: 'Hello from n2 ✓', ack: reply, timeoutMs: 10_000 });
  assert.equal(reply.seq, first.seq + 1, 'one seq per call across nodes');
  const dm = await chat(c, { sessionId, text: 'direct', clientMessageId: 'n2-dm', toUserId: therapist.userId });
  await waitChat(t, client, 'n2-dm', { ack: dm, toUserId: therapist.userId, timeoutMs: 10_000 });
  // A retry on the other node's socket of the same user is still a duplicate.
  const c2 = await connectOn(cluster, client, 'n1');
  await joinCall(c2, sessionId);
  const again = await chat(c2, { sessionId, text: 'Hello from n2 ✓', clientMessageId: 'n2-1' });
  assert.equal(again.duplicate, true);
  assert.equal(again.messageId, reply.messageId);
  await roundTrip(t);
  assert.equal(t.received.filter((r) => r.event === 'chat_message_received' && r.args[0].clientMessageId === 'n2-1').length, 1,
    'the host heard the client\'s message once');
});

test('a removal on n1 reaches the participant on n2; the removed user cannot rejoin on either node', async () => {
  const { sessionId, therapist, client, t, c } = await admittedAcrossNodes();
  const clientSocket = c.id;
  await moderate(t, sessionId, 'remove', client);
  assert.deepEqual(await waitFor(c, 'removed_from_call', { what: 'removed_from_call on n2', timeoutMs: 10_000 }),
    { sessionId, byUserId: therapist.userId });
  assert.deepEqual(await waitFor(t, 'user_left_call', { what: 'user_left_call on n1', timeoutMs: 10_000 }),
    { sessionId, userId: client.userId, socketId: clientSocket });
  const err = await expectRefused(c, 'join_call_session', { sessionId }, 'forbidden');
  assert.equal(err.message, 'You were removed from this call');
  const c1 = await connectOn(cluster, client, 'n1');
  await expectRefused(c1, 'join_call_session', { sessionId }, 'forbidden');
  await expectRefused(c, 'webrtc_offer', { sessionId, targetSocketId: t.id, offer: {} }, 'forbidden');
  assert.deepEqual((await getSession(lb, therapist, sessionId)).removedUsers, [client.userId]);
});

test('breakout rooms across nodes: relays only within a room, n1 to n2 and back; closed on both nodes', async () => {
  const [alice, bob, carol, dave] = ['alice', 'bob', 'carol', 'dave'].map((p) => makeUser(p));
  const a = await connectOn(cluster, alice, 'n1');
  const b = await connectOn(cluster, bob, 'n2');
  const c = await connectOn(cluster, carol, 'n2');
  const d = await connectOn(cluster, dave, 'n1');
  const sockets = [a, b, c, d];
  const { sessionId } = await initiateCall(node('n2'), alice, [bob, carol, dave]);
  for (const s of sockets) await joinCall(s, sessionId);
  for (const s of [a, b, c]) {
    await waitFor(s, 'user_joined_call', { where: (m) => m?.userId === dave.userId,
      what: 'dave (n1) joining the call', timeoutMs: 10_000 });
  }
  const forCall = (m) => m?.sessionId === sessionId;
  const waitAll = (event, what) => Promise.all(sockets.map((s) => waitFor(s, event, { where: forCall, what,
    timeoutMs: 10_000 })));

  // Room A {alice (n1), bob (n2)}, room B {carol (n2), dave (n1)}, opened on n1.
  const data = await openBreakout(a, { sessionId, rooms: [{ name: 'Room A', userIds: [alice.userId, bob.userId] },
    { name: 'Room B', userIds: [carol.userId, dave.userId] }] });
  const [roomA, roomB] = data.rooms;
  assert.deepEqual([roomA.name, roomB.name], ['Room A', 'Room B'], 'the rooms as asked');
  for (const got of await waitAll('breakout_rooms_opened', 'breakout_rooms_opened on both nodes')) {
    assert.deepEqual(got, { sessionId, rooms: data.rooms, endsAt: null }, 'breakout_rooms_opened payload');
  }
  const byId = (x, y) => x.userId.localeCompare(y.userId);
  const members = (...users) => users.map((u) => ({ userId: u.userId, name: u.name })).sort(byId);
  for (const [s, room, users] of [[b, roomA, [alice, bob]], [c, roomB, [carol, dave]], [a, roomA, [alice, bob]]]) {
    const got = await waitFor(s, 'breakout_room_assigned', { where: forCall, timeoutMs: 10_000,
      what: `breakout_room_assigned (${room.name}) on ${s.id}` });
    assert.deepEqual({ ...got, participants: [...got.participants].sort(byId) },
      { sessionId, roomId: room.roomId, name: room.name, participants: members(...users) },
      `breakout_room_assigned of ${s.hearthUser.userId}`);
  }
  await waitFor(d, 'breakout_room_assigned', { where: (m) => forCall(m) && m.roomId === roomB.roomId, timeoutMs: 10_000,
    what: 'breakout_room_assigned (Room B) to dave on n1' });

  await relayDelivered(b, a, sessionId, 'bob-n2-to-alice-n1');      // room A, n2 -> n1
  await relayRefused(b, d, sessionId, 'bob-n2-to-dave-n1');          // A -> B, n2 -> n1
  await relayDelivered(d, c, sessionId, 'dave-n1-to-carol-n2');      // room B, n1 -> n2
  await relayRefused(c, a, sessionId, 'carol-n2-to-alice-n1');       // B -> A, n2 -> n1

  await closeBreakout(a, sessionId, 0);
  for (const got of await waitAll('breakout_rooms_closed', 'breakout_rooms_closed on both nodes')) {
    assert.deepEqual(got, { sessionId }, 'breakout_rooms_closed payload');
  }
  // The former rooms are one call again, across nodes. A later relay on the same path arriving also shows the refused
  // ones were not merely late.
  await relayDelivered(b, d, sessionId, 'bob-n2-to-dave-n1-after');
  await relayDelivered(c, a, sessionId, 'carol-n2-to-alice-n1-after');
  assertNone(d, 'webrtc_offer', (o) => o?.offer?.tag === 'bob-n2-to-dave-n1', 'refused while in other rooms');
  assertNone(a, 'webrtc_offer', (o) => o?.offer?.tag === 'carol-n2-to-alice-n1', 'refused while in other rooms');
  assert.equal((await getSession(lb, alice, sessionId)).breakoutRooms, null, 'no rooms open in the shared document');
});

// Last: it kills n1.
test('a countdown outlives the node that started it: the other node closes the rooms when it ends', async () => {
  const [alice, bob, carol] = ['alice', 'bob', 'carol'].map((p) => makeUser(p));
  const a = await connectOn(cluster, alice, 'n1');
  const b = await connectOn(cluster, bob, 'n2');
  const c = await connectOn(cluster, carol, 'n2');
  const { sessionId } = await initiateCall(node('n2'), alice, [bob, carol]);
  for (const s of [a, b, c]) await joinCall(s, sessionId);
  const forCall = (m) => m?.sessionId === sessionId;
  await openBreakout(a, { sessionId, rooms: [{ name: 'One', userIds: [bob.userId] }, { name: 'Two', userIds: [carol.userId] }] });
  for (const s of [b, c]) await waitFor(s, 'breakout_room_assigned', { where: forCall, timeoutMs: 10_000 });
  await relayRefused(b, c, sessionId, 'bob-to-carol-apart');

  const COUNTDOWN_S = 3;
  await closeBreakout(a, sessionId, COUNTDOWN_S);
  const askedAt = Date.now();
  a.io.opts.reconnection = false;
  await node('n1').kill(); // its timer dies with it
  for (const s of [b, c]) {
    await waitFor(s, 'breakout_rooms_closed', { where: forCall, timeoutMs: 15_000,
      what: `breakout_rooms_closed on n2 (${s.hearthUser.userId})` });
  }
  const after = Date.now() - askedAt;
  assert.ok(after >= COUNTDOWN_S * 1000 - 500, `closed ${after} ms after the countdown began`);
  await relayDelivered(b, c, sessionId, 'bob-to-carol-together');
  const doc = await getSession(lb, bob, sessionId);
  assert.equal(doc.breakoutRooms, null, 'closed in the shared document');
  assert.deepEqual(doc.breakoutHistory.map((r) => r.name), ['One', 'Two']);
});
