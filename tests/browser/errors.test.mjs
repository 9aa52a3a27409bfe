// Clear messages when a call cannot be joined (full, ended, not invited) or the camera is denied.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import {
  acceptCall, closeClients, dumpLogs, expectMediaFrom, launchBrowser, openClient, signIn, startCall, tileState,
  waitUntil,
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

async function signedIn(t, user, { hash = '', init } = {}) {
  const c = await openClient(browser, server, user.name.toLowerCase(), { path: `/${hash}`, init });
  t.after(() => closeClients([c]));
  c.socketUrls = []; // the Socket.IO requests and WebSockets the page opens from the sign-in on
  c.page.on('request', (r) => r.url().includes('/socket.io/?') && c.socketUrls.push(r.url()));
  c.page.on('websocket', (ws) => c.socketUrls.push(ws.url()));
  await signIn(c, user);
  return c;
}

async function initiate(user, body) {
  const res = await restClient(server, user.token).initiate(body);
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.data.sessionId;
}

const errorNotice = (c) => c.page.locator('#notice.error #notice-text');

test('joining a call one is not invited to says so', async (t) => {
  const [alice, bob, mallory] = ['Alice', 'Bob', 'Mallory'].map((n) => makeUser(n));
  const sessionId = await initiate(alice, { sessionType: 'one-to-one', participants: [bob.userId] });
  const m = await signedIn(t, mallory, { hash: `#call=${sessionId}` });
  await errorNotice(m).waitFor();
  assert.equal(await errorNotice(m).textContent(), 'You are not invited to this call.');
  assert.ok(await m.page.locator('#lobby-view').isVisible());
});

test('joining a full call says so', async (t) => {
  const [alice, bob, carol] = ['Alice', 'Bob', 'Carol'].map((n) => makeUser(n));
  const sessionId = await initiate(alice, { sessionType: 'group', participants: [bob.userId, carol.userId], maxParticipants: 2 });
  const a = await signedIn(t, alice, { hash: `#call=${sessionId}` });
  const b = await signedIn(t, bob, { hash: `#call=${sessionId}` });
  const c = await signedIn(t, carol, { hash: `#call=${sessionId}` });
  try {
    // Opened on a call link: the page names the call in its handshake (docs/protocol.md, "Naming the call").
    for (const x of [a, b, c]) {
      const handshakes = x.socketUrls.filter((u) => !u.includes('sid='));
      assert.ok(handshakes.length > 0 && handshakes.every((u) => new URL(u).searchParams.get('callId') === sessionId),
        JSON.stringify(x.socketUrls));
    }
    await expectMediaFrom(a, [bob]);
    await errorNotice(c).waitFor();
    assert.equal(await errorNotice(c).textContent(), 'This call is full: it has as many people as it allows.');
  } catch (err) {
    dumpLogs([a, b, c]);
    throw err;
  }
});

test('an invitation to a call that ends stops ringing; joining an ended call says so', async (t) => {
  const [alice, bob] = ['Alice', 'Bob'].map((n) => makeUser(n));
  const b = await signedIn(t, bob);
  const sessionId = await initiate(alice, { sessionType: 'one-to-one', participants: [bob.userId] });
  await b.page.getByRole('dialog').waitFor({ state: 'visible' });
  assert.equal((await restClient(server, alice.token).post(`/api/video-call/session/${sessionId}/end`)).status, 200);
  await b.page.getByRole('dialog').waitFor({ state: 'hidden' });
  assert.equal(await b.page.locator('#notice-text').textContent(), 'The call you were invited to has ended.');

  await b.page.goto(`${server.url}/#call=${sessionId}`); // a link to the call, opened by the signed-in page
  await errorNotice(b).waitFor();
  assert.equal(await errorNotice(b).textContent(), 'This call has already ended.');
});

test('a denied camera is explained; the call still shows and plays the others', async (t) => {
  const [alice, bob] = ['Alice', 'Bob'].map((n) => makeUser(n));
  const denied = () => {
    navigator.mediaDevices.getUserMedia = () => Promise.reject(new DOMException('Permission denied', 'NotAllowedError'));
  };
  const a = await signedIn(t, alice);
  const b = await signedIn(t, bob, { init: denied });
  try {
    await startCall(a, [bob]);
    await acceptCall(b);
    await errorNotice(b).waitFor();
    assert.match(await errorNotice(b).textContent(), /^Access to the camera and microphone was denied/);
    await expectMediaFrom(b, [alice]); // Bob sees and hears Alice
    assert.equal(await b.page.getByRole('button', { name: 'Mute' }).isDisabled(), true);
    await waitUntil(async () => {
      const s = await tileState(a, bob.userId);
      return s.audio === 'off' && s.video === 'off';
    }, { what: "Alice's tile of Bob to show no microphone and no camera" });
  } catch (err) {
    dumpLogs([a, b]);
    throw err;
  }
});
