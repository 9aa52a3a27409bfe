// coturn for the TURN tests: Debian's turnserver (package coturn, installed by `scripts/deps.sh test`) on loopback,
// in a temporary directory, with free ports, started from deploy/coturn/turnserver.conf's active lines (so a line
// coturn refuses fails the tests) with the addresses, ports, realm, database, TLS and log replaced. Its shared
// secrets live in its SQLite database (table turn_secret), which coturn reads at every authentication: the tests
// add and remove secrets while it runs, as an operator rotating TURN_SECRET does. Loopback peers are allowed back
// (allowed-peer-ip, allow-loopback-peers): here the clients and the relays all live on 127.0.0.1.
// Also turnutils_uclient (same package), to allocate relays with given credentials and send data through them.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { readFile, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { makeTempDir } from './server.mjs';

export const TURNSERVER = process.env.TURNSERVER_PATH || '/usr/bin/turnserver';
export const UCLIENT = process.env.TURNUTILS_UCLIENT_PATH || '/usr/bin/turnutils_uclient';
export const SQLITE3 = process.env.SQLITE3_PATH || 'sqlite3';
export const DEPLOY_CONF = fileURLToPath(new URL('../../../deploy/coturn/turnserver.conf', import.meta.url));
export const REALM = 'hearth.test';

// deploy/coturn/turnserver.conf keys the tests set themselves (or leave out: no TLS certificate here).
const REPLACED = new Set([
  'listening-port', 'tls-listening-port', 'alt-listening-port', 'alt-tls-listening-port', 'listening-ip',
  'relay-ip', 'external-ip', 'min-port', 'max-port', 'realm', 'userdb', 'static-auth-secret', 'cert', 'pkey',
  'log-file', 'simple-log', 'syslog', 'pidfile', 'proc-user', 'proc-group',
]);
const RELAY_PORTS = 100; // relay ports per coturn: a test holds a few allocations at a time

const running = new Set(); // turnserver children, killed on exit
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** The active lines of deploy/coturn/turnserver.conf ({key, line}), comments and blank lines left out. */
export async function deployConfLines() {
  const text = await readFile(DEPLOY_CONF, 'utf8');
  return text.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'))
    .map((line) => ({ key: line.split('=')[0].trim(), line }));
}

/** A port free on 127.0.0.1 for both TCP and UDP right now. */
async function freePort() {
  for (let attempt = 0; attempt < 20; attempt += 1) {
    const port = await new Promise((resolve, reject) => {
      const srv = net.createServer();
      srv.once('error', reject);
      srv.listen(0, '127.0.0.1', () => {
        const { port: p } = srv.address();
        srv.close(() => resolve(p));
      });
    });
    const udpFree = await new Promise((resolve) => {
      const sock = dgram.createSocket('udp4');
      sock.once('error', () => resolve(false));
      sock.bind(port, '127.0.0.1', () => sock.close(() => resolve(true)));
    });
    if (udpFree) return port;
  }
  throw new Error('no free port for coturn');
}

function sqlQuote(text) {
  return `'${String(text).replaceAll("'", "''")}'`;
}

function run(cmd, args, { timeoutMs = 30_000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (c) => { out += c; });
    child.stderr.setEncoding('utf8').on('data', (c) => { out += c; });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`could not run ${cmd}: ${err.message}`));
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, out });
    });
  });
}

