// Call controls 1: a therapy call with a waiting room (docs/call-controls.md). The client's page shows the waiting
// screen and has no connection until the therapist's page admits them (from the keyboard); then the call connects
// with video both ways. A denied client is back in the lobby with the reason.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import {
  closeClients, dumpLogs, eventNames, expectMediaFrom, launchBrowser, openClient, signIn, startCall,
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

/** The therapist starts a therapy call (its waiting room on by default) and the client accepts: it waits. */
async function waitingClient(t) {
  const [therapist, client] = [makeUser('Theo'), makeUser('Cleo')];
  const h = await openClient(browser, server, 'therapist');
  const c = await openClient(browser, server, 'client');
  t.after(() => closeClients([h, c]));
  await signIn(h, therapist);
  await signIn(c, client);
  await h.page.getByLabel('Type').selectOption('therapy');
  assert.equal(await h.page.getByRole('checkbox', { name: 'Waiting room' }).isChecked(), true, 'a therapy call has a waiting room by default');
  await startCall(h, [client], { type: 'therapy' });
  const dialog = c.page.getByRole('dialog');
  await dialog.waitFor({ state: 'visible' });
  await dialog.getByRole('button', { name: 'Accept' }).click();
  await c.page.getByRole('heading', { name: 'Waiting for the host to let you in' }).waitFor();
  return { therapist, client, h, c };
}

test('the client waits, the therapist admits them, and the call connects', async (t) => {
  const { therapist, client, h, c } = await waitingClient(t);
  try {
    assert.equal(await c.page.locator('#call-view').isHidden(), true, 'no call view while waiting');
    const waitingList = h.page.getByRole('region', { name: /^Waiting room/ });
    const admit = waitingList.getByRole('button', { name: `Admit ${client.name}` });
    await admit.waitFor();
    await h.page.getByText(`${client.name} is waiting to join.`).waitFor();
    // Nothing of the call reaches a waiting page: no connection, no relayed signaling.
    assert.equal(await c.page.evaluate(() => window.hearthTest.connections.length), 0);
    assert.ok(!(await eventNames(c)).some((e) => e.startsWith('webrtc_')), 'no signaling before admission');
    assert.ok((await eventNames(c)).includes('waiting_room_entered'));

    await admit.focus();
    await h.page.keyboard.press('Enter');
    await c.page.locator('#call-view').waitFor({ state: 'visible' });
    assert.equal(await c.page.locator('#waiting-view').isHidden(), true);
    await waitingList.getByText('Nobody is waiting.').waitFor();
    await expectMediaFrom(c, [therapist]);
    await expectMediaFrom(h, [client]);
  } catch (err) {
    dumpLogs([h, c]);
    throw err;
  }
});

test('a denied client is back in the lobby, told so', async (t) => {
  const { client, h, c } = await waitingClient(t);
  try {
    await h.page.getByRole('button', { name: `Deny ${client.name}` }).click();
    await c.page.locator('#lobby-view').waitFor({ state: 'visible' });
    assert.equal(await c.page.locator('#notice-text').textContent(), 'The host did not let you in.');
    assert.equal(await c.page.locator('#waiting-view').isHidden(), true);
  } catch (err) {
    dumpLogs([h, c]);
    throw err;
  }
});
