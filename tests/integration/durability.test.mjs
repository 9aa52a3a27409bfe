// The store: migrations, no acknowledged change lost to kill -9, a sweep that survives restarts, and 200
// concurrent initiates without errors or duplicate ids.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import {
  SESSION_ID_RE, client, databaseUrl, expectError, expectOk, makeTempDir, pollUntil, request, runCli, startServer,
  stopAll,
} from './lib/server.mjs';
import { mint } from './lib/jwt.mjs';

const SECRET = `durability-${randomUUID()}`;
const token = (sub) => mint({ sub, name: sub.toUpperCase() }, SECRET);
const KILLED = { code: null, signal: 'SIGKILL' };
const CLEAN = { code: 0, signal: null };

after(stopAll);

describe('hearth-call migrate', () => {
  it('creates the database, is idempotent, and serve runs on the result', async () => {
    const dir = await makeTempDir();
    const env = { DATABASE_URL: databaseUrl(dir), HEARTH_ENV: 'production', JWT_SECRET: SECRET };
    let r = await runCli(['migrate'], { env });
    assert.equal(r.code, 0, r.stderr);
    await access(join(dir, 'hearth.db'));
    r = await runCli(['migrate'], { env });
    assert.equal(r.code, 0, `second migrate: ${r.stderr}`);

    const server = await startServer({ dir, secret: SECRET });
    assert.equal((await request(server, 'GET', '/readyz')).status, 200);
    expectOk(await client(server, token('mia')).initiate({ sessionType: 'group', participants: ['u1'] }), 201);
    assert.deepEqual(await server.stop(), CLEAN);
    r = await runCli(['migrate'], { env });
    assert.equal(r.code, 0, `migrate on a used database: ${r.stderr}`);
  });

  it('refuses a PostgreSQL URL for now', async () => {
    const r = await runCli(['migrate'], { env: { DATABASE_URL: 'postgres://x' }, timeoutMs: 10_000 });
    assert.equal(r.timedOut, false);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /postgres|DATABASE_URL/i);
  });
});

describe('kill -9 loses nothing acknowledged', () => {
  it('a session acknowledged with 201 survives kill -9 right after', async () => {
    const dir = await makeTempDir();
    let server = await startServer({ dir, secret: SECRET });
    const res = await client(server, token('kim')).initiate({
      sessionType: 'group', participants: ['lee'], metadata: { title: 'Survivor', description: 'd', tags: ['t'] },
    });
    assert.deepEqual(await server.stop('SIGKILL'), KILLED); // immediately after the 201 arrived
    const { sessionId, session } = expectOk(res, 201);

    server = await startServer({ dir, secret: SECRET });
    assert.deepEqual(expectOk(await client(server, token('kim')).session(sessionId), 200), { session });
    assert.deepEqual(expectOk(await client(server, token('lee')).session(sessionId), 200), { session });
    assert.deepEqual(await server.stop('SIGKILL'), KILLED);
  });

  it('end and media updates survive kill -9 too; SIGTERM then restart keeps everything', async () => {
    const dir = await makeTempDir();
    let server = await startServer({ dir, secret: SECRET });
    let kim = client(server, token('kim'));
    let lee = client(server, token('lee'));
    const ended = expectOk(await kim.initiate({ sessionType: 'one-to-one', participants: ['lee'] }), 201).sessionId;
    const endedSession = expectOk(await lee.end(ended), 200, 'Call session ended').session;
    const muted = expectOk(await kim.initiate({ sessionType: 'group', participants: ['lee'] }), 201).sessionId;
    expectOk(await lee.media(muted, { hasVideo: false, isScreenSharing: true }), 200);
    assert.deepEqual(await server.stop('SIGKILL'), KILLED);

    server = await startServer({ dir, secret: SECRET });
    kim = client(server, token('kim'));
    lee = client(server, token('lee'));
    assert.deepEqual(expectOk(await kim.session(ended), 200).session, endedSession);
    expectOk(await kim.end(ended), 200, 'Call session already ended');
    expectError(await lee.join(ended), 410);
    const { session } = expectOk(await kim.session(muted), 200);
    const leeEntry = session.participants.find((p) => p.userId === 'lee');
    assert.deepEqual([leeEntry.hasVideo, leeEntry.hasAudio, leeEntry.isScreenSharing], [false, true, true]);
    assert.equal(session.status, 'waiting');

    const third = expectOk(await lee.initiate({ sessionType: 'group', participants: ['kim'] }), 201).sessionId;
    assert.deepEqual(await server.stop('SIGTERM'), CLEAN);

    server = await startServer({ dir, secret: SECRET });
    const history = expectOk(await client(server, token('kim')).history(), 200);
    assert.deepEqual(history.sessions.map((s) => s.sessionId), [third, muted, ended]);
    assert.equal(history.pagination.total, 3);
    assert.deepEqual(await server.stop('SIGTERM'), CLEAN);
  });
});

