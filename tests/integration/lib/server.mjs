// Integration-test helpers: start the real hearth-call binary on 127.0.0.1:0 in a temporary directory, run
// its CLI subcommands, drive its REST API over real HTTP, and assert the response envelope.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { checkAnswer, defaultChecker } from './openapi_check.mjs';

export const BIN = process.env.HEARTH_BIN || fileURLToPath(new URL('../../../build/hearth-call', import.meta.url));

export const SESSION_ID_RE = /^call_\d{13}_[0-9a-z]{9}$/;
export const ISO_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;
export const LISTENING_RE = /hearth-call listening on http:\/\/127\.0\.0\.1:(\d+)/;
export const API = '/api/video-call';

// Configuration the server reads from the environment; never inherited from the developer's shell.
const CONFIG_KEYS = [
  'HOST', 'PORT', 'DATABASE_URL', 'JWT_SECRET', 'JWT_PUBLIC_KEY_FILE', 'HEARTH_ENV', 'STUN_SERVERS',
  'TURN_SERVER_URL', 'TURN_USERNAME', 'TURN_PASSWORD', 'MAX_CALL_PARTICIPANTS', 'MAX_INVITEES',
  'CALL_TIMEOUT_MINUTES', 'CALL_RING_TIMEOUT_SECONDS', 'SWEEP_INTERVAL_SECONDS', 'CORS_ORIGINS',
  'RATE_LIMIT_PER_MINUTE', 'AUTH_FAILURES_PER_MINUTE', 'MAX_CONNECTIONS', 'MAX_CONNECTIONS_PER_ADDRESS',
  'HTTP_HEADER_LIMIT_BYTES', 'REST_BODY_LIMIT_BYTES', 'HTTP_REQUEST_TIMEOUT_SECONDS', 'HTTP_IDLE_TIMEOUT_SECONDS',
  'WEBSOCKET_SEND_QUEUE_BYTES', 'POLLING_SEND_QUEUE_BYTES', 'WEBSOCKET_CLOSE_TIMEOUT_SECONDS', 'UPGRADE_TIMEOUT_MS',
  'ENGINEIO_HANDSHAKES_PER_MINUTE', 'MAX_UNAUTHENTICATED_SESSIONS', 'MAX_UNAUTHENTICATED_PER_ADDRESS',
  'MAX_SOCKETS_PER_USER', 'TURN_SECRET', 'TURN_CREDENTIAL_TTL_SECONDS', 'ICE_TRANSPORT_POLICY', 'METRICS_PORT',
  'METRICS_ALLOW', 'SHUTDOWN_TIMEOUT_SECONDS', 'WEBHOOK_URLS', 'WEBHOOK_SECRET', 'DATABASE_POOL_SIZE', 'REDIS_URL', 'NODE_ID', 'TRUSTED_PROXIES',
];

const running = new Set(); // children still alive, killed by stopAll() and on process exit
const tempDirs = new Set();

process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** A fresh temporary directory, removed by stopAll(). */
export async function makeTempDir(prefix = 'hearth-it-') {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  tempDirs.add(dir);
  return dir;
}

export function databaseUrl(dir) {
  return `sqlite://${join(dir, 'hearth.db')}`; // an absolute path, so sqlite:///tmp/...
}

/** The child's environment: inherited minus any server configuration, plus `env` (undefined deletes a key). */
export function childEnv(env = {}) {
  const out = { ...process.env };
  for (const key of CONFIG_KEYS) delete out[key];
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined) delete out[key];
    else out[key] = String(value);
  }
  return out;
}

/**
 * Starts `hearth-call serve --host 127.0.0.1 --port 0` and resolves once it prints its listening line.
 * Defaults: production, the given JWT secret, SQLite in `dir` (a new temp dir unless given), and a rate limit
 * high enough not to interfere (tests of the limit set RATE_LIMIT_PER_MINUTE themselves).
 */
