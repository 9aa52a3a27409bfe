// GET /api/video-call/analytics end to end: who may read it (admins: the token's role claim), every validation rule,
// the defaults, and exact figures:
//  - over calls written straight into a stopped server's SQLite database (ended calls with known times, types, end
//    reasons, usage flags, joins and quality summaries, one call still waiting, hourly concurrency peaks and usage
//    counts), which the restarted server's usage recorder records; every figure is compared with what a small
//    reference computation over the same seed gives, for a day, a week (by day and by hour), empty ranges, ranges
//    that start and end mid-hour or a millisecond off a boundary, and offsets;
//  - live: the concurrency the recorder samples every second while two calls run (joined with socket.io-client),
//    those calls recorded once ended, REST answers and errors counted after the 5 s flush, and the counts flushed at
//    shutdown.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import {
  API, client, expectError, expectOk, makeTempDir, pollUntil, request, sleep, startServer, stopAll,
} from './lib/server.mjs';
import { mint } from './lib/jwt.mjs';
import { closeAll, connectAs, joinCall } from '../e2e/lib/sockets.mjs';
import { seedCalls, seedSql } from './lib/analytics_seed.mjs';

const SECRET = `analytics-${randomUUID()}`;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const FLUSH_WAIT_MS = 6_000; // the recorder flushes counts every 5 s
const ANALYTICS = `${API}/analytics`;

const floorTo = (ms, unit) => Math.floor(ms / unit) * unit;
const ceilTo = (ms, unit) => Math.ceil(ms / unit) * unit;
const iso = (ms) => new Date(ms).toISOString();
const dayOfWeek = (ms) => (Math.floor(ms / DAY) % 7 + 3) % 7; // Monday = 0 (1970-01-01 was a Thursday)

const token = (sub, claims = {}) => mint({ sub, name: sub, ...claims }, SECRET);
const adminToken = token('root', { role: 'admin' });

function analytics(server, query = {}, tok = adminToken) {
  const qs = new URLSearchParams(query).toString();
  return request(server, 'GET', `${ANALYTICS}${qs ? `?${qs}` : ''}`, { token: tok });
}
async function report(server, query) {
  return expectOk(await analytics(server, query), 200, 'Call analytics retrieved');
}

after(async () => {
  closeAll();
  await stopAll();
});

// --- the reference computation ------------------------------------------------------------------------------------

const LEVELS = ['excellent', 'good', 'fair', 'poor', 'lost'];
const levelOf = (mos) => (mos >= 4.03 ? 'excellent' : mos >= 3.6 ? 'good' : mos >= 3.1 ? 'fair' : mos >= 1.5 ? 'poor' : 'lost');
const nearestRank = (sorted, p) => sorted[Math.max(1, Math.ceil((p * sorted.length) / 100)) - 1];
const ratio = (a, b) => (b === 0 ? 0 : a / b);
const mean = (xs) => xs.reduce((s, x) => s + x, 0) / xs.length;
const max = (xs) => xs.reduce((m, x) => Math.max(m, x), 0);

// A recorded call's quality figures (QualitySummary's per-call accessors).
function callQuality(c) {
  if (!c.quality) return { mos: null, relayed: false, client: null, server: null };
  const scored = c.quality.filter((p) => p.samples > 0);
  const slowest = (kind) => {
    const values = c.quality.map((p) => p.establishmentMs[kind]).filter((v) => v !== null);
    return values.length ? max(values) : null;
  };
  return {
    mos: scored.length ? mean(scored.map((p) => p.mosMean)) : null,
    relayed: c.quality.some((p) => p.relayed),
    client: slowest('client'),
    server: slowest('server'),
  };
}

function percentiles(values) {
  const sorted = [...values].sort((a, b) => a - b);
  if (!sorted.length) return { count: 0, p50: null, p90: null };
  return { count: sorted.length, p50: nearestRank(sorted, 50), p90: nearestRank(sorted, 90) };
}

