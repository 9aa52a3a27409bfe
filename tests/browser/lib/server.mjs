// Browser-test server helpers: start the real hearth-call binary (through the integration suite's helpers: a
// mkdtemp directory, 127.0.0.1:0, the listening line) serving the web client from this checkout's web/, with no
// STUN server (the network is closed; host candidates on this machine are all a call needs), and mint tokens.
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';

import { mint } from '../../integration/lib/jwt.mjs';
import { startServer, stopAll } from '../../integration/lib/server.mjs';

export { stopAll };

export const WEB_ROOT = fileURLToPath(new URL('../../../web', import.meta.url));
export const SECRET = `browser-secret-${randomBytes(16).toString('hex')}`;

// Server settings a developer's shell must not leak into the tests.
const INHERITED_KEYS = [
  'WEB_ROOT', 'RECONNECT_GRACE_SECONDS', 'AUTH_TIMEOUT_SECONDS', 'PING_INTERVAL_MS', 'PING_TIMEOUT_MS',
  'MAX_PAYLOAD_BYTES', 'SOCKET_EVENTS_PER_SECOND', 'TURN_SECRET', 'TURN_CREDENTIAL_TTL_SECONDS', 'HEARTH_THREADS',
  'LOG_LEVEL',
];

/** Starts hearth-call (production unless env says otherwise) with `env` on top. Resolves {url, stop(), ...}. */
export function startHearth(env = {}) {
  const cleared = Object.fromEntries(INHERITED_KEYS.map((k) => [k, undefined]));
  return startServer({
    secret: SECRET,
    env: { ...cleared, WEB_ROOT, STUN_SERVERS: 'none', HEARTH_THREADS: '2', ...env },
  });
}

let seq = 0;
/** A test user {userId, name, token}; ids are unique per run. */
export function makeUser(name) {
  seq += 1;
  const userId = `${name.toLowerCase()}-${seq}-${randomBytes(2).toString('hex')}`;
  return { userId, name, token: mint({ sub: userId, name }, SECRET) };
}
