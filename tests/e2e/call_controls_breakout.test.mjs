// Call controls over Socket.IO (docs/call-controls.md), part four: breakout rooms. Opening them by hand (the ack,
// breakout_rooms_opened to the call, breakout_room_assigned to each member, the session document) and at random
// (hosts and co-hosts stay out, even sizes); relays only within a room; a host visiting a room; closing with a
// countdown (then relays cross the former rooms, and the history keeps the round); a duration's bounds and endsAt;
// a member who reconnects comes back into their room; and the refusals.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { ISO_RE, getSession, initiateCall, makeUser, startHearth, stopAll } from './lib/server.mjs';
import {
  assertNone, closeAll, emitAck, expectAckOk, expectRefused, joinCall, received, roundTrip, waitFor,
} from './lib/sockets.mjs';
import {
  closeBreakout, moderate, openBreakout, relayDelivered, relayRefused, waitApplied, connectAll as connectUsers,
} from './lib/controls.mjs';

let server;
before(async () => {
  server = await startHearth(); // HEARTH_THREADS from E2E_HEARTH_THREADS when set
});
after(async () => {
  closeAll();
  await stopAll();
});

const connectAll = (users, options) => connectUsers(server, users, options);
const ids = (users) => users.map((u) => u.userId);
const sorted = (list) => [...list].sort();

/** A group call of five in the call: alice (host), bob, carol, dave, erin; `invited` more members who do not join. */
async function callOfFive({ invited = [] } = {}) {
  const users = ['alice', 'bob', 'carol', 'dave', 'erin'].map((p) => makeUser(p));
  const sockets = await connectAll(users);
  const others = invited.map((p) => makeUser(p));
  const { sessionId } = await initiateCall(server, users[0], [...users.slice(1), ...others]);
  for (const s of sockets) await joinCall(s, sessionId);
  for (const s of sockets.slice(0, 4)) {
    await waitFor(s, 'user_joined_call', { where: (m) => m?.userId === users[4].userId, what: 'erin joining the call' });
  }
  const [alice, bob, carol, dave, erin] = users;
  const [a, b, c, d, e] = sockets;
  return { sessionId, users, sockets, others, alice, bob, carol, dave, erin, a, b, c, d, e };
}

/** Waits for breakout_rooms_opened on `socket` and checks it is {sessionId, rooms, endsAt} as acknowledged. */
async function waitOpened(socket, sessionId, data) {
  const got = await waitFor(socket, 'breakout_rooms_opened', { where: (m) => m?.sessionId === sessionId,
    what: `breakout_rooms_opened for ${sessionId}` });
  assert.deepEqual(got, { sessionId, rooms: data.rooms, endsAt: data.endsAt }, 'breakout_rooms_opened payload');
}

/** Waits for breakout_room_assigned on `socket` and checks it against `room` (participants: `members`, any order). */
async function waitAssigned(socket, sessionId, room, members) {
  const got = await waitFor(socket, 'breakout_room_assigned', { where: (m) => m?.sessionId === sessionId,
    what: `breakout_room_assigned (${room.name})` });
  assert.deepEqual(Object.keys(got).sort(), ['name', 'participants', 'roomId', 'sessionId'], 'breakout_room_assigned keys');
  assert.equal(got.roomId, room.roomId, 'breakout_room_assigned.roomId');
  assert.equal(got.name, room.name, 'breakout_room_assigned.name');
  const byId = (x, y) => x.userId.localeCompare(y.userId);
  assert.deepEqual([...got.participants].sort(byId), members.map((u) => ({ userId: u.userId, name: u.name })).sort(byId),
    `participants of ${room.name}`);
}

/** Waits for the event of the call `event` on every socket, matching `where`. */
function waitAll(sockets, event, where, what) {
  return Promise.all(sockets.map((s) => waitFor(s, event, { where, what })));
}

/** The refusal of `event` (ack and call_error) as `invalid_argument` whose message names `field`. */
async function invalid(socket, event, payload, field) {
  const err = await expectRefused(socket, event, payload, 'invalid_argument');
  // The field is what precedes the first colon ("rooms[1].userIds: ..."), its last segment without indexes.
  const named = err.message.split(':')[0].replace(/\[\d+\]/g, '').split('.').at(-1);
  assert.match(named, new RegExp(`^(?:${field})$`),
    `the refusal of ${JSON.stringify(payload).slice(0, 120)} should name ${field}: ${err.message}`);
  return err;
}

