// kill -9 of a node mid-call (three nodes behind nginx, PostgreSQL, Redis): its clients come back through nginx to
// another node within the reconnect grace and the call goes on — the others hear user_reconnected, not a call that
// fell apart; a participant of the dead node who does not come back is cleaned up by the survivors (the others hear
// user_left_call within the grace plus 30 s); nothing acknowledged is lost. A seat the dying node never handed to
// the bus (killed between a join's answer and its bus flush) is found in the stored calls of the survivors' rooms;
// a call whose every member was on the dead node is ended from the held set alone; a waiting room loses the dead
// node's waiting sockets.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { SECRET, getSession, initiateCall, makeUser, participantOf, pollUntil } from '../e2e/lib/server.mjs';
import { authenticate, closeAll, joinCall, waitFor } from '../e2e/lib/sockets.mjs';
import { joinWaiting, therapyCall, waitWaitingList } from '../e2e/lib/controls.mjs';
import { startCluster, stopClusters } from './lib/cluster.mjs';
import { connectOn, nodeOf } from './lib/spread.mjs';

const GRACE_S = 8;

let cluster;
before(async () => {
  cluster = await startCluster({ nodes: 3, secret: SECRET, env: { RECONNECT_GRACE_SECONDS: String(GRACE_S) } });
});
after(async () => {
  closeAll();
  await stopClusters();
});

test('kill -9 of a node: its clients resume on another node within the grace; one who does not is cleaned up', { timeout: 120_000 }, async () => {
  const [alice, bob, carol, dave] = ['alice', 'bob', 'carol', 'dave'].map((p) => makeUser(p));
  const a = await connectOn(cluster, alice, 'n1');
  const b = await connectOn(cluster, bob, 'n2', { reconnection: true, reconnectionDelay: 200, reconnectionDelayMax: 500 });
  const c = await connectOn(cluster, carol, 'n3');
  const d = await connectOn(cluster, dave, 'n2'); // does not come back
  const call = await initiateCall({ url: cluster.url }, alice, [bob, carol, dave]);
  for (const s of [a, b, c, d]) await joinCall(s, call.sessionId);
  const bobOld = b.id;
  const daveOld = d.id;

  // As the web client does: after a reconnection, authenticate and join again.
  const back = new Promise((resolve) => {
    b.io.on('reconnect', async () => {
      await authenticate(b);
      resolve(await joinCall(b, call.sessionId));
    });
  });
  const killedAt = Date.now();
  await cluster.nodes.find((n) => n.id === 'n2').kill();
  d.io.opts.reconnection = false;

  const rejoined = await back;
  assert.notEqual(nodeOf(b), 'n2', 'bob came back through nginx to a live node');
  assert.ok(Date.now() - killedAt < GRACE_S * 1000, `bob back within the grace (${Date.now() - killedAt} ms)`);
  const others = rejoined.participants.map((p) => p.userId).sort();
  assert.ok(others.includes(alice.userId) && others.includes(carol.userId), `bob sees the call: ${others}`);
  for (const s of [a, c]) {
    const r = await waitFor(s, 'user_reconnected', { where: (e) => e.userId === bob.userId, timeoutMs: 10_000 });
    assert.equal(r.oldSocketId, bobOld);
    assert.equal(r.socketId, b.id);
  }
  // The call goes on: relays between the node bob moved to and the others.
  const offer = waitFor(a, 'webrtc_offer');
  b.emit('webrtc_offer', { sessionId: call.sessionId, targetSocketId: a.id, offer: { sdp: 'after the crash' } });
  assert.equal((await offer).fromSocketId, b.id);
  const offer2 = waitFor(b, 'webrtc_offer');
  c.emit('webrtc_offer', { sessionId: call.sessionId, targetSocketId: b.id, offer: { sdp: 'to bob' } });
  assert.equal((await offer2).fromSocketId, c.id);

  // dave's seat is ended by a survivor: the others hear it within the grace plus 30 s, and not before the grace.
  const left = await waitFor(a, 'user_left_call', { where: (e) => e.userId === dave.userId, timeoutMs: (GRACE_S + 30) * 1000 });
  const leftAfter = Date.now() - killedAt;
  assert.equal(left.socketId, daveOld);
  assert.ok(leftAfter >= GRACE_S * 1000 - 500, `dave left ${leftAfter} ms after the crash, before the grace ended`);
  await waitFor(c, 'user_left_call', { where: (e) => e.userId === dave.userId, timeoutMs: 5_000 });
  assert.equal(a.received.filter((r) => r.event === 'user_left_call' && r.args[0].userId === bob.userId).length, 0,
    'bob, who came back, never left');

  const stored = await getSession({ url: cluster.url }, alice, call.sessionId);
  assert.equal(stored.status, 'active');
  assert.equal(participantOf(stored, bob.userId).isActive, true);
  assert.equal(participantOf(stored, bob.userId).socketId, b.id);
  assert.equal(participantOf(stored, dave.userId).isActive, false);
  assert.equal(participantOf(stored, dave.userId).leftReason, 'disconnected');
  assert.equal(participantOf(stored, alice.userId).isActive, true);
  assert.equal(participantOf(stored, carol.userId).isActive, true);
});