export async function startServer({ dir, secret, env = {}, args = [], port: listenPort = 0, timeoutMs = 20_000 } = {}) {
  dir ??= await makeTempDir();
  const fullEnv = childEnv({
    HEARTH_ENV: 'production',
    JWT_SECRET: secret,
    DATABASE_URL: databaseUrl(dir),
    RATE_LIMIT_PER_MINUTE: '100000',
    ...env,
  });
  const child = spawn(BIN, ['serve', '--host', '127.0.0.1', '--port', String(listenPort), ...args], {
    env: fullEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk) => { stderr += chunk; });
  const exited = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
    });
  });

  const port = await new Promise((resolve, reject) => {
    const fail = (why) => {
      clearTimeout(timer);
      reject(new Error(`hearth-call serve ${why}\n--- stdout ---\n${stdout}\n--- stderr ---\n${stderr}`));
    };
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(`printed no listening line within ${timeoutMs} ms`);
    }, timeoutMs);
    child.on('error', (err) => fail(`could not be started (${BIN}): ${err.message}`));
    child.on('exit', (code, signal) => fail(`exited before listening (code ${code}, signal ${signal})`));
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      const m = LISTENING_RE.exec(stdout);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
  });

  return {
    port,
    url: `http://127.0.0.1:${port}`,
    dir,
    env: fullEnv,
    child,
    exited,
    stdout: () => stdout,
    stderr: () => stderr,
    /** Sends `signal` and waits for the exit ({code, signal}); SIGKILLs after `timeoutMs`. */
    async stop(signal = 'SIGTERM', timeoutMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
    kill() {
      return this.stop('SIGKILL');
    },
  };
}

/** Kills every server still running and removes the temporary directories (for `after` hooks). */
export async function stopAll() {
  await Promise.all([...running].map((child) => new Promise((resolve) => {
    child.once('exit', resolve);
    child.kill('SIGKILL');
  })));
  if (!process.env.HEARTH_KEEP_TMP) {
    await Promise.all([...tempDirs].map((dir) => rm(dir, { recursive: true, force: true })));
  }
  tempDirs.clear();
}

/** Runs a CLI subcommand to completion: {code, signal, stdout, stderr, timedOut}. */
export function runCli(args, { env = {}, timeoutMs = 15_000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(BIN, args, { env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    running.add(child);
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (c) => { stdout += c; });
    child.stderr.setEncoding('utf8').on('data', (c) => { stderr += c; });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`could not run ${BIN}: ${err.message}`));
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      running.delete(child);
      resolve({ code, signal, stdout, stderr, timedOut });
    });
  });
}

/**
 * One HTTP request. `json` is sent as application/json; `body` is sent raw (set content-type in `headers`).
 * Resolves {status, headers, body (parsed JSON or null), text}. Every answer is checked against docs/openapi.yaml
 * (lib/openapi_check.mjs): an answer the document does not describe fails the test.
 */
export async function request(server, method, path, { token, json, body, headers = {} } = {}) {
  const api = defaultChecker();
  const h = { ...headers };
  if (token !== undefined) h.authorization = `Bearer ${token}`;
  let payload = body;
  if (json !== undefined) {
    payload = JSON.stringify(json);
    if (!Object.keys(h).some((k) => k.toLowerCase() === 'content-type')) h['content-type'] = 'application/json';
  }
  const res = await fetch(server.url + path, { method, headers: h, body: payload });
  const text = await res.text();
  let parsed = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = null;
  }
  const answer = { status: res.status, headers: res.headers, body: parsed, text };
  if (api) checkAnswer(api, method, path, answer, h);
  return answer;
}