/** What GET /analytics must answer for [from, to) over the seed (calls, peaks and usage counts). */
function expected(seed, { from, to, granularity }) {
  const { calls } = seed;
  const unit = granularity === 'hour' ? HOUR : DAY;
  const inRange = calls.filter((c) => c.created >= from && c.created < to);
  const recorded = inRange.filter((c) => c.status === 'ended');
  const started = recorded.filter((c) => c.start !== undefined);
  const durations = started.map((c) => c.duration).sort((a, b) => a - b);
  const quality = recorded.map(callQuality);
  const scored = quality.filter((q) => q.mos !== null);
  const count = (list, pred) => list.filter(pred).length;
  const participants = recorded.reduce((s, c) => s + c.joined.length, 0);

  const series = [];
  for (let t = floorTo(from, unit); t < ceilTo(to, unit); t += unit) {
    const bucket = (ms) => ms >= t && ms < t + unit;
    const own = inRange.filter((c) => bucket(c.created));
    const peaks = seed.peaks.filter((p) => bucket(p.hour) && p.hour >= floorTo(from, HOUR) && p.hour < to);
    series.push({
      start: iso(t),
      calls: own.length,
      participants: own.filter((c) => c.status === 'ended').reduce((s, c) => s + c.joined.length, 0),
      peakCalls: max(peaks.map((p) => p.calls)),
      peakParticipants: max(peaks.map((p) => p.participants)),
    });
  }

  const peakRows = seed.peaks.filter((p) => p.hour >= floorTo(from, HOUR) && p.hour < to);
  const peakOf = (rows) => ({ calls: max(rows.map((p) => p.calls)), participants: max(rows.map((p) => p.participants)) });
  const hourOf = (ms) => (ms - floorTo(ms, DAY)) / HOUR;
  const byDay = [];
  for (let d = floorTo(from, DAY); d < to; d += DAY) {
    byDay.push({ day: iso(d).slice(0, 10), ...peakOf(peakRows.filter((p) => floorTo(p.hour, DAY) === d)) });
  }
  const heatmap = [];
  for (let dow = 0; dow < 7; dow += 1) {
    for (let h = 0; h < 24; h += 1) {
      heatmap.push({ dayOfWeek: dow, hour: h, ...peakOf(peakRows.filter((p) => dayOfWeek(p.hour) === dow && hourOf(p.hour) === h)) });
    }
  }

  const usageRows = seed.usage.filter((u) => u.hour >= floorTo(from, HOUR) && u.hour < to);
  const errorsOf = (totalKey, codesKey, totalName) => {
    const byCode = {};
    let total = 0;
    for (const u of usageRows) {
      total += u[totalKey];
      for (const [code, n] of Object.entries(u[codesKey])) byCode[code] = (byCode[code] ?? 0) + n;
    }
    const errors = Object.values(byCode).reduce((s, n) => s + n, 0);
    return { [totalName]: total, errors, rate: ratio(errors, total), byCode };
  };

  return {
    range: { from: iso(from), to: iso(to), granularity },
    calls: {
      total: inRange.length,
      started: started.length,
      ongoing: inRange.length - recorded.length,
      byType: Object.fromEntries(['one-to-one', 'group', 'therapy'].map((t) => [t, count(inRange, (c) => c.type === t)])),
      byEndReason: Object.fromEntries(['ended_by_user', 'missed', 'timeout', 'all_left', 'declined']
        .map((r) => [r, count(recorded, (c) => c.endReason === r)])),
    },
    durationSeconds: durations.length
      ? { count: durations.length, mean: mean(durations), p50: nearestRank(durations, 50), p90: nearestRank(durations, 90), max: max(durations) }
      : { count: 0, mean: 0, p50: 0, p90: 0, max: 0 },
    participants: { total: participants, meanPerCall: ratio(participants, recorded.length) },
    series,
    peaks: {
      ...peakOf(peakRows),
      byHourOfDay: Array.from({ length: 24 }, (_, h) => ({ hour: h, ...peakOf(peakRows.filter((p) => hourOf(p.hour) === h)) })),
      byDay,
      heatmap,
    },
    features: {
      screenShare: { calls: count(started, (c) => c.usage.screenShared), share: ratio(count(started, (c) => c.usage.screenShared), started.length) },
      videoOff: { calls: count(started, (c) => c.usage.videoTurnedOff), share: ratio(count(started, (c) => c.usage.videoTurnedOff), started.length) },
      audioOnly: { calls: count(started, (c) => !c.video), share: ratio(count(started, (c) => !c.video), started.length) },
    },
    errors: {
      rest: errorsOf('restRequests', 'restErrors', 'requests'),
      signaling: errorsOf('signalingEvents', 'signalingErrors', 'events'),
    },
    quality: {
      calls: scored.length,
      mosMean: scored.length ? mean(scored.map((q) => q.mos)) : null,
      levels: Object.fromEntries(LEVELS.map((l) => [l, count(scored, (q) => levelOf(q.mos) === l)])),
      relayed: { calls: count(quality, (q) => q.relayed), share: ratio(count(quality, (q) => q.relayed), started.length) },
    },
    establishmentMs: {
      client: percentiles(quality.map((q) => q.client).filter((v) => v !== null)),
      server: percentiles(quality.map((q) => q.server).filter((v) => v !== null)),
    },
  };
}