describe('opening', () => {
  test('by hand: the ack, breakout_rooms_opened to all, breakout_room_assigned to each member, the session document', async () => {
    const { sessionId, alice, bob, carol, dave, erin, sockets, a, b, c, d, e } = await callOfFive();
    const t0 = Date.now();
    const data = await openBreakout(a, { sessionId, rooms: [{ name: 'Red', userIds: ids([bob, dave]) },
      { name: 'Blue', userIds: ids([carol, erin]) }] });
    assert.equal(data.endsAt, null, 'endsAt without a duration');
    assert.deepEqual(data.rooms.map((r) => [r.name, sorted(r.userIds)]),
      [['Red', sorted(ids([bob, dave]))], ['Blue', sorted(ids([carol, erin]))]], 'the rooms as asked');
    const [red, blue] = data.rooms;
    for (const s of sockets) await waitOpened(s, sessionId, data);
    await waitAssigned(b, sessionId, red, [bob, dave]);
    await waitAssigned(d, sessionId, red, [bob, dave]);
    await waitAssigned(c, sessionId, blue, [carol, erin]);
    await waitAssigned(e, sessionId, blue, [carol, erin]);
    await roundTrip(a);
    assertNone(a, 'breakout_room_assigned', undefined, 'the host is in no room');
    for (const s of [b, c, d, e]) {
      await roundTrip(s);
      assert.equal(received(s, 'breakout_room_assigned').length, 1, 'one breakout_room_assigned per member');
    }

    const doc = await getSession(server, carol, sessionId);
    const br = doc.breakoutRooms;
    assert.ok(br && typeof br === 'object', `session.breakoutRooms: ${JSON.stringify(br)}`);
    // `visits` is in docs/openapi.yaml (hosts visiting a room), not in call-controls.md's list.
    assert.deepEqual(Object.keys(br).sort(), ['byUserId', 'endsAt', 'openedAt', 'rooms', 'visits'], 'breakoutRooms keys');
    assert.deepEqual(br.visits, [], 'no host visits yet');
    assert.deepEqual(br.rooms, data.rooms, 'breakoutRooms.rooms as acknowledged');
    assert.equal(br.endsAt, null);
    assert.equal(br.byUserId, alice.userId);
    assert.match(br.openedAt, ISO_RE);
    assert.ok(Math.abs(Date.parse(br.openedAt) - t0) < 10_000, `openedAt ${br.openedAt} is about now`);
    assert.deepEqual(doc.breakoutHistory ?? [], [], 'no earlier round');

    // Relays stay within a room, both ways; the host in the main call reaches nobody in a room.
    await relayRefused(b, c, sessionId, 'bob-to-carol');
    await relayRefused(c, b, sessionId, 'carol-to-bob');
    await relayDelivered(b, d, sessionId, 'bob-to-dave');
    await relayDelivered(e, c, sessionId, 'erin-to-carol');
    await relayRefused(a, b, sessionId, 'alice-to-bob');
    await relayRefused(b, a, sessionId, 'bob-to-alice');
  });

  test('at random: the non-hosts in the call, evenly, in "Room 1", "Room 2"; hosts and co-hosts stay out', async () => {
    const { sessionId, alice, bob, carol, dave, erin, sockets, a, b, c, d, e } = await callOfFive({ invited: ['frank'] });
    await moderate(a, sessionId, 'make_cohost', carol);
    await waitApplied(c, sessionId, 'make_cohost', { target: carol, by: alice });
    const data = await openBreakout(a, { sessionId, count: 2, random: true });
    assert.equal(data.endsAt, null);
    assert.deepEqual(data.rooms.map((r) => r.name), ['Room 1', 'Room 2'], 'room names');
    const assigned = data.rooms.flatMap((r) => r.userIds);
    assert.deepEqual(sorted(assigned), sorted(ids([bob, dave, erin])),
      'exactly the participants in the call other than the host and the co-host (frank never joined), each once');
    const sizes = data.rooms.map((r) => r.userIds.length).sort();
    assert.deepEqual(sizes, [1, 2], `three people in two rooms: ${JSON.stringify(data.rooms)}`);
    for (const s of sockets) await waitOpened(s, sessionId, data);
    const socketOf = new Map([[bob.userId, b], [dave.userId, d], [erin.userId, e]]);
    const userOf = new Map([bob, dave, erin].map((u) => [u.userId, u]));
    for (const room of data.rooms) {
      for (const id of room.userIds) await waitAssigned(socketOf.get(id), sessionId, room, room.userIds.map((x) => userOf.get(x)));
    }
    for (const s of [a, c]) {
      await roundTrip(s);
      assertNone(s, 'breakout_room_assigned', undefined, 'hosts are not assigned');
    }
    // The two of the bigger room reach each other, not the one alone.
    const [pair, single] = data.rooms[0].userIds.length === 2 ? data.rooms : [data.rooms[1], data.rooms[0]];
    await relayDelivered(socketOf.get(pair.userIds[0]), socketOf.get(pair.userIds[1]), sessionId, 'pair');
    await relayRefused(socketOf.get(pair.userIds[0]), socketOf.get(single.userIds[0]), sessionId, 'pair-to-single');
  });

  test('durationSeconds: 59 and 86,401 are refused; 60 sets endsAt to about now + 60 s; a name of 50 characters is fine', async () => {
    const { sessionId, bob, sockets, a, b } = await callOfFive();
    const room = { name: 'N'.repeat(50), userIds: ids([bob]) };
    await invalid(a, 'open_breakout_rooms', { sessionId, rooms: [room], durationSeconds: 59 }, 'durationSeconds');
    await invalid(a, 'open_breakout_rooms', { sessionId, rooms: [room], durationSeconds: 86_401 }, 'durationSeconds');
    const t0 = Date.now();
    const data = await openBreakout(a, { sessionId, rooms: [room], durationSeconds: 60 });
    assert.match(String(data.endsAt), ISO_RE, `endsAt ${data.endsAt}`);
    const ends = Date.parse(data.endsAt);
    assert.ok(ends >= t0 + 55_000 && ends <= Date.now() + 65_000,
      `endsAt ${data.endsAt} is not about ${new Date(t0 + 60_000).toISOString()}`);
    assert.equal(data.rooms[0].name, room.name);
    for (const s of sockets) await waitOpened(s, sessionId, data);
    await waitAssigned(b, sessionId, data.rooms[0], [bob]);
    assert.equal((await getSession(server, bob, sessionId)).breakoutRooms?.endsAt, data.endsAt, 'breakoutRooms.endsAt');
    await closeBreakout(a, sessionId);
    await waitAll(sockets, 'breakout_rooms_closed', (m) => m?.sessionId === sessionId, 'breakout_rooms_closed');
  });
});

