// 503 when the store cannot commit: another process holds SQLite's write lock (as a backup or a careless
// sqlite3 shell would) longer than the server's busy timeout. The refused request stores nothing, the process
// stays up, and once the lock is released writes succeed again with nothing lost.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { client, expectError, expectOk, request, startServer, stopAll } from './lib/server.mjs';
import { mint } from './lib/jwt.mjs';

const SECRET = `unavailable-${randomUUID()}`;

after(stopAll);

/** Starts `sqlite3 <db>` holding the write lock; resolves {release()} once the lock is taken. */
function holdWriteLock(dbPath) {
  const shell = spawn('sqlite3', [dbPath], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  shell.stdout.setEncoding('utf8');
  shell.stderr.on('data', (chunk) => { err += chunk; });
  const exited = new Promise((resolve) => shell.on('exit', resolve));
  const release = async () => {
    shell.stdin.end('ROLLBACK;\n.quit\n');
    await exited;
  };
  return new Promise((resolve, reject) => {
    shell.on('error', (e) => reject(new Error(`sqlite3 could not be started: ${e.message}`)));
    shell.stdout.on('data', (chunk) => {
      out += chunk;
      if (out.includes('locked')) resolve({ release });
    });
    exited.then((code) => reject(new Error(`sqlite3 exited (${code}) before taking the lock: ${err}`)));
    shell.stdin.write("BEGIN IMMEDIATE;\nSELECT 'locked';\n");
  });
}

describe('store unavailable (503)', () => {
  it('a write the store cannot commit → 503; the process stays up; after the lock is gone writes succeed, nothing lost', async () => {
    const server = await startServer({ secret: SECRET });
    const api = client(server, mint({ sub: 'una', name: 'Una' }, SECRET));
    const before = expectOk(await api.initiate({ sessionType: 'group', participants: ['u1'] }), 201);

    const lock = await holdWriteLock(join(server.dir, 'hearth.db'));
    try {
      // The server waits its busy timeout (5 s) for the lock, then gives up on the whole batch.
      const refused = await api.initiate({ sessionType: 'group', participants: ['u2'] });
      expectError(refused, 503, { message: /store/i });
      assert.equal((await request(server, 'GET', '/healthz')).status, 200);
    } finally {
      await lock.release();
    }

    const afterwards = expectOk(await api.initiate({ sessionType: 'group', participants: ['u3'] }), 201);
    const history = expectOk(await api.history(), 200);
    assert.deepEqual(history.sessions.map((s) => s.sessionId), [afterwards.sessionId, before.sessionId],
      'the refused initiate stored nothing; both acknowledged ones are there');
    assert.equal(history.sessions[1].invitedUsers[0], 'u1');
  });
});
