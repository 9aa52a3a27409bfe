// GET /metrics on a live server (docs/operations.md, "Metrics"): a call of two socket.io clients with relays, a
// quality report, REST and signaling errors and failed authentications, then the scrape is checked by Prometheus'
// own `promtool check metrics` (Debian's prometheus package) and its values against what the test did — on its own
// port (METRICS_PORT) with several I/O threads, and on the main port with one (where relays are delivered inline): 2 shards and 1.
// METRICS_ALLOW refuses other addresses with 403.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, describe, test } from 'node:test';

import { API, endCall, initiateCall, makeUser, parseMetrics, rest, startHearth, stopAll } from './lib/server.mjs';
import { closeAll, connectAs, emitAck, expectAckError, expectAckOk, joinCall, waitFor } from './lib/sockets.mjs';

const PROMTOOL = process.env.PROMTOOL || 'promtool';
const METRICS_RE = /hearth-call metrics on (http:\/\/127\.0\.0\.1:\d+\/metrics)/;

after(async () => {
  closeAll();
  await stopAll();
});

const samples = parseMetrics;

function value(map, key) {
  assert.ok(map.has(key), `no sample ${key} in the scrape`);
  return map.get(key);
}

async function scrape(url) {
  const res = await fetch(url);
  const body = await res.text();
  assert.equal(res.status, 200, body);
  assert.equal(res.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
  return body;
}

/** `promtool check metrics` on the scraped text: it must find nothing (lint problems exit non-zero). */
function promtoolCheck(text) {
  const run = spawnSync(PROMTOOL, ['check', 'metrics'], { input: text, encoding: 'utf8' });
  assert.ok(!run.error, `${PROMTOOL} could not run (Debian package prometheus): ${run.error?.message}`);
  assert.equal(run.status, 0, `promtool check metrics:\n${run.stdout}${run.stderr}`);
}

/** A metric's value after the server's counting of what the test just did has reached it. */
async function eventually(url, key, expected, what) {
  let last;
  for (let i = 0; i < 50; i++) {
    last = samples(await scrape(url)).get(key);
    if (last === expected) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(last, expected, what ?? key);
}

// A group call of alice and bob: offer, answer, two ICE candidates, a refused relay, a quality report each (alice's
// through a relayed candidate pair, bob's without the candidate type).
async function callWithRelays(server) {
  const alice = makeUser('alice');
  const bob = makeUser('bob');
  const a = await connectAs(server, alice);
  const b = await connectAs(server, bob);
  const { sessionId } = await initiateCall(server, alice, [bob]);
  await joinCall(a, sessionId);
  await joinCall(b, sessionId);
  const relay = async (from, to, event, body) => {
    expectAckOk(await emitAck(from, event, { sessionId, targetSocketId: to.id, ...body }), event);
    await waitFor(to, event);
  };
  await relay(a, b, 'webrtc_offer', { offer: { type: 'offer', sdp: 'v=0\r\n' } });
  await relay(b, a, 'webrtc_answer', { answer: { type: 'answer', sdp: 'v=0\r\n' } });
  await relay(a, b, 'webrtc_ice_candidate', { candidate: { candidate: 'candidate:1 1 udp 1 127.0.0.1 9 typ host' } });
  await relay(b, a, 'webrtc_ice_candidate', { candidate: { candidate: 'candidate:2 1 udp 1 127.0.0.1 9 typ host' } });
  // To a socket that is not in the call: forbidden, a signaling error.
  expectAckError(await emitAck(a, 'webrtc_offer', { sessionId, targetSocketId: 'nobody', offer: {} }), 'forbidden');
  let scored = 0;
  for (const [from, to, type] of [[a, b, 'relay'], [b, a, undefined]]) {
    const link = { socketId: to.id, rttMs: 40, jitterMs: 2, packetLossPct: 0 };
    if (type) link.localCandidateType = type;
    const data = expectAckOk(await emitAck(from, 'call_quality_report', { sessionId, links: [link] }), 'report');
    if (typeof data?.mos === 'number') scored += 1;
  }
  return { alice, bob, a, b, sessionId, scored };
}

// REST errors: an unknown session (404), a bad token (401, an authentication failure), an unknown path (404).
async function restErrors(server, user) {
  const missing = await rest(server, user).session('call_0000000000000_000000000');
  assert.equal(missing.status, 404);
  const bad = await fetch(`${server.url}${API}/history`, { headers: { authorization: 'Bearer not-a-token' } });
  assert.equal(bad.status, 401);
  await bad.arrayBuffer();
  const unknown = await fetch(`${server.url}/api/video-call/nope`);
  assert.equal(unknown.status, 404);
  await unknown.arrayBuffer();
}

async function checkLiveScrape(server, url, shards) {
  const before = samples(await scrape(url));
  const added = (m, key) => value(m, key) - (before.get(key) ?? 0);  // counters: what this call added
  const call = await callWithRelays(server);
  await restErrors(server, call.alice);
  const text = await scrape(url);
  promtoolCheck(text);
  const m = samples(text);

  assert.equal(value(m, 'hearth_calls_initiated_total{type="group"}'), 1);
  assert.equal(value(m, 'hearth_calls_active{type="group"}'), 1);
  assert.equal(value(m, 'hearth_participants_active'), 2);
  assert.equal(value(m, 'hearth_connected_sockets{transport="websocket"}'), 2);
  assert.equal(value(m, 'hearth_engineio_sessions'), 2);
  assert.equal(value(m, 'hearth_authenticated_users'), 2);
  assert.equal(value(m, 'hearth_relays_total{kind="offer"}'), 1);
  assert.equal(value(m, 'hearth_relays_total{kind="answer"}'), 1);
  assert.equal(value(m, 'hearth_relays_total{kind="ice_candidate"}'), 2);
  assert.equal(value(m, 'hearth_signaling_events_total{event="webrtc_offer"}'), 2);
  assert.equal(value(m, 'hearth_signaling_events_total{event="join_call_session"}'), 2);
  assert.equal(value(m, 'hearth_signaling_events_total{event="authenticate"}'), 2);
  assert.equal(value(m, 'hearth_errors_total{source="signaling",code="forbidden"}'), 1);
  assert.equal(added(m, 'hearth_errors_total{source="rest",code="404"}'), 2);
  assert.equal(added(m, 'hearth_errors_total{source="rest",code="401"}'), 1);
  assert.equal(value(m, 'hearth_auth_failures_total{transport="rest"}'), 1);
  // Both participants' set-ups were established by the one answer; each is timed.
  assert.equal(value(m, 'hearth_call_setups_total{outcome="established"}'), 2);
  assert.equal(value(m, 'hearth_call_setup_duration_seconds_count'), 2);
  assert.equal(value(m, 'hearth_call_setup_duration_seconds_bucket{le="+Inf"}'), 2);
  assert.equal(value(m, 'hearth_call_quality_mos_count'), call.scored);
  assert.equal(added(m, 'hearth_quality_links_total{candidate="relay"}'), 1);
  assert.equal(added(m, 'hearth_quality_links_total{candidate="unknown"}'), 1);
  assert.ok(value(m, 'hearth_relay_duration_seconds_count') >= 1, 'the first relay of a thread is timed');
  assert.equal(value(m, `hearth_http_request_duration_seconds_count{route="${API}/initiate"}`), 1);
  assert.equal(value(m, `hearth_http_request_duration_seconds_count{route="${API}/session/:sessionId"}`), 1);
  assert.equal(added(m, 'hearth_http_request_duration_seconds_count{route="unmatched"}'), 1);
  assert.ok(value(m, 'hearth_store_batch_size_count') >= 1);
  // Every batch is counted when taken, its commit once committed: never more commits than batches.
  assert.ok(value(m, 'hearth_store_commit_duration_seconds_count') >= 1);
  assert.ok(value(m, 'hearth_store_commit_duration_seconds_count') <= value(m, 'hearth_store_batch_size_count'));
  assert.ok(value(m, 'hearth_store_queue_capacity') > 0);
  // One shard per HEARTH_THREADS; what each handed to the others comes in batches, and a batch wakes its
  // destination at most once.
  assert.equal(value(m, 'hearth_shards'), shards);
  for (let i = 0; i < value(m, 'hearth_shards'); i++) {
    const tasks = value(m, `hearth_shard_handoffs_total{shard="${i}"}`);
    const batches = value(m, `hearth_shard_handoff_batches_total{shard="${i}"}`);
    assert.ok(batches <= tasks && value(m, `hearth_shard_wakeups_total{shard="${i}"}`) <= batches, `shard ${i}`);
  }

  // The end: counted by type and reason, the room and its participants gone.
  await endCall(server, call.alice, call.sessionId);
  await eventually(url, 'hearth_calls_active{type="group"}', 0, 'calls_active after the end');
  const ended = samples(await scrape(url));
  assert.equal(value(ended, 'hearth_calls_ended_total{type="group",reason="ended_by_user"}'), 1);
  assert.equal(value(ended, 'hearth_participants_active'), 0);
  call.a.disconnect();
  call.b.disconnect();
  await eventually(url, 'hearth_connected_sockets{transport="websocket"}', 0, 'sockets after disconnecting');
  await eventually(url, 'hearth_authenticated_users', 0, 'users after disconnecting');
  promtoolCheck(await scrape(url));
}

describe('GET /metrics', () => {
  test('on METRICS_PORT, several I/O threads: promtool accepts a live scrape, values follow a call', async () => {
    const server = await startHearth({ METRICS_PORT: '0', METRICS_ALLOW: undefined, HEARTH_THREADS: '2' });
    const url = METRICS_RE.exec(server.stdout())?.[1];
    assert.ok(url, `no metrics line in ${server.stdout()}`);
    // Not on the main port then.
    const main = await fetch(`${server.url}/metrics`);
    assert.equal(main.status, 404);
    await main.arrayBuffer();
    // Only /metrics on the metrics port.
    const other = await fetch(url.replace('/metrics', `${API}/history`));
    assert.equal(other.status, 404);
    assert.equal((await other.json()).success, false);
    await checkLiveScrape(server, url, 2);
  });

  test('on the main port, one I/O thread (relays delivered inline)', async () => {
    const server = await startHearth({ METRICS_PORT: undefined, METRICS_ALLOW: '127.0.0.1', HEARTH_THREADS: '1' });
    assert.doesNotMatch(server.stdout(), METRICS_RE);
    await checkLiveScrape(server, `${server.url}/metrics`, 1);
  });

  test('METRICS_ALLOW: other addresses get 403 with the error envelope', async () => {
    const server = await startHearth({ METRICS_PORT: undefined, METRICS_ALLOW: '10.0.0.0/8, ::1' });
    const res = await fetch(`${server.url}/metrics`);
    assert.equal(res.status, 403);
    const body = await res.json();
    assert.equal(body.success, false);
    assert.match(body.message, /METRICS_ALLOW/);
  });

  test('a bad METRICS_ALLOW stops the start with a message naming it', async () => {
    await assert.rejects(startHearth({ METRICS_ALLOW: '10.0.0.0/99' }), /METRICS_ALLOW: '10\.0\.0\.0\/99'/);
  });
});