/** A user's view of the API: every call carries the user's bearer token. */
export function client(server, token) {
  const call = (method, path, opts = {}) => request(server, method, path, { token, ...opts });
  return {
    token,
    call,
    get: (path, opts) => call('GET', path, opts),
    post: (path, json, opts) => call('POST', path, { json, ...opts }),
    put: (path, json, opts) => call('PUT', path, { json, ...opts }),
    initiate: (json) => call('POST', `${API}/initiate`, { json }),
    join: (id) => call('POST', `${API}/join/${id}`),
    session: (id) => call('GET', `${API}/session/${id}`),
    media: (id, json) => call('PUT', `${API}/session/${id}/media`, { json }),
    end: (id) => call('POST', `${API}/session/${id}/end`),
    history: (query = '') => call('GET', `${API}/history${query}`),
  };
}

function describe(res) {
  return `HTTP ${res.status}: ${res.text.slice(0, 500)}`;
}

/** Asserts a success envelope with `status` and (if given) the exact message; returns `data`. */
export function expectOk(res, status, message) {
  assert.equal(res.status, status, describe(res));
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/i, 'content-type');
  assert.ok(res.body && typeof res.body === 'object', `JSON object expected, got ${describe(res)}`);
  assert.equal(res.body.success, true, describe(res));
  assert.equal(typeof res.body.message, 'string');
  if (message !== undefined) assert.equal(res.body.message, message);
  assert.ok(res.body.data && typeof res.body.data === 'object', `data object expected, got ${describe(res)}`);
  return res.body.data;
}

/**
 * Asserts an error envelope {success:false, message} with `status`; `message` is a RegExp or exact string the
 * message must match. In production (the default) the `error` detail must be absent.
 */
export function expectError(res, status, { message, production = true } = {}) {
  assert.equal(res.status, status, describe(res));
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/i, `content-type of ${describe(res)}`);
  assert.ok(res.body && typeof res.body === 'object', `JSON object expected, got ${describe(res)}`);
  assert.equal(res.body.success, false, describe(res));
  assert.equal(typeof res.body.message, 'string', describe(res));
  assert.ok(res.body.message.length > 0, 'error message is empty');
  if (message instanceof RegExp) assert.match(res.body.message, message);
  else if (message !== undefined) assert.equal(res.body.message, message);
  if (production) assert.ok(!('error' in res.body), `production must not expose "error": ${describe(res)}`);
  return res.body;
}

/** Asserts an ISO 8601 UTC timestamp between `from` and `to` (ms, inclusive, with 1 s of slack). */
export function assertIsoBetween(value, from, to, what = 'timestamp') {
  assert.equal(typeof value, 'string', `${what} should be a string, got ${JSON.stringify(value)}`);
  assert.match(value, ISO_RE, what);
  const t = Date.parse(value);
  assert.ok(t >= from - 1000 && t <= to + 1000, `${what} ${value} not within [${new Date(from).toISOString()}, ${new Date(to).toISOString()}]`);
}

/** Every url of an iceServers array, flattened (an entry's `urls` is a string or an array). */
export function iceUrls(iceServers) {
  return iceServers.flatMap((s) => (Array.isArray(s.urls) ? s.urls : [s.urls]));
}

/** Asserts the RTCIceServer shape: {urls, username?, credential?} with stun:/turn:/turns: urls. */
export function assertIceServers(iceServers) {
  assert.ok(Array.isArray(iceServers), 'iceServers must be an array');
  assert.ok(iceServers.length > 0, 'iceServers must not be empty');
  for (const s of iceServers) {
    for (const key of Object.keys(s)) assert.ok(['urls', 'username', 'credential'].includes(key), `iceServers key ${key}`);
    const urls = Array.isArray(s.urls) ? s.urls : [s.urls];
    assert.ok(urls.length > 0);
    for (const u of urls) assert.match(u, /^(stun|turn|turns):\S+$/, `ice url ${u}`);
    if ('username' in s) assert.equal(typeof s.username, 'string');
    if ('credential' in s) assert.equal(typeof s.credential, 'string');
  }
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `fn` until it returns a truthy value or `timeoutMs` passes; returns the last value. */
export async function pollUntil(fn, { timeoutMs = 15_000, intervalMs = 250 } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    last = await fn();
    if (last) return last;
    await sleep(intervalMs);
  }
  return last;
}
