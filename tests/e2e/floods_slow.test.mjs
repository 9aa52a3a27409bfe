// Slow and stuck clients (issue 12, "Abuse and faults"): slowloris headers, half-open TCP (silent connections, half a
// request, WebSockets that go silent), one WebSocket client flooding as fast as it can on a server with one I/O thread
// (fair reading), and many WebSocket clients that flood requests but never read. Each comes from other loopback
// addresses than the call of two socket.io-client participants that relays every 100 ms meanwhile (watchFlood); each
// checks the documented answer, the relays and /healthz, and the server's RSS during and after.
//
// The two tests run at the same time (the slowloris test mostly waits for the server's timeouts, shortened from the
// defaults of 75 s for the headers and 30 s for the rest of a request with HTTP_IDLE_TIMEOUT_SECONDS and
// HTTP_REQUEST_TIMEOUT_SECONDS), so the file takes about 30 s.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';

import {
  assertCarriedOn, assertHealthProbe, assertRelayed, assertRssBack, boundFactor, floodServerEnv, healthProbe,
  httpRequestText, inWorker, makeUser, mb, sleep, startHearth, stopAll, stopFloodProbes, tcpConnect, watchFlood, within,
} from './lib/server.mjs';
import { closeAll } from './lib/sockets.mjs';

after(async () => {
  await stopFloodProbes();
  closeAll();
  await stopAll();
});

const range = (n) => Array.from({ length: n }, (_, i) => i);
const HEADER_TIMEOUT_MS = 15_000; // HTTP_IDLE_TIMEOUT_SECONDS: the headers must arrive within this (default 75 s)
const BODY_TIMEOUT_MS = 8_000; // HTTP_REQUEST_TIMEOUT_SECONDS: the rest of a request within this (default 30 s)
const SLACK_MS = 5_000; // timers on a loaded machine

/** What the server sent before closing: nothing (docs/api.md: "closed without an answer"), or a 408. */
function assertNoAnswerOr408(conn, what) {
  const got = conn.received().toString('latin1');
  assert.ok(got === '' || got.startsWith('HTTP/1.1 408'), `${what}: answered ${JSON.stringify(got.slice(0, 120))}`);
}

