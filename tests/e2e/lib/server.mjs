// E2E server and REST helpers: start the real hearth-call binary (through the integration suite's helpers, which
// run it in a mkdtemp directory on 127.0.0.1:0 and parse the listening line), mint HS256 tokens for test users,
// and create, inspect and end calls over the REST API.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';

import { mint } from '../../integration/lib/jwt.mjs';
import { API, client, expectOk, startServer, stopAll } from '../../integration/lib/server.mjs';

export { API, stopAll };
export { sleep, pollUntil, assertIceServers, ISO_RE, SESSION_ID_RE } from '../../integration/lib/server.mjs';

export const SECRET = `e2e-secret-${randomBytes(16).toString('hex')}`;

// Signaling configuration the integration helpers do not strip from the inherited environment: always start from
// the server's defaults unless a test sets a value.
const SIGNALING_KEYS = [
  'RECONNECT_GRACE_SECONDS', 'AUTH_TIMEOUT_SECONDS', 'PING_INTERVAL_MS', 'PING_TIMEOUT_MS', 'MAX_PAYLOAD_BYTES',
  'SOCKET_EVENTS_PER_SECOND', 'TURN_SECRET', 'TURN_CREDENTIAL_TTL_SECONDS', 'HEARTH_THREADS', 'LOG_LEVEL',
];

/**
 * Starts `hearth-call serve --host 127.0.0.1 --port 0` (production, SQLite in a fresh temp dir, JWT_SECRET =
 * SECRET, REST rate limit out of the way; HEARTH_THREADS from E2E_HEARTH_THREADS if set) with `env` on top.
 * Resolves {url, port, child, stop(), ...}.
 */
export async function startHearth(env = {}) {
  const cleared = Object.fromEntries(SIGNALING_KEYS.map((k) => [k, undefined]));
  // CTest runs the signaling suites with E2E_HEARTH_THREADS=2 (two shards) and again with 1.
  const threads = process.env.E2E_HEARTH_THREADS ? { HEARTH_THREADS: process.env.E2E_HEARTH_THREADS } : {};
  return startServer({ secret: SECRET, env: { ...cleared, ...threads, ...env } });
}

/** Parses a Prometheus text scrape into a Map {name{labels}: value} (labels as written, in order). */
export function parseMetrics(text) {
  const out = new Map();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    out.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return out;
}

/** True while the server process has not exited. */
export function isRunning(server) {
  return server.child.exitCode === null && server.child.signalCode === null;
}

let seq = 0;
/** A user id no other test (or test file running in parallel against its own server) uses. */
export function uniqueUser(prefix = 'user') {
  seq += 1;
  return `${prefix}-${seq}-${randomBytes(3).toString('hex')}`;
}

/** A test user: {userId, name, token} with an HS256 token signed with SECRET (sub = userId, name). */
export function makeUser(prefix = 'user', { name, role } = {}) {
  const userId = uniqueUser(prefix);
  const displayName = name ?? `${prefix[0].toUpperCase()}${prefix.slice(1)} ${userId.split('-').at(-1)}`;
  const claims = { sub: userId, name: displayName, ...(role ? { role } : {}) };
  return { userId, name: displayName, token: mint(claims, SECRET) };
}

/** The REST view of `user`: the integration client with the user's bearer token. */
export function rest(server, user) {
  return client(server, user.token);
}

/**
 * POST /initiate as `initiator`, inviting `invitees` (users or ids). Returns the whole `data` (sessionId,
 * iceServers, callSettings, session).
 */
export async function initiateCall(server, initiator, invitees, { sessionType = 'group', ...extra } = {}) {
  const participants = invitees.map((u) => (typeof u === 'string' ? u : u.userId));
  const body = { sessionType, participants, ...extra };
  if (sessionType === 'therapy' && !body.therapySessionId) body.therapySessionId = `therapy-${uniqueUser('t')}`;
  const data = expectOk(await rest(server, initiator).initiate(body), 201);
  assert.equal(typeof data.sessionId, 'string');
  return data;
}

