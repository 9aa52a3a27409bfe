// Webhooks (docs/webhooks.md): a real receiver on 127.0.0.1 gets every event of a call, in order, once each
// (deduplicated on id: delivery is at-least-once), each request signed with WEBHOOK_SECRET (verified here with
// HMAC-SHA256) — also after the receiver answered 503 or was not listening for a while, after the server was
// killed with SIGKILL in the middle, and after a SIGTERM. Events whose retry budget runs out are dropped. A
// receiver's requests share a kept connection (and TLS session); one it closed is replaced.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { closeAll, connect, emitAck, expectAckOk, joinCall, leaveCall } from '../e2e/lib/sockets.mjs';
import { SECRET, endCall, initiateCall, makeUser } from '../e2e/lib/server.mjs';
import { ISO_RE, makeTempDir, pollUntil, runCli, sleep, startServer, stopAll } from './lib/server.mjs';
import { assertAllSigned, startReceiver } from './lib/webhook_receiver.mjs';

const HOOK_SECRET = `whsec-${randomBytes(16).toString('hex')}`;
const receivers = [];

after(async () => {
  closeAll();
  await stopAll();
  await Promise.all(receivers.map((r) => r.stop()));
});

async function receiver(options) {
  const r = await startReceiver(HOOK_SECRET, options);
  receivers.push(r);
  return r;
}

// Fast retries so the tests do not wait for the production backoff.
function hearth(r, { dir, paths = ['/hooks'], env = {} } = {}) {
  return startServer({
    dir,
    secret: SECRET,
    env: {
      WEBHOOK_URLS: paths.map((p) => r.url(p)).join(','),
      WEBHOOK_SECRET: HOOK_SECRET,
      WEBHOOK_RETRY_INITIAL_MS: '100',
      WEBHOOK_RETRY_MAX_MS: '400',
      RECONNECT_GRACE_SECONDS: '1',
      ...env,
    },
  });
}

/** The events of one call: sequences 1..n without gaps, unique ids, ISO timestamps, all of `sessionId`. */
function assertWellFormed(events, sessionId) {
  assert.deepEqual(events.map((e) => e.sequence), events.map((_, i) => i + 1), 'sequence numbers 1..n in order');
  assert.equal(new Set(events.map((e) => e.id)).size, events.length, 'unique ids');
  for (const e of events) {
    assert.deepEqual(Object.keys(e).sort(), ['data', 'id', 'sequence', 'sessionId', 'timestamp', 'type']);
    assert.equal(e.sessionId, sessionId);
    assert.match(e.id, /^evt_[0-9a-z]{24}$/);
    assert.match(e.timestamp, ISO_RE);
  }
}

const types = (events) => events.map((e) => e.type);

/** A self-signed certificate (its own CA) for `san` ("DNS:…,IP:…"), made by the openssl command: {key, cert} PEM. */
function selfSigned(dir, name, san) {
  const key = join(dir, `${name}.key`);
  const cert = join(dir, `${name}.pem`);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', key, '-out', cert, '-days', '2', '-subj', `/CN=hearth-test-${name}`, '-addext', `subjectAltName=${san}`],
  { stdio: 'pipe' });
  return { key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8') };
}

/** hearth_webhook_deliveries_total{outcome="failed"} from the server's /metrics. */
async function failedAttempts(server) {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const m = /^hearth_webhook_deliveries_total\{outcome="failed"\} (\d+)$/m.exec(text);
  assert.ok(m, 'the failed-deliveries counter is exposed');
  return Number(m[1]);
}

/** A REST-only call: initiated by ann, ended by ann (call_initiated, call_ended). */
async function quickCall(server) {
  const ann = makeUser('ann');
  const bob = makeUser('bob');
  const { sessionId } = await initiateCall(server, ann, [bob]);
  await endCall(server, ann, sessionId);
  return { sessionId, ann };
}

