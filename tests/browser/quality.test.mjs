// 6. Call quality and adaptive bitrate (docs/web-client.md): in a call of three, every page's tiles show each
// participant's level as the server scores it from the pages' call_quality_report (connection_quality_changed).
// Then Carol's network turns bad for real (Chromium's network emulation on her page: 20 % of her WebRTC packets
// lost each way, 150 ms more latency each way): Alice and Bob measure it, the server scores her down and names her
// the call's bottleneck, her page says so, and her adaptive bitrate lowers what she sends.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import {
  acceptCall, closeClients, dumpLogs, expectMediaFrom, launchBrowser, openClient, signIn, startCall, tileState, waitUntil,
} from './lib/browser.mjs';
import { makeUser, startHearth, stopAll } from './lib/server.mjs';

const LEVELS = ['excellent', 'good', 'fair', 'poor', 'lost'];
const DEGRADED = ['fair', 'poor', 'lost'];
// Carol's page is throttled from the start, very lightly: Chromium only throttles WebRTC sockets created while
// some emulation is on (lib/browser.mjs, emulatedNetwork).
const BASELINE = { latency: 5 };
const BAD = { latency: 150, packetLoss: 20 };

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

/** What the page sends as video over ~2 s, in kbps, over all its connections; and each video encoding's cap. */
function videoSending(client) {
  return client.page.evaluate(async () => {
    const open = () => window.hearthTest.connections.filter((pc) => pc.connectionState !== 'closed');
    const bytes = async () => {
      let sum = 0;
      for (const pc of open()) (await pc.getStats()).forEach((s) => {
        if (s.type === 'outbound-rtp' && s.kind === 'video') sum += s.bytesSent ?? 0;
      });
      return sum;
    };
    const t0 = performance.now();
    const b0 = await bytes();
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const kbps = Math.round((8 * ((await bytes()) - b0)) / (performance.now() - t0));
    const encodings = open().flatMap((pc) => pc.getSenders().filter((s) => s.track?.kind === 'video'))
      .flatMap((s) => s.getParameters().encodings.map((e) => ({ active: e.active, maxBitrate: e.maxBitrate, scale: e.scaleResolutionDownBy })));
    return { kbps, encodings };
  });
}

/** The quality events the page received: the last level of each user, and the last bottleneck (undefined: none). */
function qualityEvents(client) {
  return client.page.evaluate(() => {
    const levels = {};
    let bottleneck;
    for (const { name, payload } of window.hearthTest.events) {
      if (name === 'connection_quality_changed') levels[payload.userId] = payload.level;
      if (name === 'quality_bottleneck_changed') bottleneck = payload.userId;
    }
    return { levels, bottleneck };
  });
}

test('quality levels on every tile; a degraded network lowers its level, makes it the bottleneck, and sends less', async (t) => {
  const users = ['Alice', 'Bob', 'Carol'].map((name) => makeUser(name));
  const [alice, bob, carol] = users;
  const clients = [];
  t.after(() => closeClients(clients));
  try {
    for (const user of users) {
      const client = await openClient(browser, server, user.name.toLowerCase(), user === carol ? { network: BASELINE } : {});
      await signIn(client, user);
      clients.push(client);
    }
    const [a, b, c] = clients;
    await startCall(a, [bob, carol], { type: 'group' });
    for (const guest of [b, c]) await acceptCall(guest);
    for (const [i, client] of clients.entries()) {
      await expectMediaFrom(client, users.filter((_, j) => j !== i), { timeoutMs: 60_000 });
    }

    // Every tile, ours included, shows the server's level of that participant, with a label.
    for (const client of clients) {
      for (const user of users) {
        const state = await waitUntil(async () => {
          const s = await tileState(client, user.userId);
          return LEVELS.includes(s.quality) && s;
        }, { what: `${client.name}'s tile of ${user.name} to show a level`, timeoutMs: 30_000 });
        const indicator = client.page.locator(`.tile[data-user-id="${user.userId}"] .level`);
        assert.equal(await indicator.getAttribute('aria-label'), `Connection ${state.quality}`);
        assert.ok(await indicator.isVisible(), `${client.name}: the level of ${user.name} is visible`);
      }
      const { levels } = await qualityEvents(client);
      for (const user of users) assert.ok(LEVELS.includes(levels[user.userId]), `${client.name} was told ${user.name}'s level`);
    }
    // Before: Carol is received well (this machine's loopback), and nobody is named.
    for (const client of [a, b]) {
      await waitUntil(async () => ['excellent', 'good'].includes((await tileState(client, carol.userId)).quality), {
        what: `${client.name} to see Carol at good or better`, timeoutMs: 30_000,
      });
    }
    for (const client of clients) assert.ok(await client.page.locator('#call-hint').isHidden(), `${client.name}: no hint yet`);
    const sendingBefore = await videoSending(c);
    t.diagnostic(`Carol sends video at ${sendingBefore.kbps} kbps, caps ${JSON.stringify(sendingBefore.encodings)}`);
    assert.equal(sendingBefore.encodings.length, 2, 'one video sender per other participant');

    await c.setNetwork(BAD);
    const degradedAt = Date.now();

    // Alice and Bob measure Carol's losses: the server scores her down, on their tiles.
    for (const client of [a, b]) {
      const level = await waitUntil(async () => {
        const s = await tileState(client, carol.userId);
        return DEGRADED.includes(s.quality) && s.quality;
      }, { what: `${client.name} to see Carol's level drop`, timeoutMs: 45_000 });
      t.diagnostic(`${client.name} sees Carol at ${level} after ${Date.now() - degradedAt} ms`);
    }
    // The server names Carol the bottleneck, to everyone; only her page shows the hint.
    for (const client of clients) {
      await waitUntil(async () => (await qualityEvents(client)).bottleneck === carol.userId, {
        what: `${client.name} to be told Carol is the bottleneck`, timeoutMs: 45_000,
      });
    }
    await c.page.locator('#call-hint').waitFor({ state: 'visible' });
    assert.match(await c.page.locator('#call-hint').textContent(), /Your connection is slowing the call down/);
    for (const client of [a, b]) assert.ok(await client.page.locator('#call-hint').isHidden(), `${client.name}: no hint`);
    t.diagnostic(`Carol named the bottleneck after ${Date.now() - degradedAt} ms`);

    // Carol's adaptive bitrate lowered every video cap (her receivers report the losses back), and she sends less.
    const capBefore = Math.min(...sendingBefore.encodings.map((e) => e.maxBitrate));
    const sendingAfter = await waitUntil(async () => {
      const now = await videoSending(c);
      // Below half: more than the bottleneck's halving of the budget alone would give.
      const lowered = now.encodings.every((e) => e.active === false || e.maxBitrate < capBefore / 2);
      return { ok: lowered && now.kbps < sendingBefore.kbps / 2, ...now };
    }, { what: 'Carol to send less video', timeoutMs: 30_000, intervalMs: 0 });
    t.diagnostic(`Carol sends video at ${sendingAfter.kbps} kbps, caps ${JSON.stringify(sendingAfter.encodings)}`);
  } catch (err) {
    dumpLogs(clients);
    throw err;
  }
});
