// 1. One-to-one: A calls B from the lobby, B accepts from the ringing dialog, both decode the other's video and
// receive the other's audio; each sees the other's tile with name and a connection-quality badge.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import {
  acceptCall, currentSessionId, dumpLogs, expectMediaFrom, launchBrowser, openClient, signIn, startCall, tileIds, waitUntil,
} from './lib/browser.mjs';
import { makeUser, startHearth, stopAll } from './lib/server.mjs';

let server;
let browser;
before(async () => {
  server = await startHearth();
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await stopAll();
});

test('A calls B, B accepts from the ringing dialog, video and audio flow both ways', async () => {
  const alice = makeUser('Alice');
  const bob = makeUser('Bob');
  const a = await openClient(browser, server, 'alice');
  const b = await openClient(browser, server, 'bob');
  // The Socket.IO handshakes each page makes (requests and WebSockets without a sid).
  const handshakes = new Map([[a, []], [b, []]]);
  for (const [c, urls] of handshakes) {
    const note = (url) => url.includes('/socket.io/?') && !url.includes('sid=') && urls.push(new URL(url));
    c.page.on('request', (r) => note(r.url()));
    c.page.on('websocket', (ws) => note(ws.url()));
  }
  try {
    await signIn(a, alice);
    await signIn(b, bob);
    await startCall(a, [bob]);
    await a.page.getByText('Waiting for others to join…').waitFor();

    const ring = b.page.getByRole('dialog');
    await ring.waitFor({ state: 'visible' });
    assert.match(await ring.textContent(), /Alice invites you to a call/);
    await acceptCall(b);

    await expectMediaFrom(a, [bob]);
    await expectMediaFrom(b, [alice]);
    assert.deepEqual(await tileIds(a), [bob.userId]);
    assert.deepEqual(await tileIds(b), [alice.userId]);
    assert.equal(await a.page.locator(`.tile[data-user-id="${bob.userId}"] .name`).textContent(), 'Bob');
    assert.equal(await b.page.locator(`.tile[data-user-id="${alice.userId}"] .name`).textContent(), 'Alice');
    await a.page.getByText('2 people in the call').waitFor();

    // Both signed in in the lobby, before the call existed; each connected again naming the call before joining it
    // (the starter and the invitee alike), so the server placed both with the call (docs/protocol.md).
    const sessionId = await currentSessionId(a);
    for (const [c, urls] of handshakes) {
      const named = urls.map((u) => u.searchParams.get('callId'));
      assert.equal(named[0], null, `${c.name}: ${JSON.stringify(named)}`);
      assert.equal(named.at(-1), sessionId, `${c.name}: ${JSON.stringify(named)}`);
    }

    // The quality badge comes from getStats(): RTT, loss and bitrate.
    const badge = a.page.locator(`.tile[data-user-id="${bob.userId}"] .quality`);
    await waitUntil(async () => /ms · .*% loss · .*(k|M)bps/.test((await badge.textContent()) ?? ''), {
      what: 'the quality badge',
    });
  } catch (err) {
    dumpLogs([a, b]);
    throw err;
  }
});
