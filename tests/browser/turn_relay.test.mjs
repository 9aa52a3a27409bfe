// TURN relays in real browsers: hearth-call with ICE_TRANSPORT_POLICY=relay (the operator's "force TURN") and
// TURN REST credentials against a real coturn on loopback (tests/integration/lib/coturn.mjs). Both pages' connections
// use iceTransportPolicy 'relay', video and audio flow, and the selected candidate pair is relay to relay (read
// from getStats). After an ICE restart the page fetched fresh credentials: coturn sees a new allocation under a
// newer username.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { startCoturn } from '../integration/lib/coturn.mjs';
import {
  acceptCall, closeClients, dumpLogs, eventNames, expectMediaFrom, launchBrowser, openClient, signIn, sleep,
  startCall, waitUntil,
} from './lib/browser.mjs';
import { makeUser, startHearth, stopAll } from './lib/server.mjs';

const TURN_SECRET = 'browser-turn-secret-0123456789';

let coturn;
let server;
let browser;
before(async () => {
  coturn = await startCoturn({ secrets: [TURN_SECRET] });
  server = await startHearth({
    TURN_SERVER_URL: coturn.url,
    TURN_SECRET,
    ICE_TRANSPORT_POLICY: 'relay',
    PING_INTERVAL_MS: '1000',
    PING_TIMEOUT_MS: '1000',
  });
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await coturn?.stop();
  await stopAll();
});

/**
 * The page's connection to `userId`: its configured transport policy and TURN username, and the selected candidate
 * pair from getStats() (the transport's selectedCandidatePairId, else the nominated pair that succeeded).
 */
function relayState(client, userId) {
  return client.page.evaluate(async (id) => {
    const pc = window.hearthTest.connectionOf(id);
    if (!pc) return null;
    const config = pc.getConfiguration();
    const stats = await pc.getStats();
    let pair = null;
    stats.forEach((s) => {
      if (s.type === 'transport' && s.selectedCandidatePairId) pair = stats.get(s.selectedCandidatePairId) ?? pair;
    });
    if (!pair) stats.forEach((s) => {
      if (s.type === 'candidate-pair' && s.nominated && s.state === 'succeeded') pair = s;
    });
    const local = pair && stats.get(pair.localCandidateId);
    const remote = pair && stats.get(pair.remoteCandidateId);
    return {
      policy: config.iceTransportPolicy,
      turnUsername: config.iceServers.find((s) => [s.urls].flat().some((u) => u.startsWith('turn')))?.username ?? null,
      connectionState: pc.connectionState,
      pairState: pair?.state ?? null,
      local: local ? { type: local.candidateType, protocol: local.relayProtocol ?? null, url: local.url ?? null } : null,
      remote: remote ? { type: remote.candidateType } : null,
      bytesReceived: pair?.bytesReceived ?? 0,
    };
  }, userId);
}

async function expectRelayed(client, other) {
  const state = await waitUntil(async () => {
    const s = await relayState(client, other.userId);
    return { ok: s?.pairState === 'succeeded' && s.local?.type === 'relay', state: s };
  }, { what: `${client.name}: a selected relay candidate pair` });
  const s = state.state;
  assert.equal(s.policy, 'relay', `${client.name}: iceTransportPolicy`);
  assert.equal(s.local.type, 'relay', `${client.name}: the local candidate of the selected pair`);
  assert.equal(s.remote.type, 'relay', `${client.name}: the remote candidate (the other page is relay-only too)`);
  assert.equal(s.local.protocol, 'udp');
  assert.equal(s.local.url, coturn.url, `${client.name}: the relay is the test's coturn`);
  assert.ok(s.bytesReceived > 0, `${client.name}: bytes received on the selected pair`);
  return s;
}

/** TURN usernames ("<expiry>:<userId>") that coturn allocated relays for, in order. */
async function allocatedUsernames(userId) {
  const log = await coturn.log();
  const re = /user <(\d+:[^>]+)>: incoming packet ALLOCATE processed, success/g;
  return [...log.matchAll(re)].map((m) => m[1]).filter((u) => u.slice(u.indexOf(':') + 1) === userId);
}

test('forced relay: both pages connect through coturn, video flows, the selected pair is relay', async (t) => {
  const alice = makeUser('Alice'); // the impolite side (the smaller user id): it restarts ICE
  const bob = makeUser('Bob');
  const a = await openClient(browser, server, 'alice');
  const b = await openClient(browser, server, 'bob');
  t.after(() => closeClients([a, b]));
  try {
    await signIn(a, alice);
    await signIn(b, bob);
    await startCall(a, [bob]);
    await acceptCall(b);
    await expectMediaFrom(a, [bob]);
    await expectMediaFrom(b, [alice]);

    const first = await expectRelayed(a, bob);
    await expectRelayed(b, alice);
    assert.ok((await allocatedUsernames(alice.userId)).includes(first.turnUsername), 'coturn allocated for Alice');
    assert.ok((await allocatedUsernames(bob.userId)).length > 0, 'coturn allocated for Bob');

    // An ICE restart after a reconnection: Alice fetches fresh ICE servers first (the credentials she holds were
    // fetched more than a few seconds ago, so new ones are minted: a later expiry, a new username), and the new
    // allocations use them.
    await sleep(6000);
    const before = await allocatedUsernames(alice.userId);
    await a.page.evaluate(() => window.hearthTest.sockets.at(-1).close());
    await waitUntil(async () => (await eventNames(b)).includes('user_reconnected'), { what: 'user_reconnected on B' });
    const fresh = await waitUntil(async () => {
      const s = await relayState(a, bob.userId);
      return { ok: s && s.turnUsername !== first.turnUsername, state: s };
    }, { what: 'fresh TURN credentials on Alice\'s connection' });
    const newUsername = fresh.state.turnUsername;
    assert.ok(Number(newUsername.split(':')[0]) > Number(first.turnUsername.split(':')[0]), `${newUsername} expires later`);
    await waitUntil(async () => (await allocatedUsernames(alice.userId)).includes(newUsername),
      { what: `coturn allocating for ${newUsername}; before: ${before.join(', ')}` });

    await expectMediaFrom(a, [bob]);
    await expectMediaFrom(b, [alice]);
    const after = await expectRelayed(a, bob);
    assert.equal(after.turnUsername, newUsername);
    await expectRelayed(b, alice);
  } catch (err) {
    dumpLogs([a, b]);
    console.log((await coturn.log()).slice(-4000));
    throw err;
  }
});