// --- access and validation ------------------------------------------------------------------------------------------

describe('access and validation', () => {
  let server;
  before(async () => {
    server = await startServer({ secret: SECRET });
  });

  it('401 without a token or with a bad one', async () => {
    expectError(await request(server, 'GET', ANALYTICS), 401, { message: 'Authentication required: Bearer token missing' });
    expectError(await analytics(server, {}, `${adminToken}x`), 401, { message: 'Invalid token signature' });
  });

  it('403 unless the role claim is exactly "admin", checked before the query', async () => {
    for (const tok of [token('alice'), token('bob', { role: 'user' }), token('carol', { role: 'Admin' }),
      token('dan', { role: 'administrator' })]) {
      expectError(await analytics(server, {}, tok), 403, { message: 'Analytics are for administrators' });
      expectError(await analytics(server, { granularity: 'week' }, tok), 403, { message: 'Analytics are for administrators' });
    }
  });

  it('400 naming the field for every rule', async () => {
    const cases = [
      [{ from: 'yesterday' }, 'from: must be an ISO 8601 timestamp with a zone, e.g. 2026-12-01T00:00:00Z'],
      [{ from: '2026-11-01T00:00:00' }, 'from: must be an ISO 8601 timestamp with a zone, e.g. 2026-12-01T00:00:00Z'],
      [{ to: '2026-13-01T00:00:00Z' }, 'to: must be an ISO 8601 timestamp with a zone, e.g. 2026-12-01T00:00:00Z'],
      [{ to: '' }, 'to: must be an ISO 8601 timestamp with a zone, e.g. 2026-12-01T00:00:00Z'],
      [{ from: '2026-11-02T00:00:00Z', to: '2026-11-02T00:00:00Z' }, 'from: must be before to'],
      [{ from: '2026-11-02T00:00:00.001Z', to: '2026-11-02T00:00:00Z' }, 'from: must be before to'],
      [{ from: '2025-11-01T00:00:00Z', to: '2026-11-02T00:00:00.001Z' }, 'to: the range must not exceed 366 days'],
      [{ granularity: 'week' }, 'granularity: must be hour or day'],
      [{ granularity: 'HOUR' }, 'granularity: must be hour or day'],
      [{ from: '2026-10-01T00:00:00Z', to: '2026-11-01T00:00:00.001Z', granularity: 'hour' },
        'granularity: hour allows a range of at most 31 days'],
      [{ granularity: 'hour', from: iso(Date.now() - 40 * DAY) }, 'granularity: hour allows a range of at most 31 days'],
    ];
    for (const [query, message] of cases) expectError(await analytics(server, query), 400, { message });
  });

  it('the limits themselves are allowed: 366 days by day, 31 days by hour', async () => {
    let data = await report(server, { from: '2025-11-01T00:00:00Z', to: '2026-11-02T00:00:00Z' });
    assert.equal(data.series.length, 366);
    assert.equal(data.peaks.byDay.length, 366);
    data = await report(server, { from: '2026-10-01T00:00:00Z', to: '2026-11-01T00:00:00Z', granularity: 'hour' });
    assert.equal(data.series.length, 31 * 24);
  });

  it('defaults: the last 7 days until now, by day; unknown parameters ignored', async () => {
    const t0 = Date.now();
    const data = await report(server, { page: '3', foo: 'bar' });
    const t1 = Date.now();
    const to = Date.parse(data.range.to);
    assert.ok(to >= t0 - 5 && to <= t1 + 5, `to ${data.range.to} is now`);
    assert.equal(Date.parse(data.range.from), to - 7 * DAY);
    assert.equal(data.range.granularity, 'day');
    const from = to - 7 * DAY;
    assert.equal(data.series.length, (ceilTo(to, DAY) - floorTo(from, DAY)) / DAY);
    assert.equal(data.series[0].start, iso(floorTo(from, DAY)));
    assert.equal(data.peaks.byDay.length, (ceilTo(to, DAY) - floorTo(from, DAY)) / DAY);
  });

  it('from alone ends now; to alone starts 7 days before; offsets and fractions are read exactly', async () => {
    let data = await report(server, { from: '2026-11-30T12:00:00+05:30' });
    assert.equal(data.range.from, '2026-11-30T06:30:00.000Z');
    data = await report(server, { to: '2026-11-30T12:00:00.5-02:00' });
    assert.deepEqual(data.range, { from: '2026-11-23T14:00:00.500Z', to: '2026-11-30T14:00:00.500Z', granularity: 'day' });
    // An unescaped '+' arrives as a space; still the offset.
    const raw = await request(server, 'GET', `${ANALYTICS}?from=2026-11-30T12:00:00+01:00&to=2026-12-01`, { token: adminToken });
    assert.deepEqual(expectOk(raw, 200).range, { from: '2026-11-30T11:00:00.000Z', to: '2026-12-01T00:00:00.000Z', granularity: 'day' });
  });
});