describe('webhooks', () => {
  it('a call\'s events arrive in order, signed, with who left why and who ended it', async () => {
    const r = await receiver();
    const server = await hearth(r, { paths: ['/hooks', '/second'] });
    const [ann, bob, cat] = ['ann', 'bob', 'cat'].map((p) => makeUser(p));
    const sockets = await Promise.all([ann, bob, cat].map((user) => connect(server, { user, connectAuth: true })));
    const { sessionId } = await initiateCall(server, ann, [bob, cat]);
    for (const s of sockets) await joinCall(s, sessionId);
    sockets[2].disconnect(); // cat's grace (1 s) runs out: disconnected
    await leaveCall(sockets[1], sessionId); // bob leaves
    await sleep(1500);
    await endCall(server, ann, sessionId); // ann ends it

    const expected = ['call_initiated', 'participant_joined', 'participant_joined', 'call_started',
      'participant_joined', 'participant_left', 'participant_left', 'participant_left', 'call_ended'];
    const events = await r.waitFor(sessionId, expected.length);
    assert.deepEqual(types(events), expected);
    assertWellFormed(events, sessionId);
    assert.deepEqual(events[0].data, { initiatorId: ann.userId, sessionType: 'group', invitees: [bob.userId, cat.userId] });
    assert.deepEqual(events.filter((e) => e.type === 'participant_joined').map((e) => e.data),
      [ann, bob, cat].map((u) => ({ userId: u.userId, name: u.name })));
    assert.deepEqual(events[3].data, { participants: [ann.userId, bob.userId] });
    const left = Object.fromEntries(events.filter((e) => e.type === 'participant_left').map((e) => [e.data.userId, e.data.reason]));
    assert.deepEqual(left, { [bob.userId]: 'left', [cat.userId]: 'disconnected', [ann.userId]: 'call_ended' });
    const ended = events.at(-1).data;
    assert.equal(ended.reason, 'ended_by_user');
    assert.equal(ended.endedBy, ann.userId);
    assert.ok(Number.isInteger(ended.durationSeconds) && ended.durationSeconds >= 1, JSON.stringify(ended));
    for (let i = 1; i < events.length; ++i) assert.ok(events[i].timestamp >= events[i - 1].timestamp, 'timestamps in order');

    // The second URL is its own stream with the same events (same ids).
    const second = await r.waitFor(sessionId, expected.length, { path: '/second' });
    assert.deepEqual(second, events);
    assertAllSigned(r);
    assert.ok(r.requests.every((q) => q.answered === 204));
  });

  it('quality_alert once per change to poor, for each participant it concerns', async () => {
    const r = await receiver();
    const server = await hearth(r);
    const [ann, bob] = ['ann', 'bob'].map((p) => makeUser(p));
    const [a, b] = await Promise.all([ann, bob].map((user) => connect(server, { user, connectAuth: true })));
    const { sessionId } = await initiateCall(server, ann, [bob]);
    await joinCall(a, sessionId);
    await joinCall(b, sessionId);
    // bob receives ann at 30 % loss, four reports (within the burst of five): the link turns poor once.
    for (let i = 0; i < 4; ++i) {
      expectAckOk(await emitAck(b, 'call_quality_report', {
        sessionId, links: [{ socketId: a.id, rttMs: 300, jitterMs: 40, packetLossPct: 30 }],
      }));
    }
    await endCall(server, ann, sessionId);
    const ended = () => r.delivered().some((e) => e.sessionId === sessionId && e.type === 'call_ended');
    assert.ok(await pollUntil(ended, { timeoutMs: 20_000, intervalMs: 50 }), 'call_ended delivered');
    const events = r.delivered().filter((e) => e.sessionId === sessionId);
    assertWellFormed(events, sessionId);
    const alerts = events.filter((e) => e.type === 'quality_alert');
    assert.deepEqual([...new Set(alerts.map((e) => e.data.userId))].sort(), [ann.userId, bob.userId].sort(),
      JSON.stringify(alerts));
    for (const user of [ann, bob]) {
      // Once per change: never the same level twice in a row for a participant.
      const levels = alerts.filter((e) => e.data.userId === user.userId).map((e) => e.data.level);
      assert.ok(levels.length <= 2 && levels.every((l, i) => i === 0 || l !== levels[i - 1]), JSON.stringify(levels));
    }
    for (const e of alerts) {
      assert.ok(['poor', 'lost'].includes(e.data.level), JSON.stringify(e));
      assert.equal(typeof e.data.mos, 'number');
    }
    assert.ok(events.findIndex((e) => e.type === 'quality_alert') > events.findIndex((e) => e.type === 'call_started'));
    assert.equal(events.at(-1).type, 'call_ended');
    assertAllSigned(r);
  });

  it('retries while the receiver answers 503 or is not listening, then delivers in order', async () => {
    const r = await receiver();
    r.status = 503;
    const server = await hearth(r);
    const { sessionId, ann } = await quickCall(server);
    // Failing attempts, retried with backoff.
    for (let i = 0; i < 100 && r.requests.filter((q) => q.answered === 503).length < 3; ++i) await sleep(50);
    assert.ok(r.requests.filter((q) => q.answered === 503).length >= 3, `retries: ${r.requests.length}`);
    assert.ok(r.requests.every((q) => q.body.sessionId === sessionId && q.body.sequence === 1),
      'nothing after the first event of a stream while it is not delivered');
    await r.stop(); // connection refused for a while
    const refusedSince = r.requests.length;
    const other = await quickCall(server);
    await sleep(1200);
    assert.equal(r.requests.length, refusedSince);
    r.status = 204;
    await r.start(); // back, on the same port
    for (const id of [sessionId, other.sessionId]) {
      const events = await r.waitFor(id, 2);
      assert.deepEqual(types(events), ['call_initiated', 'call_ended']);
      assertWellFormed(events, id);
    }
    assertAllSigned(r);
    assert.ok(ann);
  });

  for (const signal of ['SIGKILL', 'SIGTERM']) {
    it(`events written before ${signal} are delivered after the restart, and sequences go on`, async () => {
      const r = await receiver();
      await r.stop(); // not listening: nothing can be delivered before the restart
      const dir = await makeTempDir();
      let server = await hearth(r, { dir });
      const ann = makeUser('ann');
      const bob = makeUser('bob');
      const { sessionId } = await initiateCall(server, ann, [bob]);
      const b = await connect(server, { user: bob, connectAuth: true });
      await joinCall(b, sessionId);
      await sleep(300); // a few refused attempts
      const exit = await server.stop(signal);
      if (signal === 'SIGTERM') assert.deepEqual(exit, { code: 0, signal: null }, server.stderr());
      else assert.deepEqual(exit, { code: null, signal: 'SIGKILL' });
      b.disconnect();

      await r.start();
      server = await hearth(r, { dir });
      let events = await r.waitFor(sessionId, 2);
      assert.deepEqual(types(events), ['call_initiated', 'participant_joined']);
      await endCall(server, ann, sessionId);
      events = await r.waitFor(sessionId, 4);
      assert.deepEqual(types(events), ['call_initiated', 'participant_joined', 'participant_left', 'call_ended']);
      assertWellFormed(events, sessionId);
      assertAllSigned(r);
      await server.stop('SIGKILL');
    });
  }

  it('drops an event whose retry budget ran out, counts it, and goes on with the next', async () => {
    const r = await receiver();
    r.status = 500;
    const server = await hearth(r, { env: { WEBHOOK_MAX_ATTEMPTS: '2' } });
    const first = await quickCall(server);
    for (let i = 0; i < 100 && r.requests.length < 4; ++i) await sleep(50);
    await sleep(300);
    assert.equal(r.requests.length, 4, 'two attempts of each of the two events');
    r.status = 204;
    const second = await quickCall(server);
    const events = await r.waitFor(second.sessionId, 2);
    assert.deepEqual(types(events), ['call_initiated', 'call_ended']);
    assert.equal(r.delivered().filter((e) => e.sessionId === first.sessionId).length, 0);
    assert.match(server.stderr(), /gave evt_\w+ \(event 1 of call/);
  });

  it('delivers to https:// receivers it can verify, by address and by name, and to none it cannot', async () => {
    const dir = await makeTempDir();
    const good = selfSigned(dir, 'good', 'DNS:localhost,IP:127.0.0.1');
    const untrusted = selfSigned(dir, 'untrusted', 'DNS:localhost,IP:127.0.0.1'); // not in WEBHOOK_CA_FILE
    const otherName = selfSigned(dir, 'other', 'DNS:other.test'); // trusted, but for another name
    const caFile = join(dir, 'trusted.pem');
    await writeFile(caFile, good.cert + otherName.cert);
    const [ok, byName, bad, wrong] = await Promise.all([
      receiver({ tls: good }), receiver({ tls: good, host: 'localhost' }),
      receiver({ tls: untrusted }), receiver({ tls: otherName })]);
    const server = await startServer({
      secret: SECRET,
      env: {
        WEBHOOK_URLS: [ok.url(), byName.url(), bad.url(), wrong.url()].join(','),
        WEBHOOK_SECRET: HOOK_SECRET,
        WEBHOOK_CA_FILE: caFile,
        WEBHOOK_RETRY_INITIAL_MS: '100',
        WEBHOOK_RETRY_MAX_MS: '200',
        WEBHOOK_MAX_ATTEMPTS: '2',
      },
    });
    const { sessionId } = await quickCall(server);
    for (const r of [ok, byName]) {
      const events = await r.waitFor(sessionId, 2);
      assert.deepEqual(types(events), ['call_initiated', 'call_ended']);
      assertWellFormed(events, sessionId);
      assertAllSigned(r);
      assert.equal(r.tlsErrors, 0);
    }
    const gaveUp = (url) => server.stderr().split('\n').filter((l) => l.includes('gave evt_') && l.includes(url));
    assert.ok(await pollUntil(() => gaveUp(bad.url()).length === 2 && gaveUp(wrong.url()).length === 2,
      { timeoutMs: 20_000, intervalMs: 50 }), server.stderr());
    for (const r of [bad, wrong]) {
      assert.equal(r.requests.length, 0, 'no request reaches a receiver that was not verified');
      assert.ok(r.tlsErrors >= 4, `handshakes refused: ${r.tlsErrors}`);
      for (const line of gaveUp(r.url())) assert.match(line, /last: TLS handshake: certificate verify failed/);
    }
  });

  it('a receiver\'s events share one kept connection, and one TLS handshake', async () => {
    const dir = await makeTempDir();
    const cert = selfSigned(dir, 'kept', 'IP:127.0.0.1');
    const caFile = join(dir, 'ca.pem');
    await writeFile(caFile, cert.cert);
    const [plain, secure] = await Promise.all([receiver(), receiver({ tls: cert })]);
    const server = await hearth(plain, { env: { WEBHOOK_URLS: `${plain.url()},${secure.url()}`, WEBHOOK_CA_FILE: caFile } });
    for (let i = 0; i < 3; ++i) { // one call after the other: one request at a time per receiver
      const { sessionId } = await quickCall(server);
      for (const r of [plain, secure]) assert.equal((await r.waitFor(sessionId, 2)).length, 2);
    }
    for (const r of [plain, secure]) {
      assert.equal(r.requests.length, 6);
      assert.ok(r.requests.every((q) => q.headers.connection !== 'close'), 'keep-alive requested');
      assert.equal(r.connections, 1, 'six requests over one connection');
      assertAllSigned(r);
    }
    assert.equal(secure.handshakes, 1);
    assert.equal(await failedAttempts(server), 0);
  });

  it('a kept connection the receiver closed is replaced, without a failed attempt', async () => {
    const [idle, abrupt] = await Promise.all([receiver(), receiver()]);
    idle.idleCloseMs = 100; // closes a kept connection idle for 100 ms
    abrupt.closeAfterAnswer = true; // drops each connection once it has answered, without saying so
    for (const r of [idle, abrupt]) {
      const server = await hearth(r);
      for (let i = 0; i < 3; ++i) {
        const { sessionId } = await quickCall(server);
        assert.deepEqual(types(await r.waitFor(sessionId, 2)), ['call_initiated', 'call_ended']);
        await sleep(300);
      }
      assert.equal(r.requests.length, 6, 'each event once');
      assert.ok(r.connections >= 3, `connections: ${r.connections}`);
      assert.equal(await failedAttempts(server), 0);
    }
  });

  it('refuses bad webhook settings at start, naming the variable', async () => {
    const base = { HEARTH_ENV: 'production', JWT_SECRET: SECRET, DATABASE_URL: 'sqlite::memory:' };
    const cases = [
      [{ WEBHOOK_URLS: 'ftp://example.test/hook', WEBHOOK_SECRET: HOOK_SECRET }, /WEBHOOK_URLS.*ftp/],
      [{ WEBHOOK_URLS: 'https://example.test/hook', WEBHOOK_SECRET: HOOK_SECRET, WEBHOOK_CA_FILE: '/nonexistent/ca.pem' },
        /WEBHOOK_CA_FILE.*\/nonexistent\/ca\.pem/],
      [{ WEBHOOK_URLS: 'https://example.test/hook', WEBHOOK_SECRET: HOOK_SECRET, WEBHOOK_CA_FILE: '/dev/null' },
        /WEBHOOK_CA_FILE/],
      [{ WEBHOOK_URLS: 'not a url', WEBHOOK_SECRET: HOOK_SECRET }, /WEBHOOK_URLS/],
      [{ WEBHOOK_URLS: 'http://127.0.0.1:9/hook' }, /WEBHOOK_SECRET is required/],
      [{ WEBHOOK_URLS: 'http://127.0.0.1:9/hook', WEBHOOK_SECRET: 'short' }, /WEBHOOK_SECRET must be at least 16/],
    ];
    for (const [env, message] of cases) {
      const res = await runCli(['serve', '--host', '127.0.0.1', '--port', '0'], { env: { ...base, ...env }, timeoutMs: 10_000 });
      assert.equal(res.timedOut, false);
      assert.notEqual(res.code, 0);
      assert.match(res.stderr, message);
    }
  });
});
