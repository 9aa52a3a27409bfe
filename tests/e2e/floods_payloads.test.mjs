// Floods of requests and payloads (issue 12, "Abuse and faults"): events per socket, REST per user and per address,
// oversized WebSocket frames, request bodies and headers, deep JSON, invalid UTF-8, many binary attachments. Each
// comes from other loopback addresses than the call of two socket.io-client participants that relays every 100 ms
// meanwhile (watchFlood); each checks the documented answer, that every relay arrives within 2 s and /healthz answers
// within 2 s, and the server's RSS against its baseline during and after (assertCarriedOn, assertRssBack).
import assert from 'node:assert/strict';
import { after, test } from 'node:test';

import {
  API, assertCarriedOn, assertRssBack, floodServerEnv, httpOnce, httpRequestText, initiateCall, inWorker, makeUser, MB, mb,
  nextAddress, repeatFor, rssOf, sleep, startHearth, stopAll, stopFloodProbes, tcpConnect, watchFlood, within,
} from './lib/server.mjs';
import { mint } from '../integration/lib/jwt.mjs';
import { closeAll, connect, floodSocket, joinCall, received, waitFor } from './lib/sockets.mjs';

after(async () => {
  await stopFloodProbes();
  closeAll();
  await stopAll();
});

const range = (n) => Array.from({ length: n }, (_, i) => i);
const MAX_PAYLOAD = 1_000_000;
const FLOOD_MS = 3_000; // each flood is repeated for this long while the call relays

/**
 * Sends a request's head, gives the server `waitMs` to answer before the body (a server may refuse on the headers
 * alone, and a client still sending would then see a reset), then the body (in `chunked` framing if asked); resolves
 * the response (null if closed without one) and whether the server closed the connection after it.
 */
