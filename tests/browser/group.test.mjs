// 2. Group of 4: A starts a group call inviting B, C and D; each accepts from the ringing dialog; every page
// decodes video (and receives audio) from the 3 others. Also takes the screenshot of the README
// (docs/screenshot-call.png, rewritten when HEARTH_UPDATE_SCREENSHOT=1).
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';

import {
  acceptCall, dumpLogs, expectMediaFrom, launchBrowser, openClient, signIn, startCall, tileIds, waitUntil,
} from './lib/browser.mjs';
import { makeUser, startHearth, stopAll } from './lib/server.mjs';

const SCREENSHOT = process.env.HEARTH_UPDATE_SCREENSHOT === '1'
  ? fileURLToPath(new URL('../../docs/screenshot-call.png', import.meta.url))
  : join(tmpdir(), 'hearth-call-group.png');

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

test('a group call of 4: every page decodes video and audio from the 3 others', async () => {
  const users = ['Alice', 'Bob', 'Carol', 'Dave'].map((name) => makeUser(name));
  const clients = [];
  try {
    for (const user of users) {
      const client = await openClient(browser, server, user.name.toLowerCase());
      await signIn(client, user);
      clients.push(client);
    }
    const [host, ...guests] = clients;
    await startCall(host, users.slice(1), { type: 'group', title: 'Weekly check-in' });
    for (const guest of guests) await acceptCall(guest);

    for (const [i, client] of clients.entries()) {
      const others = users.filter((_, j) => j !== i);
      await expectMediaFrom(client, others, { timeoutMs: 90_000 });
      assert.deepEqual(new Set(await tileIds(client)), new Set(others.map((u) => u.userId)));
    }
    await host.page.getByText('4 people in the call').waitFor();

    // The README's picture: the host's page once every tile shows its quality badge, with Carol's camera off
    // and Dave muted.
    await guests[1].page.getByRole('button', { name: 'Stop video' }).click();
    await guests[2].page.getByRole('button', { name: 'Mute' }).click();
    await host.page.locator(`.tile[data-user-id="${users[2].userId}"][data-video="off"]`).waitFor();
    await host.page.locator(`.tile[data-user-id="${users[3].userId}"][data-audio="off"]`).waitFor();
    await waitUntil(async () => (await host.page.locator('.tile:not(.local) .quality:not([hidden])').count()) === 3, {
      what: 'quality badges on the host page',
    });
    await host.page.screenshot({ path: SCREENSHOT });
    console.log(`screenshot: ${SCREENSHOT}`);
  } catch (err) {
    dumpLogs(clients);
    throw err;
  }
});