/** GET /session/:id as `user`; returns data.session. */
export async function getSession(server, user, sessionId) {
  const data = expectOk(await rest(server, user).session(sessionId), 200);
  return data.session;
}

/** GET /history as `user` (`query`: e.g. '?limit=5'): the whole `data` ({sessions, pagination}). */
export async function getHistory(server, user, query = '') {
  return expectOk(await rest(server, user).history(query), 200);
}

/** The REST participant entry of `userId` (asserts it exists). */
export function participantOf(session, userId) {
  const p = session.participants.find((x) => x.userId === userId);
  assert.ok(p, `participant ${userId} missing from ${JSON.stringify(session.participants)}`);
  return p;
}

/** POST /session/:id/end as `user`; returns data. */
export async function endCall(server, user, sessionId) {
  return expectOk(await rest(server, user).end(sessionId), 200);
}

/** PUT /session/:id/media as `user`; returns data. */
export async function putMedia(server, user, sessionId, media) {
  return expectOk(await rest(server, user).media(sessionId, media), 200);
}

/** GET /healthz answers 200. */
export async function assertHealthy(server) {
  const res = await fetch(`${server.url}/healthz`);
  await res.arrayBuffer();
  assert.equal(res.status, 200, 'GET /healthz');
}

// ---------------------------------------------------------------------------------------------------------------
// Floods (tests/e2e/floods*.test.mjs): the server's memory, raw TCP and HTTP from chosen loopback source addresses
// (any 127.x.y.z reaches a server on 127.0.0.1, which sees it as the client's address, so one test can be several
// "clients"), probes of /healthz and of a relaying call that run while a flood does, and worker threads for
// attackers that must not share the probes' event loop.
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { Worker } from 'node:worker_threads';
import { connect as connectFloodProbe, joinCall as joinFloodProbe } from './sockets.mjs';
import { BIN as FLOOD_BIN } from '../../integration/lib/server.mjs';

export const MB = 1024 * 1024;

let sanitized;
/**
 * Whether the server under test is a sanitizer build (ASan+UBSan, or TSan): slower, and with more memory per
 * allocation (shadow memory, a quarantine of freed blocks) than the release build the flood bounds are stated for.
 */
export function isSanitized() {
  if (sanitized === undefined) {
    try {
      const bin = readFileSync(FLOOD_BIN);
      sanitized = bin.includes('__asan_init') || bin.includes('__tsan_init');
    } catch {
      sanitized = false;
    }
  }
  return sanitized;
}
/** What the flood tests multiply their latency and memory bounds by: 1 for a release build, 4 for a sanitized one. */
export function boundFactor() {
  return isSanitized() ? 4 : 1;
}
/** Environment for a server in the flood tests: for a sanitized one, a small ASan quarantine (freed memory leaves the RSS). */
export function floodServerEnv() {
  if (!isSanitized()) return {};
  return { ASAN_OPTIONS: [process.env.ASAN_OPTIONS, 'quarantine_size_mb=16'].filter(Boolean).join(':') };
}
const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const floodProbes = new Set(); // every probe and sampler still running, stopped by stopFloodProbes()

/** Stops every RSS sampler, /healthz probe and relaying call still running (for `after` hooks, as a test may fail midway). */
export async function stopFloodProbes() {
  const probes = [...floodProbes];
  floodProbes.clear();
  await Promise.all(probes.map((p) => p.stop()));
}

/** The server's resident set size in bytes (VmRSS of /proc/<pid>/status). */
export function rssOf(server) {
  const status = readFileSync(`/proc/${server.child.pid}/status`, 'utf8');
  const m = /^VmRSS:\s+(\d+) kB/m.exec(status);
  assert.ok(m, `no VmRSS for pid ${server.child.pid}`);
  return Number(m[1]) * 1024;
}

