// TRUSTED_PROXIES: behind a reverse proxy the per-address limits count the clients it forwards for, not the proxy.
// With 127.0.0.1 trusted, one client's failed authentications (AUTH_FAILURES_PER_MINUTE=3) lock out that client
// only; without it, X-Forwarded-For is ignored and the same header cannot dodge the limit.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';

import { API, request, startServer, stopAll } from './lib/server.mjs';

after(stopAll);

const bad = (server, client) =>
  request(server, 'GET', `${API}/history`, { token: 'not.a.token', headers: { 'X-Forwarded-For': client } });

test('a trusted proxy: failed authentications are counted per forwarded client', async () => {
  const server = await startServer({ secret: 'trusted-proxies-test-secret-0123456789', env: { TRUSTED_PROXIES: '127.0.0.1,::1', AUTH_FAILURES_PER_MINUTE: '3' } });
  for (let i = 0; i < 3; i += 1) assert.equal((await bad(server, '198.51.100.1')).status, 401);
  const locked = await bad(server, '198.51.100.1');
  assert.equal(locked.status, 429, 'the fourth failure of one client');
  assert.equal(locked.body.success, false);
  // A client cannot pose as another by writing the header itself: nginx appends what it saw, the rightmost counts.
  assert.equal((await bad(server, '198.51.100.2, 198.51.100.1')).status, 429);
  assert.equal((await bad(server, '198.51.100.2')).status, 401, 'another client behind the same proxy is not locked out');
});

test('no trusted proxy (the default): X-Forwarded-For is ignored', async () => {
  const server = await startServer({ secret: 'trusted-proxies-test-secret-0123456789', env: { AUTH_FAILURES_PER_MINUTE: '3' } });
  for (let i = 0; i < 3; i += 1) assert.equal((await bad(server, `198.51.100.${i + 10}`)).status, 401);
  assert.equal((await bad(server, '198.51.100.99')).status, 429, 'a made-up header does not dodge the limit');
});

test('a bad TRUSTED_PROXIES is refused at start with the setting named', async () => {
  await assert.rejects(startServer({ secret: 'trusted-proxies-test-secret-0123456789', env: { TRUSTED_PROXIES: '10.0.0.0/99' } }), /TRUSTED_PROXIES: '10.0.0.0\/99'/);
});
