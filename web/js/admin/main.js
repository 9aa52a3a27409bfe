// The admin dashboard at /admin: usage analytics from GET /api/video-call/analytics as charts. Signing in is the
// main page's: the same token, kept per tab in sessionStorage under the same key (signed in on / means signed in
// here). The server decides who is an administrator (the token's role claim): a 403 shows the refusal, a 401 the
// sign-in. The token stays in this module (nothing on `window`).
import { ApiError } from '../api.js';
import { renderDashboard } from './dashboard.js';
import { dateTime } from './format.js';
import { RangePicker, presetRange, rangeFromUrl, rangeQuery } from './range.js';

const TOKEN_KEY = 'hearth-call.token';
const ANALYTICS_URL = '/api/video-call/analytics';

const $ = (id) => document.getElementById(id);
const VIEWS = ['loading', 'sign-in-view', 'refusal-view', 'dashboard-view'];

let token = sessionStorage.getItem(TOKEN_KEY);
let latest = 0; // the number of the latest request: answers to older ones are dropped
let inFlight = null; // its AbortController
let currentRange = rangeFromUrl() ?? presetRange('7d'); // the range asked for last

// --- messages and views --------------------------------------------------------------------------------------------

let noticeTimer;
function notify(message, kind = 'info') {
  clearTimeout(noticeTimer);
  $('notice-text').textContent = message;
  $('notice').className = `notice ${kind}`;
  $('notice').setAttribute('role', kind === 'error' ? 'alert' : 'status');
  $('notice').hidden = false;
  if (kind !== 'error') noticeTimer = setTimeout(clearNotice, 8000);
}
function clearNotice() {
  $('notice').hidden = true;
}
$('notice-close').onclick = clearNotice;

function show(view) {
  for (const id of VIEWS) $(id).hidden = id !== view;
  if (view !== 'dashboard-view') $('dashboard').replaceChildren(); // no chart outside the dashboard, ever
}

/** Who the token says it is, for display only (the server verifies it): {userId, name}. */
function userOf(jwt) {
  try {
    const binary = atob(jwt.split('.')[1].replaceAll('-', '+').replaceAll('_', '/'));
    const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
    const payload = JSON.parse(new TextDecoder().decode(bytes));
    return { userId: String(payload.sub ?? ''), name: String(payload.name || payload.sub || '') };
  } catch {
    return { userId: '', name: 'unknown user' };
  }
}

function showUser() {
  const { userId, name } = userOf(token);
  $('whoami-name').textContent = name;
  $('whoami-id').textContent = userId && userId !== name ? `(${userId})` : '';
  $('whoami').hidden = false;
}

// --- signing in and out --------------------------------------------------------------------------------------------

function signIn(newToken) {
  token = newToken;
  sessionStorage.setItem(TOKEN_KEY, token);
  $('token-input').value = ''; // the token is kept in sessionStorage only
  show('loading');
  load(currentRange);
}

function signOut(message) {
  token = null;
  latest += 1;
  inFlight?.abort();
  sessionStorage.removeItem(TOKEN_KEY);
  $('whoami').hidden = true;
  show('sign-in-view');
  if (message) notify(message, 'error');
  else clearNotice();
}

$('token-form').onsubmit = (e) => {
  e.preventDefault();
  const value = $('token-input').value.trim();
  if (value) signIn(value);
};
$('sign-out').onclick = () => signOut(null);
$('refusal-sign-out').onclick = () => signOut(null);

function refuse(reason) {
  const { userId, name } = userOf(token);
  showUser();
  $('refusal-text').textContent = `Usage analytics are shown to administrators only, and ${name}` +
    `${userId && userId !== name ? ` (${userId})` : ''} is not one: the token does not have the admin role.`;
  $('refusal-reason').textContent = reason;
  show('refusal-view');
}

// --- the analytics -------------------------------------------------------------------------------------------------

async function fetchAnalytics(range, signal) {
  const response = await fetch(`${ANALYTICS_URL}?${rangeQuery(range)}`, {
    headers: { Authorization: `Bearer ${token}` },
    signal,
  });
  const body = await response.json().catch(() => null);
  if (!response.ok || !body?.success) throw new ApiError(response.status, body?.message ?? `HTTP ${response.status}`);
  return body.data;
}

async function load(range) {
  if (!token) return show('sign-in-view');
  const mine = ++latest;
  inFlight?.abort();
  const controller = (inFlight = new AbortController());
  currentRange = range;
  $('range-status').textContent = 'Loading…';
  $('dashboard').setAttribute('aria-busy', 'true');
  let data;
  try {
    data = await fetchAnalytics(range, controller.signal);
  } catch (err) {
    if (mine !== latest) return; // a newer request (or a sign-out) replaced this one
    $('dashboard').setAttribute('aria-busy', 'false');
    $('range-status').textContent = '';
    if (err.status === 401) return signOut(`Sign-in failed: ${err.message}`);
    if (err.status === 403) return refuse(err.message);
    if ($('dashboard-view').hidden) show('dashboard-view'); // a bad range (400) or a failure: the picker stays usable
    return notify(`Could not load the analytics: ${err.message}`, 'error');
  }
  if (mine !== latest) return;
  clearNotice();
  showUser();
  show('dashboard-view');
  renderDashboard($('dashboard'), data);
  $('dashboard').setAttribute('aria-busy', 'false');
  const shown = data.range ?? { ...range, from: range.from.toISOString(), to: range.to.toISOString() };
  $('range-status').textContent =
    `Showing ${dateTime(shown.from)} to ${dateTime(shown.to)} UTC, by ${shown.granularity}.`;
}

// --- start ---------------------------------------------------------------------------------------------------------

new RangePicker($('range-form'), load).show(currentRange);
if (token) load(currentRange);
else show('sign-in-view');
