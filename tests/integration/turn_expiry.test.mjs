// TURN credentials that hearth-call minted expire on coturn after TURN_CREDENTIAL_TTL_SECONDS (the shortest allowed,
// 60 s: this test waits for it), and fresh ones from GET /api/video-call/ice-servers allocate again: what a call
// longer than the credential lifetime relies on before an ICE restart. A file of its own, so the wait runs beside
// the other tests.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { expectAllocates, expectRefused, startCoturn, turnEntry } from './lib/coturn.mjs';
import { mint } from './lib/jwt.mjs';
import { API, expectOk, request, sleep, startServer, stopAll } from './lib/server.mjs';

const JWT_SECRET = `turn-expiry-jwt-${Date.now()}-0123456789`;
const TURN_SECRET = 'turn-expiry-secret-0123456789';
const TTL_SECONDS = 60;

let coturn;
let hearth;
before(async () => {
  coturn = await startCoturn({ secrets: [TURN_SECRET] });
  hearth = await startServer({
    secret: JWT_SECRET,
    env: {
      TURN_SERVER_URL: coturn.url, TURN_SECRET, TURN_CREDENTIAL_TTL_SECONDS: String(TTL_SECONDS), STUN_SERVERS: 'none',
      TURN_USERNAME: undefined, TURN_PASSWORD: undefined, ICE_TRANSPORT_POLICY: undefined,
    },
  });
});
after(async () => {
  await coturn?.stop();
  await stopAll();
});

async function fetchTurn(token) {
  const data = expectOk(await request(hearth, 'GET', `${API}/ice-servers`, { token }), 200);
  return { turn: turnEntry(data.iceServers), expiresAt: Date.parse(data.expiresAt) };
}

test('credentials expire on coturn after TURN_CREDENTIAL_TTL_SECONDS; fresh ones from GET /ice-servers allocate', async () => {
  const token = mint({ sub: 'long-caller', name: 'Long Caller' }, JWT_SECRET);
  const first = await fetchTurn(token);
  const lifetime = first.expiresAt - Date.now();
  assert.ok(lifetime > (TTL_SECONDS - 2) * 1000 && lifetime <= TTL_SECONDS * 1000, `lifetime ${lifetime} ms`);
  await expectAllocates(coturn, first.turn, 'fresh credentials');

  // coturn compares the expiry with its clock in whole seconds: wait until it is safely past.
  await sleep(first.expiresAt - Date.now() + 1500);
  await expectRefused(coturn, first.turn, 'the same credentials after their expiry');

  const second = await fetchTurn(token);
  assert.ok(second.expiresAt > Date.now() + (TTL_SECONDS - 2) * 1000, 'the new credentials have a new lifetime');
  assert.notEqual(second.turn.username, first.turn.username);
  await expectAllocates(coturn, second.turn, 'credentials fetched again');
});
