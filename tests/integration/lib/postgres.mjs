// A real PostgreSQL for integration tests: Debian's initdb and postgres (/usr/lib/postgresql/<version>/bin), run as
// the `postgres` system user when the tests run as root (PostgreSQL refuses root), in a temporary directory, on a
// free 127.0.0.1 port and a unix socket in that directory. Stopped by PID (stop(), or on process exit). fsync is on
// unless asked otherwise: these tests are about the real thing.
import { execFileSync, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const running = new Set();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** The newest /usr/lib/postgresql/<version>/bin holding initdb and postgres; throws naming the package if none. */
export function postgresBin() {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'postgres'))) : [];
  if (versions.length === 0) {
    throw new Error('PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin: install Debian\'s ' +
      'postgresql package (scripts/deps.sh test)');
  }
  versions.sort((a, b) => Number(b) - Number(a));
  return join(root, versions[0], 'bin');
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** {uid, gid} to run PostgreSQL as: `postgres` when we are root, else ourselves (undefined). */
function serverUser() {
  if (process.getuid() !== 0) return {};
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  return { uid, gid };
}

/**
 * Initialises and starts a PostgreSQL server. Returns {port, dir, url(db), createDatabase(name), stop(), start()}.
 * start() after stop() restarts the same cluster on the same port (an outage and a recovery).
 */
export async function startPostgres({ fsync = true, timeoutMs = 30_000 } = {}) {
  const bin = postgresBin();
  const user = serverUser();
  const dir = mkdtempSync(join(tmpdir(), 'hearth-pg-it-'));
  if (user.uid !== undefined) chownSync(dir, user.uid, user.gid);
  const data = join(dir, 'data');
  execFileSync(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C',
    '--no-sync'], { ...user, stdio: 'pipe' });
  const port = await freePort();
  const url = (db) => `postgresql://postgres@127.0.0.1:${port}/${db}`;
  let child = null;

  const ready = () => {
    try {
      execFileSync(join(bin, 'pg_isready'), ['-q', '-h', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  };

  async function start() {
    if (child) return;
    const args = ['-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1'];
    if (!fsync) args.push('-c', 'fsync=off', '-c', 'synchronous_commit=off');
    child = spawn(join(bin, 'postgres'), args, { ...user, stdio: ['ignore', 'ignore', 'pipe'] });
    running.add(child);
    let log = '';
    child.stderr.setEncoding('utf8').on('data', (c) => { log = (log + c).slice(-4000); });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (ready()) return;
      if (child.exitCode !== null) throw new Error(`postgres exited: ${log}`);
      if (Date.now() > deadline) throw new Error(`postgres did not accept connections in ${timeoutMs} ms: ${log}`);
      await Promise.race([exited, new Promise((r) => setTimeout(r, 100))]);
    }
  }

  /** Fast shutdown (SIGINT) by PID; waits for the exit. */
  async function stop() {
    if (!child) return;
    const c = child;
    child = null;
    if (c.exitCode === null && c.signalCode === null) {
      const exited = new Promise((resolve) => c.once('exit', resolve));
      c.kill('SIGINT');
      const timer = setTimeout(() => c.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    }
    running.delete(c);
  }

  async function createDatabase(name) {
    execFileSync(join(bin, 'createdb'), ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', name],
      { stdio: 'pipe' });
    return url(name);
  }

  /** Runs `sql` with psql; returns its unaligned, tuples-only output. */
  function query(db, sql) {
    return execFileSync(join(bin, 'psql'), ['-X', '-A', '-t', '-h', '127.0.0.1', '-p', String(port), '-U', 'postgres',
      '-d', db, '-c', sql], { encoding: 'utf8' }).trim();
  }

  async function remove() {
    await stop();
    rmSync(dir, { recursive: true, force: true });
  }

  await start();
  return { port, dir, url, start, stop, remove, createDatabase, query };
}
