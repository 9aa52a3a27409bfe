// Call controls 2: a host moderates (docs/call-controls.md#moderation) from the menu on a participant's tile. Muted
// with a lock, the participant's page turns its microphone off (the track disabled, hasAudio false for the others)
// and shows "Muted by host" on a disabled button; allowed again, it can unmute. Removed, the page leaves the call
// with a notice and cannot come back. A participant has no host controls.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import {
  acceptCall, closeClients, dumpLogs, launchBrowser, openClient, signIn, startCall, tileState, waitUntil,
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

function waitForTile(client, userId, expected) {
  return waitUntil(async () => {
    const state = await tileState(client, userId).catch(() => ({}));
    return Object.entries(expected).every(([k, v]) => state[k] === v) && state;
  }, { what: `${client.name}'s tile of ${userId} to be ${JSON.stringify(expected)}`, timeoutMs: 15_000 });
}

/** Whether the page's microphone track is enabled (the last camera stream it opened). */
function micEnabled(client) {
  return client.page.evaluate(() => window.hearthTest.cameras.at(-1)?.getAudioTracks()[0]?.enabled);
}

/** Opens `name`'s host menu on the host's page and clicks the item labelled `label`. */
async function moderate(host, name, label) {
  await host.page.getByRole('button', { name: `Host controls for ${name}` }).click();
  await host.page.getByRole('button', { name: label, exact: true }).click();
}

test('a host mutes a participant with a lock, lets them unmute, and removes them', async (t) => {
  const [alice, bob] = [makeUser('Alice'), makeUser('Bob')];
  const a = await openClient(browser, server, 'alice');
  const b = await openClient(browser, server, 'bob');
  t.after(() => closeClients([a, b]));
  try {
    await signIn(a, alice);
    await signIn(b, bob);
    await startCall(a, [bob], { type: 'group' });
    await acceptCall(b);
    await waitForTile(a, bob.userId, { audio: 'on' });
    assert.equal(await micEnabled(b), true);
    assert.equal(await b.page.getByRole('button', { name: /^Host controls/ }).count(), 0, 'a participant has no host menu');
    assert.equal(await b.page.getByRole('button', { name: 'Lock call' }).isVisible(), false);

    await moderate(a, bob.name, `Mute ${bob.name} and lock their microphone`);
    const toolbar = b.page.getByRole('toolbar', { name: 'Call controls' });
    const locked = toolbar.getByRole('button', { name: 'Muted by host' });
    await locked.waitFor();
    assert.equal(await locked.isDisabled(), true, 'the participant cannot unmute');
    await b.page.getByText(/^Muted by host\./).waitFor();
    assert.equal(await micEnabled(b), false, 'the microphone track is off');
    await waitForTile(a, bob.userId, { audio: 'off' });

    await moderate(a, bob.name, `Allow ${bob.name} to unmute`);
    await toolbar.getByRole('button', { name: 'Unmute' }).click();
    await waitForTile(a, bob.userId, { audio: 'on' });
    assert.equal(await micEnabled(b), true);
    await b.page.locator('#moderation-hint').waitFor({ state: 'hidden' });

    await moderate(a, bob.name, `Remove ${bob.name} from the call`);
    await b.page.locator('#lobby-view').waitFor({ state: 'visible' });
    assert.equal(await b.page.locator('#notice-text').textContent(), `${alice.name} removed you from the call.`);
    await a.page.locator(`.tile[data-user-id="${bob.userId}"]`).waitFor({ state: 'detached' });

    // The link to the call no longer lets them in.
    const sessionId = await a.page.evaluate(() => decodeURIComponent(location.hash.slice('#call='.length)));
    await b.page.goto(`${server.url}/#call=${encodeURIComponent(sessionId)}`);
    await b.page.getByText('You were removed from this call.').waitFor();
    assert.equal(await b.page.locator('#call-view').isHidden(), true);
  } catch (err) {
    dumpLogs([a, b]);
    throw err;
  }
});