/** Samples rssOf(server) every `intervalMs` until stop(); `peak` so far; stop() returns {peak, last, samples}. */
export function sampleRss(server, intervalMs = 50) {
  let last = rssOf(server);
  let peak = last;
  let samples = 1;
  const timer = setInterval(() => {
    try {
      last = rssOf(server);
    } catch {
      return; // exited: the test's own checks say so
    }
    samples += 1;
    peak = Math.max(peak, last);
  }, intervalMs);
  const sampler = {
    get peak() { return peak; },
    stop() {
      clearInterval(timer);
      floodProbes.delete(sampler);
      return { peak, last, samples };
    },
  };
  floodProbes.add(sampler);
  return sampler;
}

/** Polls rssOf(server) until it is at most `limit` bytes or `timeoutMs` passes; returns the last value read. */
export async function rssSettles(server, limit, { timeoutMs = 10_000 } = {}) {
  let last = rssOf(server);
  const deadline = Date.now() + timeoutMs;
  while (last > limit && Date.now() < deadline) {
    await pause(200);
    last = rssOf(server);
  }
  return last;
}

/** Megabytes with one decimal, for messages. */
export const mb = (bytes) => `${(bytes / MB).toFixed(1)} MB`;

/**
 * Parses the HTTP/1.x response at the start of `buf`: {status, headers (lower-case names), body (Buffer), text,
 * json (parsed body or null), size (bytes used)}, or null while incomplete. With `ended` (the peer closed), a
 * response without Content-Length ends where the bytes do.
 */
export function parseHttpResponse(buf, { ended = false } = {}) {
  const end = buf.indexOf('\r\n\r\n');
  if (end < 0) return null;
  const lines = buf.subarray(0, end).toString('latin1').split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0]);
  const headers = {};
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const start = end + 4;
  let stop;
  if (headers['content-length'] !== undefined) {
    stop = start + Number(headers['content-length']);
    if (buf.length < stop) return null;
  } else if (ended) {
    stop = buf.length;
  } else {
    return null;
  }
  const body = buf.subarray(start, stop);
  const text = body.toString('utf8');
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  return { status: m ? Number(m[1]) : NaN, statusLine: lines[0], headers, body, text, json, size: stop };
}

/** The text of an HTTP/1.1 request (Host and, with a body, Content-Length added unless given). */
export function httpRequestText(method, path, { headers = {}, body } = {}) {
  const h = { host: '127.0.0.1', ...headers };
  if (body !== undefined && !Object.keys(h).some((k) => /^(content-length|transfer-encoding)$/i.test(k))) {
    h['content-length'] = Buffer.byteLength(body);
  }
  const head = `${method} ${path} HTTP/1.1\r\n${Object.entries(h).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`;
  return body === undefined ? head : Buffer.concat([Buffer.from(head, 'latin1'), Buffer.from(body)]);
}

/**
 * A raw TCP connection to `server` from `localAddress`, recording what it receives. Resolves once connected (rejects
 * if the connection fails or takes over `timeoutMs`): {socket, write(data), response(timeoutMs) (the next complete
 * HTTP response; null if the connection closes first), received() (every byte so far), closed (resolves {at, error}
 * when the connection is closed), isClosed, destroy()}.
 */
