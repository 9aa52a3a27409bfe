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
  // CTest runs the signaling suites a second time with E2E_HEARTH_THREADS=1: one I/O thread, no strands.
  const threads = process.env.E2E_HEARTH_THREADS ? { HEARTH_THREADS: process.env.E2E_HEARTH_THREADS } : {};
  return startServer({ secret: SECRET, env: { ...cleared, ...threads, ...env } });
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
export function makeUser(prefix = 'user', { name } = {}) {
  const userId = uniqueUser(prefix);
  const displayName = name ?? `${prefix[0].toUpperCase()}${prefix.slice(1)} ${userId.split('-').at(-1)}`;
  return { userId, name: displayName, token: mint({ sub: userId, name: displayName }, SECRET) };
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
