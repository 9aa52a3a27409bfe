// A node alone killed with SIGKILL leaves its sockets' seats in the store. After the restart they end a reconnect
// grace later (10 s at least), as a disconnected socket's seat would (docs/robustness.md): the user who comes back and
// joins again keeps the call and hears the one who did not leave it (user_left_call; leftReason "disconnected"); a
// call nobody comes back to ends. A node started beside a running one on the same database is not alone: it leaves
// the other's seats be. CTest runs this file on SQLite (a flock on the database file tells a node it is alone) and, as
// e2e_restart_seats_postgres, on PostgreSQL without Redis (an advisory lock tells it: store/node_lock.hpp).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { getSession, initiateCall, makeUser, participantOf, restartHearth, sleep, startHearth, stopAll } from './lib/server.mjs';
import { closeAll, connect, joinCall, waitFor } from './lib/sockets.mjs';
import { startServer } from '../integration/lib/server.mjs';
import { startPostgres } from '../integration/lib/postgres.mjs';

const GRACE_SECONDS = 2;
const LEAST_GRACE_MS = 10_000; // the previous run's seats wait at least this long (signaling/cross_node.cpp)

const onPostgres = process.env.E2E_STORE === 'postgres';
let pg;
/** The environment of a server on a database of its own: a new PostgreSQL database, or the SQLite default. */
async function database(name) {
  return onPostgres ? { DATABASE_URL: await pg.createDatabase(name) } : {};
}

let restarted;
before(async () => {
  if (onPostgres) pg = await startPostgres();
});
after(async () => {
  closeAll();
  await restarted?.stop('SIGKILL'); // startHearth's servers are stopped by stopAll
  await stopAll();
  await pg?.remove();
});

test('after a kill -9, seats nobody takes back end a reconnect grace after the restart', async () => {
  const server = await startHearth({ RECONNECT_GRACE_SECONDS: GRACE_SECONDS, ...(await database('restart')) });
  const [ann, bob, cat, dan] = ['ann', 'bob', 'cat', 'dan'].map((p) => makeUser(p));
  const { sessionId: kept } = await initiateCall(server, ann, [bob]);
  const { sessionId: abandoned } = await initiateCall(server, cat, [dan]);
  for (const [user, call] of [[ann, kept], [bob, kept], [cat, abandoned], [dan, abandoned]])
    await joinCall(await connect(server, { user, connectAuth: true }), call);
  await server.stop('SIGKILL');
  closeAll(); // none of these reconnects: ann comes back with a new socket, the others never

  restarted = await restartHearth(server);
  const startedAt = Date.now();
  const a = await connect(restarted, { user: ann, connectAuth: true });
  const joined = await joinCall(a, kept);
  assert.ok(joined, 'ann joins her call again');
  assert.equal(participantOf(await getSession(restarted, ann, kept), bob.userId).isActive, true,
    'bob keeps his seat during the grace');

  const left = await waitFor(a, 'user_left_call', { where: (m) => m?.userId === bob.userId, timeoutMs: 25_000 });
  assert.equal(left.sessionId, kept);
  assert.ok(Date.now() - startedAt >= LEAST_GRACE_MS - 500, 'not before the grace ran out');

  const call = await getSession(restarted, ann, kept);
  assert.equal(call.status, 'active');
  assert.equal(participantOf(call, ann.userId).isActive, true, 'ann, who came back, keeps her seat');
  assert.equal(participantOf(call, bob.userId).isActive, false);
  assert.equal(participantOf(call, bob.userId).leftReason, 'disconnected');

  let gone;
  for (let i = 0; i < 50; ++i) {
    gone = await getSession(restarted, cat, abandoned);
    if (gone.status === 'ended') break;
    await sleep(100);
  }
  assert.equal(gone.status, 'ended', 'the call nobody came back to ends');
  for (const user of [cat, dan]) assert.equal(participantOf(gone, user.userId).isActive, false);
});

test('a node started beside a running one on the same database leaves its seats be', async () => {
  const first = await startHearth({ RECONNECT_GRACE_SECONDS: GRACE_SECONDS, ...(await database('beside')) });
  const [eve, fay] = ['eve', 'fay'].map((p) => makeUser(p));
  const { sessionId } = await initiateCall(first, eve, [fay]);
  for (const user of [eve, fay]) await joinCall(await connect(first, { user, connectAuth: true }), sessionId);
  // A second node on the same database (a blue-green switch), while the first still serves the call.
  const second = await startServer({ dir: first.dir, env: first.env });
  try {
    await sleep(LEAST_GRACE_MS + 1_500);
    const call = await getSession(second, eve, sessionId);
    assert.equal(call.status, 'active');
    for (const user of [eve, fay]) assert.equal(participantOf(call, user.userId).isActive, true, user.userId);
    assert.doesNotMatch(second.stderr(), /of the previous run/);
  } finally {
    await second.stop('SIGKILL');
  }
});
