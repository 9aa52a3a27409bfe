// Real-browser helpers: Debian's Chromium driven by playwright-core (no browser download), with a fake camera,
// microphone and screen, and every user in their own browser context (own storage, own renderer).
import assert from 'node:assert/strict';

import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--no-sandbox', // tests run as root in CI containers
  '--use-fake-device-for-media-stream', // a generated camera picture and a beeping microphone
  '--use-fake-ui-for-media-stream', // grant camera, microphone and screen without a prompt
  '--auto-select-desktop-capture-source=Entire screen',
  '--autoplay-policy=no-user-gesture-required',
  // The network is closed: nothing in the background, no QUIC, and WebRTC uses this machine's own addresses.
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  '--disable-features=WebRtcHideLocalIpsWithMdns',
  '--allow-loopback-in-peer-connection',
  '--disable-dev-shm-usage',
  '--disable-gpu',
  // Pages in background contexts must keep decoding at full speed.
  '--disable-renderer-backgrounding',
  '--disable-background-timer-throttling',
  '--disable-backgrounding-occluded-windows',
];

export function launchBrowser() {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}

/**
 * Opens the web client of `server` in a new browser context, at `path` (e.g. "/#call=<id>"), after running the
 * `init` script (page.addInitScript) if given. Resolves {context, page, logs, name}; `logs` collects the page's
 * console output and errors (printed by dumpLogs when a test fails).
 */
export async function openClient(browser, server, name = 'page', { path = '/', init } = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  const page = await context.newPage();
  const logs = [];
  page.on('console', (m) => logs.push(`[${name}] ${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => logs.push(`[${name}] pageerror: ${e.stack ?? e.message}`));
  if (init) await page.addInitScript(init);
  await page.goto(server.url + path);
  return { context, page, logs, name };
}

export function dumpLogs(clients) {
  for (const c of clients) for (const line of c.logs) console.log(line);
}

/** Signs in by pasting `user.token`; waits for the signed-in header (the lobby, or a linked call). */
export async function signIn(client, user) {
  const { page } = client;
  await page.getByLabel('Access token (JWT)').fill(user.token);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.locator('#whoami').waitFor({ state: 'visible' });
  assert.equal(await page.locator('#whoami-name').textContent(), user.name);
}

/** Starts a call from the lobby form, inviting `invitees` (users); waits for the call view. */
export async function startCall(client, invitees, { type = 'one-to-one', title } = {}) {
  const { page } = client;
  await page.getByLabel('Type').selectOption(type);
  await page.getByLabel(/^Invite/).fill(invitees.map((u) => u.userId).join(', '));
  if (type === 'therapy') await page.getByLabel('Therapy session id').fill(`therapy-${Date.now()}`);
  if (title) await page.getByLabel(/^Title/).fill(title);
  await page.getByRole('button', { name: 'Call', exact: true }).click();
  await page.locator('#call-view').waitFor({ state: 'visible' });
}

/** Waits for the ringing dialog and accepts it; waits for the call view. */
export async function acceptCall(client) {
  const { page } = client;
  const dialog = page.getByRole('dialog');
  await dialog.waitFor({ state: 'visible' });
  await dialog.getByRole('button', { name: 'Accept' }).click();
  await page.locator('#call-view').waitFor({ state: 'visible' });
}

/** The session id of the page's current call. */
export function currentSessionId(client) {
  return client.page.evaluate(() => window.hearth.call?.sessionId ?? null);
}

/**
 * What the page receives from each remote participant, by user id, straight from RTCPeerConnection.getStats():
 * {framesDecoded, audioPackets, frameWidth, frameHeight, connectionState}.
 */
export function remoteMedia(client) {
  return client.page.evaluate(async () => {
    const out = {};
    for (const [userId, link] of window.hearth.call?.peers ?? []) {
      const entry = { framesDecoded: 0, audioPackets: 0, frameWidth: 0, frameHeight: 0, connectionState: link.pc.connectionState };
      (await link.pc.getStats()).forEach((s) => {
        if (s.type !== 'inbound-rtp') return;
        if (s.kind === 'video') {
          entry.framesDecoded += s.framesDecoded ?? 0;
          entry.frameWidth = s.frameWidth ?? entry.frameWidth;
          entry.frameHeight = s.frameHeight ?? entry.frameHeight;
        } else {
          entry.audioPackets += s.packetsReceived ?? 0;
        }
      });
      out[userId] = entry;
    }
    return out;
  });
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `probe` until it returns a truthy value; throws with the last value after `timeoutMs`. */
export async function waitUntil(probe, { timeoutMs = 30_000, intervalMs = 500, what = 'condition' } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    last = await probe();
    if (last?.ok ?? last) return last;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last)}`);
    await sleep(intervalMs);
  }
}

/**
 * Waits until `client` decodes video (and, with audio, receives audio packets) from every user in `from`, and
 * both keep rising over a further interval. Returns the last stats.
 */
export async function expectMediaFrom(client, from, { audio = true, timeoutMs = 45_000 } = {}) {
  const ids = from.map((u) => u.userId);
  const flowing = (before, after) =>
    ids.every((id) => after[id] && after[id].framesDecoded > (before[id]?.framesDecoded ?? 0) &&
      (!audio || after[id].audioPackets > (before[id]?.audioPackets ?? 0)));
  let before = {};
  return waitUntil(async () => {
    const now = await remoteMedia(client);
    const ok = flowing(before, now) && ids.every((id) => before[id]?.framesDecoded > 0);
    before = now;
    return { ok, stats: now };
  }, { timeoutMs, intervalMs: 1000, what: `${client.name} to receive media from ${ids.join(', ')}` });
}

/** The remote tiles (user ids) shown on the page, in order. */
export function tileIds(client) {
  return client.page.locator('#tiles .tile:not(.local)').evaluateAll((tiles) => tiles.map((t) => t.dataset.userId));
}

/** A tile's state attributes: {audio, video, screen, connection, quality}. */
export function tileState(client, userId) {
  return client.page.locator(`#tiles .tile[data-user-id="${userId}"]`).evaluate((t) => ({ ...t.dataset }));
}

/** Closes the clients' browser contexts (for t.after). */
export async function closeClients(clients) {
  await Promise.all(clients.map((c) => c.context.close().catch(() => {})));
}
