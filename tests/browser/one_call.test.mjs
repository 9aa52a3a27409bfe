// One call at a time: a double click on Call or Join, or Accept while a linked call is still being joined, must not
// build a second call on the same socket (the first would keep the camera and its connections).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import {
  closeClients, currentSessionId, dumpLogs, launchBrowser, openClient, signIn, sleep, waitUntil,
} from './lib/browser.mjs';
import { makeUser, startHearth, stopAll } from './lib/server.mjs';
import { client as restClient } from '../integration/lib/server.mjs';

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

async function signedIn(t, user, { path } = {}) {
  const c = await openClient(browser, server, user.name.toLowerCase(), { path });
  t.after(() => closeClients([c]));
  await signIn(c, user);
  return c;
}

async function initiate(user, body) {
  const res = await restClient(server, user.token).initiate(body);
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.data.sessionId;
}

/** Waits until the page shows `sessionId` joined, settles, and checks it holds one call: one camera, one local tile. */
async function expectOneCall(c, sessionId) {
  try {
    await waitUntil(async () => (await currentSessionId(c)) === sessionId, { what: `${c.name} in ${sessionId}` });
    await c.page.getByText('Waiting for others to join…').waitFor();
    await sleep(1500); // a second call, if any, would open its camera meanwhile
    const state = await c.page.evaluate(() => ({
      cameras: window.hearthTest.liveCameras(),
      localTiles: document.querySelectorAll('#tiles .tile.local').length,
    }));
    assert.deepEqual(state, { cameras: 1, localTiles: 1 }, `${c.name} holds one call`);
    assert.equal(await c.page.locator('body[data-joining]').count(), 0, 'the join is over');
  } catch (err) {
    dumpLogs([c]);
    throw err;
  }
}

test('a double click on Join joins once', async (t) => {
  const [alice, bob] = ['Alice', 'Bob'].map((n) => makeUser(n));
  const sessionId = await initiate(alice, { sessionType: 'group', participants: [bob.userId] });
  const b = await signedIn(t, bob); // after the invitation: no ringing, the call is in the history
  const join = b.page.getByRole('button', { name: /^Join / });
  await join.waitFor();
  // Two clicks before the page has reacted to the first (a fast double click, a slow page).
  await join.evaluate((button) => {
    button.click();
    button.click();
  });
  await expectOneCall(b, sessionId);
});

test('a double click on Call starts one call', async (t) => {
  const [alice, bob] = ['Alice', 'Bob'].map((n) => makeUser(n));
  const a = await signedIn(t, alice);
  await a.page.getByLabel(/^Invite/).fill(bob.userId);
  await a.page.getByRole('button', { name: 'Call', exact: true }).dblclick();
  await a.page.locator('#call-view').waitFor({ state: 'visible' });
  await waitUntil(async () => (await currentSessionId(a)) !== null, { what: 'a call' });
  await expectOneCall(a, await currentSessionId(a));
  const history = await restClient(server, alice.token).history();
  assert.equal(history.body.data.sessions.length, 1, 'one session initiated');
});

test('Accept waits while a linked call is being joined; then one call remains', async (t) => {
  const [alice, bob] = ['Alice', 'Bob'].map((n) => makeUser(n));
  const linked = await initiate(alice, { sessionType: 'group', participants: [bob.userId] });
  const c = await openClient(browser, server, 'bob', { path: `/#call=${linked}` });
  t.after(() => closeClients([c]));
  // Hold the linked call's REST join for a while, so the invitation rings while it is pending.
  let released, held;
  const release = new Promise((resolve) => (released = resolve));
  const holding = new Promise((resolve) => (held = resolve));
  await c.page.route(`**/api/video-call/join/${linked}`, async (route) => {
    held();
    await Promise.race([release, sleep(10_000)]);
    await route.continue();
  });
  await signIn(c, bob);
  await holding;

  const other = await initiate(alice, { sessionType: 'group', participants: [bob.userId] });
  const dialog = c.page.getByRole('dialog');
  await dialog.waitFor({ state: 'visible' });
  const accept = dialog.getByRole('button', { name: 'Accept' });
  assert.equal(await accept.isDisabled(), true, 'Accept is disabled while the linked call is being joined');
  await accept.click({ force: true }); // a click on it anyway does nothing
  released();
  await expectOneCall(c, linked);

  await accept.click(); // once the linked call is joined, Accept moves to the other call
  await expectOneCall(c, other);
  const doc = await restClient(server, bob.token).get(`/api/video-call/session/${linked}`);
  assert.equal(doc.body.data.session.participants.find((p) => p.userId === bob.userId).isActive, false, 'Bob left the linked call');
});
