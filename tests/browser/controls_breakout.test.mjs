// Call controls 4: breakout rooms (docs/call-controls.md#breakout-rooms). In a group call of four the host opens two
// rooms by hand from the keyboard-usable panel (herself and Bob, Carol and Dave): each page keeps a live connection
// with the members of its room only (the others' connections closed, their tiles gone) and shows its room in the
// banner. The host closes them with a 2 s countdown: the banner counts down, then every page is back in the main
// call with video flowing from all three others.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import {
  acceptCall, closeClients, dumpLogs, expectMediaFrom, launchBrowser, openClient, signIn, startCall, tileIds, waitUntil,
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

const openConnections = (client) => client.page.evaluate(() => window.hearthTest.openConnections());

/** Waits until the page shows tiles of exactly `users` and has no other open peer connection. */
function waitForRoom(client, users) {
  const want = users.map((u) => u.userId).sort();
  return waitUntil(async () => {
    const tiles = (await tileIds(client)).sort();
    const open = await openConnections(client);
    return { ok: JSON.stringify(tiles) === JSON.stringify(want) && open === want.length, tiles, open };
  }, { what: `${client.name} to be connected to ${want.join(', ') || 'nobody'} only`, timeoutMs: 30_000 });
}

test('a host opens two breakout rooms by hand and closes them with a countdown', async (t) => {
  const users = ['Alice', 'Bob', 'Carol', 'Dave'].map((name) => makeUser(name));
  const [alice, bob, carol, dave] = users;
  const clients = [];
  t.after(() => closeClients(clients));
  try {
    for (const user of users) {
      const client = await openClient(browser, server, user.name.toLowerCase());
      await signIn(client, user);
      clients.push(client);
    }
    const [a, b, c, d] = clients;
    await startCall(a, [bob, carol, dave], { type: 'group' });
    for (const guest of [b, c, d]) await acceptCall(guest);
    for (const client of clients) await client.page.getByText('4 people in the call').waitFor({ timeout: 30_000 });
    assert.equal(await b.page.getByRole('button', { name: 'Breakout rooms' }).isVisible(), false, 'participants have no breakout control');

    // The host's panel: by hand, two rooms.
    const toggle = a.page.getByRole('button', { name: 'Breakout rooms' });
    await toggle.focus();
    await a.page.keyboard.press('Enter');
    assert.equal(await toggle.getAttribute('aria-expanded'), 'true');
    const panel = a.page.locator('#breakout-panel');
    await panel.getByLabel('Number of rooms').fill('2');
    await panel.getByLabel('Assign by hand').check();
    await panel.getByLabel('Alice (you)', { exact: true }).selectOption({ label: 'Room 1' });
    await panel.getByLabel('Bob', { exact: true }).selectOption({ label: 'Room 1' });
    await panel.getByLabel('Carol', { exact: true }).selectOption({ label: 'Room 2' });
    await panel.getByLabel('Dave', { exact: true }).selectOption({ label: 'Room 2' });
    await panel.getByRole('button', { name: 'Open rooms' }).click();

    await b.page.locator('#breakout-banner').getByText('You are in the breakout room Room 1.').waitFor();
    await c.page.locator('#breakout-banner').getByText('You are in the breakout room Room 2.').waitFor();
    await panel.getByRole('button', { name: 'Join Room 2' }).waitFor();
    await waitForRoom(a, [bob]);
    await waitForRoom(b, [alice]);
    await waitForRoom(c, [dave]);
    await waitForRoom(d, [carol]);
    await expectMediaFrom(b, [alice]);
    await expectMediaFrom(c, [dave]);

    // Closing with a countdown: the banner counts down, then everyone is back in the main call.
    await panel.getByLabel('Countdown in seconds').fill('2');
    await panel.getByRole('button', { name: 'Close rooms' }).click();
    await b.page.locator('#breakout-banner').getByText(/Breakout rooms close in [12] s\./).waitFor();
    for (const client of clients) await client.page.locator('#breakout-banner').waitFor({ state: 'hidden' });
    assert.match(await c.page.locator('#breakout-announce').textContent(), /back in the main call/);

    for (const [i, client] of clients.entries()) {
      const others = users.filter((_, j) => j !== i);
      await expectMediaFrom(client, others, { timeoutMs: 90_000 });
      assert.deepEqual(new Set(await tileIds(client)), new Set(others.map((u) => u.userId)));
    }
  } catch (err) {
    dumpLogs(clients);
    throw err;
  }
});
