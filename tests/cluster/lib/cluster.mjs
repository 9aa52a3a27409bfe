// A local hearth-call cluster for the cluster tests and `./dev cluster`: PostgreSQL, Redis, N nodes (NODE_ID n1..nN,
// one DATABASE_URL, one REDIS_URL, one JWT secret) and nginx in front (deploy/nginx/hearth-call.conf), all on
// loopback in one temporary folder. Everything it starts is stopped by its PID: by stop(), by stopClusters() (for
// `after` hooks, so a failing test leaves nothing behind) and, killed, when this process exits.
// The nodes are the integration suite's startServer() (tests/integration/lib/server.mjs): production mode unless
// `env` says otherwise, REST rate limit out of the way.
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { chmod, mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';

import { mint } from '../../integration/lib/jwt.mjs';
import { makeTempDir, startServer, stopAll } from '../../integration/lib/server.mjs';
import { startNginx } from './nginx.mjs';
import { startPostgres } from './postgres.mjs';
import { startRedis } from './redis.mjs';

// Cluster settings a test's environment must not leak into the nodes (startServer clears the others).
const CLUSTER_KEYS = ['NODE_ID', 'REDIS_URL', 'DATABASE_POOL_SIZE', 'RECONNECT_GRACE_SECONDS', 'PING_INTERVAL_MS',
  'PING_TIMEOUT_MS', 'HEARTH_THREADS', 'LOG_LEVEL'];

const clusters = new Set(); // started and not stopped yet

/**
 * The nodes' per-address limits raised as docs/deployment.md ("Scaling out") says for nodes behind nginx: they see
 * every client with nginx's address, and nginx applies these limits per client address itself.
 */
export function behindNginxEnv(env = {}) {
  return {
    TRUSTED_PROXIES: '127.0.0.1,::1', // nginx: its X-Forwarded-For names the client for the per-request limits
    MAX_CONNECTIONS_PER_ADDRESS: env.MAX_CONNECTIONS ?? '50000', // at most MAX_CONNECTIONS (default 50000)
    ENGINEIO_HANDSHAKES_PER_MINUTE: '100000',
    MAX_UNAUTHENTICATED_PER_ADDRESS: '10000',
  };
}

/**
 * Starts a cluster. Options:
 *  - nodes: how many hearth-call nodes (3)
 *  - env: settings for every node (on top of behindNginxEnv()); nodeEnv(id, index): more for one node
 *  - store: 'postgres' (one PostgreSQL for all) or 'sqlite' (each node its own file: only for what does not
 *    share state, e.g. routing)
 *  - postgresSettings: PostgreSQL server settings (e.g. {max_connections: 300}; startPostgres's `settings`)
 *  - redis: start Redis and set REDIS_URL (true)
 *  - secret: the JWT secret (random by default)
 *  - nginx: options for startNginx (connPerAddress, workerProcesses, workerConnections, port)
 *  - dir: the folder for everything (a new temp dir by default; removed by stop() unless given or HEARTH_KEEP_TMP)
 *  - logs: write each node's output to <dir>/<id>.log too
 * Resolves {url (nginx), secret, dir, nodes: [{id, url, port, pid, server, stop, kill, restart}], postgres, redis,
 * nginx, token(userId, claims), stop()}.
 */
export async function startCluster({ nodes: count = 3, env = {}, nodeEnv = () => ({}), store = 'postgres',
  postgresSettings = {}, redis = true, secret = `cluster-secret-${randomBytes(16).toString('hex')}`,
  nginx: nginxOptions = {}, dir, logs = false } = {}) {
  if (!Number.isInteger(count) || count < 1) throw new Error(`startCluster: nodes must be a positive integer, got ${count}`);
  if (!['postgres', 'sqlite'].includes(store)) throw new Error(`startCluster: store must be 'postgres' or 'sqlite', got ${store}`);
  const ownDir = dir === undefined;
  dir ??= await makeTempDir('hearth-cluster-');
  await mkdir(dir, { recursive: true });
  // PostgreSQL (as its own user) and nginx's workers (nobody) need to reach their folders inside.
  await chmod(dir, 0o711);

  const cluster = {
    url: null,
    secret,
    dir,
    nodes: [],
    postgres: null,
    redis: null,
    nginx: null,
    stopped: false,
    /** An HS256 token for `userId` signed with the cluster's secret (`claims` on top, e.g. {name, role}). */
    token: (userId, claims = {}) => mint({ sub: userId, name: userId, ...claims }, secret),
    stop: () => stopCluster(cluster, ownDir),
  };
  clusters.add(cluster);

  try {
    const [postgres, redisServer] = await allStarted([
      store === 'postgres' ? startPostgres({ dir: join(dir, 'postgres'), settings: postgresSettings }) : null,
      redis ? startRedis({ dir: join(dir, 'redis') }) : null,
    ], (started) => {
      [cluster.postgres, cluster.redis] = started;
    });

    const ids = Array.from({ length: count }, (_, i) => `n${i + 1}`);
    await allStarted(ids.map(async (id, index) => {
      const nodeDir = join(dir, id);
      await mkdir(nodeDir, { recursive: true });
      const cleared = Object.fromEntries(CLUSTER_KEYS.map((k) => [k, undefined]));
      const shared = {
        ...cleared,
        ...behindNginxEnv(env),
        NODE_ID: id,
        ...(postgres ? { DATABASE_URL: postgres.url } : {}),
        ...(redisServer ? { REDIS_URL: redisServer.url } : {}),
        ...env,
        ...nodeEnv(id, index),
      };
      return startNode({ id, dir: nodeDir, secret, env: shared, logFile: logs ? join(dir, `${id}.log`) : null });
    }), (started) => {
      cluster.nodes = started.filter(Boolean);
    });

    cluster.nginx = await startNginx({ nodes: cluster.nodes.map(({ id, port }) => ({ id, port })),
      dir: join(dir, 'nginx'), ...nginxOptions });
    cluster.url = cluster.nginx.url;
    // Ready: each node's bus is up and the others have read its heartbeat (/readyz waits for that), so what every
    // node is told (invitations, joins) reaches every node's clients from the first test on.
    await Promise.all(cluster.nodes.map((n) => waitReady(n)));
    return cluster;
  } catch (err) {
    await stopCluster(cluster, ownDir).catch(() => {});
    throw err;
  }
}

/** Resolves once `node` answers GET /readyz with 200 (rejects after `timeoutMs`). */
export async function waitReady(node, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${node.url}/readyz`);
      last = `${res.status} ${await res.text()}`;
      if (res.status === 200) return;
    } catch (err) {
      last = err.message;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`node ${node.id} not ready within ${timeoutMs} ms: ${last}`);
}

// Waits for every start; hands what did start to `keep` (null where one failed), so that it is stopped even when
// another one failed; then throws the first failure, if any.
async function allStarted(starts, keep) {
  const results = await Promise.allSettled(starts);
  keep(results.map((r) => (r.status === 'fulfilled' ? r.value : null)));
  const failed = results.find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((r) => r.value);
}

// One node: startServer in `dir`, restartable on the same port with the same settings and folder.
async function startNode({ id, dir, secret, env, logFile }) {
  const log = logFile ? createWriteStream(logFile, { flags: 'a' }) : null;
  const launch = async (port) => {
    const server = await startServer({ dir, secret, env, port });
    if (log) {
      log.write(server.stdout() + server.stderr()); // what it printed until it listened
      server.child.stdout.on('data', (c) => log.write(c));
      server.child.stderr.on('data', (c) => log.write(c));
    }
    return server;
  };
  let server = await launch(0);
  const node = {
    id,
    port: server.port,
    url: server.url,
    dir,
    env,
    get server() {
      return server;
    },
    get pid() {
      return server.child.pid;
    },
    get alive() {
      return server.child.exitCode === null && server.child.signalCode === null;
    },
    /** SIGTERM (the drain) and waits for the exit: {code, signal}. */
    stop: (signal = 'SIGTERM', timeoutMs = 30_000) => server.stop(signal, timeoutMs),
    /** SIGKILL: a crash. */
    kill: () => server.stop('SIGKILL'),
    /** Starts it again (stopping it first if it runs) on the same port, with the same NODE_ID and settings. */
    async restart() {
      if (node.alive) await server.stop();
      server = await launch(node.port);
    },
    closeLog: () => log?.end(),
  };
  return node;
}

// Stops nginx first (no new requests), then the nodes (their drain can still reach the store and the bus), then
// Redis and PostgreSQL; every step runs even if one before it failed. Removes the folder if the cluster made it.
async function stopCluster(cluster, removeDir) {
  if (cluster.stopped) return;
  cluster.stopped = true;
  const errors = [];
  const attempt = async (what, fn) => {
    try {
      await fn();
    } catch (err) {
      errors.push(`${what}: ${err.message}`);
    }
  };
  if (cluster.nginx) await attempt('nginx', () => cluster.nginx.stop());
  await Promise.all(cluster.nodes.map((n) => attempt(n.id, async () => {
    await n.stop();
    n.closeLog();
  })));
  if (cluster.redis) await attempt('redis', () => cluster.redis.stop());
  if (cluster.postgres) await attempt('postgres', () => cluster.postgres.stop());
  clusters.delete(cluster);
  if (removeDir && !process.env.HEARTH_KEEP_TMP) await attempt('temp folder', () => rm(cluster.dir, { recursive: true, force: true }));
  if (errors.length) throw new Error(`stopping the cluster: ${errors.join('; ')}`);
}

/** Stops every cluster still running, then whatever else the integration helpers started (for `after` hooks). */
export async function stopClusters() {
  await Promise.all([...clusters].map((c) => c.stop().catch(() => {})));
  await stopAll();
}
