// `./dev cluster`: a local hearth-call cluster to try scale-out by hand. PostgreSQL, Redis, N nodes (NODE_ID
// n1..nN, development mode, one JWT secret) and nginx in front (deploy/nginx/hearth-call.conf), all on loopback in
// one temporary folder, started by the cluster tests' harness (tests/cluster/lib/cluster.mjs). Prints the URL, every
// process with its PID and log, and demo tokens; Ctrl-C (SIGINT) or SIGTERM stops everything it started, by PID,
// and removes the folder (a second Ctrl-C kills at once).
// Usage: node scripts/cluster.mjs [--nodes N] [--port PORT]     (./dev cluster builds and installs first)
import net from 'node:net';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import { startCluster } from '../tests/cluster/lib/cluster.mjs';

const USAGE = `usage: ./dev cluster [--nodes N] [--port PORT]
  --nodes N     hearth-call nodes behind nginx, 1 to 16 (default 3)
  --port PORT   nginx's port on 127.0.0.1 (default 8080; 0: any free port)`;

function options() {
  let values;
  try {
    ({ values } = parseArgs({ options: { nodes: { type: 'string', default: '3' }, port: { type: 'string', default: '8080' },
      help: { type: 'boolean', short: 'h' } } }));
  } catch (err) {
    console.error(`${err.message}\n${USAGE}`);
    process.exit(2);
  }
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const nodes = Number(values.nodes);
  const port = Number(values.port);
  if (!Number.isInteger(nodes) || nodes < 1 || nodes > 16) {
    console.error(`--nodes must be 1 to 16, got ${values.nodes}\n${USAGE}`);
    process.exit(2);
  }
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`--port must be 0 to 65535, got ${values.port}\n${USAGE}`);
    process.exit(2);
  }
  return { nodes, port };
}

// Resolves the port if it can be bound on 127.0.0.1 now (0: a free one), or exits with a clear message.
function checkPort(port) {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', (err) => {
      console.error(`127.0.0.1:${port} is not free (${err.code}): is ./dev run or another cluster running? Choose another with --port.`);
      process.exit(1);
    });
    srv.listen(port, '127.0.0.1', () => {
      const free = srv.address().port;
      srv.close(() => resolve(free));
    });
  });
}

const { nodes, port: wanted } = options();
const port = await checkPort(wanted);

console.log(`==> starting PostgreSQL, Redis, ${nodes} hearth-call node${nodes > 1 ? 's' : ''} and nginx on 127.0.0.1`);
let cluster;
try {
  cluster = await startCluster({ nodes, env: { HEARTH_ENV: 'development' }, nginx: { port }, logs: true });
} catch (err) {
  console.error(`==> the cluster did not start: ${err.message}`);
  process.exit(1);
}

let stopping = false;
const pad = (text, width) => text.padEnd(width);
const lines = [
  '',
  `hearth-call cluster: open ${cluster.url}   (Ctrl-C stops everything)`,
  '',
  ...cluster.nodes.map((n) => `  ${pad(`node ${n.id}`, 11)} ${pad(n.url, 24)} pid ${pad(String(n.pid), 8)} log ${join(cluster.dir, `${n.id}.log`)}`),
  `  ${pad('nginx', 11)} ${pad(cluster.url, 24)} pid ${pad(String(cluster.nginx.pid), 8)} log ${join(cluster.nginx.dir, 'logs', 'hearth-call.access.log')}`,
  `  ${pad('PostgreSQL', 11)} ${pad(`127.0.0.1:${cluster.postgres.port}`, 24)} pid ${pad(String(cluster.postgres.pid), 8)} ${cluster.postgres.url}`,
  `  ${pad('Redis', 11)} ${pad(`127.0.0.1:${cluster.redis.port}`, 24)} pid ${pad(String(cluster.redis.pid), 8)} ${cluster.redis.url}`,
  '',
  `temporary folder: ${cluster.dir} (removed on exit)`,
  `JWT_SECRET=${cluster.secret}`,
  // The nodes run in development mode: the first one prints demo tokens as `./dev run` does.
  ...cluster.nodes[0].server.stdout().split('\n').filter((l) => l.startsWith('demo token for ')),
  '',
  `Try a node's loss: kill -9 <pid of a node>; its clients reconnect through ${cluster.url} to another node.`,
];
console.log(lines.join('\n'));

// A process that ends while the cluster runs (a node killed by hand, a crash) is reported, and the rest go on.
for (const node of cluster.nodes) {
  node.server.exited.then(({ code, signal }) => {
    if (!stopping) console.log(`==> node ${node.id} (pid ${node.pid}) exited (code ${code}, signal ${signal})`);
  });
}

async function stop(signal) {
  if (stopping) {
    console.log('==> stopping at once');
    process.exit(130); // the harness's exit handlers SIGKILL what still runs
  }
  stopping = true;
  console.log(`\n==> ${signal}: stopping nginx, the nodes, Redis and PostgreSQL`);
  try {
    await cluster.stop();
    console.log('==> stopped; temporary folder removed');
    process.exit(0);
  } catch (err) {
    console.error(`==> ${err.message}`);
    process.exit(1);
  }
}
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));
