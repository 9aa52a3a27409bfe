// The admin dashboard at /admin: calls made through the real API (REST and Socket.IO) show up in its charts exactly
// as GET /analytics reports them; another range asks again and redraws; the main page's sign-in carries over; a
// user without the admin role gets the refusal and no chart, a signed-out visitor the sign-in.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { closeClients, dumpLogs, launchBrowser, signIn, waitUntil } from './lib/browser.mjs';
import { decline, endCall, leaveAll, startCall } from './lib/seed_calls.mjs';
import { SECRET, makeUser, startHearth, stopAll } from './lib/server.mjs';
import { closeAll } from '../e2e/lib/sockets.mjs';
import { mint } from '../integration/lib/jwt.mjs';
import { API, request } from '../integration/lib/server.mjs';

const ANALYTICS = `${API}/analytics`;

let server;
let browser;
let admin;
let alice;
let bob;
let carol;

function makeAdmin(name) {
  const user = makeUser(name);
  return { ...user, token: mint({ sub: user.userId, name, role: 'admin' }, SECRET) };
}

/** GET /analytics with `query` (a string or URLSearchParams) as the admin: the `data` of the answer. */
async function analytics(query = '') {
  const res = await request(server, 'GET', `${ANALYTICS}?${query}`, { token: admin.token });
  assert.equal(res.status, 200, res.text);
  return res.body.data;
}

const sum = (map) => Object.values(map).reduce((a, b) => a + b, 0);

before(async () => {
  server = await startHearth();
  browser = await launchBrowser();
  admin = makeAdmin('Ada');
  [alice, bob, carol] = ['Alice', 'Bob', 'Carol'].map((name) => makeUser(name));

  // Four calls: one-to-one ended by its initiator, a group of three that all leave, a one-to-one declined, and a
  // therapy call still going with only its initiator in it.
  const one = await startCall(server, { initiator: alice, invitees: [bob], joined: [alice, bob] });
  await endCall(one);
  const group = await startCall(server,
    { initiator: alice, invitees: [bob, carol], type: 'group', joined: [alice, bob, carol] });
  await leaveAll(group);
  const declined = await startCall(server, { initiator: alice, invitees: [carol] });
  await decline(declined, carol);
  await startCall(server, { initiator: bob, invitees: [alice], type: 'therapy', joined: [bob] });

  // Ended calls reach the analytics a few seconds after their end (the usage recorder): wait for all three.
  await waitUntil(async () => {
    const data = await analytics();
    return data.calls.total === 4 && sum(data.calls.byEndReason) === 3;
  }, { timeoutMs: 30_000, what: 'the seeded calls in the analytics' });
});

after(async () => {
  closeAll();
  await browser?.close();
  await stopAll();
});

/**
 * A new browser context and page (nothing loaded yet), signed in as `user` if given: its token in the tab's
 * storage before any script runs, where the main page keeps it. Page errors are printed when the test ends.
 */
async function openAdmin(t, user, name) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const c = { context, page, logs: [], name };
  // Console errors but the failed requests the tests cause (401, 403, 400; 404: the dev token probe).
  page.on('console', (m) => {
    if (m.type() === 'error' && !/status of 40[0134]/.test(m.text())) c.logs.push(`[${name}] ${m.text()}`);
  });
  page.on('pageerror', (e) => c.logs.push(`[${name}] pageerror: ${e.stack ?? e.message}`));
  if (user) await page.addInitScript((token) => sessionStorage.setItem('hearth-call.token', token), user.token);
  t.after(() => {
    dumpLogs([c]);
    return closeClients([c]);
  });
  return c;
}

/** Loads /admin (optionally with a query) and resolves the page's first analytics answer {url, data}. */
async function loadDashboard(c, query = '') {
  const answer = c.page.waitForResponse((r) => r.url().includes(ANALYTICS));
  await c.page.goto(`${server.url}/admin${query}`);
  return analyticsOf(await answer);
}

async function analyticsOf(response) {
  const body = await response.json();
  assert.equal(response.status(), 200, JSON.stringify(body));
  return { url: new URL(response.url()), data: body.data };
}

