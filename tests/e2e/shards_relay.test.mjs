// Relays between shards (net/shards.hpp): a server of 2 shards, clients of one call spread over both (each socket id
// names the shard it was made on: "<shard>-…"). A call's room lives on the shard of its first joiner; a WebSocket
// client that joins it from the other shard moves there (engineio::Session::move_to), so its relays take no hand-off
// between shards once it has. A long-polling client stays where it is, so its relays take 1 or 2 hand-offs. In every
// case — before, during and after a move — a burst of ICE candidates arrives after its offer and in the order sent.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { initiateCall, makeUser, parseMetrics, startHearth, stopAll, within } from './lib/server.mjs';
import { closeAll, connectAs, joinCall, waitFor, waitUpgraded } from './lib/sockets.mjs';

const CANDIDATES = 300;
let server;
before(async () => {
  // Bursts larger than a socket's default event burst (200).
  server = await startHearth({ HEARTH_THREADS: '2', SOCKET_EVENTS_PER_SECOND: '100000' });
});
after(async () => {
  closeAll();
  await stopAll();
});

const shardOf = (socket) => {
  const m = /^(\d+)-[0-9a-z]+$/.exec(socket.id);
  assert.ok(m, `socket id '${socket.id}' names its shard`);
  return Number(m[1]);
};

// A socket of a new user on `shard` (connections are spread by the kernel: connect until one lands there).
async function socketOn(shard, prefix, mode = 'websocket') {
  for (let i = 0; i < 64; i++) {
    const user = makeUser(`${prefix}${i}`);
    const s = await connectAs(server, user, { mode });
    if (shardOf(s) === shard) return s;
    s.close();
  }
  throw new Error(`no connection of 64 landed on shard ${shard}`);
}

// `from` sends an offer and CANDIDATES ICE candidates in one burst; `to` must get the offer first, then every
// candidate in order.
async function burstArrivesInOrder(sessionId, from, to, what) {
  const base = { sessionId, targetSocketId: to.id };
  const offer = waitFor(to, 'webrtc_offer', { where: (o) => o.fromSocketId === from.id, timeoutMs: 10_000 });
  const got = [];
  const all = new Promise((resolve) => {
    const onCandidate = (c) => {
      if (c.fromSocketId !== from.id) return;
      got.push({ n: c.candidate.n, offerSeen: to.received.some((r) => r.event === 'webrtc_offer' && r.args[0].fromSocketId === from.id) });
      if (got.length === CANDIDATES) {
        to.off('webrtc_ice_candidate', onCandidate);
        resolve();
      }
    };
    to.on('webrtc_ice_candidate', onCandidate);
  });
  from.emit('webrtc_offer', { ...base, offer: { type: 'offer', sdp: `v=0 ${what}` } });
  for (let n = 0; n < CANDIDATES; n++) from.emit('webrtc_ice_candidate', { ...base, candidate: { n } });
  assert.equal((await offer).offer.sdp, `v=0 ${what}`, `${what}: the offer`);
  await within(all, 10_000, `${what}: all ${CANDIDATES} candidates`);
  assert.ok(got.every((g) => g.offerSeen), `${what}: no candidate before its offer`);
  assert.deepEqual(got.map((g) => g.n), [...Array(CANDIDATES).keys()], `${what}: candidates in the order sent`);
}

const metrics = async () => parseMetrics(await (await fetch(`${server.url}/metrics`)).text());
const handoffs = (m) => (m.get('hearth_shard_handoffs_total{shard="0"}') ?? 0) + (m.get('hearth_shard_handoffs_total{shard="1"}') ?? 0);
const moves = (m) => m.get('hearth_socket_moves_total');