export function tcpConnect(server, { localAddress = '127.0.0.1', timeoutMs = 5_000 } = {}) {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port: server.port, localAddress });
    let buf = Buffer.alloc(0);
    let offset = 0;
    let error = null;
    let closedAt = null;
    const wake = new Set();
    const notify = () => { for (const f of [...wake]) f(); };
    const closed = new Promise((done) => socket.on('close', () => {
      closedAt = Date.now();
      notify();
      done({ at: closedAt, error });
    }));
    socket.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      notify();
    });
    socket.on('error', (e) => { error = e.code ?? e.message; });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`TCP connect from ${localAddress} took over ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`TCP connect from ${localAddress}: ${e.message}`));
    });
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve({
        socket,
        closed,
        get isClosed() { return closedAt !== null; },
        received: () => buf,
        write: (data) => { if (!socket.destroyed) socket.write(data); },
        destroy: () => socket.destroy(),
        response(waitMs = 5_000) {
          return new Promise((done, fail) => {
            const check = () => {
              const res = parseHttpResponse(buf.subarray(offset), { ended: closedAt !== null });
              if (res) {
                offset += res.size;
              } else if (closedAt === null) {
                return;
              }
              wake.delete(check);
              clearTimeout(t);
              done(res);
            };
            const t = setTimeout(() => {
              wake.delete(check);
              fail(new Error(`no HTTP response within ${waitMs} ms; got ${JSON.stringify(buf.subarray(offset, offset + 200).toString('latin1'))}`));
            }, waitMs);
            wake.add(check);
            check();
          });
        },
      });
    });
  });
}

/**
 * One request on a new connection from `localAddress`; resolves the parsed response (null if the server closed the
 * connection without one) with `conn` (still open unless the server closed it: destroy it when done).
 */
export async function httpOnce(server, method, path, { localAddress, headers, body, timeoutMs = 5_000 } = {}) {
  const conn = await tcpConnect(server, { localAddress, timeoutMs });
  conn.write(httpRequestText(method, path, { headers, body }));
  const res = await conn.response(timeoutMs);
  return { res, conn };
}

/**
 * GET /healthz every `intervalMs` until stop(), each on a new connection from `localAddress` (or all on one
 * keep-alive connection, opened before `ready` resolves, with `keepAlive`), timing each answer. stop() resolves
 * {count, ok, failures (messages), p50, max} (milliseconds).
 */
export function healthProbe(server, { intervalMs = 200, localAddress = '127.0.0.1', keepAlive = false, timeoutMs = 5_000 } = {}) {
  const results = [];
  let running = true;
  let kept = null;
  const ask = async () => {
    if (!keepAlive) {
      const { res, conn } = await httpOnce(server, 'GET', '/healthz', { localAddress, timeoutMs });
      conn.destroy();
      return res;
    }
    kept.write(httpRequestText('GET', '/healthz'));
    return kept.response(timeoutMs);
  };
  const ready = (async () => {
    if (keepAlive) kept = await tcpConnect(server, { localAddress });
  })();
  const loop = (async () => {
    await ready;
    while (running) {
      const t0 = Date.now();
      let status;
      try {
        status = (await ask())?.status ?? 'closed';
      } catch (e) {
        status = e.message;
      }
      results.push({ at: t0, ms: Date.now() - t0, status });
      if (keepAlive && kept.isClosed && running) {
        results.push({ at: Date.now(), ms: 0, status: 'keep-alive connection closed' });
        break;
      }
      await pause(Math.max(0, intervalMs - (Date.now() - t0)));
    }
  })();
  const summary = () => {
    const ms = results.filter((r) => r.status === 200).map((r) => r.ms).sort((x, y) => x - y);
    return {
      count: results.length,
      ok: ms.length,
      failures: results.filter((r) => r.status !== 200).map((r) => `${new Date(r.at).toISOString()}: ${r.status}`),
      p50: ms.length ? ms[Math.floor(ms.length / 2)] : NaN,
      max: ms.length ? ms.at(-1) : NaN,
    };
  };
  const probe = {
    ready,
    summary,
    async stop() {
      running = false;
      floodProbes.delete(probe);
      await loop;
      kept?.destroy();
      return summary();
    },
  };
  floodProbes.add(probe);
  return probe;
}

/** Asserts a healthProbe summary: at least `minCount` answers, all 200, the slowest within `maxMs`. */
export function assertHealthProbe(s, { minCount = 1, maxMs, what = '/healthz during the flood' } = {}) {
  assert.ok(s.count >= minCount, `${what}: ${s.count} requests, expected at least ${minCount}`);
  assert.deepEqual(s.failures, [], `${what}: every answer 200`);
  if (maxMs !== undefined) assert.ok(s.max <= maxMs, `${what}: slowest answer ${s.max} ms (p50 ${s.p50} ms), bound ${maxMs} ms`);
}

/**
 * Two participants (socket.io-client over WebSocket, authenticated at CONNECT, from 127.0.0.1) in one call, relaying
 * every `intervalMs` in turn a → b webrtc_ice_candidate and b → a webrtc_offer, each tagged with a sequence number
 * and its send time. stats({from, to}) sums up the relays sent in [from, to): {sent, arrived, lost (numbers), p50,
 * max (latency in ms)}; settle() waits (up to `timeoutMs`) until every relay sent so far arrived; stop() stops sending.
 */
export async function relayingCall(server, { intervalMs = 100, prefix = 'probe' } = {}) {
  const users = [makeUser(`${prefix}a`), makeUser(`${prefix}b`)];
  const [a, b] = await Promise.all(users.map((user) => connectFloodProbe(server, { user, connectAuth: true })));
  const { sessionId } = await initiateCall(server, users[0], [users[1]]);
  await joinFloodProbe(a, sessionId);
  await joinFloodProbe(b, sessionId);
  const sent = [];
  const arrived = new Map();
  b.on('webrtc_ice_candidate', (p) => { if (p?.candidate?.probe) arrived.set(p.candidate.seq, Date.now()); });
  a.on('webrtc_offer', (p) => { if (p?.offer?.probe) arrived.set(p.offer.seq, Date.now()); });
  let seq = 0;
  const timer = setInterval(() => {
    seq += 1;
    const at = Date.now();
    if (seq % 2) a.emit('webrtc_ice_candidate', { sessionId, targetSocketId: b.id, candidate: { probe: true, seq, at } });
    else b.emit('webrtc_offer', { sessionId, targetSocketId: a.id, offer: { probe: true, seq, at, sdp: 'v=0' } });
    sent.push({ seq, at });
  }, intervalMs);
  const stats = ({ from = 0, to = Infinity } = {}) => {
    const window = sent.filter((s) => s.at >= from && s.at < to);
    const latencies = window.filter((s) => arrived.has(s.seq)).map((s) => arrived.get(s.seq) - s.at).sort((x, y) => x - y);
    return {
      sent: window.length,
      arrived: latencies.length,
      lost: window.filter((s) => !arrived.has(s.seq)).map((s) => s.seq),
      p50: latencies.length ? latencies[Math.floor(latencies.length / 2)] : NaN,
      max: latencies.length ? latencies.at(-1) : NaN,
    };
  };
  const call = {
    users, sockets: [a, b], sessionId, stats,
    async settle(timeoutMs = 5_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline && sent.some((s) => !arrived.has(s.seq))) await pause(50);
    },
    stop() {
      clearInterval(timer);
      floodProbes.delete(call);
    },
  };
  floodProbes.add(call);
  return call;
}

/** Asserts relayingCall stats: at least `minSent` relays in the window, none lost, the slowest within `maxLatencyMs`. */
export function assertRelayed(s, { minSent = 1, maxLatencyMs, what = 'relays during the flood' } = {}) {
  assert.ok(s.sent >= minSent, `${what}: only ${s.sent} sent, expected at least ${minSent}`);
  assert.deepEqual(s.lost, [], `${what}: every relay arrives (${s.arrived} of ${s.sent} did)`);
  if (maxLatencyMs !== undefined) {
    assert.ok(s.max <= maxLatencyMs, `${what}: slowest relay took ${s.max} ms (p50 ${s.p50} ms), bound ${maxLatencyMs} ms`);
  }
}

/**
 * Runs `fn` (a self-contained function, given `data`, that may be async and may `require` packages) in a worker
 * thread, so an attacker does not share the probes' event loop. `helpers` are more self-contained functions that
 * `fn` may call by name (floodClient, for one). Resolves what `fn` returns.
 */
export function inWorker(fn, data, helpers = [floodClient]) {
  return new Promise((resolve, reject) => {
    const code = `const { parentPort, workerData } = require('node:worker_threads');
