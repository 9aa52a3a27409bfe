// The harness's PostgreSQL and Redis (tests/cluster/lib): they start from Debian's binaries on loopback, take
// connections the way hearth-call makes them (PostgreSQL: password over TCP), come back on the same port after a
// crash (SIGKILL of the whole process group) or a stop, and are really gone when stopped; a missing binary is
// named with its Debian package.
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { after, describe, test } from 'node:test';

import { stopAll } from '../integration/lib/server.mjs';
import { canConnect, requireBinary, run } from './lib/daemon.mjs';
import { PG_BIN, startPostgres } from './lib/postgres.mjs';
import { redisCommand, startRedis } from './lib/redis.mjs';

after(stopAll);

// True while a process with this PID exists.
function exists(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

// psql over TCP with the URL's password, as a client on another host would connect.
async function psqlUrl(url, sql) {
  const res = await run(`${PG_BIN}/psql`, ['-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1', url, '-c', sql], { env: { PATH: process.env.PATH } });
  return { ok: res.code === 0, out: res.stdout.trim(), err: res.stderr };
}

test('a missing binary is named with its Debian package', () => {
  assert.throws(() => requireBinary('/nonexistent/nginx', 'nginx'), /\/nonexistent\/nginx is missing: install Debian's nginx/);
});

describe('PostgreSQL', () => {
  test('password login over TCP; committed rows survive a crash; stop ends every process', async () => {
    const pg = await startPostgres();
    assert.match(pg.url, /^postgres:\/\/hearth:[0-9a-f]+@127\.0\.0\.1:\d+\/hearth$/);
    const created = await psqlUrl(pg.url, 'CREATE TABLE t (x int); INSERT INTO t VALUES (1), (2); SELECT current_user');
    assert.ok(created.ok, created.err);
    assert.equal(created.out, 'hearth');
    const wrong = await psqlUrl(pg.url.replace(`:${pg.password}@`, ':wrong@'), 'SELECT 1');
    assert.equal(wrong.ok, false, 'a wrong password is refused');
    assert.match(wrong.err, /password authentication failed/);
    if (process.getuid() === 0) {
      const owner = await run('ps', ['-o', 'user=', '-p', String(pg.pid)]);
      assert.equal(owner.stdout.trim(), 'postgres', 'runs as the postgres user, not root');
    }

    const oldPid = pg.pid;
    await pg.kill();
    assert.equal(exists(oldPid), false);
    assert.equal(await canConnect(pg.port), false, 'nothing listens after the crash');
    await pg.restart();
    assert.notEqual(pg.pid, oldPid);
    assert.equal((await psqlUrl(pg.url, 'SELECT sum(x) FROM t')).out, '3', 'committed rows survive the crash');

    const other = await pg.createDatabase('hearth_other');
    assert.equal((await psqlUrl(other, 'SELECT current_database()')).out, 'hearth_other');

    const pid = pg.pid;
    assert.deepEqual(await pg.stop(), { code: 0, signal: null });
    assert.equal(exists(pid), false);
    assert.equal(await canConnect(pg.port), false);
    await pg.restart();
    assert.equal((await psqlUrl(pg.url, 'SELECT count(*) FROM t')).out, '2');
    await pg.stop();
  });
});

describe('Redis', () => {
  test('answers on loopback, keeps nothing across a restart on the same port, stop ends it', async () => {
    const redis = await startRedis();
    assert.match(redis.url, /^redis:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(await redis.command(['SET', 'k', 'v']), '+OK');
    assert.equal(await redis.command(['GET', 'k']), 'v');

    const oldPid = redis.pid;
    await redis.kill();
    assert.equal(exists(oldPid), false);
    await assert.rejects(redisCommand(redis.port, ['PING']), 'nothing answers while it is down');
    await redis.restart();
    assert.equal(await redis.command(['PING']), '+PONG');
    assert.equal(await redis.command(['GET', 'k']), null, 'no persistence: empty after a restart');

    const pid = redis.pid;
    assert.deepEqual(await redis.stop(), { code: 0, signal: null });
    assert.equal(exists(pid), false);
    assert.equal(await canConnect(redis.port), false);
    assert.deepEqual((await readdir(redis.dir)).filter((f) => /\.(rdb|aof)$|appendonly/.test(f)), [], 'nothing written to disk');
  });
});