/** What the dashboard shows, read off its DOM. */
function shown(page) {
  return page.evaluate(() => {
    const values = (selector) => [...document.querySelectorAll(selector)].map((e) => Number(e.dataset.value));
    const stat = (key) => document.querySelector(`[data-stat="${key}"] .value`)?.textContent;
    const bar = (chart, key) =>
      Number(document.querySelector(`svg[data-chart="${chart}"] [data-key="${key}"] .bar`)?.dataset.value);
    return {
      charts: document.querySelectorAll('svg.chart-svg').length,
      callBars: values('svg[data-chart="calls-over-time"] rect.bar'),
      participantPoints: document.querySelectorAll('svg[data-chart="calls-over-time"] .series-participants .point').length,
      concurrencyPoints: document.querySelectorAll('svg[data-chart="concurrency"] .point').length,
      cells: document.querySelectorAll('svg[data-chart="heatmap"] rect.cell').length,
      cellValues: [...document.querySelectorAll('svg[data-chart="heatmap"] rect.cell')]
        .map((c) => `${c.dataset.day}/${c.dataset.hour}=${c.dataset.value}`),
      hourBars: values('svg[data-chart="hours-of-day"] rect.bar'),
      callsTotal: stat('calls-total'),
      participantsTotal: stat('participants-total'),
      peakCalls: stat('peak-calls'),
      types: ['one-to-one', 'group', 'therapy'].map((k) => bar('call-types', k)),
      endReasons: ['ended_by_user', 'all_left', 'missed', 'declined', 'timeout'].map((k) => bar('end-reasons', k)),
      status: document.getElementById('range-status').textContent,
      rows: document.querySelectorAll('[data-chart="calls-over-time"] .chart-table tbody tr').length,
    };
  });
}

/** The dashboard shows `data` (an analytics answer) in its numbers and charts. */
async function assertShows(page, data) {
  const s = await shown(page);
  assert.equal(s.charts, 11, 'every chart is drawn');
  assert.deepEqual(s.callBars, data.series.map((p) => p.calls), 'a bar per series entry, each its number of calls');
  assert.equal(s.participantPoints, data.series.length, 'a participants point per series entry');
  assert.equal(s.concurrencyPoints, 2 * data.series.length, 'peak calls and participants per series entry');
  assert.equal(s.rows, data.series.length, 'a table row per series entry');
  assert.equal(s.cells, 168, 'the heat map has a cell per hour of the week');
  assert.deepEqual(s.cellValues, data.peaks.heatmap.map((c) => `${c.dayOfWeek}/${c.hour}=${c.calls}`));
  assert.deepEqual(s.hourBars, data.peaks.byHourOfDay.map((h) => h.calls));
  assert.equal(s.callsTotal, String(data.calls.total));
  assert.equal(s.participantsTotal, String(data.participants.total));
  assert.equal(s.peakCalls, String(data.peaks.calls));
  assert.deepEqual(s.types, ['one-to-one', 'group', 'therapy'].map((k) => data.calls.byType[k]));
  const reasons = ['ended_by_user', 'all_left', 'missed', 'declined', 'timeout'];
  assert.deepEqual(s.endReasons, reasons.map((k) => data.calls.byEndReason[k]));
  return s;
}

