// Three nodes behind nginx (PostgreSQL, Redis): the signaling flows with the members of a call on different nodes —
// an invitation to a user connected only to another node, relays between nodes in order, a second tab on another
// node, media, leave and end heard everywhere, quality shared by the nodes of a call, long-polling clients routed to
// their node by their sid, and the sockets of a call that name it in their handshake placed on one node.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import {
  API, SECRET, endCall, getSession, initiateCall, makeUser, participantOf, pollUntil, putMedia, rest,
} from '../e2e/lib/server.mjs';
import {
  closeAll, connectAs, emitAck, expectAckError, expectAckOk, joinCall, roundTrip, waitFor,
} from '../e2e/lib/sockets.mjs';
import { startCluster, stopClusters } from './lib/cluster.mjs';
import { connectOn, nodeOf } from './lib/spread.mjs';

let cluster;
let lb; // nginx, as the REST helpers want a server: {url}
before(async () => {
  cluster = await startCluster({ nodes: 3, secret: SECRET });
  lb = { url: cluster.url };
});
after(async () => {
  closeAll();
  await stopClusters();
});

// A REST answer from a given node directly (the REST helpers use whatever server they are given).
const node = (id) => cluster.nodes.find((n) => n.id === id);

test('an invitation reaches a user connected only to another node; the join is heard across nodes', async () => {
  const alice = makeUser('alice');
  const bob = makeUser('bob');
  const a = await connectOn(cluster, alice, 'n1');
  const b = await connectOn(cluster, bob, 'n2');
  const invited = waitFor(b, 'call_invitation');
  const call = await initiateCall(node('n3'), alice, [bob]); // REST on the third node
  assert.equal((await invited).sessionId, call.sessionId);
  await joinCall(a, call.sessionId);
  const heard = waitFor(a, 'user_joined_call');
  const joined = await joinCall(b, call.sessionId);
  assert.deepEqual(joined.participants.map((p) => p.socketId), [a.id], 'the joiner sees the member on n1');
  assert.equal(joined.participants[0].userId, alice.userId);
  const j = await heard;
  assert.equal(j.socketId, b.id);
  assert.equal(j.userId, bob.userId);
});

