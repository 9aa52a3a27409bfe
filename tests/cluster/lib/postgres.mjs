// A real PostgreSQL 15 (Debian's postgresql-15, from /usr/lib/postgresql/15/bin) for the cluster tests and
// `./dev cluster`: a fresh cluster made by initdb in a temporary directory, listening on 127.0.0.1 on a free port
// and on a unix socket in that directory, with a role and a database for hearth-call (password authentication
// over TCP, as in production). PostgreSQL refuses to run as root: when this process is root, initdb and postgres run
// as the `postgres` system user (the package creates it) and the directory is chowned to it. They are spawned with
// its uid and gid (what `runuser -u postgres --` does, without the wrapper process), so the PID held is postgres's.
// Stopped by its PID: SIGINT (PostgreSQL's fast shutdown: clients are disconnected, everything committed is kept),
// or killed with its backends (kill('SIGKILL'): a crash; the restart recovers from the WAL).
import { randomBytes } from 'node:crypto';
import { chmod, chown, mkdir } from 'node:fs/promises';
import { join } from 'node:path';

import { makeTempDir } from '../../integration/lib/server.mjs';
import { Daemon, freePort, requireBinary, run } from './daemon.mjs';

export const PG_BIN = process.env.PG_BIN_DIR || '/usr/lib/postgresql/15/bin';

const SUPERUSER = 'postgres';

// The uid and gid of the `postgres` system user, or null when this process is not root (then it runs as itself).
async function postgresUser() {
  if (process.getuid() !== 0) return null;
  const [uid, gid] = await Promise.all([run('id', ['-u', 'postgres']), run('id', ['-g', 'postgres'])]);
  if (uid.code !== 0) throw new Error("no 'postgres' system user: install Debian's postgresql (./dev cluster does)");
  return { uid: Number(uid.stdout), gid: Number(gid.stdout) };
}

function quoteLiteral(text) {
  return `'${String(text).replaceAll("'", "''")}'`;
}

function quoteIdent(text) {
  return `"${String(text).replaceAll('"', '""')}"`;
}

/**
 * Starts PostgreSQL. Options: `dir` (an existing directory to use instead of a new temp dir), `database` and `user`
 * (default `hearth`), `settings` (extra `-c name=value` server settings, e.g. {max_connections: 300}).
 * Resolves {url, port, pid, dir, socketDir, database, user, password, psql(sql), createDatabase(name), stop(),
 * kill(signal), restart(), output()}.
 */
export async function startPostgres({ dir, database = 'hearth', user = 'hearth', settings = {}, timeoutMs = 60_000 } = {}) {
  const initdb = requireBinary(join(PG_BIN, 'initdb'), 'postgresql-15');
  const postgresBin = requireBinary(join(PG_BIN, 'postgres'), 'postgresql-15');
  const psqlBin = requireBinary(join(PG_BIN, 'psql'), 'postgresql-client-15');
  const owner = await postgresUser();

  dir ??= await makeTempDir('hearth-pg-');
  await mkdir(dir, { recursive: true });
  const dataDir = join(dir, 'data');
  const socketDir = dir;
  if (owner) {
    await chown(dir, owner.uid, owner.gid);
  }
  await chmod(dir, 0o700);
  const asOwner = owner ? { uid: owner.uid, gid: owner.gid } : {};
  const env = { PATH: process.env.PATH, LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8', HOME: dir, TZ: 'UTC' };

  const password = randomBytes(12).toString('hex');
  const init = await run(initdb, ['-D', dataDir, '-U', SUPERUSER, '-E', 'UTF8', '--locale=C.UTF-8',
    '--auth-local=trust', '--auth-host=scram-sha-256', '--no-instructions'], { ...asOwner, env, cwd: dir, timeoutMs });
  if (init.code !== 0) throw new Error(`initdb failed (${init.code})\n${init.stdout}${init.stderr}`);

  const port = await freePort();
  const serverSettings = {
    listen_addresses: '127.0.0.1',
    port,
    unix_socket_directories: socketDir,
    max_connections: 200,
    logging_collector: 'off',
    log_min_messages: 'warning',
    ...settings,
  };
  const args = ['-D', dataDir, ...Object.entries(serverSettings).flatMap(([k, v]) => ['-c', `${k}=${v}`])];

  let daemon = null;
  const psql = async (sql, { db = 'postgres', as = SUPERUSER } = {}) => {
    const res = await run(psqlBin, ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-At', '-h', socketDir, '-p', String(port),
      '-U', as, '-d', db, '-c', sql], { env, timeoutMs: 30_000 });
    if (res.code !== 0) throw new Error(`psql failed: ${sql}\n${res.stderr}`);
    return res.stdout;
  };

  const start = async () => {
    daemon = new Daemon('postgres', postgresBin, args, { ...asOwner, env, cwd: dir, logFile: join(dir, 'postgres.log') });
    // Ready when it accepts a query over the unix socket (it listens before recovery is over).
    await daemon.waitReady(() => psql('SELECT 1').then(() => true, () => false), { timeoutMs, intervalMs: 100,
      what: `accepting connections on 127.0.0.1:${port}` });
  };
  await start();

  const urlFor = (db) => `postgres://${user}:${password}@127.0.0.1:${port}/${db}`;
  await psql(`CREATE ROLE ${quoteIdent(user)} LOGIN PASSWORD ${quoteLiteral(password)}`);
  await psql(`CREATE DATABASE ${quoteIdent(database)} OWNER ${quoteIdent(user)}`);

  return {
    url: urlFor(database),
    port,
    get pid() {
      return daemon.pid;
    },
    get alive() {
      return daemon.alive;
    },
    dir,
    socketDir,
    database,
    user,
    password,
    /** Runs `sql` with psql as the superuser (or `as`) in `db` (default: the hearth database); resolves stdout. */
    psql: (sql, { db = database, as } = {}) => psql(sql, { db, as }),
    /** Creates another database owned by the hearth role (a test's own); resolves its URL. */
    async createDatabase(name) {
      await psql(`CREATE DATABASE ${quoteIdent(name)} OWNER ${quoteIdent(user)}`);
      return urlFor(name);
    },
    output: () => daemon.output,
    /** Fast shutdown (SIGINT): disconnects the clients, keeps everything committed. */
    stop: (timeoutMs = 20_000) => daemon.stop('SIGINT', timeoutMs),
    /** Sends `signal` to the postmaster and its backends (default SIGKILL: a crash) and waits for the exit. */
    kill: (signal = 'SIGKILL') => daemon.kill(signal),
    /** Starts it again on the same port with the same data (after stop or kill; crash recovery if killed). */
    async restart() {
      if (daemon.alive) await daemon.stop('SIGINT');
      await start();
    },
  };
}