// --- exact figures over a seeded database -------------------------------------------------------------------------

describe('exact figures over seeded calls', () => {
  let server;
  let seed; // { weekStart, calls }
  const week = () => ({ from: seed.weekStart, to: seed.weekStart + 7 * DAY });

  before(async () => {
    const dir = await makeTempDir();
    const db = join(dir, 'hearth.db');
    // A real session gives the stored document's shape; then the server stops and the seed replaces it.
    let s = await startServer({ dir, secret: SECRET });
    const { sessionId } = expectOk(await client(s, token('alice')).initiate({ sessionType: 'one-to-one', participants: ['bob'] }), 201);
    assert.deepEqual(await s.stop('SIGTERM'), { code: 0, signal: null });
    const template = JSON.parse(execFileSync('sqlite3', [db, `SELECT document FROM call_sessions WHERE session_id = '${sessionId}'`],
      { encoding: 'utf8' }));
    seed = seedCalls(Date.now());
    execFileSync('sqlite3', [db], { input: seedSql(seed, template, sessionId), encoding: 'utf8' });

    s = await startServer({ dir, secret: SECRET });
    server = s;
    // The recorder records what ended (5 s ago or more) at its first tick: wait for every seeded call.
    const everything = { from: iso(seed.weekStart - 8 * DAY), to: iso(seed.weekStart + 8 * DAY) };
    const want = seed.calls.length;
    const last = await pollUntil(async () => {
      const data = await report(server, everything);
      return data.calls.total === want && data.calls.ongoing === 1 ? data : null;
    }, { timeoutMs: 20_000 });
    assert.ok(last, `the seeded calls were not all recorded within 20 s`);
  });

  const check = async (from, to, granularity) => {
    const data = await report(server, { from: iso(from), to: iso(to), granularity });
    assert.deepEqual(data, expected(seed, { from, to, granularity }), `[${iso(from)}, ${iso(to)}) by ${granularity}`);
    return data;
  };

  it('the week by day: every figure, and the ones worked out by hand', async () => {
    const { from, to } = week();
    const data = await check(from, to, 'day');
    // By hand, so the reference computation is checked too (see lib/analytics_seed.mjs for the calls).
    assert.deepEqual(data.calls, {
      total: 9, started: 5, ongoing: 1,
      byType: { 'one-to-one': 4, group: 4, therapy: 1 },
      byEndReason: { ended_by_user: 3, missed: 1, timeout: 1, all_left: 2, declined: 1 },
    });
    assert.deepEqual(data.durationSeconds, { count: 5, mean: 1329, p50: 900, p90: 3600, max: 3600 });
    assert.deepEqual(data.participants, { total: 15, meanPerCall: 1.875 });
    assert.deepEqual(data.features, {
      screenShare: { calls: 2, share: 0.4 }, videoOff: { calls: 2, share: 0.4 }, audioOnly: { calls: 1, share: 0.2 },
    });
    assert.deepEqual(data.quality, {
      calls: 4, mosMean: 2.9375, levels: { excellent: 1, good: 1, fair: 0, poor: 1, lost: 1 }, relayed: { calls: 2, share: 0.4 },
    });
    assert.deepEqual(data.establishmentMs, { client: { count: 3, p50: 2000, p90: 3000 }, server: { count: 3, p50: 500, p90: 700 } });
    assert.deepEqual([data.peaks.calls, data.peaks.participants], [2, 5]);
    assert.deepEqual(data.peaks.heatmap[1 * 24 + 9], { dayOfWeek: 1, hour: 9, calls: 2, participants: 5 });
    assert.deepEqual(data.peaks.heatmap[4 * 24 + 13], { dayOfWeek: 4, hour: 13, calls: 1, participants: 4 });
    assert.deepEqual(data.peaks.byDay.map((d) => [d.calls, d.participants]), [[1, 2], [2, 5], [1, 3], [0, 0], [2, 4], [0, 0], [0, 0]]);
    assert.deepEqual(data.series.map((p) => [p.calls, p.participants, p.peakCalls, p.peakParticipants]),
      [[0, 0, 1, 2], [4, 8, 2, 5], [2, 4, 1, 3], [1, 0, 0, 0], [2, 3, 2, 4], [0, 0, 0, 0], [0, 0, 0, 0]]);
    assert.deepEqual(data.errors, {
      rest: { requests: 150, errors: 10, rate: 10 / 150, byCode: { 400: 2, 404: 4, 503: 4 } },
      signaling: { events: 50, errors: 3, rate: 0.06, byCode: { forbidden: 1, not_found: 2 } },
    });
  });

  it('the week by hour', async () => {
    const { from, to } = week();
    const data = await check(from, to, 'hour');
    assert.equal(data.series.length, 168);
    assert.deepEqual(data.series[24 + 9], { start: iso(from + DAY + 9 * HOUR), calls: 2, participants: 5, peakCalls: 2, peakParticipants: 5 });
  });

  it('one day, by day and by hour', async () => {
    const day = seed.weekStart + DAY; // Tuesday
    const data = await check(day, day + DAY, 'day');
    assert.deepEqual([data.calls.total, data.calls.started, data.durationSeconds.p50], [4, 3, 1800]);
    await check(day, day + DAY, 'hour');
  });

  it('empty ranges: zeros, nulls, and every series point and key still there', async () => {
    const saturday = seed.weekStart + 5 * DAY;
    const data = await check(saturday, saturday + DAY, 'hour');
    assert.equal(data.calls.total, 0);
    assert.deepEqual(data.quality.mosMean, null);
    assert.deepEqual(data.establishmentMs.client, { count: 0, p50: null, p90: null });
    assert.equal(data.series.length, 24);
    await check(seed.weekStart - 300 * DAY, seed.weekStart - 299 * DAY, 'day');
  });

  it('ranges that start and end mid-hour or a millisecond off a boundary', async () => {
    const tuesday = seed.weekStart + DAY;
    // 09:30 to 14:30: the 09:40 call in, the 09:10 call out, the 14:30:00.000 call out (to is exclusive); the peaks and
    // counts of 09:00 and 14:00 in (kept per hour).
    let data = await check(tuesday + 9.5 * HOUR, tuesday + 14.5 * HOUR, 'hour');
    assert.equal(data.calls.total, 2);
    assert.equal(data.series[0].start, iso(tuesday + 9 * HOUR));
    assert.equal(data.series.length, 6);
    // A millisecond after the 09:10:00.000 call, to a millisecond after Wednesday's 00:00:00.000 call.
    data = await check(tuesday + 9 * HOUR + 10 * 60_000 + 1, tuesday + DAY + 1, 'day');
    assert.deepEqual([data.calls.total, data.calls.byType.group], [4, 2]);
    await check(tuesday + 9 * HOUR + 10 * 60_000, tuesday + DAY, 'hour');
    await check(tuesday + 14 * HOUR + 5 * 60_000 + 30_500, tuesday + 14 * HOUR + 5 * 60_000 + 30_501, 'hour'); // one ms: one call
  });

  it('the day before, the week after and the peaks a week earlier: a longer range by day', async () => {
    const data = await check(seed.weekStart - 8 * DAY, seed.weekStart + 8 * DAY, 'day');
    assert.equal(data.calls.total, seed.calls.length);
    assert.deepEqual([data.peaks.calls, data.peaks.participants], [7, 20]);
  });

  it('offsets name the same instants', async () => {
    const tuesday = seed.weekStart + DAY;
    const local = (ms, offsetH) => `${iso(ms + offsetH * HOUR).slice(0, 19)}${offsetH < 0 ? '-' : '+'}${String(Math.abs(offsetH)).padStart(2, '0')}:00`;
    const data = await report(server, { from: local(tuesday + 9 * HOUR, 2), to: local(tuesday + 10 * HOUR, -7), granularity: 'hour' });
    assert.deepEqual(data, expected(seed, { from: tuesday + 9 * HOUR, to: tuesday + 10 * HOUR, granularity: 'hour' }));
  });
});

