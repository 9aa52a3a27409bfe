// A real Redis (Debian's redis-server) for the cluster tests and `./dev cluster`: on 127.0.0.1 on a free port, no
// persistence (no RDB snapshots, no AOF: the bus keeps nothing there that must survive), in a temporary directory.
// Stopped by its PID (SIGTERM; SIGKILL as a crash); restart() brings it back on the same port, empty, as a Redis
// that lost its memory would come back.
import { mkdir } from 'node:fs/promises';
import net from 'node:net';
import { join } from 'node:path';

import { makeTempDir } from '../../integration/lib/server.mjs';
import { Daemon, freePort, requireBinary } from './daemon.mjs';

export const REDIS_SERVER = process.env.REDIS_SERVER_PATH || '/usr/bin/redis-server';

/**
 * Sends one command (RESP array of bulk strings) to 127.0.0.1:port and resolves the first reply line, e.g.
 * '+PONG' (a short helper for readiness and simple checks, not a client: no pipelining, no nested replies).
 */
export function redisCommand(port, args, timeoutMs = 2_000) {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ port, host: '127.0.0.1' });
    let data = '';
    const done = (err, value) => {
      clearTimeout(timer);
      sock.destroy();
      if (err) reject(err);
      else resolve(value);
    };
    const timer = setTimeout(() => done(new Error(`redis on port ${port}: no answer within ${timeoutMs} ms`)), timeoutMs);
    sock.setEncoding('utf8');
    sock.on('error', (err) => done(err));
    sock.on('connect', () => {
      sock.write(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(String(a))}\r\n${a}\r\n`).join('')}`);
    });
    sock.on('data', (chunk) => {
      data += chunk;
      const line = data.indexOf('\r\n');
      if (line < 0) return;
      const first = data.slice(0, line);
      if (first[0] !== '$') return done(null, first);
      // A bulk string: $<length>, then the bytes ($-1: nil).
      const length = Number(first.slice(1));
      if (length < 0) return done(null, null);
      if (data.length >= line + 2 + length) done(null, data.slice(line + 2, line + 2 + length));
    });
  });
}

/**
 * Starts redis-server. Options: `dir` (an existing directory instead of a new temp dir), `args` (extra
 * command-line settings, e.g. ['--maxmemory', '64mb']).
 * Resolves {url, port, pid, dir, command(args), stop(), kill(signal), restart(), output()}.
 */
export async function startRedis({ dir, args = [], timeoutMs = 20_000 } = {}) {
  const bin = requireBinary(REDIS_SERVER, 'redis-server');
  dir ??= await makeTempDir('hearth-redis-');
  await mkdir(dir, { recursive: true });
  const port = await freePort();
  const argv = ['--bind', '127.0.0.1', '--port', String(port), '--dir', dir, '--save', '', '--appendonly', 'no',
    '--daemonize', 'no', '--protected-mode', 'yes', '--logfile', '', '--loglevel', 'warning', ...args];

  let daemon = null;
  const start = async () => {
    daemon = new Daemon('redis-server', bin, argv, { cwd: dir, logFile: join(dir, 'redis.log') });
    await daemon.waitReady(() => redisCommand(port, ['PING']).then((r) => r === '+PONG', () => false), {
      timeoutMs, what: `answering PING on 127.0.0.1:${port}` });
  };
  await start();

  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    get pid() {
      return daemon.pid;
    },
    get alive() {
      return daemon.alive;
    },
    /** One command, its first reply line (see redisCommand). */
    command: (commandArgs) => redisCommand(port, commandArgs),
    output: () => daemon.output,
    /** SIGTERM: Redis closes its clients and exits (nothing to save). */
    stop: (timeoutMs = 10_000) => daemon.stop('SIGTERM', timeoutMs),
    /** Sends `signal` (default SIGKILL: a crash) and waits for the exit. */
    kill: (signal = 'SIGKILL') => daemon.kill(signal),
    /** Starts it again on the same port, empty (after stop or kill). */
    async restart() {
      if (daemon.alive) await daemon.stop('SIGTERM');
      await start();
    },
  };
}