// A STUN Binding request (RFC 5389): type 0x0001, length 0, the magic cookie, a 12-byte transaction id.
function stunBindingAnswered(port, timeoutMs = 500) {
  return new Promise((resolve) => {
    const sock = dgram.createSocket('udp4');
    const id = randomBytes(12);
    const msg = Buffer.concat([Buffer.from([0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42]), id]);
    const done = (ok) => {
      clearTimeout(timer);
      sock.close();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    sock.on('error', () => done(false));
    // A Binding success response (0x0101) echoing our transaction id.
    sock.on('message', (m) => m.length >= 20 && m.readUInt16BE(0) === 0x0101 && m.subarray(8, 20).equals(id) && done(true));
    sock.send(msg, port, '127.0.0.1');
  });
}

/**
 * Starts coturn with `secrets` in its database. Resolves {port, url, dir, log(), setSecrets(list), stop(), ...}
 * once it answers a STUN Binding request on its UDP port.
 */
export async function startCoturn({ secrets = [], extraLines = [], timeoutMs = 15_000 } = {}) {
  const dir = await makeTempDir('hearth-coturn-');
  const port = await freePort();
  const minPort = 20_000 + Math.floor(Math.random() * 400) * RELAY_PORTS;
  const db = join(dir, 'turndb');
  const logFile = join(dir, 'turnserver.log');
  // coturn creates the rest of its schema on its first connection; turn_secret is needed before that.
  const schema = "CREATE TABLE turn_secret (realm varchar(127) default '', value varchar(127), primary key (realm,value));";
  const created = await run(SQLITE3, [db, schema + secretsSql(secrets)]);
  assert.equal(created.code, 0, `sqlite3 could not create coturn's database: ${created.out}`);

  const deployed = (await deployConfLines()).filter(({ key }) => !REPLACED.has(key)).map(({ line }) => line);
  const conf = [
    ...deployed,
    '# --- the tests ---',
    'listening-ip=127.0.0.1', 'relay-ip=127.0.0.1', `listening-port=${port}`,
    `min-port=${minPort}`, `max-port=${minPort + RELAY_PORTS - 1}`,
    `realm=${REALM}`, `userdb=${db}`, 'no-tls', 'no-dtls', 'no-cli',
    `log-file=${logFile}`, 'simple-log', 'no-stdout-log', 'verbose', `pidfile=${join(dir, 'turnserver.pid')}`,
    'allowed-peer-ip=127.0.0.1', 'allow-loopback-peers',
    ...extraLines,
  ];
  const confFile = join(dir, 'turnserver.conf');
  await writeFile(confFile, `${conf.join('\n')}\n`);

  const child = spawn(TURNSERVER, ['-c', confFile], { stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (c) => { output += c; });
  child.stderr.setEncoding('utf8').on('data', (c) => { output += c; });
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => {
    running.delete(child);
    resolve({ code, signal });
  }));
  child.on('error', () => {}); // reported below: the exit comes first

  const log = () => readFile(logFile, 'utf8').catch(() => '');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null || !child.pid)
      throw new Error(`turnserver exited at start (${TURNSERVER})\n${output}\n${await log()}`);
    if (await stunBindingAnswered(port)) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`turnserver did not answer STUN on 127.0.0.1:${port} within ${timeoutMs} ms\n${output}\n${await log()}`);
    }
  }

  return {
    port,
    dir,
    pid: child.pid,
    confFile,
    /** The TURN URL for hearth-call's TURN_SERVER_URL. */
    url: `turn:127.0.0.1:${port}?transport=udp`,
    log,
    output: () => output,
    /** Replaces coturn's shared secrets (while it runs: it reads them at each authentication). */
    async setSecrets(list) {
      const res = await run(SQLITE3, [db, `DELETE FROM turn_secret;${secretsSql(list)}`]);
      assert.equal(res.code, 0, `sqlite3 could not set coturn's secrets: ${res.out}`);
    },
    async stop(timeoutMs = 5_000) {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      process.kill(child.pid, 'SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
  };
}

function secretsSql(secrets) {
  return secrets.map((s) => `INSERT INTO turn_secret (realm, value) VALUES (${sqlQuote(REALM)}, ${sqlQuote(s)});`).join('');
}

/**
 * Runs turnutils_uclient against `coturn` with a TURN username and credential: it allocates two relays and sends
 * `messages` through them, one relay to the other (-y), then releases them. Resolves {code, sent, received, out}.
 * coturn's refusal (401) ends it at once with a non-zero code and "Cannot complete Allocation".
 */
export async function uclient(coturn, { username, credential, messages = 5, intervalMs = 20, timeoutMs = 60_000 }) {
  const args = ['-p', String(coturn.port), '-u', username, '-w', credential, '-y', '-c', '-X',
    '-n', String(messages), '-z', String(intervalMs), '127.0.0.1'];
  const res = await run(UCLIENT, args, { timeoutMs });
  const totals = [...res.out.matchAll(/tot_send_msgs=(\d+), tot_recv_msgs=(\d+)/g)].at(-1);
  return { ...res, sent: Number(totals?.[1] ?? 0), received: Number(totals?.[2] ?? 0) };
}

/** Asserts that `username`/`credential` allocate relays on `coturn` and data flows through them. */
export async function expectAllocates(coturn, turn, what = 'the credentials', options = {}) {
  const success = `user <${turn.username}>: incoming packet ALLOCATE processed, success`;
  const before = await countInLog(coturn, success);
  const res = await uclient(coturn, { ...turn, ...options });
  const detail = `${what} (${turn.username}): exit ${res.code}, sent ${res.sent}, received ${res.received}\n${res.out.slice(-1500)}`;
  assert.equal(res.code, 0, `should allocate: ${detail}`);
  assert.ok(res.sent > 0 && res.received === res.sent, `data should flow through the relays: ${detail}`);
  assert.doesNotMatch(res.out, /Cannot complete Allocation/, detail);
  await waitForMore(coturn, success, before, detail);
  return res;
}

/** Asserts that coturn refuses `username`/`credential` (401) and the client gets no relay. */
export async function expectRefused(coturn, turn, what = 'the credentials') {
  const success = `user <${turn.username}>: incoming packet ALLOCATE processed, success`;
  const refusal = `user <${turn.username}>: incoming packet message processed, error 401: Unauthorized`;
  const count = (text) => countInLog(coturn, text);
  const [allocatedBefore, refusedBefore] = [await count(success), await count(refusal)];
  const res = await uclient(coturn, turn);
  const detail = `${what} (${turn.username}): exit ${res.code}\n${res.out.slice(-1500)}`;
  assert.notEqual(res.code, 0, `should be refused: ${detail}`);
  assert.match(res.out, /Cannot complete Allocation/, detail);
  assert.equal(res.received, 0, detail);
  await waitForMore(coturn, refusal, refusedBefore, detail); // this run's own 401
  assert.equal(await count(success), allocatedBefore, `coturn allocated for refused ${detail}`);
  return res;
}

async function countInLog(coturn, text) {
  return (await coturn.log()).split(text).length - 1;
}

// Waits for `text` to appear in coturn's log more than `before` times (coturn writes it asynchronously).
async function waitForMore(coturn, text, before, detail) {
  const deadline = Date.now() + 5_000;
  while ((await countInLog(coturn, text)) <= before) {
    if (Date.now() > deadline) assert.fail(`coturn's log has no new "${text}": ${detail}\n--- log tail ---\n${(await coturn.log()).slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The TURN server entry of an iceServers array (the one with credentials), as {urls, username, credential}. */
export function turnEntry(iceServers) {
  const entry = iceServers.find((s) => [s.urls].flat().some((u) => /^turns?:/.test(u)));
  assert.ok(entry, `no turn: entry in ${JSON.stringify(iceServers)}`);
  return entry;
}