test('the seats of a node that died before the bus heard of them end too; a call held by it alone ends', { timeout: 120_000 }, async () => {
  const [alice, erin, frank, gina] = ['alice', 'erin', 'frank', 'gina'].map((p) => makeUser(p));
  const a = await connectOn(cluster, alice, 'n1');
  const e = await connectOn(cluster, erin, 'n3');
  const f = await connectOn(cluster, frank, 'n3');
  const g = await connectOn(cluster, gina, 'n3');
  const shared = await initiateCall({ url: cluster.url }, alice, [erin]);
  for (const s of [a, e]) await joinCall(s, shared.sessionId);
  const alone = await initiateCall({ url: cluster.url }, frank, [gina]);
  for (const s of [f, g]) await joinCall(s, alone.sessionId);
  // A therapy call: the therapist on n1, a client waiting on n3.
  const [tina, walt] = [makeUser('tina'), makeUser('walt')];
  const t = await connectOn(cluster, tina, 'n1');
  const w = await connectOn(cluster, walt, 'n3');
  const therapy = await therapyCall({ url: cluster.url }, tina, [walt]);
  await joinCall(t, therapy.sessionId);
  await joinWaiting(w, therapy.sessionId);
  await waitWaitingList(t, therapy.sessionId, [walt], { timeoutMs: 10_000 });
  const erinSocket = e.id;
  for (const s of [e, f, g, w]) s.io.opts.reconnection = false;

  // As if n3 died before its bus flush: the survivors' only trace of erin's seat is the stored call.
  const item = `${shared.sessionId}\n${erin.userId}\n${erinSocket}`;
  assert.equal(await cluster.redis.command(['SREM', 'hearth:held:n3', item]), ':1', 'erin\'s seat was held');
  const killedAt = Date.now();
  await cluster.nodes.find((n) => n.id === 'n3').kill();

  const left = await waitFor(a, 'user_left_call', { where: (x) => x.userId === erin.userId, timeoutMs: (GRACE_S + 30) * 1000 });
  assert.equal(left.socketId, erinSocket);
  assert.ok(Date.now() - killedAt >= GRACE_S * 1000 - 500, 'not before the grace');
  const stored = await getSession({ url: cluster.url }, alice, shared.sessionId);
  assert.equal(stored.status, 'active', 'alice is still in it');
  assert.equal(participantOf(stored, erin.userId).isActive, false);
  assert.equal(participantOf(stored, erin.userId).leftReason, 'disconnected');
  await waitWaitingList(t, therapy.sessionId, [], { timeoutMs: 10_000 });
  assert.deepEqual((await getSession({ url: cluster.url }, tina, therapy.sessionId)).waitingRoom, []);

  const ended = await pollUntil(async () => {
    const s = await getSession({ url: cluster.url }, frank, alone.sessionId);
    return s.status === 'ended' ? s : null;
  }, { timeoutMs: 30_000 });
  assert.ok(ended, 'the call only n3 held ended');
  assert.equal(ended.endReason, 'all_left');
  for (const u of [frank, gina]) assert.equal(participantOf(ended, u.userId).leftReason, 'disconnected');
});
