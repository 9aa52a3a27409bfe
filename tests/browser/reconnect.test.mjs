// 4. Reconnection: a page loses its socket and comes back; the call recovers with media flowing both ways and
// nobody leaving. Within the reconnect grace the page rejoins and the connection is kept and renegotiated with an
// ICE restart; a reloaded page (a new peerId) gets a rebuilt connection; a page back after the grace is a new
// participant again, and the connections are rebuilt.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import {
  acceptCall, closeClients, dumpLogs, eventNames, expectMediaFrom, launchBrowser, openClient, signIn, sleep,
  socketId, startCall, waitUntil,
} from './lib/browser.mjs';
import { makeUser, startHearth, stopAll } from './lib/server.mjs';

let server;
let browser;
before(async () => {
  // A short heartbeat, so both ends notice a dead connection within about two seconds.
  server = await startHearth({ PING_INTERVAL_MS: '1000', PING_TIMEOUT_MS: '1000' });
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await stopAll();
});

/** Alice calls Bob, Bob accepts, media flows (every page records the events it receives: eventNames). */
async function establishedCall(t, srv = server) {
  const alice = makeUser('Alice');
  const bob = makeUser('Bob');
  const a = await openClient(browser, srv, 'alice');
  const b = await openClient(browser, srv, 'bob');
  t.after(() => closeClients([a, b]));
  await signIn(a, alice);
  await signIn(b, bob);
  await startCall(a, [bob]);
  await acceptCall(b);
  await expectMediaFrom(a, [bob]);
  await expectMediaFrom(b, [alice]);
  return { alice, bob, a, b };
}

const eventsOf = eventNames;

/** The page's connection to `userId` (the one feeding its tile): which one it is, and the remote ICE ufrag. */
function linkOf(client, userId) {
  return client.page.evaluate((id) => {
    const pc = window.hearthTest.connectionOf(id);
    return {
      id: window.hearthTest.connections.indexOf(pc),
      remoteUfrag: /a=ice-ufrag:(\S+)/.exec(pc?.remoteDescription?.sdp ?? '')?.[1],
    };
  }, userId);
}

test('a page offline for a few seconds rejoins; ICE restarts on the same connections; nobody leaves', async (t) => {
  const { alice, bob, a, b } = await establishedCall(t);
  try {
    const initial = { a: await linkOf(a, bob.userId), b: await linkOf(b, alice.userId) };
    const socketBefore = await socketId(b);

    await b.context.setOffline(true);
    await b.page.getByText('Connection lost, reconnecting…').waitFor();
    await waitUntil(async () => (await eventsOf(a)).includes('user_disconnected'), { what: 'user_disconnected on A' });
    await sleep(2000);
    await b.context.setOffline(false);

    await waitUntil(async () => (await eventsOf(a)).includes('user_reconnected'), { what: 'user_reconnected on A' });
    await b.page.getByText('2 people in the call').waitFor();
    assert.notEqual(await socketId(b), socketBefore);

    // The same RTCPeerConnections, renegotiated with new ICE credentials.
    await waitUntil(async () => (await linkOf(a, bob.userId)).remoteUfrag !== initial.a.remoteUfrag, { what: 'ICE restart (A)' });
    await waitUntil(async () => (await linkOf(b, alice.userId)).remoteUfrag !== initial.b.remoteUfrag, { what: 'ICE restart (B)' });
    assert.equal((await linkOf(a, bob.userId)).id, initial.a.id);
    assert.equal((await linkOf(b, alice.userId)).id, initial.b.id);

    await expectMediaFrom(a, [bob]);
    await expectMediaFrom(b, [alice]);
    for (const c of [a, b]) assert.ok(!(await eventsOf(c)).includes('user_left_call'), `${c.name}: nobody left`);
    assert.ok(await a.page.locator(`.tile[data-user-id="${bob.userId}"]`).isVisible());
  } catch (err) {
    dumpLogs([a, b]);
    throw err;
  }
});

test('a closed Engine.IO connection reconnects at once and the call goes on', async (t) => {
  const { alice, bob, a, b } = await establishedCall(t);
  try {
    // This time the impolite side (Alice, the smaller user id) reconnects: it restarts ICE itself.
    const initial = await linkOf(b, alice.userId);
    await a.page.evaluate(() => window.hearthTest.sockets.at(-1).close());
    await waitUntil(async () => (await eventsOf(b)).includes('user_reconnected'), { what: 'user_reconnected on B' });
    await waitUntil(async () => (await linkOf(b, alice.userId)).remoteUfrag !== initial.remoteUfrag, { what: 'ICE restart' });
    assert.equal((await linkOf(b, alice.userId)).id, initial.id);
    await expectMediaFrom(a, [bob]);
    await expectMediaFrom(b, [alice]);
    for (const c of [a, b]) assert.ok(!(await eventsOf(c)).includes('user_left_call'), `${c.name}: nobody left`);
  } catch (err) {
    dumpLogs([a, b]);
    throw err;
  }
});

test('a reloaded page rejoins (a new peerId); the others rebuild their connection to it', async (t) => {
  const { alice, bob, a, b } = await establishedCall(t);
  try {
    const initial = await linkOf(a, bob.userId);
    // The page keeps its token (sessionStorage) and its call (#call=<id>), so a reload signs in and rejoins.
    await b.page.reload();
    await b.page.locator('#call-view').waitFor({ state: 'visible' });

    await waitUntil(async () => (await eventsOf(a)).includes('user_reconnected'), { what: 'user_reconnected on A' });
    await expectMediaFrom(a, [bob]);
    await expectMediaFrom(b, [alice]);
    assert.notEqual((await linkOf(a, bob.userId)).id, initial.id, 'A rebuilt its connection to the new page');
    assert.ok(!(await eventsOf(a)).includes('user_left_call'), 'nobody left');
  } catch (err) {
    dumpLogs([a, b]);
    throw err;
  }
});