async function movesReach(n) {
  for (let i = 0; i < 100; i++) {
    if (moves(await metrics()) >= n) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.fail(`hearth_socket_moves_total did not reach ${n}`);
}

test('one-to-one calls across two shards: the room with the sender, and with the target', async () => {
  const a = await socketOn(0, 'a');
  const b = await socketOn(1, 'b');
  assert.notEqual(shardOf(a), shardOf(b));
  const { sessionId } = await initiateCall(server, a.hearthUser, [b.hearthUser], { sessionType: 'one-to-one' });
  await joinCall(a, sessionId); // the room lives on a's shard
  await joinCall(b, sessionId);
  await burstArrivesInOrder(sessionId, a, b, 'sender with the room');
  await burstArrivesInOrder(sessionId, b, a, 'target with the room');
});

test('a group call: sender and target on one shard, the room on the other', async () => {
  const host = await socketOn(1, 'host'); // joins first: the room on shard 1
  const x = await socketOn(0, 'x');
  const y = await socketOn(0, 'y');
  const { sessionId } = await initiateCall(server, host.hearthUser, [x.hearthUser, y.hearthUser]);
  await joinCall(host, sessionId);
  await joinCall(x, sessionId);
  await joinCall(y, sessionId);
  await burstArrivesInOrder(sessionId, x, y, 'both away from the room');
  await burstArrivesInOrder(sessionId, host, x, 'room to another shard');
});

test('long-polling clients across shards get their relays in order', async () => {
  const p = await socketOn(0, 'poll', 'polling');
  const w = await socketOn(1, 'ws');
  const { sessionId } = await initiateCall(server, w.hearthUser, [p.hearthUser], { sessionType: 'one-to-one' });
  await joinCall(w, sessionId);
  await joinCall(p, sessionId);
  await burstArrivesInOrder(sessionId, w, p, 'to a polling client');
  await burstArrivesInOrder(sessionId, p, w, 'from a polling client');
});

// signaling placement(): a socket whose handshake names its call (?callId=) lives on the call's shard — its room's,
// or before it has one the shard its id hashes to — whichever shard the kernel gave the connection.
test('sockets that name their call in the handshake are placed on its shard, and relay within it', async () => {
  const users = ['n0', 'n1', 'n2', 'n3'].map((p) => makeUser(p));
  const { sessionId } = await initiateCall(server, users[0], users.slice(1));
  const named = (user, mode = 'websocket') => connectAs(server, user, { mode, query: { callId: sessionId } });
  // Before anyone joined (no room yet): the shard of the call's id, over WebSocket and long-polling alike, for
  // connections the kernel spread over both shards.
  const [a, b, p] = [await named(users[0]), await named(users[1]), await named(users[2], 'polling')];
  const home = shardOf(a);
  assert.deepEqual([a, b, p].map(shardOf), [home, home, home]);
  for (let i = 0; i < 8; i++) assert.equal(shardOf(await named(makeUser(`extra${i}`))), home, 'every time');
  for (const s of [a, b, p]) await joinCall(s, sessionId);
  await burstArrivesInOrder(sessionId, a, b, 'placed sockets');
  await burstArrivesInOrder(sessionId, p, a, 'from a placed polling client');
  // The room's shard once it has one, whatever the call's id hashes to: a call whose id hashes to shard 0 (a named
  // probe lands there before anyone joined) and whose first joiner, who does not name it, is on shard 1 — where
  // its room is made, and where a socket that names the call then goes.
  const c1 = makeUser('c1');
  const first = await socketOn(1, 'c0x');
  let call2;
  for (let i = 0; i < 32 && !call2; i++) {
    const { sessionId: id } = await initiateCall(server, makeUser(`i${i}`), [first.hearthUser, c1]);
    const probe = await connectAs(server, makeUser(`probe${i}`), { query: { callId: id } });
    if (shardOf(probe) === 0) call2 = id;
    probe.close();
  }
  assert.ok(call2, 'a call whose id hashes to shard 0');
  await joinCall(first, call2);
  const late = await connectAs(server, c1, { query: { callId: call2 } });
  assert.equal(shardOf(late), 1, "the room's shard (its first joiner's), not the one its id hashes to");
  await joinCall(late, call2);
  await burstArrivesInOrder(call2, first, late, 'with the room');
  // A callId that is no call id changes nothing: the socket stays where it landed and works.
  for (const callId of ['nope', 'call_1_x'.repeat(40), '']) {
    const s = await connectAs(server, makeUser('bad'), { query: { callId } });
    assert.ok([0, 1].includes(shardOf(s)));
  }
});

test('a socket that joins a call of the other shard moves there: its relays then take no hand-off', async () => {
  const a = await socketOn(0, 'ma'); // joins first: the room on shard 0
  const b = await socketOn(1, 'mb'); // WebSocket from the start
  const u = await socketOn(1, 'mu', 'upgrade'); // long-polling, then the upgrade: moves once on WebSocket
  const p = await socketOn(1, 'mp', 'polling'); // long-polling only: never moves
  const { sessionId } = await initiateCall(server, a.hearthUser, [b, u, p].map((s) => s.hearthUser));
  const before = moves(await metrics());
  for (const s of [a, b, u, p]) await joinCall(s, sessionId);
  await waitUpgraded(u);
  await movesReach(before + 2);
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(moves(await metrics()), before + 2, 'b and u moved; a was there, p polls');
  assert.equal(shardOf(b), 1, 'a socket id names the shard it was made on, moved or not');

  const h0 = handoffs(await metrics());
  await burstArrivesInOrder(sessionId, a, b, 'to a moved socket');
  await burstArrivesInOrder(sessionId, b, a, 'from a moved socket');
  await burstArrivesInOrder(sessionId, u, b, 'between moved sockets');
  const h1 = handoffs(await metrics());
  // 903 relays; had b and u stayed on shard 1, each would take at least one hand-off.
  assert.ok(h1 - h0 < 50, `${h1 - h0} hand-offs between the shards for 903 relays`);

  await burstArrivesInOrder(sessionId, p, b, 'from a polling client to a moved socket');
  assert.ok(handoffs(await metrics()) - h1 >= CANDIDATES, 'the polling client, on the other shard, still hands off');
});

test('relays to and from a socket while it moves arrive in order', async () => {
  for (let round = 0; round < 6; round++) {
    const y = await socketOn(0, `ry${round}`); // the room's shard
    const x = await socketOn(1, `rx${round}`); // moves when it joins
    const { sessionId } = await initiateCall(server, y.hearthUser, [x.hearthUser], { sessionType: 'one-to-one' });
    await joinCall(y, sessionId);
    // y starts its burst as soon as it hears x joined (x is moving by then), x as soon as its join is answered.
    const heard = waitFor(y, 'user_joined_call', { where: (j) => j?.userId === x.hearthUser.userId });
    const joined = joinCall(x, sessionId);
    await heard;
    const toMoving = burstArrivesInOrder(sessionId, y, x, `round ${round}: to the moving socket`);
    await joined;
    const fromMoving = burstArrivesInOrder(sessionId, x, y, `round ${round}: from the moving socket`);
    await Promise.all([toMoving, fromMoving]);
    x.close();
    y.close();
  }
});
