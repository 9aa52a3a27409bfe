// Capacity is decided in one place: 20 invited users, their sockets spread over three nodes, race to take the seats
// of an 8-seat call (join_call_session; a REST join only answers what a join needs, the socket takes the seat), many
// times. Exactly 8 are admitted every time, the stored session agrees, and every one refused was told the call is
// full.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { SECRET, getSession, initiateCall, makeUser } from '../e2e/lib/server.mjs';
import { closeAll, emitAck } from '../e2e/lib/sockets.mjs';
import { startCluster, stopClusters } from './lib/cluster.mjs';
import { connectOn } from './lib/spread.mjs';

const ROUNDS = 8;
const RACERS = 20;
const SEATS = 8;

let cluster;
before(async () => {
  cluster = await startCluster({ nodes: 3, secret: SECRET });
});
after(async () => {
  closeAll();
  await stopClusters();
});

test(`${RACERS} users race for the ${SEATS} seats of a call through three nodes: exactly ${SEATS} admitted, ${ROUNDS} times`, async () => {
  const host = makeUser('host');
  const users = Array.from({ length: RACERS }, (_, i) => makeUser(`racer${i}`));
  const sockets = [];
  for (let i = 0; i < RACERS; i += 1) sockets.push(await connectOn(cluster, users[i], `n${(i % 3) + 1}`));
  for (let round = 0; round < ROUNDS; round += 1) {
    const call = await initiateCall({ url: cluster.url }, host, users, { sessionType: 'group', maxParticipants: SEATS });
    const outcomes = await Promise.all(sockets.map(async (socket, i) => {
      const ack = await emitAck(socket, 'join_call_session', { sessionId: call.sessionId, peerId: `p-${i}` });
      return ack.success ? 'admitted' : ack.code;
    }));
    const admitted = outcomes.filter((o) => o === 'admitted').length;
    assert.equal(admitted, SEATS, `round ${round}: ${admitted} admitted: ${JSON.stringify(outcomes)}`);
    for (const o of outcomes) assert.ok(o === 'admitted' || o === 'session_full', `round ${round}: refusal ${o}`);
    const stored = await getSession({ url: cluster.url }, host, call.sessionId);
    const active = stored.participants.filter((p) => p.isActive).map((p) => p.userId);
    assert.equal(active.length, SEATS, `round ${round}: stored active participants ${JSON.stringify(active)}`);
  }
});