describe('the sweep survives restarts', () => {
  it('a session created before kill -9 is ended as missed by the restarted server', async () => {
    const dir = await makeTempDir();
    const env = { CALL_RING_TIMEOUT_SECONDS: '2', SWEEP_INTERVAL_SECONDS: '3600' };
    let server = await startServer({ dir, secret: SECRET, env });
    const { sessionId } = expectOk(
      await client(server, token('nia')).initiate({ sessionType: 'one-to-one', participants: ['oz'] }), 201);
    assert.deepEqual(await server.stop('SIGKILL'), KILLED);

    server = await startServer({ dir, secret: SECRET, env: { ...env, SWEEP_INTERVAL_SECONDS: '1' } });
    const nia = client(server, token('nia'));
    let last;
    await pollUntil(async () => {
      last = expectOk(await nia.session(sessionId), 200).session;
      return last.status === 'ended';
    }, { timeoutMs: 15_000 });
    assert.deepEqual([last.status, last.endReason, last.endedBy], ['ended', 'missed', null]);
    assert.deepEqual(await server.stop('SIGTERM'), CLEAN);
  });
});

describe('200 concurrent initiates', () => {
  const N = 200;
  const idsOf = (sessions) => sessions.map((s) => s.sessionId);

  it('one user (rate limit raised): 200 × 201, 200 distinct ids, history total 200, all survive kill -9', async () => {
    const dir = await makeTempDir();
    let server = await startServer({ dir, secret: SECRET, env: { RATE_LIMIT_PER_MINUTE: '100000' } });
    const pat = client(server, token('pat'));
    const responses = await Promise.all(Array.from({ length: N }, (_, i) =>
      pat.initiate({ sessionType: 'group', participants: [`guest${i}`], metadata: { title: `call ${i}` } })));
    const ids = responses.map((res) => expectOk(res, 201, 'Call session initiated successfully').sessionId);
    for (const id of ids) assert.match(id, SESSION_ID_RE);
    assert.equal(new Set(ids).size, N, 'session ids must be distinct');
    responses.forEach((res, i) => assert.deepEqual(res.body.data.session.invitedUsers, [`guest${i}`]));

    const page1 = expectOk(await pat.history('?limit=100&page=1'), 200);
    const page2 = expectOk(await pat.history('?limit=100&page=2'), 200);
    assert.deepEqual(page1.pagination, { page: 1, limit: 100, total: N, pages: 2 });
    assert.deepEqual(new Set([...idsOf(page1.sessions), ...idsOf(page2.sessions)]), new Set(ids));
    const created = [...page1.sessions, ...page2.sessions].map((s) => Date.parse(s.createdAt));
    for (let i = 1; i < created.length; i++) assert.ok(created[i - 1] >= created[i], 'newest first');

    assert.deepEqual(await server.stop('SIGKILL'), KILLED);
    server = await startServer({ dir, secret: SECRET });
    assert.equal(expectOk(await client(server, token('pat')).history('?limit=1'), 200).pagination.total, N);
    assert.deepEqual(await server.stop('SIGTERM'), CLEAN);
  });

  it('200 distinct users inviting the same person: 200 × 201, and the invitee sees all 200', async () => {
    const server = await startServer({ secret: SECRET });
    const responses = await Promise.all(Array.from({ length: N }, (_, i) =>
      client(server, token(`caller${i}`)).initiate({ sessionType: 'one-to-one', participants: ['hub'] })));
    const ids = responses.map((res) => expectOk(res, 201).sessionId);
    assert.equal(new Set(ids).size, N);
    const hub = client(server, token('hub'));
    const data = expectOk(await hub.history('?limit=100&page=2'), 200);
    assert.deepEqual(data.pagination, { page: 2, limit: 100, total: N, pages: 2 });
    assert.equal(data.sessions.length, 100);
    assert.deepEqual(await server.stop('SIGTERM'), CLEAN);
  });
});