describe('visiting, closing, reconnecting', () => {
  test('join_breakout_room: the host visits a room (breakout_room_changed), relays follow, null brings them back', async () => {
    const { sessionId, alice, bob, carol, sockets, a, b, c, d, e } = await callOfFive();
    const data = await openBreakout(a, { sessionId, rooms: [{ name: 'Quiet', userIds: ids([bob, carol]) }] });
    const [quiet] = data.rooms;
    for (const s of sockets) await waitOpened(s, sessionId, data);
    // dave and erin stay in the main call with alice.
    await relayDelivered(a, d, sessionId, 'main-alice-to-dave');
    await relayDelivered(d, e, sessionId, 'main-dave-to-erin');
    await relayRefused(d, b, sessionId, 'main-dave-to-bob');

    expectAckOk(await emitAck(a, 'join_breakout_room', { sessionId, roomId: quiet.roomId }), 'ack of join_breakout_room');
    const into = await waitAll(sockets, 'breakout_room_changed', (m) => m?.roomId === quiet.roomId, 'breakout_room_changed into Quiet');
    for (const got of into) {
      assert.deepEqual(got, { sessionId, userId: alice.userId, roomId: quiet.roomId });
    }
    assert.deepEqual((await getSession(server, bob, sessionId)).breakoutRooms?.visits, [{ userId: alice.userId, roomId: quiet.roomId }],
      'breakoutRooms.visits while alice visits');
    await relayDelivered(a, b, sessionId, 'visit-alice-to-bob');
    await relayDelivered(c, a, sessionId, 'visit-carol-to-alice');
    await relayRefused(a, d, sessionId, 'visit-alice-to-dave');
    await relayRefused(e, a, sessionId, 'visit-erin-to-alice');

    expectAckOk(await emitAck(a, 'join_breakout_room', { sessionId, roomId: null }), 'ack of join_breakout_room null');
    for (const got of await waitAll(sockets, 'breakout_room_changed', (m) => m?.roomId === null, 'breakout_room_changed back (null)')) {
      assert.deepEqual(got, { sessionId, userId: alice.userId, roomId: null });
    }
    await relayDelivered(a, d, sessionId, 'back-alice-to-dave');
    await relayRefused(a, c, sessionId, 'back-alice-to-carol');
    await invalid(a, 'join_breakout_room', { sessionId, roomId: 'no-such-room' }, 'roomId');
  });

  test('close with a countdown: closing {secondsLeft: 2}, then closed; relays cross again; the history keeps the round', async () => {
    const { sessionId, bob, carol, dave, erin, sockets, a, b, c } = await callOfFive();
    const data = await openBreakout(a, { sessionId, rooms: [{ name: 'Red', userIds: ids([bob, dave]) },
      { name: 'Blue', userIds: ids([carol, erin]) }] });
    for (const s of sockets) await waitOpened(s, sessionId, data);
    const t0 = Date.now();
    await closeBreakout(a, sessionId, 2);
    for (const got of await waitAll(sockets, 'breakout_rooms_closing', (m) => m?.sessionId === sessionId, 'breakout_rooms_closing')) {
      assert.deepEqual(got, { sessionId, secondsLeft: 2 }, 'breakout_rooms_closing payload');
    }
    await relayRefused(b, c, sessionId, 'during-countdown'); // still apart while the countdown runs
    for (const s of sockets) {
      const got = await waitFor(s, 'breakout_rooms_closed', { where: (m) => m?.sessionId === sessionId, timeoutMs: 6_000,
        what: 'breakout_rooms_closed within 6 s of a 2 s countdown' });
      assert.deepEqual(got, { sessionId }, 'breakout_rooms_closed payload');
    }
    assert.ok(Date.now() - t0 >= 1_500, `breakout_rooms_closed came ${Date.now() - t0} ms after a 2 s countdown began`);
    await relayDelivered(b, c, sessionId, 'after-bob-to-carol');
    await relayDelivered(a, b, sessionId, 'after-alice-to-bob');

    const doc = await getSession(server, bob, sessionId);
    assert.equal(doc.breakoutRooms, null, 'breakoutRooms after the close');
    assert.ok(Array.isArray(doc.breakoutHistory), `breakoutHistory: ${JSON.stringify(doc.breakoutHistory)}`);
    assert.deepEqual(doc.breakoutHistory.map((h) => [h.roomId, h.name, sorted(h.userIds)]),
      data.rooms.map((r) => [r.roomId, r.name, sorted(r.userIds)]), 'breakoutHistory: the round, who was where');
    for (const h of doc.breakoutHistory) {
      assert.deepEqual(Object.keys(h).sort(), ['closedAt', 'name', 'openedAt', 'roomId', 'userIds'], 'breakoutHistory entry keys');
      assert.match(h.openedAt, ISO_RE);
      assert.match(h.closedAt, ISO_RE);
      assert.ok(Date.parse(h.closedAt) >= Date.parse(h.openedAt), 'closedAt after openedAt');
    }
    // Closed now: another close, or a visit, is refused.
    await invalid(a, 'close_breakout_rooms', { sessionId }, 'sessionId|rooms');
    await invalid(a, 'join_breakout_room', { sessionId, roomId: data.rooms[0].roomId }, 'sessionId|rooms|roomId');
  });

  test('a member who reconnects comes back into their room: breakoutRoomId, and relays from the new socket follow it', async () => {
    const { sessionId, bob, carol, dave, erin, sockets, a, b, c, d } = await callOfFive();
    const data = await openBreakout(a, { sessionId, rooms: [{ name: 'Red', userIds: ids([bob, dave]) },
      { name: 'Blue', userIds: ids([carol, erin]) }] });
    for (const s of sockets) await waitOpened(s, sessionId, data);
    const oldId = b.id;
    b.disconnect();
    await waitFor(d, 'user_disconnected', { where: (m) => m?.socketId === oldId, what: 'user_disconnected of bob' });
    const [b2] = await connectAll([bob]);
    const joined = await joinCall(b2, sessionId);
    assert.equal(joined.breakoutRoomId, data.rooms[0].roomId, 'call_session_joined.breakoutRoomId of the reconnected member');
    await waitFor(d, 'user_reconnected', { where: (m) => m?.socketId === b2.id, what: 'user_reconnected of bob' });
    await relayDelivered(b2, d, sessionId, 'new-bob-to-dave');
    await relayDelivered(d, b2, sessionId, 'dave-to-new-bob');
    await relayRefused(b2, c, sessionId, 'new-bob-to-carol');
    await relayRefused(a, b2, sessionId, 'alice-to-new-bob');
  });
});