// --- live: concurrency, recording, counting -------------------------------------------------------------------------

describe('live concurrency, recording and counts', () => {
  let server;
  const users = {};
  before(async () => {
    server = await startServer({ secret: SECRET });
    for (const id of ['pia', 'quinn', 'rae', 'sol', 'tam']) users[id] = { userId: id, name: id, token: token(id) };
  });

  it('two calls live: the hour peaks at exactly 2 calls and 5 participants; once ended they are recorded', async () => {
    const rest = (id) => client(server, users[id].token);
    const a = expectOk(await rest('pia').initiate({ sessionType: 'one-to-one', participants: ['quinn'] }), 201).sessionId;
    const b = expectOk(await rest('rae').initiate({ sessionType: 'group', participants: ['sol', 'tam'] }), 201).sessionId;
    for (const [id, call] of [['pia', a], ['quinn', a], ['rae', b], ['sol', b], ['tam', b]]) {
      await joinCall(await connectAs(server, users[id]), call);
    }
    const joined = Date.now();
    // At least one sample (1 s apart) after the last join, and in the hour the query asks about.
    await sleep(1_500);
    if (Date.now() - floorTo(Date.now(), HOUR) < 1_500) await sleep(1_500);
    const t = Date.now();
    const hour = floorTo(t, HOUR);
    const data = await report(server, { from: iso(hour), to: iso(hour + HOUR), granularity: 'hour' });
    const h = (hour - floorTo(hour, DAY)) / HOUR;
    assert.deepEqual(data.series.map((p) => [p.start, p.peakCalls, p.peakParticipants]), [[iso(hour), 2, 5]]);
    assert.deepEqual([data.peaks.calls, data.peaks.participants], [2, 5]);
    assert.deepEqual(data.peaks.byHourOfDay[h], { hour: h, calls: 2, participants: 5 });
    assert.deepEqual(data.peaks.heatmap[dayOfWeek(hour) * 24 + h], { dayOfWeek: dayOfWeek(hour), hour: h, calls: 2, participants: 5 });
    assert.deepEqual(data.peaks.byDay, [{ day: iso(hour).slice(0, 10), calls: 2, participants: 5 }]);
    // Live calls count as ongoing, with their type, in the hour they were created.
    const around = { from: iso(joined - HOUR), to: iso(joined + HOUR), granularity: 'hour' };
    let live = await report(server, around);
    assert.deepEqual([live.calls.total, live.calls.ongoing, live.calls.started, live.calls.byType], [2, 2, 0, { 'one-to-one': 1, group: 1, therapy: 0 }]);

    expectOk(await rest('pia').end(a), 200);
    expectOk(await rest('rae').end(b), 200);
    live = await pollUntil(async () => {
      const d = await report(server, around);
      return d.calls.ongoing === 0 ? d : null;
    }, { timeoutMs: 20_000 });
    assert.ok(live, 'the ended calls were not recorded within 20 s');
    assert.deepEqual(live.calls, {
      total: 2, started: 2, ongoing: 0, byType: { 'one-to-one': 1, group: 1, therapy: 0 },
      byEndReason: { ended_by_user: 2, missed: 0, timeout: 0, all_left: 0, declined: 0 },
    });
    assert.deepEqual(live.participants, { total: 5, meanPerCall: 2.5 });
    assert.equal(live.durationSeconds.count, 2);
    assert.ok(live.durationSeconds.max <= Math.ceil((Date.now() - joined) / 1000) + 1, 'durations of a few seconds');
    assert.equal(live.quality.calls, 0); // nobody reported stats
    assert.deepEqual([live.peaks.calls, live.peaks.participants], [2, 5]); // the hour's peak stays
    // Five authenticate and five join_call_session events, none refused.
    assert.deepEqual(live.errors.signaling, { events: 10, errors: 0, rate: 0, byCode: {} });
    closeAll();
  });

  it('REST answers and errors are counted exactly, after the 5 s flush; health checks and the analytics answer itself too', async () => {
    const range = { from: iso(Date.now() - DAY), to: iso(Date.now() + HOUR) };
    await sleep(FLUSH_WAIT_MS); // everything before is flushed
    const first = (await report(server, range)).errors.rest;
    await sleep(FLUSH_WAIT_MS); // the answer to `first` is flushed: it counts as one 200
    const alice = client(server, token('alice'));
    expectError(await alice.session('call_1700000000000_abcdefghi'), 404);
    expectError(await alice.session('call_1700000000001_abcdefghi'), 404);
    expectError(await alice.get(`${API}/no-such-route`), 404);
    expectError(await alice.history('?page=0'), 400);
    expectError(await alice.history('?limit=x'), 400);
    expectError(await request(server, 'GET', `${API}/history`), 401);
    expectError(await alice.call('DELETE', `${API}/history`), 405);
    expectError(await alice.call('POST', `${API}/initiate`, { body: '{}', headers: { 'content-type': 'text/plain' } }), 415);
    // Refused by the transport before routing (the body is over REST_BODY_LIMIT_BYTES): counted all the same.
    expectError(await alice.call('POST', `${API}/initiate`, { body: `"${'x'.repeat(70 * 1024)}"`,
      headers: { 'content-type': 'application/json' } }), 413);
    // Not REST answers: health checks and the Engine.IO endpoint.
    expectOk(await request(server, 'GET', '/healthz'), 200);
    const handshake = await fetch(`${server.url}/socket.io/?EIO=4&transport=polling`);
    assert.equal(handshake.status, 200);
    await handshake.text();
    await sleep(FLUSH_WAIT_MS);
    const second = (await report(server, range)).errors.rest;
    const grew = (code) => (second.byCode[code] ?? 0) - (first.byCode[code] ?? 0);
    // The first report's own answer (200) is among the requests.
    assert.deepEqual({ requests: second.requests - first.requests, errors: second.errors - first.errors,
      byCode: Object.fromEntries(['400', '401', '404', '405', '413', '415'].map((c) => [c, grew(c)])) },
    { requests: 10, errors: 9, byCode: { 400: 2, 401: 1, 404: 3, 405: 1, 413: 1, 415: 1 } });
    assert.equal(second.rate, second.errors / second.requests);
  });

  it('counts not flushed yet are flushed at shutdown (SIGTERM)', async () => {
    const dir = await makeTempDir();
    let s = await startServer({ dir, secret: SECRET });
    // Within the recorder's first 5 s: nothing flushed them yet when the server stops.
    expectError(await request(s, 'GET', `${API}/nope`), 404);
    expectError(await request(s, 'GET', `${API}/nope/either`), 404);
    expectError(await client(s, token('alice')).history('?status=gone'), 400);
    assert.deepEqual(await s.stop('SIGTERM'), { code: 0, signal: null });
    s = await startServer({ dir, secret: SECRET });
    const data = await report(s, { from: iso(Date.now() - HOUR), to: iso(Date.now() + HOUR) });
    assert.deepEqual(data.errors.rest, { requests: 3, errors: 3, rate: 1, byCode: { 400: 1, 404: 2 } });
    await s.stop('SIGTERM');
  });
});
