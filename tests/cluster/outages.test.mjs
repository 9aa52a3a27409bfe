// Outages of the shared parts (two nodes behind nginx). Redis down: calls whose members are all on one node go on,
// a relay to another node is refused with a clear call_error, /readyz answers 503 within 10 s, and everything comes
// back by itself (/readyz 200 within 30 s, cross-node relays and invitations again). PostgreSQL down: REST answers
// 503 with the usual envelope, running calls keep relaying, nothing acknowledged is lost, and it recovers by itself.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { SECRET, getSession, initiateCall, makeUser, rest } from '../e2e/lib/server.mjs';
import { closeAll, emitAck, expectAckOk, joinCall, waitFor } from '../e2e/lib/sockets.mjs';
import { startCluster, stopClusters } from './lib/cluster.mjs';
import { connectOn } from './lib/spread.mjs';

let cluster;
before(async () => {
  cluster = await startCluster({ nodes: 2, secret: SECRET });
});
after(async () => {
  closeAll();
  await stopClusters();
});

const node = (id) => cluster.nodes.find((n) => n.id === id);
const readyz = async (n) => (await fetch(`${n.url}/readyz`)).status;

// Polls until `check()` is true; fails with `what` after `ms`.
async function within(ms, what, check) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return Date.now();
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`${what} not within ${ms} ms`);
}

// A relay from `from` to `to` arrives (resolves its payload).
async function relays(from, to, sessionId, sdp) {
  const got = waitFor(to, 'webrtc_offer', { where: (o) => o.offer?.sdp === sdp });
  expectAckOk(await emitAck(from, 'webrtc_offer', { sessionId, targetSocketId: to.id, offer: { sdp } }));
  return got;
}

test('Redis down: local calls go on, cross-node relays are refused, /readyz 503; all back by itself', { timeout: 120_000 }, async () => {
  const [alice, carol, ann, bob] = ['alice', 'carol', 'ann', 'bob'].map((p) => makeUser(p));
  const a = await connectOn(cluster, alice, 'n1');
  const c = await connectOn(cluster, carol, 'n1');
  const x = await connectOn(cluster, ann, 'n1');
  const b = await connectOn(cluster, bob, 'n2');
  const local = await initiateCall({ url: cluster.url }, alice, [carol]);
  await joinCall(a, local.sessionId);
  await joinCall(c, local.sessionId);
  const cross = await initiateCall({ url: cluster.url }, ann, [bob]);
  await joinCall(x, cross.sessionId);
  await joinCall(b, cross.sessionId);
  await relays(x, b, cross.sessionId, 'before');

  const stoppedAt = Date.now();
  await cluster.redis.stop();
  const down = await within(10_000, '/readyz 503 on both nodes', async () =>
    (await readyz(node('n1'))) === 503 && (await readyz(node('n2'))) === 503);
  const body = await (await fetch(`${node('n1').url}/readyz`)).json();
  assert.equal(body.success, false);
  assert.match(body.message, /Redis|Bus/);
  assert.ok(down - stoppedAt <= 10_000);

  await relays(a, c, local.sessionId, 'local while Redis is down');
  const ack = await emitAck(x, 'webrtc_offer', { sessionId: cross.sessionId, targetSocketId: b.id, offer: { sdp: 'cross' } });
  assert.equal(ack.success, false);
  assert.equal(ack.code, 'unavailable');
  const err = await waitFor(x, 'call_error', { where: (e) => e.event === 'webrtc_offer' });
  assert.equal(err.code, 'unavailable');
  assert.match(err.message, /another node/);

  const restartedAt = Date.now();
  await cluster.redis.restart();
  await within(30_000, '/readyz 200 on both nodes after Redis is back', async () =>
    (await readyz(node('n1'))) === 200 && (await readyz(node('n2'))) === 200);
  assert.ok(Date.now() - restartedAt <= 30_000);
  await relays(x, b, cross.sessionId, 'after Redis is back');
  await relays(b, x, cross.sessionId, 'and the other way');
  const again = await initiateCall(node('n1'), ann, [bob]); // REST on n1, bob's socket on n2
  await waitFor(b, 'call_invitation', { where: (e) => e.sessionId === again.sessionId });
});

test('PostgreSQL down: REST answers 503 {success:false}, calls keep relaying, nothing acknowledged is lost; it recovers', { timeout: 120_000 }, async () => {
  const [alice, bob] = ['alice', 'bob'].map((p) => makeUser(p));
  const a = await connectOn(cluster, alice, 'n1');
  const b = await connectOn(cluster, bob, 'n2');
  const call = await initiateCall({ url: cluster.url }, alice, [bob]);
  await joinCall(a, call.sessionId);
  await joinCall(b, call.sessionId);
  expectAckOk(await emitAck(a, 'media_state_changed', { sessionId: call.sessionId, hasVideo: false }));

  await cluster.postgres.stop();
  for (const n of cluster.nodes) {
    const res = await rest(n, alice).initiate({ sessionType: 'one-to-one', participants: [bob.userId] });
    assert.equal(res.status, 503, `initiate on ${n.id} with PostgreSQL down: ${res.status} ${res.text}`);
    assert.equal(res.body.success, false);
    assert.equal(typeof res.body.message, 'string');
  }
  await relays(a, b, call.sessionId, 'while PostgreSQL is down');
  await relays(b, a, call.sessionId, 'both ways');

  await cluster.postgres.restart();
  let created;
  await within(30_000, 'REST initiate answering 201 after PostgreSQL is back', async () => {
    const res = await rest(node('n2'), alice).initiate({ sessionType: 'one-to-one', participants: [bob.userId] });
    if (res.status === 201) created = res.body.data;
    return res.status === 201;
  });
  assert.ok(created.sessionId);
  const stored = await getSession({ url: cluster.url }, alice, call.sessionId);
  assert.equal(stored.status, 'active', 'the call acknowledged before the outage');
  const me = stored.participants.find((p) => p.userId === alice.userId);
  assert.equal(me.hasVideo, false, 'the media change acknowledged before the outage');
  await relays(a, b, call.sessionId, 'after PostgreSQL is back');
});