describe('an administrator', () => {
  test('sees the calls made through the API in the charts, as the API reports them', async (t) => {
    const c = await openAdmin(t, admin, 'admin');
    const { url, data } = await loadDashboard(c);
    await c.page.locator('svg[data-chart="heatmap"]').waitFor();

    // The default range: the last 7 days (today included), by day; the same question asked by the test.
    assert.equal(url.searchParams.get('granularity'), 'day');
    assert.equal(Date.parse(url.searchParams.get('to')) - Date.parse(url.searchParams.get('from')), 7 * 86_400_000);
    assert.equal(data.series.length, 7);
    const mine = await analytics(url.searchParams);
    for (const key of ['range', 'calls', 'durationSeconds', 'participants', 'series']) {
      assert.deepEqual(data[key], mine[key], key);
    }

    // What was seeded: 4 calls, 2 of them started (6 joins), 3 ended, 1 ongoing.
    assert.deepEqual(data.calls.byType, { 'one-to-one': 2, group: 1, therapy: 1 });
    assert.equal(data.calls.byEndReason.ended_by_user, 1);
    assert.equal(data.calls.byEndReason.all_left, 1);
    assert.equal(data.calls.byEndReason.declined, 1);
    assert.equal(data.calls.ongoing, 1);
    assert.equal(data.series.reduce((n, p) => n + p.calls, 0), 4);

    const s = await assertShows(c.page, data);
    assert.equal(s.callsTotal, '4');
    assert.equal(s.callBars.filter((n) => n > 0).length, 1, 'all calls were made today');
    assert.equal(s.callBars.at(-1), 4, 'today is the last bar');
    assert.match(s.status, /by day/);
    assert.ok(await c.page.locator('#whoami-name').getByText('Ada').isVisible());

    // Accessible: each chart is a named image with a description; each bar has its values on hover.
    const heat = c.page.locator('svg[data-chart="heatmap"]');
    assert.equal(await heat.getAttribute('role'), 'img');
    assert.equal(await c.page.locator(`#${await heat.getAttribute('aria-labelledby')}`).textContent(), 'Peak hours');
    const description = c.page.locator(`#${await heat.getAttribute('aria-describedby')}`);
    assert.match(await description.textContent(), /day of the week/);
    const hover = await c.page.locator('svg[data-chart="calls-over-time"] .hit title').last().textContent();
    assert.match(hover, /: 4 calls, \d+ participants$/);
  });

  test('another range asks the API again and redraws', async (t) => {
    const c = await openAdmin(t, admin, 'ranges');
    await loadDashboard(c);

    // A preset: the last 24 hours, by hour.
    let answer = c.page.waitForResponse((r) => r.url().includes(ANALYTICS));
    await c.page.getByRole('button', { name: 'Last 24 h' }).click();
    let { url, data } = await analyticsOf(await answer);
    assert.equal(url.searchParams.get('granularity'), 'hour');
    assert.equal(data.series.length, 24);
    await waitUntil(async () => (await shown(c.page)).callBars.length === 24, { what: '24 hourly bars' });
    await assertShows(c.page, data);
    assert.equal((await shown(c.page)).callsTotal, '4');
    assert.equal(await c.page.getByRole('button', { name: 'Last 24 h' }).getAttribute('aria-pressed'), 'true');
    assert.equal(new URL(c.page.url()).searchParams.get('granularity'), 'hour', 'the range is kept in the address');

    // Chosen by hand: two days long ago, by day: nothing in them.
    await c.page.getByLabel('From (UTC)').fill('2020-03-02T00:00');
    await c.page.getByLabel(/^To \(UTC/).fill('2020-03-04T00:00');
    await c.page.getByLabel('Granularity').selectOption('day');
    answer = c.page.waitForResponse((r) => r.url().includes(ANALYTICS));
    await c.page.getByRole('button', { name: 'Show', exact: true }).click();
    ({ url, data } = await analyticsOf(await answer));
    assert.equal(url.searchParams.get('from'), '2020-03-02T00:00:00.000Z');
    assert.equal(url.searchParams.get('to'), '2020-03-04T00:00:00.000Z');
    assert.equal(data.calls.total, 0);
    await waitUntil(async () => (await shown(c.page)).callsTotal === '0', { what: 'the empty range shown' });
    const s = await assertShows(c.page, data);
    assert.deepEqual(s.callBars, [0, 0]);
    assert.equal(await c.page.locator('svg[data-chart="heatmap"] rect.cell.zero').count(), 168);
    assert.equal(await c.page.getByRole('button', { name: 'Last 24 h' }).getAttribute('aria-pressed'), 'false');

    // A reload shows the same range (it is in the address).
    ({ url } = await loadDashboard(c, new URL(c.page.url()).search));
    assert.equal(url.searchParams.get('from'), '2020-03-02T00:00:00.000Z');
    assert.equal(await c.page.getByLabel('From (UTC)').inputValue(), '2020-03-02T00:00');

    // A range the API refuses (hourly over more than its limit) leaves the page usable, with the server's reason.
    await c.page.getByLabel('From (UTC)').fill('2020-01-01T00:00');
    await c.page.getByLabel('Granularity').selectOption('hour');
    answer = c.page.waitForResponse((r) => r.url().includes(ANALYTICS));
    await c.page.getByRole('button', { name: 'Show', exact: true }).click();
    assert.equal((await answer).status(), 400);
    const notice = c.page.locator('#notice.error #notice-text');
    await notice.waitFor();
    assert.match(await notice.textContent(), /^Could not load the analytics: granularity: /);
    assert.ok(await c.page.locator('#range-form').isVisible());
  });

  test('signed in on the main page is signed in on /admin; signed out, the sign-in is shown', async (t) => {
    const c = await openAdmin(t, null, 'main-page');
    await c.page.goto(server.url + '/');
    await signIn(c, admin);
    await loadDashboard(c);
    await c.page.locator('svg[data-chart="calls-over-time"]').waitFor();

    await c.page.getByRole('button', { name: 'Sign out' }).click();
    await c.page.locator('#sign-in-view').waitFor();
    assert.equal(await c.page.locator('svg.chart-svg').count(), 0);
    assert.equal(await c.page.evaluate(() => sessionStorage.getItem('hearth-call.token')), null);

    // An invalid token: the API answers 401, the sign-in says so.
    await c.page.getByLabel('Access token (JWT)').fill('not-a-jwt');
    await c.page.getByRole('button', { name: 'Sign in', exact: true }).click();
    const notice = c.page.locator('#notice.error #notice-text');
    await notice.waitFor();
    assert.match(await notice.textContent(), /^Sign-in failed: /);
    assert.ok(await c.page.locator('#sign-in-view').isVisible());

    // The admin's token pasted here.
    const answer = c.page.waitForResponse((r) => r.url().includes(ANALYTICS));
    await c.page.getByLabel('Access token (JWT)').fill(admin.token);
    await c.page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await assertShows(c.page, (await analyticsOf(await answer)).data);
  });
});

describe('not an administrator', () => {
  test('a signed-out visitor gets the sign-in; a user without the admin role the refusal and no chart', async (t) => {
    const c = await openAdmin(t, null, 'visitor');
    await c.page.goto(server.url + '/admin');
    await c.page.locator('#sign-in-view').waitFor();
    assert.equal(await c.page.locator('svg.chart-svg').count(), 0);
    assert.ok(!(await c.page.locator('#range-form').isVisible()));

    const answer = c.page.waitForResponse((r) => r.url().includes(ANALYTICS));
    await c.page.getByLabel('Access token (JWT)').fill(bob.token);
    await c.page.getByRole('button', { name: 'Sign in', exact: true }).click();
    const res = await answer;
    assert.equal(res.status(), 403);
    const body = await res.json();
    assert.equal(body.success, false);

    const refusal = c.page.getByRole('alert').filter({ hasText: 'Administrators only' });
    await refusal.waitFor();
    assert.match(await refusal.textContent(), new RegExp(`${bob.name} \\(${bob.userId}\\) is not one`));
    assert.ok((await refusal.textContent()).includes(body.message), 'the server reason is shown');
    assert.equal(await c.page.locator('svg.chart-svg').count(), 0);
    assert.equal(await c.page.locator('#dashboard').innerHTML(), '');
    assert.ok(!(await c.page.locator('#dashboard-view').isVisible()));

    // Reloaded (the token kept): the refusal again, no chart.
    await c.page.reload();
    await refusal.waitFor();
    assert.equal(await c.page.locator('svg.chart-svg').count(), 0);

    // "Sign in as someone else": back to the sign-in, the token forgotten.
    await c.page.getByRole('button', { name: 'Sign in as someone else' }).click();
    await c.page.locator('#sign-in-view').waitFor();
    assert.equal(await c.page.evaluate(() => sessionStorage.getItem('hearth-call.token')), null);
  });
});
