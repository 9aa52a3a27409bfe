// The server on PostgreSQL (DATABASE_URL=postgres://…): `hearth-call migrate` is idempotent, the REST flows work,
// and a PostgreSQL outage answers 503 with the usual envelope, keeps the process up, loses nothing acknowledged, and
// heals by itself once PostgreSQL is back (same server, no restart).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { client, expectError, expectOk, pollUntil, request, runCli, startServer, stopAll } from './lib/server.mjs';
import { mint } from './lib/jwt.mjs';
import { startPostgres } from './lib/postgres.mjs';

const SECRET = `postgres-${randomUUID()}`;
let pg;

before(async () => {
  pg = await startPostgres();
});

after(async () => {
  await stopAll();
  await pg?.remove();
});

describe('PostgreSQL store', () => {
  it('`hearth-call migrate` applies the migrations once, then nothing', async () => {
    const url = await pg.createDatabase('migrated');
    const first = await runCli(['migrate'], { env: { DATABASE_URL: url } });
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /applied 7 migration\(s\)/);
    const second = await runCli(['migrate'], { env: { DATABASE_URL: url } });
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /applied 0 migration\(s\)/);
    assert.equal(pg.query('migrated', 'SELECT string_agg(version::text, \',\' ORDER BY version) FROM schema_migrations'),
      '1,2,3,4,5,6,7');
  });

  it('serves initiate, join, session, end and history', async () => {
    const url = await pg.createDatabase('flows');
    const server = await startServer({ secret: SECRET, env: { DATABASE_URL: url, DATABASE_POOL_SIZE: '4' } });
    assert.doesNotMatch(server.stderr() + server.stdout(), /password/);
    const alice = client(server, mint({ sub: 'alice', name: 'Alice' }, SECRET));
    const bob = client(server, mint({ sub: 'bob', name: 'Bob' }, SECRET));
    const created = expectOk(await alice.initiate({ sessionType: 'one-to-one', participants: ['bob'] }), 201);
    expectOk(await bob.join(created.sessionId), 200);
    const { session } = expectOk(await bob.session(created.sessionId), 200);
    assert.equal(session.sessionId, created.sessionId);
    const ended = expectOk(await alice.end(created.sessionId), 200, 'Call session ended');
    assert.equal(ended.session.status, 'ended');
    expectError(await bob.join(created.sessionId), 410);
    const other = expectOk(await bob.initiate({ sessionType: 'group', participants: ['alice', 'carol'] }), 201);
    const history = expectOk(await alice.history(), 200);
    assert.deepEqual(history.sessions.map((s) => s.sessionId), [other.sessionId, created.sessionId]);
    assert.equal(history.pagination.total, 2);
    assert.equal(pg.query('flows', `SELECT status FROM call_sessions WHERE session_id = '${created.sessionId}'`),
      'ended');
  });

  it('PostgreSQL stopped: 503 with the envelope, the process stays up; restarted: it heals by itself', async () => {
    const url = await pg.createDatabase('outage');
    const server = await startServer({ secret: SECRET, env: { DATABASE_URL: url, DATABASE_POOL_SIZE: '2' } });
    const una = client(server, mint({ sub: 'una', name: 'Una' }, SECRET));
    const before = expectOk(await una.initiate({ sessionType: 'group', participants: ['u1'] }), 201);

    await pg.stop();
    try {
      for (let i = 0; i < 3; i++) {
        const refused = await una.initiate({ sessionType: 'group', participants: ['u2'] });
        expectError(refused, 503, { message: 'Database unavailable' });
        expectError(await una.history(), 503, { message: 'Database unavailable' });
      }
      assert.equal((await request(server, 'GET', '/healthz')).status, 200);
      assert.equal((await request(server, 'GET', '/readyz')).status, 503);
    } finally {
      await pg.start();
    }

    // The same server, not restarted: its connections reconnect when a transaction begins.
    let last;
    await pollUntil(async () => {
      last = await una.initiate({ sessionType: 'group', participants: ['u3'] });
      return last.status === 201;
    }, { timeoutMs: 30_000 });
    const created = expectOk(last, 201);
    await pollUntil(async () => (await request(server, 'GET', '/readyz')).status === 200, { timeoutMs: 30_000 });
    const history = expectOk(await una.history(), 200);
    assert.deepEqual(history.sessions.map((s) => s.sessionId), [created.sessionId, before.sessionId],
      'the refused initiates stored nothing; both acknowledged ones are there');
  });
});