test('relays cross nodes in the order sent, with the sender named; both ways', async () => {
  const alice = makeUser('alice');
  const bob = makeUser('bob');
  const a = await connectOn(cluster, alice, 'n1');
  const b = await connectOn(cluster, bob, 'n3');
  const call = await initiateCall(lb, alice, [bob]);
  await joinCall(a, call.sessionId);
  await joinCall(b, call.sessionId);
  const arrived = []; // 'offer' and the candidates' numbers, in the order they arrived
  b.onAny((event, m) => {
    if (event === 'webrtc_offer') arrived.push('offer');
    if (event === 'webrtc_ice_candidate') arrived.push(m.candidate.n);
  });
  const offer = waitFor(b, 'webrtc_offer');
  a.emit('webrtc_offer', { sessionId: call.sessionId, targetSocketId: b.id, offer: { type: 'offer', sdp: 'v=0 x' } });
  for (let n = 0; n < 150; n += 1) a.emit('webrtc_ice_candidate', { sessionId: call.sessionId, targetSocketId: b.id, candidate: { n } });
  const o = await offer;
  assert.equal(o.fromSocketId, a.id);
  assert.equal(o.fromUserId, alice.userId);
  assert.equal(o.offer.sdp, 'v=0 x');
  await roundTrip(a);
  const deadline = Date.now() + 10_000;
  while (arrived.length < 151 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(arrived, ['offer', ...Array.from({ length: 150 }, (_, n) => n)], 'the offer first, then every candidate once, in order');
  const binary = waitFor(b, 'webrtc_offer', { where: (m) => m.offer?.sdp === 'binary' });
  a.emit('webrtc_offer', { sessionId: call.sessionId, targetSocketId: b.id, offer: { sdp: 'binary' }, blob: Buffer.from([1, 2, 3, 250]) });
  const bin = await binary;
  assert.deepEqual([...new Uint8Array(bin.blob)], [1, 2, 3, 250], 'a binary attachment crosses nodes intact');
  assert.equal(bin.fromSocketId, a.id);
  const answer = waitFor(a, 'webrtc_answer');
  b.emit('webrtc_answer', { sessionId: call.sessionId, targetSocketId: a.id, answer: { type: 'answer', sdp: 'v=0 y' } });
  assert.equal((await answer).fromSocketId, b.id);
});

test('sockets that name their call in the handshake meet on one node through nginx, and relay there', async () => {
  const [alice, bob, carol] = ['alice', 'bob', 'carol'].map((p) => makeUser(p));
  const call = await initiateCall(lb, alice, [bob, carol]);
  const named = (user, mode) => connectAs(lb, user, { mode, query: { callId: call.sessionId } });
  const [a, b, c] = [await named(alice, 'websocket'), await named(bob, 'websocket'), await named(carol, 'polling')];
  const home = nodeOf(a);
  assert.deepEqual([a, b, c].map(nodeOf), [home, home, home], 'one node for the call (nginx: hearth_by_call)');
  for (const s of [a, b, c]) await joinCall(s, call.sessionId);
  const arrived = [];
  c.onAny((event, m) => {
    if (event === 'webrtc_offer') arrived.push('offer');
    if (event === 'webrtc_ice_candidate') arrived.push(m.candidate.n);
  });
  a.emit('webrtc_offer', { sessionId: call.sessionId, targetSocketId: c.id, offer: { type: 'offer', sdp: 'v=0 x' } });
  for (let n = 0; n < 50; n += 1) a.emit('webrtc_ice_candidate', { sessionId: call.sessionId, targetSocketId: c.id, candidate: { n } });
  await roundTrip(a);
  const deadline = Date.now() + 10_000;
  while (arrived.length < 51 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(arrived, ['offer', ...Array.from({ length: 50 }, (_, n) => n)], 'the offer first, then the candidates in order');
});

test('a relay to a socket of another node that is not in the call is refused', async () => {
  const alice = makeUser('alice');
  const bob = makeUser('bob');
  const carol = makeUser('carol');
  const a = await connectOn(cluster, alice, 'n1');
  const b = await connectOn(cluster, bob, 'n2');
  const c = await connectOn(cluster, carol, 'n2'); // invited, never joins
  const call = await initiateCall(lb, alice, [bob, carol]);
  await joinCall(a, call.sessionId);
  await joinCall(b, call.sessionId);
  const refused = waitFor(a, 'call_error', { where: (e) => e.event === 'webrtc_offer' });
  a.emit('webrtc_offer', { sessionId: call.sessionId, targetSocketId: c.id, offer: { sdp: 'x' } });
  assert.equal((await refused).code, 'forbidden');
  await roundTrip(c);
  assert.equal(c.received.filter((r) => r.event === 'webrtc_offer').length, 0);
});

test('a second tab on another node replaces the first; the others hear user_reconnected', async () => {
  const alice = makeUser('alice');
  const bob = makeUser('bob');
  const a = await connectOn(cluster, alice, 'n1');
  const tab1 = await connectOn(cluster, bob, 'n2');
  const tab2 = await connectOn(cluster, bob, 'n3');
  const call = await initiateCall(lb, alice, [bob]);
  await joinCall(a, call.sessionId);
  await joinCall(tab1, call.sessionId);
  const reconnected = waitFor(a, 'user_reconnected');
  const replaced = waitFor(tab1, 'call_error', { where: (e) => e.code === 'replaced' });
  await joinCall(tab2, call.sessionId);
  await replaced;
  const r = await reconnected;
  assert.equal(r.oldSocketId, tab1.id);
  assert.equal(r.socketId, tab2.id);
  const refused = waitFor(tab1, 'call_error', { where: (e) => e.event === 'webrtc_offer' });
  tab1.emit('webrtc_offer', { sessionId: call.sessionId, targetSocketId: a.id, offer: { sdp: 'x' } });
  assert.equal((await refused).code, 'forbidden', 'the replaced tab no longer relays');
  assert.equal(participantOf(await getSession(lb, alice, call.sessionId), bob.userId).socketId, tab2.id);
});

test('media, leave and a REST end on a third node are heard on every node', async () => {
  const [alice, bob, carol] = [makeUser('alice'), makeUser('bob'), makeUser('carol')];
  const a = await connectOn(cluster, alice, 'n1');
  const b = await connectOn(cluster, bob, 'n2');
  const c = await connectOn(cluster, carol, 'n3');
  const call = await initiateCall(lb, alice, [bob, carol]);
  for (const s of [a, b, c]) await joinCall(s, call.sessionId);
  const media = [waitFor(b, 'media_state_changed'), waitFor(c, 'media_state_changed')];
  expectAckOk(await emitAck(a, 'media_state_changed', { sessionId: call.sessionId, hasVideo: false }));
  for (const m of await Promise.all(media)) assert.equal(m.hasVideo, false);
  const restMedia = waitFor(a, 'media_state_changed', { where: (m) => m.userId === carol.userId });
  await putMedia(node('n1'), carol, call.sessionId, { hasAudio: false }); // REST on n1, carol's socket on n3
  assert.equal((await restMedia).hasAudio, false);
  const left = [waitFor(a, 'user_left_call'), waitFor(c, 'user_left_call')];
  expectAckOk(await emitAck(b, 'leave_call_session', { sessionId: call.sessionId }));
  for (const l of await Promise.all(left)) assert.equal(l.userId, bob.userId);
  const ended = [waitFor(a, 'call_ended'), waitFor(c, 'call_ended'), waitFor(b, 'call_ended')];
  await endCall(node('n2'), alice, call.sessionId);
  for (const e of await Promise.all(ended)) assert.equal(e.reason, 'ended_by_user');
  const again = await emitAck(a, 'webrtc_offer', { sessionId: call.sessionId, targetSocketId: c.id, offer: { sdp: 'x' } });
  expectAckError(again, undefined, 'a relay after the end');
});

test('long-polling clients reach their node through nginx and relay across nodes', async () => {
  const alice = makeUser('alice');
  const bob = makeUser('bob');
  const a = await connectOn(cluster, alice, 'n2', { mode: 'polling' });
  const b = await connectOn(cluster, bob, 'n3', { mode: 'polling' });
  assert.equal(a.io.engine.transport.name, 'polling');
  assert.equal(a.io.engine.id.split('.')[0], 'n2', 'the Engine.IO sid names the node too');
  const call = await initiateCall(lb, alice, [bob]);
  await joinCall(a, call.sessionId);
  await joinCall(b, call.sessionId);
  const got = [];
  b.on('webrtc_ice_candidate', (m) => got.push(m.candidate.n));
  for (let n = 0; n < 50; n += 1) a.emit('webrtc_ice_candidate', { sessionId: call.sessionId, targetSocketId: b.id, candidate: { n } });
  const deadline = Date.now() + 10_000;
  while (got.length < 50 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(got, Array.from({ length: 50 }, (_, n) => n));
  assert.equal(nodeOf(a), 'n2');
  assert.equal(nodeOf(b), 'n3');
});

test('quality reports are shared by the nodes of a call: every member hears the levels, the summary is stored', async () => {
  const [alice, bob, carol] = ['alice', 'bob', 'carol'].map((p) => makeUser(p));
  const a = await connectOn(cluster, alice, 'n1');
  const b = await connectOn(cluster, bob, 'n2');
  const c = await connectOn(cluster, carol, 'n3');
  const call = await initiateCall(lb, alice, [bob, carol]);
  for (const s of [a, b, c]) await joinCall(s, call.sessionId);
  // Bob (n2) receives alice (n1) badly: after two samples that agree, alice's level drops; all three nodes say so.
  const levels = [a, c].map((s) => waitFor(s, 'connection_quality_changed', { where: (m) => m.userId === alice.userId && m.level !== 'good' && m.level !== 'excellent' }));
  const bad = { socketId: a.id, rttMs: 900, jitterMs: 200, packetLossPct: 20 };
  for (let i = 0; i < 2; i += 1) {
    expectAckOk(await emitAck(b, 'call_quality_report', { sessionId: call.sessionId, links: [bad] }));
    await new Promise((r) => setTimeout(r, 1100)); // one report a second per socket
  }
  const [onN1, onN3] = await Promise.all(levels);
  assert.equal(onN1.level, onN3.level);
  assert.equal(onN1.socketId, a.id);
  // The summary is stored (by one node: the smallest id holding members, n1) and names both ends of the link.
  await endCall(lb, alice, call.sessionId);
  const summary = await pollUntil(async () => {
    const r = await rest(lb, carol).get(`${API}/session/${call.sessionId}/quality`);
    return r.status === 200 && r.body.data.participants.length >= 2 ? r.body.data : undefined;
  }, { timeoutMs: 10_000 });
  assert.ok(summary, 'a quality summary stored');
  assert.deepEqual(summary.participants.map((p) => p.userId).sort(), [alice.userId, bob.userId].sort());
});