describe('refusals', () => {
  test('a non-host may not open, close or visit (forbidden); twice open, or none open, is invalid_argument', async () => {
    const { sessionId, bob, carol, sockets, a, b } = await callOfFive();
    const rooms = [{ name: 'R', userIds: ids([bob, carol]) }];
    await expectRefused(b, 'open_breakout_rooms', { sessionId, rooms }, 'forbidden');
    await expectRefused(b, 'open_breakout_rooms', { sessionId, count: 2, random: true }, 'forbidden');
    await invalid(a, 'close_breakout_rooms', { sessionId }, 'sessionId|rooms');
    await invalid(a, 'join_breakout_room', { sessionId, roomId: null }, 'sessionId|rooms|roomId');
    for (const s of sockets) await roundTrip(s);
    for (const s of sockets) assertNone(s, 'breakout_rooms_opened', undefined, 'every open was refused');
    assert.equal((await getSession(server, bob, sessionId)).breakoutRooms ?? null, null, 'no rooms stored');

    const data = await openBreakout(a, { sessionId, rooms });
    const err = await invalid(a, 'open_breakout_rooms', { sessionId, rooms }, 'rooms');
    assert.equal(err.message, 'rooms: breakout rooms are open already; close them first', 'opening twice');
    await expectRefused(b, 'close_breakout_rooms', { sessionId }, 'forbidden');
    await expectRefused(b, 'join_breakout_room', { sessionId, roomId: data.rooms[0].roomId }, 'forbidden');
    await invalid(a, 'close_breakout_rooms', { sessionId, countdownSeconds: 301 }, 'countdownSeconds');
    for (const s of sockets) await roundTrip(s);
    for (const s of sockets) {
      assertNone(s, 'breakout_rooms_closing', undefined, 'the closes were refused');
      assertNone(s, 'breakout_room_changed', undefined, 'the visit was refused');
    }
    assert.deepEqual((await getSession(server, bob, sessionId)).breakoutRooms?.rooms, data.rooms, 'the rooms are still open');
  });

  test('a one-to-one call has no breakout rooms', async () => {
    const [alice, bob] = [makeUser('alice'), makeUser('bob')];
    const [a, b] = await connectAll([alice, bob]);
    const { sessionId } = await initiateCall(server, alice, [bob], { sessionType: 'one-to-one' });
    await joinCall(a, sessionId);
    await joinCall(b, sessionId);
    const err = await invalid(a, 'open_breakout_rooms', { sessionId, rooms: [{ name: 'R', userIds: [bob.userId] }] }, 'sessionId');
    assert.equal(err.message, 'sessionId: breakout rooms are for group calls');
    await invalid(a, 'open_breakout_rooms', { sessionId, count: 2, random: true }, 'sessionId');
  });

  test('payload rules: each refused invalid_argument naming the field, and nothing opens', async () => {
    const { sessionId, bob, carol, dave, sockets, a } = await callOfFive();
    const outsider = makeUser('zed');
    const [z] = await connectAll([outsider]);
    const room = (name, users) => ({ name, userIds: ids(users) });
    const cases = [
      [{ sessionId }, 'rooms|count'],
      [{ sessionId, rooms: [] }, 'rooms'],
      [{ sessionId, rooms: [room('', [bob])] }, 'name'],
      [{ sessionId, rooms: [room('x'.repeat(51), [bob])] }, 'name'],
      [{ sessionId, rooms: [{ userIds: [bob.userId] }] }, 'name'],
      [{ sessionId, rooms: [room('R', [outsider])] }, 'userIds'],
      [{ sessionId, rooms: [room('R', [bob, carol]), room('S', [carol, dave])] }, 'userIds'],
      [{ sessionId, rooms: Array.from({ length: 9 }, (_, i) => room(`R${i}`, [])) }, 'rooms'],
      [{ sessionId, count: 1, random: true }, 'count'],
      [{ sessionId, count: 9, random: true }, 'count'],
    ];
    for (const [payload, field] of cases) await invalid(a, 'open_breakout_rooms', payload, field);
    await expectRefused(z, 'open_breakout_rooms', { sessionId, count: 2, random: true }, 'forbidden'); // not a member
    for (const s of sockets) await roundTrip(s);
    for (const s of sockets) assertNone(s, 'breakout_rooms_opened', undefined, 'every open was refused');
    assert.equal((await getSession(server, bob, sessionId)).breakoutRooms ?? null, null, 'no rooms stored');
  });
});
