#!/usr/bin/env node
// Takes docs/images/admin-dashboard.png: starts hearth-call on a fresh database, makes a week of calls through the
// real API (REST and Socket.IO: joins, media changes, quality reports, declines, missed calls, a few bad requests),
// then photographs /admin with Chromium (playwright-core, Debian's /usr/bin/chromium) signed in as an admin.
//
// A week in a minute: with libfaketime (Debian package `faketime`) the server's wall clock is moved forward step
// by step through the last 7 days (only the wall clock: timers keep real time), so calls have real start times,
// durations and concurrency. Without it every call is made now, with zero durations; the script says so.
//
//   node scripts/screenshot-admin.mjs [--out docs/images/admin-dashboard.png] [--dark] [--width 1280]
//   (HEARTH_BIN=build/hearth-call by default; CHROMIUM_PATH=/usr/bin/chromium by default)
import { existsSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { chromium } from 'playwright-core';

import { CHROMIUM } from '../tests/browser/lib/browser.mjs';
import {
  closeSockets, decline, endCall, join as joinCall, leaveAll, reportQuality, setMedia, startCall,
} from '../tests/browser/lib/seed_calls.mjs';
import { SECRET, startHearth, stopAll } from '../tests/browser/lib/server.mjs';
import { closeAll, connectAs, emitAck } from '../tests/e2e/lib/sockets.mjs';
import { mint } from '../tests/integration/lib/jwt.mjs';
import { API, makeTempDir, request } from '../tests/integration/lib/server.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const { values: opts } = parseArgs({
  options: {
    out: { type: 'string', default: join(ROOT, 'docs/images/admin-dashboard.png') },
    dark: { type: 'boolean', default: false },
    width: { type: 'string', default: '1280' },
  },
});
const FAKETIME = ['/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1', '/usr/lib/faketime/libfaketimeMT.so.1']
  .find((path) => existsSync(path));

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// A seeded generator, so every run draws the same week.
let seed = 20261204;
function random() {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const between = (lo, hi) => lo + random() * (hi - lo);
const pick = (list) => list[Math.floor(random() * list.length)];
const chance = (p) => random() < p;

// --- the server's clock --------------------------------------------------------------------------------------------

const clockFile = join(await makeTempDir('hearth-shot-'), 'faketime');
writeFileSync(clockFile, '+0');
let offset = null; // the server's clock minus the real one, in ms; null until the first move

/** Moves the server's wall clock to `time` (ms since the epoch), from where it runs on; after the first move
 * (back to the start of the week) never backwards. */
function travel(time) {
  if (offset !== null && time <= Date.now() + offset) return;
  offset = time - Date.now();
  // libfaketime reads a signed number of seconds as an offset ("+0.000", "-86400.000")
  // (written beside it and renamed over it: the server reads it at every clock reading, never half-written)
  if (!FAKETIME) return;
  writeFileSync(`${clockFile}.next`, `${offset < 0 ? '-' : '+'}${Math.abs(offset / 1000).toFixed(3)}`);
  renameSync(`${clockFile}.next`, clockFile);
}

const server = await startHearth({
  SWEEP_INTERVAL_SECONDS: '1', // missed calls and timeouts are swept within a second of their (fake) time
  ...(FAKETIME ? {
    LD_PRELOAD: FAKETIME, FAKETIME_TIMESTAMP_FILE: clockFile, FAKETIME_NO_CACHE: '1', DONT_FAKE_MONOTONIC: '1',
  } : {}),
});
process.on('uncaughtException', (err) => {
  console.error(err);
  console.error(`--- server stderr (last lines) ---\n${server.stderr().split('\n').slice(-30).join('\n')}`);
  console.error(`server exit: ${JSON.stringify([server.child.exitCode, server.child.signalCode])}`);
  process.exit(1);
});
if (!FAKETIME) console.warn('libfaketime not found (apt-get install faketime): every call is made now');

// Tokens valid over the whole fake week (the server checks exp, and nbf when given, against its clock).
const realNow = Date.now();
function user(userId, name, role) {
  const claims = { sub: userId, name, iat: Math.floor((realNow - 8 * DAY) / 1000), ...(role ? { role } : {}) };
  return { userId, name, token: mint(claims, SECRET, { ttlSeconds: 9 * 86400 }) };
}
const NAMES = ['Amara', 'Ben', 'Chiara', 'Dmitri', 'Elif', 'Farid', 'Grace', 'Hiro', 'Ines', 'Jonas', 'Kemi', 'Lars',
  'Maya', 'Nikhil', 'Olga', 'Pablo', 'Quinn', 'Rosa', 'Sven', 'Tara', 'Umar', 'Vera', 'Wen', 'Yusuf'];
const people = NAMES.map((name) => user(name.toLowerCase(), name));
const admin = user('admin', 'Ada Admin', 'admin');

// --- one call ------------------------------------------------------------------------------------------------------

/** A link's quality as a browser would report it: mostly good, sometimes a poor network. */
function link() {
  const bad = chance(0.12);
  return {
    rttMs: Math.round(bad ? between(250, 600) : between(15, 110)),
    jitterMs: Number((bad ? between(15, 40) : between(1, 8)).toFixed(1)),
    packetLossPct: Number((bad ? between(3, 14) : chance(0.3) ? between(0.5, 2.5) : 0).toFixed(1)),
    relay: chance(0.1),
    establishedMs: Math.round(bad ? between(2500, 6000) : between(350, 1800)),
  };
}

/** Starts a call with everyone in `members` joining (the first is the initiator); media and quality reports. */
async function runningCall(members, type) {
  const [initiator, ...invitees] = members;
  const audioOnly = type === 'one-to-one' && chance(0.07); // set up without video (callSettings)
  const settings = audioOnly ? { isVideoEnabled: false } : undefined;
  const call = await startCall(server, { initiator, invitees, type, joined: members, settings });
  // Full-mesh negotiation: an offer and its answer relayed between every pair (the server times set-ups by them).
  for (const [i, a] of members.entries()) {
    for (const b of members.slice(i + 1)) {
      const [from, to] = [call.sockets.get(a.userId), call.sockets.get(b.userId)];
      const { sessionId } = call;
      await emitAck(from, 'webrtc_offer', { sessionId, targetSocketId: to.id, offer: { type: 'offer', sdp: 'v=0' } });
      await emitAck(to, 'webrtc_answer', { sessionId, targetSocketId: from.id, answer: { type: 'answer', sdp: 'v=0' } });
    }
  }
  for (const m of members) {
    if (audioOnly) await setMedia(call, m, { hasVideo: false });
    else if (chance(0.12)) await setMedia(call, m, { hasVideo: false });
    await reportQuality(call, m, link());
  }
  if (type !== 'one-to-one' && chance(0.4)) await setMedia(call, pick(members), { isScreenSharing: true });
  return call;
}

/** A slip of the kind real clients make now and then: REST 4xx answers and refused socket events. */
async function mistakes(someone, endedCall) {
  const { token } = someone;
  if (chance(0.15)) await request(server, 'GET', `${API}/session/call_0000000000000_nosuchone`, { token });
  if (chance(0.08)) await request(server, 'POST', `${API}/initiate`, { token, json: { sessionType: 'group' } });
  if (endedCall && chance(0.15)) {
    const socket = await connectAs(server, someone);
    await emitAck(socket, 'join_call_session', { sessionId: endedCall.sessionId });
    socket.disconnect();
  }
}

// --- the week ------------------------------------------------------------------------------------------------------

// Busy UTC hours of a working day, and how many calls start in such an hour.
const HOURS = [7, 8, 9, 10, 11, 13, 14, 15, 16, 17, 19, 21];
function callsAt(dayOfWeek, hour) {
  const weekend = dayOfWeek >= 5;
  const base = hour >= 8 && hour <= 17 ? (hour === 9 || hour === 14 || hour === 15 ? 4 : 2.5) : 1;
  return Math.max(0, Math.round(base * (weekend ? 0.35 : 1) * between(0.5, 1.4)));
}

let made = 0;
let ended = 0;
const todayStart = Math.floor(realNow / DAY) * DAY;
for (let daysAgo = 6; daysAgo >= 0; daysAgo -= 1) {
  const dayStart = todayStart - daysAgo * DAY;
  const dayOfWeek = (new Date(dayStart).getUTCDay() + 6) % 7;
  for (const hour of HOURS) {
    const slot = dayStart + hour * HOUR + between(0, 15) * MINUTE;
    if (slot + HOUR > realNow - 10 * MINUTE) break; // today: only hours that are over
    const count = callsAt(dayOfWeek, hour);
    if (!count) continue;
    travel(slot);
    const free = [...people].sort(() => random() - 0.5);
    const running = [];
    let last = null;
    for (let i = 0; i < count; i += 1) {
      const kind = random();
      const type = kind < 0.6 ? 'one-to-one' : kind < 0.88 ? 'group' : 'therapy';
      const members = free.splice(0, type === 'group' ? Math.floor(between(3, 6)) : 2);
      made += 1;
      const outcome = random();
      if (type === 'one-to-one' && outcome < 0.07) {
        last = await startCall(server, { initiator: members[0], invitees: [members[1]] });
        await decline(last, members[1]);
        ended += 1;
      } else if (outcome < 0.13) {
        // Nobody answers: the sweep ends it as missed once the ring timeout has passed (below).
        const [initiator, ...invitees] = members;
        running.push({ call: await startCall(server, { initiator, invitees, type, joined: [initiator] }), missed: true });
      } else {
        const minutes = between(type === 'therapy' ? 35 : 3, type === 'group' ? 55 : 45);
        running.push({ call: await runningCall(members, type), minutes });
      }
    }
    await sleep(1200); // the usage recorder samples concurrency every second
    travel(slot + 2 * MINUTE);
    await sleep(running.some((r) => r.missed) ? 1500 : 0); // the sweep ends the missed ones
    for (const r of running.filter((x) => x.missed)) {
      closeSockets(r.call);
      ended += 1;
    }
    for (const r of running.filter((x) => !x.missed).sort((a, b) => a.minutes - b.minutes)) {
      travel(slot + r.minutes * MINUTE);
      if (chance(0.25)) await leaveAll(r.call);
      else await endCall(r.call);
      ended += 1;
      last = r.call;
    }
    await mistakes(pick(people), last);
  }
}

// Now: two calls going on while the page is photographed.
travel(Date.now());
const ongoing = [await runningCall(people.slice(0, 3), 'group'), await runningCall(people.slice(3, 5), 'one-to-one')];
made += ongoing.length;
await joinCall(ongoing[1], people[5]).catch(() => {}); // a one-to-one call is full at two: refused, an error counted

// Ended calls reach the analytics a few seconds after their end (the usage recorder).
const expected = { made, ended };
for (let i = 0; ; i += 1) {
  const res = await request(server, 'GET', `${API}/analytics`, { token: admin.token });
  const { calls } = res.body.data;
  const recorded = Object.values(calls.byEndReason).reduce((a, b) => a + b, 0);
  if (calls.total === expected.made && recorded === expected.ended) break;
  if (i === 60) throw new Error(`the analytics do not show the calls made: ${JSON.stringify({ expected, calls })}`);
  await sleep(500);
}
console.log(`${made} calls made (${ended} ended); taking the screenshot`);

// --- the picture ---------------------------------------------------------------------------------------------------

const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
try {
  const context = await browser.newContext({
    viewport: { width: Number(opts.width), height: 900 },
    colorScheme: opts.dark ? 'dark' : 'light',
    deviceScaleFactor: 1,
  });
  await context.addInitScript((token) => sessionStorage.setItem('hearth-call.token', token), admin.token);
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error('page error:', e.message));
  await page.goto(`${server.url}/admin`);
  await page.locator('svg[data-chart="heatmap"]').waitFor();
  await page.evaluate(() => document.fonts.ready);
  await page.screenshot({ path: opts.out, fullPage: true });
  console.log(`wrote ${opts.out}`);
} finally {
  await browser.close();
  for (const call of ongoing) closeSockets(call);
  closeAll();
  await stopAll();
}
