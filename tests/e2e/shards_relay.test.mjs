// Relays between shards (net/shards.hpp): a server of 2 shards, clients of one call spread over both (each socket id
// names its shard: "<shard>-…"). A call's room lives on the shard of its first joiner, so a relay takes 0, 1 or 2
// hand-offs between shards: sender and target with the room, the sender away from it, the target away from it, and
// both away from it (a group call). In every case a burst of ICE candidates arrives after its offer and in the order
// sent — over WebSocket, and to and from a long-polling client whose requests may land on either shard.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { initiateCall, makeUser, startHearth, stopAll } from './lib/server.mjs';
import { closeAll, connectAs, joinCall, waitFor } from './lib/sockets.mjs';

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
  await Promise.race([all, new Promise((_, rej) => setTimeout(() => rej(new Error(`${what}: ${got.length} of ${CANDIDATES} candidates`)), 10_000))]);
  assert.ok(got.every((g) => g.offerSeen), `${what}: no candidate before its offer`);
  assert.deepEqual(got.map((g) => g.n), [...Array(CANDIDATES).keys()], `${what}: candidates in the order sent`);
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
