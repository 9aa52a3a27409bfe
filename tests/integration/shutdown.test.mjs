// Graceful shutdown's bounds (docs/operations.md#graceful-shutdown), held open by a webhook receiver that reads
// requests and never answers (a delivery in flight is something a drain waits for):
//  - from the first moment of the drain, /readyz answers 503 "Shutting down" and answers close their connection;
//  - a second SIGTERM stops at once, SHUTDOWN_TIMEOUT_SECONDS stops a drain that would last longer; exit 0 both ways;
//  - nothing acknowledged is lost: the event whose delivery was cut short is delivered after the restart.
import assert from 'node:assert/strict';
import { Agent, request as httpRequest } from 'node:http';
import { randomBytes } from 'node:crypto';
import { after, describe, it } from 'node:test';

import { SECRET, initiateCall, makeUser } from '../e2e/lib/server.mjs';
import { makeTempDir, sleep, startServer, stopAll } from './lib/server.mjs';
import { assertAllSigned, startReceiver } from './lib/webhook_receiver.mjs';

const HOOK_SECRET = `whsec-${randomBytes(16).toString('hex')}`;
const receivers = [];
after(async () => {
  await stopAll();
  await Promise.all(receivers.map((r) => r.stop()));
});

function hearth(r, dir, env = {}) {
  return startServer({
    dir,
    secret: SECRET,
    env: { WEBHOOK_URLS: r.url(), WEBHOOK_SECRET: HOOK_SECRET, WEBHOOK_RETRY_INITIAL_MS: '100', ...env },
  });
}

/** GET `path` on a keep-alive agent → {status, headers, body}. */
function get(server, agent, path) {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port: server.port, path, agent }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** A hanging receiver, a server whose first event's delivery is in flight, and a keep-alive connection to it. */
async function drainHeldOpen(env) {
  const r = await startReceiver(HOOK_SECRET);
  receivers.push(r);
  r.hang = true;
  const dir = await makeTempDir();
  const server = await hearth(r, dir, env);
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  assert.equal((await get(server, agent, '/readyz')).status, 200);
  const { sessionId } = await initiateCall(server, makeUser('ann'), [makeUser('bob')]);
  for (let i = 0; i < 100 && r.requests.length === 0; ++i) await sleep(50);
  assert.equal(r.requests.length, 1, 'the delivery of call_initiated is in flight');
  return { r, dir, server, agent, sessionId };
}

const exitWithin = (server, ms) => Promise.race([
  server.exited,
  sleep(ms).then(() => ({ stillRunning: true })),
]);

describe('graceful shutdown', () => {
  it('answers /readyz 503 at once and closes connections; a second SIGTERM stops at once', async () => {
    const { r, dir, server, agent, sessionId } = await drainHeldOpen({ SHUTDOWN_TIMEOUT_SECONDS: '60' });
    server.child.kill('SIGTERM');
    await sleep(200);
    const ready = await get(server, agent, '/readyz'); // the kept-alive connection: new ones are refused
    assert.equal(ready.status, 503);
    assert.deepEqual(JSON.parse(ready.body), { success: false, message: 'Shutting down' });
    assert.equal(ready.headers.connection, 'close');

    assert.deepEqual(await exitWithin(server, 1500), { stillRunning: true }, 'the delivery in flight holds the drain');
    server.child.kill('SIGTERM');
    const exit = await exitWithin(server, 3000);
    assert.deepEqual(exit, { code: 0, signal: null }, 'the second SIGTERM stops at once, exit 0');

    // Nothing acknowledged is lost: the event is delivered by the next start.
    r.hang = false;
    const again = await hearth(r, dir);
    const events = await r.waitFor(sessionId, 1);
    assert.deepEqual(events.map((e) => [e.type, e.sequence]), [['call_initiated', 1]]);
    assertAllSigned(r);
    await again.stop('SIGKILL');
  });

  it('SHUTDOWN_TIMEOUT_SECONDS bounds a drain that would last longer', async () => {
    // The delivery's own timeout (WEBHOOK_TIMEOUT_MS, 30 s here) would hold the drain far longer than 2 s.
    const { server } = await drainHeldOpen({ SHUTDOWN_TIMEOUT_SECONDS: '2', WEBHOOK_TIMEOUT_MS: '30000' });
    const start = Date.now();
    server.child.kill('SIGTERM');
    assert.deepEqual(await exitWithin(server, 1500), { stillRunning: true }, 'still draining after 1.5 s');
    const exit = await exitWithin(server, 6000);
    assert.deepEqual(exit, { code: 0, signal: null });
    const took = Date.now() - start;
    assert.ok(took >= 1900 && took < 8000, `exited ${took} ms after SIGTERM`);
  });
});