describe('slow and stuck clients', { concurrency: true }, () => {
  test('slowloris headers (one byte a second) and half-open TCP are closed at their timeouts; the call relays meanwhile', { timeout: 90_000 }, async (t) => {
    const PING_MS = 2_000;
    const server = await startHearth({ ...floodServerEnv(),
      PING_INTERVAL_MS: PING_MS, PING_TIMEOUT_MS: PING_MS,
      HTTP_IDLE_TIMEOUT_SECONDS: HEADER_TIMEOUT_MS / 1000, HTTP_REQUEST_TIMEOUT_SECONDS: BODY_TIMEOUT_MS / 1000,
    });
    const watch = await watchFlood(server);
    const start = Date.now();
    const slow = await Promise.all(range(30).map(() => tcpConnect(server, { localAddress: '127.0.0.2' })));
    const silent = await Promise.all(range(30).map(() => tcpConnect(server, { localAddress: '127.0.0.3' })));
    const halfBody = await Promise.all(range(30).map(() => tcpConnect(server, { localAddress: '127.0.0.4' })));
    const halfWs = await Promise.all(range(20).map(() => tcpConnect(server, { localAddress: '127.0.0.5' })));
    // Slowloris: a request line, then a header one byte a second that never ends.
    for (const c of slow) c.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
    const drip = setInterval(() => { for (const c of slow) c.write('a'); }, 1_000);
    // Half a request: complete headers announcing 1,000 bytes, 100 sent.
    for (const c of halfBody) {
      c.write(httpRequestText('POST', '/api/video-call/initiate', {
        headers: { 'content-type': 'application/json', 'content-length': 1_000 } }).toString('latin1') + '{'.padEnd(100, ' '));
    }
    // WebSockets that upgrade and then say nothing (half of them after half a frame header).
    for (const c of halfWs) {
      c.write(httpRequestText('GET', '/socket.io/?EIO=4&transport=websocket', { headers: {
        upgrade: 'websocket', connection: 'Upgrade', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==', 'sec-websocket-version': 13 } }));
    }
    const upgrades = await Promise.all(halfWs.map((c) => c.response(5_000)));
    const upgradedAt = Date.now();
    for (const r of upgrades) assert.equal(r?.status, 101, 'the silent WebSockets upgrade');
    halfWs.forEach((c, i) => { if (i % 2) c.write(Buffer.from([0x81, 0xfe])); });

    // 6 s of the flood, everything held: the call relays, /healthz answers, memory stays flat.
    await sleep(6_000);
    const seen = await watch.finish();
    assertCarriedOn(t, seen, { peakMb: 16, what: 'slowloris and half-open' });

    // Silent WebSockets: closed by the heartbeat (a ping every 2 s, no pong within 2 s).
    const wsDeadline = upgradedAt + 2 * PING_MS + SLACK_MS;
    const wsClosed = await Promise.all(halfWs.map((c) => within(c.closed, Math.max(0, wsDeadline - Date.now()), 'close').catch(() => null)));
    assert.equal(wsClosed.filter((x) => x === null).length, 0,
      `silent WebSockets still open ${Date.now() - upgradedAt} ms after they upgraded (heartbeat ${2 * PING_MS} ms)`);

    // The rest, at their timeouts; /healthz is asked once a second meanwhile.
    const health = healthProbe(server, { intervalMs: 1_000 });
    const closedBy = async (conns, ms, what) => {
      const times = await Promise.all(conns.map((c) => within(c.closed, start + ms + SLACK_MS - Date.now(), `${what}: close`).then((x) => x.at - start)));
      for (const c of conns) assertNoAnswerOr408(c, what);
      t.diagnostic(`${what}: closed ${Math.min(...times)}–${Math.max(...times)} ms after connecting (timeout ${ms} ms)`);
      assert.ok(Math.min(...times) >= ms - 1_000, `${what}: closed after ${Math.min(...times)} ms, before its timeout of ${ms} ms`);
      return times;
    };
    try {
      await closedBy(halfBody, BODY_TIMEOUT_MS, 'half a request body');
      await closedBy(silent, HEADER_TIMEOUT_MS, 'silent connection');
      await closedBy(slow, HEADER_TIMEOUT_MS, 'slowloris headers');
    } finally {
      clearInterval(drip);
    }
    const later = await health.stop();
    assertHealthProbe(later, { minCount: 5, maxMs: 2_000 * boundFactor(), what: '/healthz until the timeouts' });
    watch.call.stop();
    await watch.call.settle();
    assertRelayed(watch.call.stats({ from: watch.from }), { minSent: 50, maxLatencyMs: 2_000 * boundFactor(), what: 'relays until the timeouts' });
    await assertRssBack(t, server, seen.baseline, 8, 'slowloris and half-open');
  });

  test('busy clients on one I/O thread (HEARTH_THREADS=1)', { timeout: 110_000 }, async (t) => {
    const server = await startHearth({ ...floodServerEnv(), HEARTH_THREADS: 1 });

    await t.test('one WebSocket client flooding as fast as it can does not starve /healthz or the call (fair reading)', async (t2) => {
      const watch = await watchFlood(server, { health: { intervalMs: 100 } });
      // The flooder writes pre-built frames (masked with a zero key, so no per-frame work on its side) of small
      // events for a namespace it has not connected, which the server reads, decodes and ignores (no answer: a flood
      // of answered events would only get it dropped at the outbound bound, as the next test shows).
      const flood = await inWorker(async ({ port, ms, token }) => {
        const net = require('node:net');
        const frame = (text) => {
          const payload = Buffer.from(text);
          const head = payload.length < 126 ? Buffer.from([0x81, 0x80 | payload.length])
            : Buffer.from([0x81, 0x80 | 126, payload.length >> 8, payload.length & 255]);
          return Buffer.concat([head, Buffer.alloc(4), payload]);
        };
        const socket = net.connect({ host: '127.0.0.1', port, localAddress: '127.0.0.2' });
        let received = 0;
        let text = '';
        let closed = null;
        socket.on('close', () => { closed = closed ?? 'closed'; });
        socket.on('error', (e) => { closed = e.code; });
        await new Promise((resolve) => socket.once('connect', resolve));
        socket.write('GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n'
          + 'Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n');
        await new Promise((resolve) => {
          socket.on('data', (d) => {
            received += d.length;
            if (text.length < 4096) text += d.toString('latin1');
            if (text.includes('"sid"')) resolve();
          });
        });
        socket.write(frame(`40${JSON.stringify({ token })}`));
        await new Promise((resolve) => setTimeout(resolve, 200));
        const burst = Buffer.concat(Array.from({ length: 40_000 }, () => frame('42/elsewhere,["flood",{}]')));
        const end = Date.now() + ms;
        let bytes = 0;
        while (Date.now() < end && closed === null) {
          if (socket.writableLength < 4 << 20) {
            socket.write(burst);
            bytes += burst.length;
          }
          await new Promise((resolve) => setTimeout(resolve, 1));
        }
        const wasClosed = closed;
        socket.destroy();
        return { frames: (bytes / burst.length) * 40_000, mb: bytes / 1048576, answers: received, closed: wasClosed };
      }, { port: server.port, ms: 8_000, token: makeUser('flooder').token });
      const seen = await watch.finish();
      t2.diagnostic(`fair reading: the flooder sent ${flood.frames} events (${flood.mb.toFixed(0)} MB) and read ${flood.answers} bytes in 8 s`);
      assert.equal(flood.closed, null, 'the flooder is not disconnected (what it sends is allowed, only too much of it)');
      assert.ok(flood.mb >= 20, `the flooder kept the connection busy: ${flood.mb.toFixed(0)} MB`);
      // With one thread, every connection waits for the flooder's turns: bounded turns keep each wait short (a
      // thread that reads the flooder for as long as it has data stalls the others for seconds).
      assertCarriedOn(t2, seen, { peakMb: 48, what: 'fair reading', relayMaxMs: 1_500, healthMaxMs: 1_500 });
      watch.call.stop();
      await assertRssBack(t2, server, seen.baseline, 16, 'fair reading');
    });

    await t.test('20 WebSocket clients that flood requests and never read are each dropped at the 1 MiB outbound bound', async (t2) => {
      const watch = await watchFlood(server);
      // Each authenticates, stops reading, and sends unknown events with 1,000-character names: each is answered with
      // a call_error naming the event (about 1 KB), which piles up on the server's side of the connection.
      const result = await inWorker(async ({ port, tokens, ms }) => {
        const name = 'n'.repeat(1_000);
        const frame = `42${JSON.stringify([name, {}])}`;
        const clients = await Promise.all(tokens.map((token) => floodClient(port, { localAddress: '127.0.0.3', token })));
        for (const c of clients) c.ws.pause(); // never read again
        const start = Date.now();
        const out = clients.map(() => ({ sentMb: 0, closedAfterMs: null }));
        while (Date.now() - start < ms && out.some((o) => o.closedAfterMs === null)) {
          clients.forEach((c, i) => {
            if (out[i].closedAfterMs !== null) return;
            if (c.closed !== null || c.ws.readyState !== 1) {
              out[i].closedAfterMs = Date.now() - start;
              return;
            }
            for (let k = 0; k < 64 && c.ws.bufferedAmount < 1 << 20; k++) {
              c.ws.send(frame);
              out[i].sentMb += frame.length / 1048576;
            }
          });
          await new Promise((r) => setTimeout(r, 5));
        }
        for (const c of clients) c.ws.terminate();
        return out;
      }, { port: server.port, tokens: range(20).map(() => makeUser('deaf').token), ms: 30_000 });
      const seen = await watch.finish();
      const times = result.map((r) => r.closedAfterMs);
      const sent = result.map((r) => r.sentMb);
      t2.diagnostic(`never-reading clients: sent ${Math.min(...sent).toFixed(1)}–${Math.max(...sent).toFixed(1)} MB each; `
        + `dropped after ${times.map((x) => x ?? 'never').join(', ')} ms`);
      assert.deepEqual(times.filter((x) => x === null), [], 'every never-reading client is disconnected within 30 s');
      assertCarriedOn(t2, seen, { peakMb: 64, what: 'never-reading clients' });
      watch.call.stop();
      await assertRssBack(t2, server, seen.baseline, 16, 'never-reading clients');
    });
  });
});