async function staged(server, method, path, { localAddress = '127.0.0.2', headers = {}, body = '', chunked = false, waitMs = 300 } = {}) {
  const conn = await tcpConnect(server, { localAddress });
  const h = { ...headers, ...(chunked ? { 'transfer-encoding': 'chunked' } : { 'content-length': Buffer.byteLength(body) }) };
  conn.write(httpRequestText(method, path, { headers: h }));
  const early = conn.response(waitMs).catch(() => undefined);
  let res = await early;
  if (res === undefined) {
    // In one write, and only a little past a limit: a write node still has queued when the server closes fails
    // (EPIPE), and node then drops the answer it had not read yet.
    const bytes = Buffer.from(body);
    const pieces = [];
    for (let at = 0; at < bytes.length; at += 64 * 1024) {
      const piece = bytes.subarray(at, at + 64 * 1024);
      pieces.push(chunked ? Buffer.concat([Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n')]) : piece);
    }
    if (chunked) pieces.push(Buffer.from('0\r\n\r\n'));
    conn.write(Buffer.concat(pieces));
    res = await conn.response(10_000);
  }
  // An error answer closes the connection (wait for it); a success keeps it open.
  const closed = res && res.status < 400 ? conn.isClosed : await within(conn.closed, 3_000, 'close').then(() => true, () => false);
  conn.destroy();
  return { res, closed };
}

/** Asserts the JSON error envelope {success:false, message} with `status` (and the message matching `message`). */
function assertJsonError(res, status, message, what) {
  assert.equal(res?.status, status, `${what}: ${res?.statusLine ?? 'no answer'} ${res?.text?.slice(0, 200) ?? ''}`);
  assert.match(res.headers['content-type'] ?? '', /^application\/json/i, `${what}: content-type`);
  assert.equal(res.json?.success, false, `${what}: ${res.text}`);
  if (message) assert.match(res.json.message, message, `${what}: message`);
}

/** Opens a long-polling Engine.IO session from `localAddress`; resolves its polling path (with the sid). */
async function pollingSession(server, localAddress) {
  const { res, conn } = await httpOnce(server, 'GET', '/socket.io/?EIO=4&transport=polling', { localAddress });
  conn.destroy();
  assert.equal(res?.status, 200, `polling handshake: ${res?.text}`);
  return `/socket.io/?EIO=4&transport=polling&sid=${JSON.parse(res.text.slice(1)).sid}`;
}

/** Whether the polling session at `path` is still open: a POST of a noop packet is taken (200), not refused (400). */
async function pollingOpen(server, path, localAddress) {
  const { res, conn } = await httpOnce(server, 'POST', path, { localAddress, headers: { 'content-type': 'text/plain;charset=UTF-8' }, body: '6' });
  conn.destroy();
  assert.ok(res?.status === 200 || res?.status === 400, `POST to ${path}: ${res?.statusLine} ${res?.text}`);
  return res.status === 200;
}

/** Asserts a raw WebSocket from floodSocket is closed by the server with one of `codes` within `ms`. */
async function assertClosedWith(s, codes, ms, what) {
  const { code } = await within(s.closed, ms, `${what}: close`);
  assert.ok(codes.includes(code), `${what}: close code ${code}, expected one of ${codes}`);
  return code;
}

test('events per socket (SOCKET_EVENTS_PER_SECOND=50, bursts of 100): a socket flooding relays gets rate_limited; little reaches its target', { timeout: 90_000 }, async (t) => {
  const RATE = 50;
  const server = await startHearth({ ...floodServerEnv(), SOCKET_EVENTS_PER_SECOND: RATE });
  const watch = await watchFlood(server);
  const [victim, mallory] = [makeUser('victim'), makeUser('mallory')];
  const v = await connect(server, { user: victim, connectAuth: true });
  const { sessionId } = await initiateCall(server, victim, [mallory]);
  await joinCall(v, sessionId);
  const flood = await inWorker(async ({ port, token, sessionId: sid, target, count }) => {
    const c = await floodClient(port, { localAddress: '127.0.0.2', token });
    let limited = 0;
    c.onMessage = (m) => { if (m && m.includes('"code":"rate_limited"')) limited += 1; };
    const joined = c.next((m) => m.startsWith('431['));
    c.ws.send(`421${JSON.stringify(['join_call_session', { sessionId: sid }])}`);
    await joined;
    const t0 = Date.now();
    let sent = 0;
    while (sent < count && c.closed === null) {
      while (c.ws.bufferedAmount < 1 << 20 && sent < count) {
        c.ws.send(`42${JSON.stringify(['webrtc_ice_candidate', { sessionId: sid, targetSocketId: target, candidate: { n: sent } }])}`);
        sent += 1;
      }
      await new Promise((r) => setImmediate(r));
    }
    const sendMs = Date.now() - t0;
    await new Promise((r) => setTimeout(r, 1_500));
    const closed = c.closed;
    c.ws.close();
    return { sent, sendMs, limited, closed };
  }, { port: server.port, token: mallory.token, sessionId, target: v.id, count: 20_000 });
  const seen = await watch.finish();
  const got = received(v, 'webrtc_ice_candidate', (p) => p.fromUserId === mallory.userId).length;
  const allowed = 2 * RATE + RATE * Math.ceil((flood.sendMs + 1_500) / 1_000) + 10;
  t.diagnostic(`events flood: ${flood.sent} sent in ${flood.sendMs} ms, ${flood.limited} rate_limited, ${got} delivered (allowed ${allowed})`);
  assert.equal(flood.closed, null, 'the flooding socket stays connected (its events are dropped)');
  assert.ok(flood.limited >= flood.sent - allowed - 100, `call_error rate_limited for the dropped events: ${flood.limited} of ${flood.sent}`);
  assert.ok(got >= 2 * RATE && got <= allowed, `${got} of mallory's relays reached the target, allowed ${2 * RATE}..${allowed}`);
  assertCarriedOn(t, seen, { peakMb: 32, what: 'events flood' });
  watch.call.stop();
  await assertRssBack(t, server, seen.baseline, 16, 'events flood');
});

test('REST per user (RATE_LIMIT_PER_MINUTE=20) and bad tokens per address (AUTH_FAILURES_PER_MINUTE=10): 429 with Retry-After', { timeout: 90_000 }, async (t) => {
  const server = await startHearth({ ...floodServerEnv(), RATE_LIMIT_PER_MINUTE: 20, AUTH_FAILURES_PER_MINUTE: 10 });
  const watch = await watchFlood(server);
  const get = async (token, localAddress) => {
    const { res, conn } = await httpOnce(server, 'GET', `${API}/history`, { localAddress, headers: { authorization: `Bearer ${token}` } });
    conn.destroy();
    return res;
  };
  const batches = async (n, fn) => {
    const out = [];
    for (let i = 0; i < n; i += 25) out.push(...await Promise.all(range(Math.min(25, n - i)).map(fn)));
    return out;
  };
  // One user, batches of 25 requests from four addresses for FLOOD_MS: the burst of 20 is served (and one more per
  // 3 s refilled), the rest 429.
  const greedy = makeUser('greedy');
  const t0 = Date.now();
  const answers = (await repeatFor(FLOOD_MS, () => batches(25, (i) => get(greedy.token, `127.0.0.${2 + (i % 4)}`)))).flat();
  const ok = answers.filter((r) => r?.status === 200).length;
  const refilled = Math.ceil((Date.now() - t0) / 3_000);
  t.diagnostic(`per-user flood: ${ok} of ${answers.length} served`);
  assert.ok(ok >= 20 && ok <= 20 + refilled, `served ${ok} of ${answers.length} for one user (burst 20, ${refilled} refilled)`);
  for (const r of answers.filter((x) => x?.status !== 200)) {
    assertJsonError(r, 429, /^Too many requests/, 'per-user flood');
    assert.match(r.headers['retry-after'] ?? '', /^\d+$/);
    assert.ok(Number(r.headers['retry-after']) >= 1 && Number(r.headers['retry-after']) <= 60);
  }
  assert.equal((await get(makeUser('polite').token, '127.0.0.2'))?.status, 200, 'another user from the same addresses');

  // Bad tokens from 127.0.0.6: 10 get 401, the rest 429; a valid token from there still works; other addresses get 401.
  const forged = mint({ sub: 'mallory' }, 'not-the-secret');
  const t1 = Date.now();
  const bad = (await repeatFor(FLOOD_MS, () => batches(25, () => get(forged, '127.0.0.6')))).flat();
  const unauthorized = bad.filter((r) => r?.status === 401).length;
  t.diagnostic(`bad-token flood: ${unauthorized} of ${bad.length} answered 401, the rest 429`);
  assert.ok(unauthorized >= 10 && unauthorized <= 10 + Math.ceil((Date.now() - t1) / 6_000), `401s before the limit: ${unauthorized}`);
  for (const r of bad.filter((x) => x?.status !== 401)) {
    assertJsonError(r, 429, /^Too many failed authentications/, 'bad-token flood');
    assert.equal(r.headers['retry-after'], '60');
  }
  assert.equal((await get(makeUser('honest').token, '127.0.0.6'))?.status, 200, 'a valid token from the flooding address');
  assert.equal((await get(forged, '127.0.0.7'))?.status, 401, 'a bad token from another address');
  const seen = await watch.finish();
  assertCarriedOn(t, seen, { peakMb: 32, what: 'REST floods' });
  watch.call.stop();
  await assertRssBack(t, server, seen.baseline, 16, 'REST floods');
});

test('oversized WebSocket frames (over MAX_PAYLOAD_BYTES, text and binary): each connection is closed with 1009, nothing buffered', { timeout: 90_000 }, async (t) => {
  const server = await startHearth(floodServerEnv());
  const watch = await watchFlood(server);
  // Rounds of 12 sockets: a 2 MB text event, a 1 MB + 1 binary frame, an 8 MB frame. In a worker thread: masking
  // megabytes would hold up the probes' event loop.
  const rounds = await inWorker(async ({ port, ms, maxPayload, addresses }) => {
    const text = `42${JSON.stringify(['webrtc_offer', { pad: 'q'.repeat(2 * maxPayload) }])}`;
    const huge = '4'.padEnd(8 * maxPayload, 'x');
    const binary = Buffer.alloc(maxPayload + 1, 7);
    const out = [];
    const end = Date.now() + ms;
    let n = 0;
    do {
      const clients = await Promise.all(Array.from({ length: 12 }, () => floodClient(port, { localAddress: addresses[n++ % addresses.length] })));
      clients.forEach((c, i) => {
        if (i % 3 === 0) c.ws.send(text);
        else if (i % 3 === 1) c.ws.send(binary, { binary: true });
        else c.ws.send(huge);
      });
      const deadline = Date.now() + 10_000;
      while (clients.some((c) => c.closed === null) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      out.push(clients.map((c) => c.closed ?? 'open'));
      for (const c of clients) c.ws.terminate();
    } while (Date.now() < end);
    return out;
  }, { port: server.port, ms: FLOOD_MS, maxPayload: MAX_PAYLOAD, addresses: range(60).map(() => nextAddress()) });
  const codes = rounds.flat();
  t.diagnostic(`${codes.length} oversized frames in ${rounds.length} rounds; close codes: ${[...new Set(codes)].join(', ')}`);
  // 1009 (message too big); 1006 when the reset reaches the client before the close frame it still had to read.
  for (const [i, code] of codes.entries()) assert.ok([1009, 1006].includes(code), `oversized frame ${i}: close code ${code}`);
  assert.ok(codes.includes(1009), 'at least one client read the 1009 close frame');
  const seen = await watch.finish();
  assertCarriedOn(t, seen, { peakMb: 48, what: 'oversized frames' });
  watch.call.stop();
  await assertRssBack(t, server, seen.baseline, 16, 'oversized frames');
});

test('oversized bodies: REST over 64 KiB → 413 either framing; polling bodies up to MAX_PAYLOAD_BYTES accepted either framing, 413 above', { timeout: 90_000 }, async (t) => {
  const server = await startHearth(floodServerEnv());
  const watch = await watchFlood(server);
  const token = makeUser('bodies').token;
  const rest = (body, chunked) => staged(server, 'POST', `${API}/initiate`, {
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body, chunked,
  });
  // 1 MB announced with Content-Length (refused on the headers), 100 KB chunked (refused past 64 KiB).
  const body = (n) => JSON.stringify({ sessionType: 'group', participants: ['u1'], metadata: { description: 'd'.repeat(n) } });
  const [big, chunkedBig] = [body(MAX_PAYLOAD), body(100_000)];
  const restAnswers = (await repeatFor(FLOOD_MS, () => Promise.all(range(10).map((i) => rest(i % 2 ? chunkedBig : big, i % 2 === 1))))).flat();
  t.diagnostic(`${restAnswers.length} oversized REST bodies`);
  for (const [i, { res, closed }] of restAnswers.entries()) {
    assertJsonError(res, 413, /too large/i, `oversized REST body (${i % 2 ? 'chunked' : 'Content-Length'})`);
    assert.ok(closed, 'the connection is closed after a 413');
  }

  // Engine.IO polling: a body of MAX_PAYLOAD_BYTES − 1000 (one noop packet) is accepted with either framing.
  const noop = (size) => `6${'n'.repeat(size - 1)}`;
  for (const chunked of [false, true]) {
    const path = await pollingSession(server, '127.0.0.3');
    const { res } = await staged(server, 'POST', path, { localAddress: '127.0.0.3', headers: { 'content-type': 'text/plain;charset=UTF-8' },
      body: noop(MAX_PAYLOAD - 1_000), chunked });
    const framing = chunked ? 'chunked' : 'Content-Length';
    assert.equal(res?.status, 200, `polling POST of ${MAX_PAYLOAD - 1_000} bytes (${framing}): ${res?.statusLine} ${res?.text?.slice(0, 200)}`);
    assert.equal(res.text, 'ok');
    assert.ok(await pollingOpen(server, path, '127.0.0.3'), 'the session is still open');
  }
  // Over MAX_PAYLOAD_BYTES: 413 with either framing, and that session is closed (docs/protocol.md, Limits).
  const over = [];
  for (const chunked of [false, true]) {
    const path = await pollingSession(server, '127.0.0.3');
    const { res } = await staged(server, 'POST', path, { localAddress: '127.0.0.3', headers: { 'content-type': 'text/plain;charset=UTF-8' },
      body: noop(MAX_PAYLOAD + 10), chunked });
    over.push({ framing: chunked ? 'chunked' : 'Content-Length', status: res?.status, sessionOpen: await pollingOpen(server, path, '127.0.0.3') });
  }
  t.diagnostic(`polling POSTs over maxPayload: ${JSON.stringify(over)}`);
  assert.deepEqual(over, [{ framing: 'Content-Length', status: 413, sessionOpen: false }, { framing: 'chunked', status: 413, sessionOpen: false }]);
  const seen = await watch.finish();
  assertCarriedOn(t, seen, { peakMb: 64, what: 'oversized bodies' });
  watch.call.stop();
  await assertRssBack(t, server, seen.baseline, 16, 'oversized bodies');
});

test('oversized headers (over 16 KiB): 413 with the JSON error, connection closed', { timeout: 90_000 }, async (t) => {
  const server = await startHearth(floodServerEnv());
  const watch = await watchFlood(server);
  const kinds = [
    ['one 100 KB header', { 'x-pad': 'h'.repeat(100_000) }],
    ['2,000 small headers', Object.fromEntries(range(2_000).map((i) => [`x-h${i}`, 'vvvvvv']))],
    ['a 20 KB bearer token', { authorization: `Bearer ${'t'.repeat(20_000)}` }],
  ];
  const answers = (await repeatFor(FLOOD_MS, () => Promise.all(range(15).map(async (i) => {
    const [what, headers] = kinds[i % 3];
    const conn = await tcpConnect(server, { localAddress: `127.0.0.${2 + (i % 3)}` });
    const text = httpRequestText('GET', `${API}/history`, { headers }).toString('latin1');
    conn.write(text.slice(0, 20_000)); // past the limit already; the rest only if the server has not answered
    let res = await conn.response(500).catch(() => undefined);
    if (res === undefined) {
      conn.write(text.slice(20_000));
      res = await conn.response(5_000).catch((e) => ({ status: e.message }));
    }
    const closed = await within(conn.closed, 3_000, 'close').then(() => true, () => false);
    conn.destroy();
    return { what, res, closed };
  })))).flat();
  t.diagnostic(`${answers.length} requests with oversized headers`);
  for (const { what, res, closed } of answers) {
    assertJsonError(res, 413, /too large/i, what);
    assert.ok(closed, `${what}: connection closed after the 413`);
  }
  // A request line over the limit too.
  const { res } = await httpOnce(server, 'GET', `/healthz?${'q'.repeat(20_000)}`, { localAddress: '127.0.0.5' });
  assertJsonError(res, 413, /too large/i, '20 KB request line');
  const seen = await watch.finish();
  assertCarriedOn(t, seen, { peakMb: 32, what: 'oversized headers' });
  watch.call.stop();
  await assertRssBack(t, server, seen.baseline, 16, 'oversized headers');
});

test('deep JSON: Socket.IO events nested past 32 levels close the session; REST bodies → 400 body: malformed JSON', { timeout: 90_000 }, async (t) => {
  const server = await startHearth(floodServerEnv());
  const watch = await watchFlood(server);
  const nest = (n, inner = '1') => `${'['.repeat(n)}${inner}${']'.repeat(n)}`;
  // 20 levels is fine: relayed.
  const [a, b] = watch.call.sockets;
  let deep = 'bottom';
  for (let i = 0; i < 20; i++) deep = [deep];
  a.emit('webrtc_offer', { sessionId: watch.call.sessionId, targetSocketId: b.id, offer: { deep } });
  assert.deepEqual((await waitFor(b, 'webrtc_offer', { where: (p) => p.offer?.deep })).offer.deep, deep);

  // Rounds of 12 sockets: 40 levels, 100,000 levels, and 100,000 unclosed brackets.
  const payloads = [nest(40), nest(100_000), '['.repeat(100_000)];
  const rounds = await repeatFor(FLOOD_MS / 2, async () => {
    const sockets = await Promise.all(range(12).map(() => floodSocket(server, { localAddress: nextAddress(), token: makeUser('deep').token })));
    sockets.forEach((s, i) => s.send(`42["webrtc_offer",{"sessionId":"x","targetSocketId":"y","offer":${payloads[i % 3]}}]`));
    const codes = await Promise.all(sockets.map((s, i) => assertClosedWith(s, [1000, 1002, 1007, 1008], 10_000, `deep event ${i}`)));
    for (const s of sockets) assert.ok(!s.messages.some((m) => m?.startsWith('42["call_error"')), 'closed, not answered');
    return codes;
  });
  t.diagnostic(`${rounds.flat().length} deep events; close codes: ${[...new Set(rounds.flat())].join(', ')}`);

  // REST: bodies nested 30,000 deep (arrays) and 10,000 deep (objects), under the 64 KiB body limit.
  const token = makeUser('deeprest').token;
  const rest = (await repeatFor(FLOOD_MS / 2, () => Promise.all(range(10).map(async (i) => {
    const { res, conn } = await httpOnce(server, 'POST', `${API}/initiate`, {
      localAddress: '127.0.0.5',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: `{"sessionType":"group","participants":["u1"],"metadata":${i % 2 ? nest(30_000) : '{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000)}}`,
    });
    conn.destroy();
    return res;
  })))).flat();
  for (const res of rest) assertJsonError(res, 400, /^body: malformed JSON/, 'deeply nested REST body');
  const seen = await watch.finish();
  assertCarriedOn(t, seen, { peakMb: 48, what: 'deep JSON' });
  watch.call.stop();
  await assertRssBack(t, server, seen.baseline, 16, 'deep JSON');
});

test('invalid UTF-8: WebSocket text frames → close 1007; in a polling body or an event the session is closed; REST → 400', { timeout: 90_000 }, async (t) => {
  const server = await startHearth(floodServerEnv());
  const watch = await watchFlood(server);
  const bad = Buffer.from([0xc3, 0x28, 0xff, 0xed, 0xa0, 0x80]); // bad continuation, 0xFF, an encoded surrogate
  const frame = Buffer.concat([Buffer.from('42["webrtc_offer",{"sessionId":"'), bad, Buffer.from('"}]')]);
  const rounds = await repeatFor(FLOOD_MS, async () => {
    const sockets = await Promise.all(range(12).map(() => floodSocket(server, { localAddress: nextAddress(), token: makeUser('utf').token })));
    for (const s of sockets) s.ws.send(frame, { binary: false });
    return Promise.all(sockets.map((s, i) => assertClosedWith(s, [1007], 10_000, `invalid UTF-8 text frame ${i}`)));
  });
  t.diagnostic(`${rounds.flat().length} text frames with invalid UTF-8, each closed with 1007`);

  // Long-polling: the body is an event with invalid UTF-8 in a string; that session is closed.
  const path = await pollingSession(server, '127.0.0.5');
  const connect40 = await httpOnce(server, 'POST', path, { localAddress: '127.0.0.5', headers: { 'content-type': 'text/plain' }, body: '40' });
  connect40.conn.destroy();
  // The namespace is connected once the CONNECT is answered (events before that are ignored, as the reference does).
  const answer = await httpOnce(server, 'GET', path, { localAddress: '127.0.0.5' });
  answer.conn.destroy();
  assert.match(answer.res?.text ?? '', /^40\{"sid"/, 'the CONNECT answer');
  const { res } = await httpOnce(server, 'POST', path, {
    localAddress: '127.0.0.5', headers: { 'content-type': 'text/plain' },
    body: Buffer.concat([Buffer.from('42["authenticate","'), bad, Buffer.from('"]')]),
  });
  assert.ok([200, 400].includes(res?.status), `polling POST with invalid UTF-8: ${res?.statusLine}`);
  let open = true;
  for (let i = 0; i < 10 && open; i++) {
    open = await pollingOpen(server, path, '127.0.0.5');
    if (open) await sleep(100);
  }
  assert.ok(!open, 'the polling session with invalid UTF-8 is closed');

  // REST: invalid UTF-8 inside a JSON string.
  const token = makeUser('utfrest').token;
  const { res: r2 } = await httpOnce(server, 'POST', `${API}/initiate`, {
    localAddress: '127.0.0.6', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: Buffer.concat([Buffer.from('{"sessionType":"group","participants":["'), bad, Buffer.from('"]}')]),
  });
  assertJsonError(r2, 400, /^body: malformed JSON/, 'REST body with invalid UTF-8');
  const seen = await watch.finish();
  assertCarriedOn(t, seen, { peakMb: 32, what: 'invalid UTF-8' });
  watch.call.stop();
  await assertRssBack(t, server, seen.baseline, 16, 'invalid UTF-8');
});

test('many binary attachments: over 10 per event closes the session; 1,500 placeholders naming one attachment are refused without copies', { timeout: 90_000 }, async (t) => {
  const server = await startHearth(floodServerEnv());
  const watch = await watchFlood(server);
  const placeholder = (num) => ({ _placeholder: true, num });

  // 11 attachments announced: the session is closed at the header (so the client sends no attachment: writing to a
  // closed connection would turn the close into a reset).
  const elevenHeader = `4511-${JSON.stringify(['webrtc_offer', { sessionId: 'x', targetSocketId: 'y', offer: range(11).map(placeholder) }])}`;
  const closes = await repeatFor(FLOOD_MS / 2, async () => {
    const eleven = await Promise.all(range(10).map(() => floodSocket(server, { localAddress: nextAddress(), token: makeUser('att').token })));
    for (const s of eleven) s.send(elevenHeader);
    return Promise.all(eleven.map((s, i) => assertClosedWith(s, [1000, 1002, 1008], 10_000, `11 attachments ${i}`)));
  });
  t.diagnostic(`${closes.flat().length} events announcing 11 attachments; close codes ${[...new Set(closes.flat())].join(', ')}`);

  // One 20 KB attachment named by 1,500 placeholders (a 64 KiB event), relayed by a member of a call to its other
  // participant, and by an outsider to the same participant: each refused (the placeholders do not match the
  // attachments; the outsider is not in the call) without a copy per placeholder, and nothing delivered. In batches
  // of 5, stopping early if the server's memory runs away (this machine is shared).
  const [amp, peer] = [makeUser('amplifier'), makeUser('peer')];
  const p = await connect(server, { user: peer, connectAuth: true });
  const { sessionId } = await initiateCall(server, peer, [amp]);
  await joinCall(p, sessionId);
  const member = await floodSocket(server, { localAddress: '127.0.0.3', token: amp.token });
  member.send(`421${JSON.stringify(['join_call_session', { sessionId }])}`);
  assert.match(await member.next((m) => m.startsWith('431['), 'join ack'), /"success":true/);
  const outsider = await floodSocket(server, { localAddress: '127.0.0.4', token: makeUser('outsider').token });
  const header = `451-${JSON.stringify(['webrtc_offer', { sessionId, targetSocketId: p.id, offer: range(1_500).map(() => placeholder(0)) }])}`;
  assert.ok(header.length + 20_000 < 64 * 1024, `the event is ${header.length + 20_000} bytes`);
  const runaway = watch.baseline + 400 * MB;
  let sent = 0;
  for (let batch = 0; batch < 8 && rssOf(server) < runaway; batch++) {
    for (const s of [member, outsider]) {
      for (let i = 0; i < 5 && s.ws.readyState === 1; i++) {
        s.send(header);
        s.ws.send(Buffer.alloc(20_000, 9), { binary: true });
        sent += 1;
      }
    }
    await sleep(200);
  }
  await sleep(500);
  t.diagnostic(`amplification: ${sent} events sent, RSS peak ${mb(watch.peak)} (baseline ${mb(watch.baseline)})`);
  for (const [who, s, codes] of [['member', member, ['invalid_argument']], ['outsider', outsider, ['invalid_argument', 'forbidden']]]) {
    const errors = s.messages.filter((m) => m?.startsWith('42["call_error"')).map((m) => JSON.parse(m.slice(2))[1]);
    const closed = s.ws.readyState !== 1;
    t.diagnostic(`amplification by the ${who}: ${errors.length} call_error (${[...new Set(errors.map((e) => e.code))].join(', ')}), closed ${closed}`);
    assert.ok(closed || errors.length === 40, `${who}: each of 40 events refused (${errors.length}) or the session closed`);
    for (const e of errors) assert.ok(codes.includes(e.code), `${who}: call_error ${JSON.stringify(e)}`);
  }
  assert.equal(received(p, 'webrtc_offer').length, 0, 'nothing of the amplifying events reached the participant');
  const seen = await watch.finish();
  assertCarriedOn(t, seen, { peakMb: 96, what: 'binary attachments' });
  watch.call.stop();
  await assertRssBack(t, server, seen.baseline, 24, 'binary attachments');
});
