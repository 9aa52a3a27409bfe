// 5. Leave and end: when someone leaves, the others' tiles for them disappear; when the initiator ends the call,
// call_ended closes the call on every page; a declined one-to-one call closes the caller's page too.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import {
  acceptCall, closeClients, currentSessionId, dumpLogs, expectMediaFrom, launchBrowser, openClient, signIn,
  startCall, tileIds,
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

async function signedIn(t, names) {
  const users = names.map((name) => makeUser(name));
  const clients = [];
  t.after(() => closeClients(clients));
  for (const user of users) {
    const client = await openClient(browser, server, user.name.toLowerCase());
    await signIn(client, user);
    clients.push(client);
  }
  return { users, clients };
}

const noticeOf = (client) => client.page.locator('#notice-text');

test('leaving removes the tile on the other pages; ending closes the call everywhere', async (t) => {
  const { users, clients } = await signedIn(t, ['Alice', 'Bob', 'Carol']);
  const [alice, bob, carol] = users;
  const [a, b, c] = clients;
  try {
    await startCall(a, [bob, carol], { type: 'group' });
    await acceptCall(b);
    await acceptCall(c);
    await expectMediaFrom(a, [bob, carol], { timeoutMs: 60_000 });
    const sessionId = await currentSessionId(a);

    // Only the initiator of a group call may end it for everyone.
    assert.ok(await a.page.getByRole('button', { name: 'End for everyone' }).isVisible());
    assert.equal(await c.page.getByRole('button', { name: 'End for everyone' }).isVisible(), false);

    await b.page.getByRole('button', { name: 'Leave' }).click();
    await b.page.locator('#lobby-view').waitFor({ state: 'visible' });
    for (const other of [a, c]) {
      await other.page.locator(`.tile[data-user-id="${bob.userId}"]`).waitFor({ state: 'detached' });
    }
    assert.deepEqual(await tileIds(a), [carol.userId]);
    assert.deepEqual(await tileIds(c), [alice.userId]);

    await a.page.getByRole('button', { name: 'End for everyone' }).click();
    for (const client of [a, c]) {
      await client.page.locator('#call-view').waitFor({ state: 'hidden' });
      await client.page.locator('#lobby-view').waitFor({ state: 'visible' });
      assert.equal(await client.page.locator('#tiles .tile').count(), 0);
    }
    assert.equal(await noticeOf(c).textContent(), 'Alice ended the call.');
    assert.equal(await noticeOf(a).textContent(), 'You ended the call.');
    assert.equal(await currentSessionId(c), null);

    // The call is in everyone's history as ended.
    for (const client of clients) {
      await client.page.getByRole('button', { name: 'Refresh' }).click();
      await client.page.locator('#history-list li', { hasText: 'ended by user' }).first().waitFor();
    }
    assert.ok(sessionId.startsWith('call_'));
  } catch (err) {
    dumpLogs(clients);
    throw err;
  }
});

test('either party may end a one-to-one call; the other page closes it', async (t) => {
  const { users, clients } = await signedIn(t, ['Dora', 'Eve']);
  const [d, e] = clients;
  try {
    await startCall(d, [users[1]]);
    await acceptCall(e);
    await expectMediaFrom(d, [users[1]]);
    await e.page.getByRole('button', { name: 'End for everyone' }).click();
    await d.page.locator('#call-view').waitFor({ state: 'hidden' });
    assert.equal(await noticeOf(d).textContent(), 'Eve ended the call.');
  } catch (err) {
    dumpLogs(clients);
    throw err;
  }
});

test('declining a one-to-one call from the ringing dialog closes the caller\'s call', async (t) => {
  const { users, clients } = await signedIn(t, ['Finn', 'Gus']);
  const [f, g] = clients;
  try {
    await startCall(f, [users[1]]);
    const ring = g.page.getByRole('dialog');
    await ring.waitFor({ state: 'visible' });
    await ring.getByRole('button', { name: 'Decline' }).click();
    await f.page.locator('#call-view').waitFor({ state: 'hidden' });
    // An invitee who never joined is known by user id only (call_declined carries no name).
    assert.equal(await noticeOf(f).textContent(), `${users[1].userId} declined the call.`);
    assert.equal(await g.page.locator('#call-view').isVisible(), false);
  } catch (err) {
    dumpLogs(clients);
    throw err;
  }
});