test('a page back after the reconnect grace is a participant again and media flows', async (t) => {
  const shortGrace = await startHearth({ PING_INTERVAL_MS: '1000', PING_TIMEOUT_MS: '1000', RECONNECT_GRACE_SECONDS: '1' });
  const { alice, bob, a, b } = await establishedCall(t, shortGrace);
  try {
    await b.context.setOffline(true);
    await waitUntil(async () => (await eventsOf(a)).includes('user_left_call'), { what: 'user_left_call on A' });
    await a.page.locator(`.tile[data-user-id="${bob.userId}"]`).waitFor({ state: 'detached' });
    await b.context.setOffline(false);

    await waitUntil(async () => (await eventsOf(a)).includes('user_joined_call'), { what: 'user_joined_call on A' });
    await expectMediaFrom(a, [bob]);
    await expectMediaFrom(b, [alice]);
  } catch (err) {
    dumpLogs([a, b]);
    throw err;
  } finally {
    await shortGrace.stop();
  }
});

test('a page that rejoins while another is in its reconnect grace keeps that tile and connection', async (t) => {
  const longGrace = await startHearth({ PING_INTERVAL_MS: '1000', PING_TIMEOUT_MS: '1000', RECONNECT_GRACE_SECONDS: '60' });
  const { alice, bob, a, b } = await establishedCall(t, longGrace);
  const count = async (client, name) => (await eventsOf(client)).filter((e) => e === name).length;
  try {
    const initial = { a: await linkOf(a, bob.userId), b: await linkOf(b, alice.userId) };
    await b.context.setOffline(true);
    await waitUntil(async () => (await eventsOf(a)).includes('user_disconnected'), { what: 'user_disconnected on A' });

    // Alice's page loses its connection too, and rejoins while Bob is still away: Bob is listed as reconnecting.
    const joinedBefore = await count(a, 'call_session_joined');
    await a.page.evaluate(() => window.hearthTest.sockets.at(-1).close());
    await waitUntil(async () => (await count(a, 'call_session_joined')) > joinedBefore, { what: "A's rejoin" });
    const listed = await a.page.evaluate(() => window.hearthTest.events.findLast((e) => e.name === 'call_session_joined').payload.participants);
    assert.deepEqual(listed.map((p) => [p.userId, p.reconnecting]), [[bob.userId, true]]);
    const tile = a.page.locator(`.tile[data-user-id="${bob.userId}"]`);
    assert.ok(await tile.isVisible(), "Bob's tile stays on Alice's page");
    assert.equal(await tile.getAttribute('data-connection'), 'reconnecting');
    await a.page.getByText('2 people in the call').waitFor();

    await b.context.setOffline(false);
    await waitUntil(async () => (await eventsOf(a)).includes('user_reconnected'), { what: 'user_reconnected on A' });
    await expectMediaFrom(a, [bob]);
    await expectMediaFrom(b, [alice]);
    // The same RTCPeerConnections on both sides: nothing was torn down and rebuilt.
    assert.equal((await linkOf(a, bob.userId)).id, initial.a.id);
    assert.equal((await linkOf(b, alice.userId)).id, initial.b.id);
    for (const c of [a, b]) assert.ok(!(await eventsOf(c)).includes('user_left_call'), `${c.name}: nobody left`);
  } catch (err) {
    dumpLogs([a, b]);
    throw err;
  } finally {
    await longGrace.stop();
  }
});

test('a page reloaded while another is in its reconnect grace shows that one waiting, then connects to it', async (t) => {
  const longGrace = await startHearth({ PING_INTERVAL_MS: '1000', PING_TIMEOUT_MS: '1000', RECONNECT_GRACE_SECONDS: '60' });
  const { alice, bob, a, b } = await establishedCall(t, longGrace);
  try {
    await b.context.setOffline(true);
    await waitUntil(async () => (await eventsOf(a)).includes('user_disconnected'), { what: 'user_disconnected on A' });

    // A new page of Alice's: it has no connection to Bob yet, and builds none to his lost socket.
    await a.page.reload();
    await a.page.locator('#call-view').waitFor({ state: 'visible' });
    const tile = a.page.locator(`.tile[data-user-id="${bob.userId}"]`);
    await tile.waitFor();
    assert.equal(await tile.getAttribute('data-connection'), 'reconnecting');
    await a.page.getByText('2 people in the call').waitFor();
    assert.equal(await a.page.evaluate(() => window.hearthTest.connections.length), 0, 'no connection to a lost socket');

    await b.context.setOffline(false);
    await waitUntil(async () => (await eventsOf(a)).includes('user_reconnected'), { what: 'user_reconnected on A' });
    await expectMediaFrom(a, [bob]);
    await expectMediaFrom(b, [alice]);
    for (const c of [a, b]) assert.ok(!(await eventsOf(c)).includes('user_left_call'), `${c.name}: nobody left`);
  } catch (err) {
    dumpLogs([a, b]);
    throw err;
  } finally {
    await longGrace.stop();
  }
});
