// A webhook receiver for the tests (docs/webhooks.md): a real HTTP (or HTTPS) server on 127.0.0.1 that verifies every
// request's X-Hearth-Signature with the shared secret (the same code as the receiver example of the docs), records
// it, and answers 204 — or `status` while a test wants it failing, or nothing at all while `hang` is set. stop() stops listening (connections refused);
// start() listens again on the same port, so the server's configured URL stays valid.
import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import { createServer as createTlsServer } from 'node:https';

const TOLERANCE_SECONDS = 300;

/** Verifies an X-Hearth-Signature header over the raw body; returns true or a reason string. */
export function verifySignature(header, rawBody, secret, nowSeconds = Math.floor(Date.now() / 1000)) {
  const parts = Object.fromEntries(String(header ?? '').split(',').map((kv) => {
    const i = kv.indexOf('=');
    return [kv.slice(0, i).trim(), kv.slice(i + 1).trim()];
  }));
  const t = Number(parts.t);
  if (!Number.isInteger(t) || !parts.v1) return 'malformed header';
  if (Math.abs(nowSeconds - t) > TOLERANCE_SECONDS) return 'timestamp outside the tolerance';
  const expected = createHmac('sha256', secret).update(`${parts.t}.`).update(rawBody).digest();
  const given = Buffer.from(parts.v1, 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'signature mismatch';
  return true;
}

/**
 * `tls`: {key, cert} (PEM) to listen over HTTPS; `tlsErrors` then counts the handshakes that failed (a client that
 * refused the certificate), `handshakes` those that succeeded. `host` names the receiver in url(). `connections`
 * counts the TCP connections accepted; `closeAfterAnswer`: each connection is destroyed right after its first
 * answer leaves, without a `Connection: close` (a receiver that drops kept connections at once); `idleCloseMs`: a
 * connection is closed once idle that long (Node's own keepAliveTimeout is only checked every few seconds).
 */
export async function startReceiver(secret, { tls = null, host = '127.0.0.1' } = {}) {
  const r = {
    tlsErrors: 0,
    handshakes: 0,
    connections: 0,
    closeAfterAnswer: false,
    idleCloseMs: 0,
    requests: [], // every request: {path, headers, raw, body, verified, answered}
    status: 204, // what to answer
    hang: false, // true: read requests, never answer them
    port: 0,
    server: null,
    sockets: new Set(),
  };
  const handle = (req, res) => {
    clearTimeout(req.socket.idleClose);
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      let body = null;
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        body = null;
      }
      const rec = {
        method: req.method,
        path: req.url,
        headers: req.headers,
        raw,
        body,
        verified: verifySignature(req.headers['x-hearth-signature'], raw, secret),
        answered: r.status,
      };
      r.requests.push(rec);
      if (r.hang) {
        rec.answered = 0; // never answered: the request stays open until the client gives up
        return;
      }
      res.writeHead(r.status, { 'content-type': 'text/plain' });
      res.end(r.status < 300 ? '' : 'unavailable');
      if (r.closeAfterAnswer) res.on('finish', () => req.socket.destroy());
      if (r.idleCloseMs) {
        res.on('finish', () => {
          req.socket.idleClose = setTimeout(() => req.socket.destroy(), r.idleCloseMs);
        });
      }
    });
  };
  r.start = async () => {
    r.server = tls ? createTlsServer(tls, handle) : createServer(handle);
    if (tls) r.server.on('tlsClientError', () => { r.tlsErrors += 1; });
    if (tls) r.server.on('secureConnection', () => { r.handshakes += 1; });
    r.server.on('connection', (s) => {
      r.connections += 1;
      r.sockets.add(s);
      s.on('close', () => r.sockets.delete(s));
    });
    await new Promise((resolve, reject) => {
      r.server.once('error', reject);
      r.server.listen(r.port, '127.0.0.1', resolve);
    });
    r.port = r.server.address().port;
  };
  r.stop = async () => {
    if (!r.server) return;
    const s = r.server;
    r.server = null;
    for (const sock of r.sockets) sock.destroy();
    await new Promise((resolve) => s.close(resolve));
  };
  r.url = (path = '/hooks') => `${tls ? 'https' : 'http'}://${host}:${r.port}${path}`;
  /** The events delivered (answered 2xx) to `path`, each once (a receiver dedupes on id), in arrival order. */
  r.delivered = (path = '/hooks') => {
    const seen = new Set();
    const out = [];
    for (const q of r.requests) {
      if (q.path !== path || q.answered < 200 || q.answered >= 300 || !q.body || seen.has(q.body.id)) continue;
      seen.add(q.body.id);
      out.push(q.body);
    }
    return out;
  };
  /** Waits until `delivered(path)` holds `count` events of `sessionId`; returns them. */
  r.waitFor = async (sessionId, count, { path = '/hooks', timeoutMs = 20_000 } = {}) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const got = r.delivered(path).filter((e) => e.sessionId === sessionId);
      if (got.length >= count || Date.now() > deadline) return got;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  await r.start();
  return r;
}

/** Asserts every request carried a valid signature, a POST of application/json with the event's id header. */
export function assertAllSigned(receiver) {
  assert.ok(receiver.requests.length > 0, 'no webhook request arrived');
  for (const q of receiver.requests) {
    assert.equal(q.verified, true, `signature of ${q.raw.toString('utf8').slice(0, 200)}: ${q.verified}`);
    assert.equal(q.method, 'POST');
    assert.match(q.headers['content-type'] ?? '', /^application\/json/);
    assert.equal(q.headers['x-hearth-event-id'], q.body?.id);
  }
}
