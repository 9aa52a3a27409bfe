// 3. Media controls: mute and camera off on one page show on the others' tiles (media_state_changed); screen
// sharing (Chromium's fake screen) replaces the video track and the others decode it; the share button is hidden
// when the call does not allow screen sharing.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import {
  acceptCall, closeClients, dumpLogs, expectMediaFrom, launchBrowser, openClient, remoteMedia, signIn, startCall, tileState,
  waitUntil,
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

/** Opens one page per user, signs them in, and has the first call the others (who accept). */
async function callOf(t, names, options) {
  const users = names.map((name) => makeUser(name));
  const clients = [];
  t.after(() => closeClients(clients));
  for (const user of users) {
    const client = await openClient(browser, server, user.name.toLowerCase());
    await signIn(client, user);
    clients.push(client);
  }
  await startCall(clients[0], users.slice(1), options);
  for (const client of clients.slice(1)) await acceptCall(client);
  return { users, clients };
}

function waitForTile(client, userId, expected) {
  return waitUntil(async () => {
    const state = await tileState(client, userId);
    return Object.entries(expected).every(([k, v]) => state[k] === v) && state;
  }, { what: `${client.name}'s tile of ${userId} to be ${JSON.stringify(expected)}`, timeoutMs: 15_000 });
}

test('mute, camera off and screen sharing show on the other participants', async (t) => {
  const { users, clients } = await callOf(t, ['Alice', 'Bob', 'Carol'], { type: 'group' });
  const [alice] = users;
  const [a, ...others] = clients;
  try {
    for (const c of others) await expectMediaFrom(c, [alice], { timeoutMs: 60_000 });
    for (const c of others) await waitForTile(c, alice.userId, { audio: 'on', video: 'on', screen: 'off' });

    // Mute with the keyboard: the controls are plain, labelled buttons.
    const toolbar = a.page.getByRole('toolbar', { name: 'Call controls' });
    await toolbar.getByRole('button', { name: 'Mute' }).focus();
    await a.page.keyboard.press('Enter');
    await toolbar.getByRole('button', { name: 'Unmute' }).waitFor();
    for (const c of others) {
      await waitForTile(c, alice.userId, { audio: 'off' });
      await c.page.locator(`.tile[data-user-id="${alice.userId}"] .badge-audio`).waitFor({ state: 'visible' });
    }

    await toolbar.getByRole('button', { name: 'Stop video' }).click();
    for (const c of others) {
      await waitForTile(c, alice.userId, { video: 'off' });
      await c.page.locator(`.tile[data-user-id="${alice.userId}"] .avatar`).waitFor({ state: 'visible' });
    }

    await toolbar.getByRole('button', { name: 'Unmute' }).click();
    await toolbar.getByRole('button', { name: 'Start video' }).click();
    for (const c of others) await waitForTile(c, alice.userId, { audio: 'on', video: 'on' });

    // Screen sharing: the fake screen (1280×720) replaces the camera (640×480) on the same sender.
    await toolbar.getByRole('button', { name: 'Share screen' }).click();
    await toolbar.getByRole('button', { name: 'Stop sharing' }).waitFor();
    for (const c of others) {
      await waitForTile(c, alice.userId, { screen: 'on' });
      await waitUntil(async () => {
        const s = (await remoteMedia(c))[alice.userId];
        return s.frameHeight > 0 && s.frameWidth / s.frameHeight > 1.6 && s;
      }, { what: `${c.name} to decode Alice's screen (16:9)`, timeoutMs: 30_000 });
      await expectMediaFrom(c, [alice]);
    }

    await toolbar.getByRole('button', { name: 'Stop sharing' }).click();
    for (const c of others) {
      await waitForTile(c, alice.userId, { screen: 'off' });
      await waitUntil(async () => {
        const s = (await remoteMedia(c))[alice.userId];
        return s.frameHeight > 0 && s.frameWidth / s.frameHeight < 1.5 && s;
      }, { what: `${c.name} to decode Alice's camera (4:3) again`, timeoutMs: 30_000 });
    }
  } catch (err) {
    dumpLogs(clients);
    throw err;
  }
});

test('the share button is hidden when the call does not allow screen sharing', async (t) => {
  const users = ['Dora', 'Eve'].map((name) => makeUser(name));
  const [d, e] = [await openClient(browser, server, 'dora'), await openClient(browser, server, 'eve')];
  t.after(() => closeClients([d, e]));
  try {
    await signIn(d, users[0]);
    await signIn(e, users[1]);
    await d.page.getByLabel('Allow screen sharing').uncheck();
    await startCall(d, [users[1]]);
    await acceptCall(e);
    for (const c of [d, e]) {
      await c.page.getByRole('button', { name: 'Mute' }).waitFor();
      assert.equal(await c.page.getByRole('button', { name: 'Share screen' }).count(), 0, `${c.name}: share hidden`);
    }
  } catch (err) {
    dumpLogs([d, e]);
    throw err;
  }
});
