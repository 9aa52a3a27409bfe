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
 * What the tests see of a page, installed before its scripts run. The page keeps its state to itself (nothing on
 * `window`), so the tests watch the browser APIs it uses instead, as `window.hearthTest`:
 * - `events`: the Socket.IO events received ({name, payload}), read off the Engine.IO transports;
 * - `socketIds`: the socket id of each namespace CONNECT answer (the last is the current socket);
 * - `sockets`: the Socket.IO WebSockets (closing the last one drops the Engine.IO connection);
 * - `connections`: every RTCPeerConnection; `connectionOf(userId)` finds the one feeding that user's tile;
 * - `cameras`: every getUserMedia stream (a live one still holds the camera).
 */
function instrumentPage() {
  const t = { events: [], socketIds: [], sockets: [], connections: [], cameras: [] };
  Object.defineProperty(window, 'hearthTest', { value: t });
  const record = (data) => {
    if (typeof data !== 'string') return;
    try {
      if (data.startsWith('42[')) {
        const [name, payload] = JSON.parse(data.slice(2));
        t.events.push({ name, payload });
      } else if (data.startsWith('40{')) {
        t.socketIds.push(JSON.parse(data.slice(2)).sid);
      }
    } catch {
      // not an event
    }
  };
  const NativeWebSocket = window.WebSocket;
  window.WebSocket = class extends NativeWebSocket {
    constructor(...args) {
      super(...args);
      if (!String(args[0]).includes('/socket.io/')) return;
      t.sockets.push(this);
      this.addEventListener('message', (e) => record(e.data));
    }
  };
  const open = XMLHttpRequest.prototype.open;
  XMLHttpRequest.prototype.open = function (method, url, ...rest) {
    if (method === 'GET' && String(url).includes('/socket.io/'))
      this.addEventListener('load', () => String(this.responseText).split('\x1e').forEach(record));
    return open.call(this, method, url, ...rest);
  };
  const NativePeerConnection = window.RTCPeerConnection;
  window.RTCPeerConnection = class extends NativePeerConnection {
    constructor(...args) {
      super(...args);
      t.connections.push(this);
    }
  };
  const media = navigator.mediaDevices;
  if (media) {
    const getUserMedia = media.getUserMedia;
    media.getUserMedia = async function (...args) {
      const stream = await getUserMedia.apply(this, args);
      t.cameras.push(stream);
      return stream;
    };
  }
  t.connectionOf = (userId) => {
    const tile = document.querySelector(`#tiles .tile[data-user-id="${CSS.escape(userId)}"]`);
    const ids = new Set((tile?.querySelector('video')?.srcObject?.getTracks() ?? []).map((track) => track.id));
    const feeding = t.connections.filter((pc) => pc.getReceivers().some((r) => ids.has(r.track?.id)));
    return feeding.find((pc) => pc.connectionState !== 'closed') ?? feeding.at(-1) ?? null;
  };
  t.liveCameras = () => t.cameras.filter((s) => s.getTracks().some((track) => track.readyState === 'live')).length;
  t.openConnections = () => t.connections.filter((pc) => pc.connectionState !== 'closed').length;
}

/**
 * Opens the web client of `server` in a new browser context, at `path` (e.g. "/#call=<id>"), after running the
 * `init` script (page.addInitScript) if given. Resolves {context, page, logs, name}; `logs` collects the page's
 * console output and errors (printed by dumpLogs when a test fails).
 *
 * `network`: network conditions for the page (see emulatedNetwork), set before it loads. The client then has
 * `setNetwork(conditions)` to change them, e.g. to degrade this page's WebRTC traffic in the middle of a call.
 */
export async function openClient(browser, server, name = 'page', { path = '/', init, network } = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  await context.addInitScript(instrumentPage);
  const page = await context.newPage();
  const logs = [];
  page.on('console', (m) => logs.push(`[${name}] ${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => logs.push(`[${name}] pageerror: ${e.stack ?? e.message}`));
  if (init) await page.addInitScript(init);
  const client = { context, page, logs, name };
  if (network) {
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    client.setNetwork = (conditions) => cdp.send('Network.emulateNetworkConditions', emulatedNetwork(conditions));
    await client.setNetwork(network);
  }
  await page.goto(server.url + path);
  return client;
}

/**
 * Chromium's network emulation (CDP Network.emulateNetworkConditions), which also throttles the page's WebRTC
 * packets: latency (ms, each way), packetLoss (percent, each way), uploadThroughput / downloadThroughput (bytes/s,
 * -1: none), packetQueueLength. Found with Chromium 156: a peer connection's sockets are only throttled if some
 * emulation (e.g. latency 5; not a loss of 0.0001 %) is on when they are created, and then changes apply to them at
 * once; libwebrtc's WebRTC-FakeNetworkSendConfig field trial is not in Debian's build (it changes nothing).
 */
export function emulatedNetwork(conditions) {
  return { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1, packetLoss: 0, ...conditions };
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

/** The session id of the page's current call (the page keeps it in its address: #call=<sessionId>). */
export function currentSessionId(client) {
  return client.page.evaluate(() => {
    const linked = /^#call=(.+)$/.exec(location.hash)?.[1];
    return linked && !document.getElementById('call-view').hidden ? decodeURIComponent(linked) : null;
  });
}

/** The names of the Socket.IO events the page has received since it loaded. */
export function eventNames(client) {
  return client.page.evaluate(() => window.hearthTest.events.map((e) => e.name));
}

/** The page's current socket id. */
export function socketId(client) {
  return client.page.evaluate(() => window.hearthTest.socketIds.at(-1) ?? null);
}

/**
 * What the page receives from each remote participant, by user id, straight from RTCPeerConnection.getStats():
 * {framesDecoded, audioPackets, frameWidth, frameHeight, connectionState}.
 */
export function remoteMedia(client) {
  return client.page.evaluate(async () => {
    const out = {};
    const tiles = document.querySelectorAll('#tiles .tile:not(.local)');
    for (const userId of [...tiles].map((tile) => tile.dataset.userId)) {
      const pc = window.hearthTest.connectionOf(userId);
      const entry = { framesDecoded: 0, audioPackets: 0, frameWidth: 0, frameHeight: 0, connectionState: pc?.connectionState ?? 'new' };
      out[userId] = entry;
      if (!pc) continue;
      (await pc.getStats()).forEach((s) => {
        if (s.type !== 'inbound-rtp') return;
        if (s.kind === 'video') {
          entry.framesDecoded += s.framesDecoded ?? 0;
          entry.frameWidth = s.frameWidth ?? entry.frameWidth;
          entry.frameHeight = s.frameHeight ?? entry.frameHeight;
        } else {
          entry.audioPackets += s.packetsReceived ?? 0;
        }
      });
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
