// Call controls 3: the chat (docs/call-controls.md#chat) between three pages of a group call: messages to everyone
// and a direct one (heard by its two users only); a page that reloads sees the earlier messages again (from the
// history), once each, and new ones; a message typed while the page is offline is sent when it is back, and one
// whose ack is lost with the socket is sent again after the rejoin: each is shown once.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import {
  acceptCall, closeClients, dumpLogs, launchBrowser, openClient, signIn, startCall, waitUntil,
} from './lib/browser.mjs';
import { makeUser, startHearth, stopAll } from './lib/server.mjs';

let server;
let browser;
before(async () => {
  // A short heartbeat: an offline page notices within about two seconds.
  server = await startHearth({ PING_INTERVAL_MS: '1000', PING_TIMEOUT_MS: '1000' });
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await stopAll();
});

/** The texts of the page's chat messages, in order (all of them: none pending or failed). */
function texts(client) {
  return client.page.locator('#chat-messages li').evaluateAll((items) =>
    items.map((li) => (li.dataset.seq ? li.querySelector('.chat-text').textContent : `(${li.className})`)));
}

/** Waits until the page's chat shows exactly `expected` (texts, in order, each with its seq). */
function expectChat(client, expected) {
  return waitUntil(async () => {
    const now = await texts(client);
    return JSON.stringify(now) === JSON.stringify(expected) && now;
  }, { what: `${client.name}'s chat to be ${JSON.stringify(expected)}`, timeoutMs: 15_000 });
}

/** Types `text` (to `to`, a recipient's option label, or everyone) and sends it with Enter. */
async function say(client, text, to = 'Everyone') {
  const chat = client.page.getByRole('region', { name: 'Chat' });
  await chat.getByLabel('To', { exact: true }).selectOption({ label: to });
  await chat.getByLabel('Message', { exact: true }).fill(text);
  await chat.getByLabel('Message', { exact: true }).press('Enter');
}

test('three pages chat; a reloaded page sees the history once; an offline message is sent once', async (t) => {
  const users = ['Alice', 'Bob', 'Carol'].map((name) => makeUser(name));
  const clients = [];
  t.after(() => closeClients(clients));
  try {
    for (const user of users) {
      const client = await openClient(browser, server, user.name.toLowerCase());
      await signIn(client, user);
      clients.push(client);
    }
    const [a, b, c] = clients;
    await startCall(a, users.slice(1), { type: 'group' });
    for (const guest of [b, c]) await acceptCall(guest);
    for (const client of clients) await client.page.getByText('3 people in the call').waitFor();

    const markup = '<b>not bold</b>';
    await say(a, 'Hello from Alice');
    await say(b, markup);
    for (const client of clients) await expectChat(client, ['Hello from Alice', markup]);
    assert.equal(await c.page.locator('#chat-messages b').count(), 0, 'text is never markup');
    assert.equal(await a.page.locator('#chat-messages .chat-from').first().textContent(), 'You');
    assert.equal(await b.page.locator('#chat-messages .chat-from').first().textContent(), 'Alice');

    await say(b, 'Just for Carol', 'Carol (direct)');
    await expectChat(c, ['Hello from Alice', markup, 'Just for Carol']);
    await expectChat(b, ['Hello from Alice', markup, 'Just for Carol']);
    assert.equal(await c.page.locator('#chat-messages .direct .chat-direct').textContent(), 'direct to you');

    // Carol's page reloads: it rejoins and fetches the history, each message once; then new ones arrive.
    await c.page.reload();
    await c.page.locator('#call-view').waitFor({ state: 'visible' });
    await expectChat(c, ['Hello from Alice', markup, 'Just for Carol']);
    await say(a, 'Welcome back');
    await expectChat(c, ['Hello from Alice', markup, 'Just for Carol', 'Welcome back']);
    await say(c, 'Thanks');
    await expectChat(c, ['Hello from Alice', markup, 'Just for Carol', 'Welcome back', 'Thanks']);
    await expectChat(a, ['Hello from Alice', markup, 'Welcome back', 'Thanks']); // Alice never saw the direct one

    // Offline, Bob's message waits (pending); back online, it is sent with its clientMessageId, and heard once.
    await b.context.setOffline(true);
    await b.page.getByText('Connection lost, reconnecting…').waitFor();
    await say(b, 'Sent while offline');
    await b.page.locator('#chat-messages .pending').getByText('Sent while offline').waitFor();
    await b.context.setOffline(false);
    const all = ['Hello from Alice', markup, 'Welcome back', 'Thanks', 'Sent while offline'];
    await expectChat(a, all);
    await expectChat(b, ['Hello from Alice', markup, 'Just for Carol', 'Welcome back', 'Thanks', 'Sent while offline']);
    assert.equal(await b.page.locator('#chat-messages .pending').count(), 0);

    // Alice's socket closes right behind her message: its ack is lost, the page rejoins and sends it again with
    // the same clientMessageId, and everyone shows it once.
    await a.page.evaluate(() => {
      const input = document.getElementById('chat-input');
      input.value = 'Ack lost';
      input.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));
      window.hearthTest.sockets.at(-1).close();
    });
    await expectChat(a, [...all, 'Ack lost']);
    await expectChat(c, ['Hello from Alice', markup, 'Just for Carol', 'Welcome back', 'Thanks', 'Sent while offline', 'Ack lost']);
    const heard = await c.page.evaluate(() =>
      window.hearthTest.events.filter((e) => e.name === 'chat_message_received' && e.payload.text === 'Ack lost').length);
    assert.equal(heard, 1, 'Carol heard the message once');
  } catch (err) {
    dumpLogs(clients);
    throw err;
  }
});