${helpers.map((h) => h.toString()).join('\n')}
Promise.resolve((${fn.toString()})(workerData)).then((r) => parentPort.postMessage({ ok: r }), (e) => parentPort.postMessage({ err: String(e && e.stack || e) }));`;
    const worker = new Worker(code, { eval: true, workerData: data });
    worker.once('message', (m) => {
      if ('err' in m) reject(new Error(`worker: ${m.err}`));
      else resolve(m.ok);
      worker.terminate();
    });
    worker.once('error', reject);
  });
}

/**
 * Watches `server` through a flood: starts a relaying call (relayingCall), waits for it to settle and reads the
 * baseline RSS, then samples RSS and probes /healthz (healthProbe with the `health` options) until finish().
 * finish() resolves {baseline, rss: {peak, last}, relays (stats of the relays sent since the start), health (the
 * probe's summary), ms}; the call goes on relaying afterwards (watch.call), for checks after the flood.
 */
export async function watchFlood(server, { health = {}, relayIntervalMs = 100 } = {}) {
  const call = await relayingCall(server, { intervalMs: relayIntervalMs });
  await pause(300);
  await call.settle();
  const baseline = rssOf(server);
  const rss = sampleRss(server);
  const probe = healthProbe(server, health);
  await probe.ready;
  const from = Date.now();
  return {
    call,
    baseline,
    from,
    get peak() { return rss.peak; },
    async finish() {
      const to = Date.now();
      const h = await probe.stop();
      await call.settle();
      return { baseline, rss: rss.stop(), relays: call.stats({ from, to }), health: h, ms: to - from };
    },
  };
}

/** Resolves `promise`, or rejects with "<what> within <ms> ms" if it takes longer. */
export function within(promise, ms, what) {
  let timer;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`no ${what} within ${ms} ms`)), ms); }),
  ]);
}

/**
 * Starts hearth-call again where `previous` ran (a server of startHearth, stopped or killed): the same
 * environment, database and port, so clients reconnect by themselves as after a crash. Resolves the same shape as
 * startHearth; it is stopped by stopAll() like every other server.
 */
export async function restartHearth(previous, { timeoutMs = 20_000 } = {}) {
  return startServer({ dir: previous.dir, env: previous.env, port: previous.port, timeoutMs });
}

/**
 * Checks what watchFlood saw and reports the figures as a test diagnostic: relays (at least one a second, none
 * lost, each within `relayMaxMs`), /healthz (at least one per 1.5 s, all 200, each within `healthMaxMs`), and the
 * RSS peak within `peakMb` of the baseline (all bounds times boundFactor()).
 */
export function assertCarriedOn(t, seen, { peakMb: peak, what, relayMaxMs: relayMs = 2_000, healthMaxMs: healthMs = 2_000 }) {
  const f = boundFactor();
  const [peakMb, relayMaxMs, healthMaxMs] = [peak * f, relayMs * f, healthMs * f];
  t.diagnostic(`${what}: RSS baseline ${mb(seen.baseline)}, peak ${mb(seen.rss.peak)} (bound +${peakMb} MB); `
    + `relays ${seen.relays.arrived}/${seen.relays.sent} p50 ${seen.relays.p50} ms max ${seen.relays.max} ms; `
    + `/healthz ${seen.health.ok}/${seen.health.count} p50 ${seen.health.p50} ms max ${seen.health.max} ms; ${seen.ms} ms`);
  // At least one relay a second and one /healthz per 1.5 s (a tenth of those planned, at least: the test's own event
  // loop is busy with the flood too, on a loaded machine, and its timers slip).
  assertRelayed(seen.relays, { minSent: Math.max(3, Math.floor(seen.ms / 1_000)), maxLatencyMs: relayMaxMs, what: `${what}: relays` });
  assertHealthProbe(seen.health, { minCount: Math.max(2, Math.floor(seen.ms / 1_500)), maxMs: healthMaxMs, what: `${what}: /healthz` });
  assert.ok(seen.rss.peak <= seen.baseline + peakMb * MB,
    `${what}: RSS peak ${mb(seen.rss.peak)} over baseline ${mb(seen.baseline)} + ${peakMb} MB`);
}

/** After a flood: RSS back within `slackMb` (times boundFactor()) of `baseline` (polled for up to 10 s), reported. */
export async function assertRssBack(t, server, baseline, slack, what) {
  const slackMb = slack * boundFactor();
  const last = await rssSettles(server, baseline + slackMb * MB);
  t.diagnostic(`${what}: RSS after ${mb(last)} (baseline ${mb(baseline)}, bound +${slackMb} MB)`);
  assert.ok(last <= baseline + slackMb * MB, `${what}: RSS after ${mb(last)}, baseline ${mb(baseline)} + ${slackMb} MB`);
}

/**
 * A minimal Engine.IO/Socket.IO client on a raw WebSocket for worker threads (inWorker; self-contained, it requires
 * `ws`): connects from `localAddress`, answers pings, sends the namespace CONNECT ({token} when given) and waits for
 * its answer (and `authenticated`). Resolves {ws, next(pred, ms), count (frames received), closed (close code or
 * null), onMessage (settable)}.
 */
export async function floodClient(port, { localAddress = '127.0.0.1', token, connect = true } = {}) {
  // eslint-disable-next-line global-require
  const WebSocket = require('ws');
  const ws = new WebSocket(`ws://127.0.0.1:${port}/socket.io/?EIO=4&transport=websocket`, { localAddress });
  const c = { ws, count: 0, closed: null, onMessage: null, waiters: new Set() };
  ws.on('message', (d, isBinary) => {
    const m = isBinary ? null : d.toString();
    if (m === '2') ws.send('3');
    c.count += 1;
    if (c.onMessage) c.onMessage(m);
    for (const w of [...c.waiters]) w(m);
  });
  ws.on('close', (code) => { c.closed = code; });
  ws.on('error', () => {});
  c.next = (pred, ms = 10_000) => new Promise((resolve, reject) => {
    const w = (m) => {
      if (m === null || !pred(m)) return;
      clearTimeout(timer);
      c.waiters.delete(w);
      resolve(m);
    };
    const timer = setTimeout(() => {
      c.waiters.delete(w);
      reject(new Error(`floodClient: nothing expected within ${ms} ms`));
    }, ms);
    c.waiters.add(w);
  });
  const opened = c.next((m) => m.startsWith('0'));
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  await opened;
  if (connect) {
    const answer = c.next((m) => m.startsWith('40') || m.startsWith('44'));
    const authenticated = token ? c.next((m) => m.startsWith('42["authenticated"')) : null;
    ws.send(token ? `40${JSON.stringify({ token })}` : '40');
    const a = await answer;
    if (!a.startsWith('40')) throw new Error(`floodClient: CONNECT refused: ${a}`);
    await authenticated;
  }
  return c;
}

/** Runs `round(i)` again and again until `ms` have passed (at least once), so a flood lasts; resolves every result. */
export async function repeatFor(ms, round) {
  const out = [];
  const end = Date.now() + ms;
  let i = 0;
  do {
    out.push(await round(i));
    i += 1;
  } while (Date.now() < end);
  return out;
}

let spread = 0;
/**
 * The next of 200 loopback source addresses (127.1.0.2 … 127.1.0.201, in turn), for floods that are not about one
 * client address: spread over them, they stay clear of the per-address limits (connections, Engine.IO handshakes).
 */
export function nextAddress() {
  spread = (spread + 1) % 200;
  return `127.1.0.${2 + spread}`;
}
