// Security (issue 12, "Abuse and faults"): what an attacker tries against the REST API, the static files and the
// HTTP layer, each refused. Tokens: expired and not-yet-valid, `alg: none` in every spelling, algorithms the
// configuration does not allow, HS/RS confusion (an HS256 token whose HMAC key is the server's RSA or EC public
// key), keys embedded in the header, spliced signatures. Calls: reading, changing, joining or ending a call one is
// not a member of (or may not end), whatever the role or a look-alike user id. CORS from foreign origins.
// Paths that try to leave the web root. Header injection: CR/LF, NUL or non-ASCII in every value the server could
// echo (Origin, request ids, path parameters, the Engine.IO query, stored strings, development error details),
// checked on the raw bytes of the answer (net.connect), which must hold no injected header and only JSON-escaped
// strings. The signaling side of the same list is tests/e2e/security_signaling.test.mjs.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, generateKeyPairSync, randomUUID, sign } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import net from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { API, client, expectError, expectOk, makeTempDir, request, startServer, stopAll } from './lib/server.mjs';
import { algNoneSignedToken, algNoneToken, b64url, mint, nowSeconds, signHS256 } from './lib/jwt.mjs';

const SECRET = `security-${randomUUID()}`;
const WEB_ROOT = fileURLToPath(new URL('../../web', import.meta.url));
const UNKNOWN_ID = 'call_1700000000000_abcdefghi';
// Failed authentications per address are limited (AUTH_FAILURES_PER_MINUTE): this suite fails on purpose a lot.
const QUIET = { AUTH_FAILURES_PER_MINUTE: '1000000', WEB_ROOT };

after(stopAll);

let seq = 0;
/** A user id no other test uses. */
const uid = (prefix) => `${prefix}-${++seq}-${randomUUID().slice(0, 6)}`;

// ---------------------------------------------------------------------------------------------------------------
// Raw HTTP: the request bytes exactly as given, the answer's bytes exactly as sent.

/**
 * Sends `bytes` (string as latin1, or Buffer) on a fresh TCP connection and collects the answer: resolves
 * {raw (Buffer), head (string, latin1), status, lines (header lines), headers (lower-case name → [values]), body
 * (utf8), closed, timedOut}. Stops at the end of the first answer (Content-Length) or when the server closes.
 */
function rawHttp(server, bytes, { timeoutMs = 5000, waitClose = false } = {}) {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host: '127.0.0.1', port: server.port });
    const chunks = [];
    let done = false;
    const finish = (extra) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      resolve(parseAnswer(Buffer.concat(chunks), extra));
    };
    const timer = setTimeout(() => finish({ closed: false, timedOut: true }), timeoutMs);
    sock.on('error', (err) => {
      if (chunks.length) finish({ closed: true, timedOut: false, error: err.code });
      else if (!done) {
        done = true;
        clearTimeout(timer);
        reject(err);
      }
    });
    sock.on('data', (c) => {
      chunks.push(c);
      const whole = Buffer.concat(chunks);
      const end = whole.indexOf('\r\n\r\n');
      if (end < 0) return;
      const m = /\r\ncontent-length:\s*(\d+)/i.exec(whole.subarray(0, end).toString('latin1'));
      if (!waitClose && m && whole.length >= end + 4 + Number(m[1])) finish({ closed: false, timedOut: false });
    });
    sock.on('end', () => finish({ closed: true, timedOut: false }));
    sock.on('close', () => finish({ closed: true, timedOut: false }));
    sock.write(typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes);
  });
}

function parseAnswer(raw, extra) {
  const end = raw.indexOf('\r\n\r\n');
  const head = (end < 0 ? raw : raw.subarray(0, end)).toString('latin1');
  const [statusLine, ...lines] = head.split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3}) /.exec(statusLine)?.[1] ?? NaN);
  const headers = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).toLowerCase();
    (headers[name] ??= []).push(line.slice(colon + 1).trim());
  }
  const body = end < 0 ? '' : raw.subarray(end + 4).toString('utf8');
  return { raw, head, statusLine, status, lines, headers, body, ...extra };
}

/**
 * A GET (or `method`) of `target` exactly as given, with extra header lines (strings, sent as they are). With
 * `keepAlive` no `Connection: close` is sent and the answer is collected until the server closes (`waitClose`).
 */
function rawRequest(server, target, { method = 'GET', lines = [], body, keepAlive = false } = {}) {
  const head = [`${method} ${target} HTTP/1.1`, 'Host: 127.0.0.1', ...(keepAlive ? [] : ['Connection: close']), ...lines];
  if (body !== undefined) head.push(`Content-Length: ${Buffer.byteLength(body)}`);
  const bytes = Buffer.concat([Buffer.from(`${head.join('\r\n')}\r\n\r\n`, 'latin1'), Buffer.from(body ?? '')]);
  return rawHttp(server, bytes, { waitClose: keepAlive });
}

const TOKEN_CHARS = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const INJECTED = ['x-injected', 'set-cookie', 'location', 'refresh', 'x-evil'];

/**
 * The answer's head is well-formed and holds no injected header: one status line, every other line
 * `name: value` with a token name and a value without control characters (HTAB aside), and none of the header
 * names the attacks try to add. Also asserts the body carries no raw CR, LF or other C0 control character
 * (JSON-escaped strings only) unless `bodyMayHaveControls`.
 */
function assertCleanAnswer(res, what, { bodyMayHaveControls = false } = {}) {
  const show = `${what}: ${JSON.stringify(res.raw.toString('latin1').slice(0, 600))}`;
  assert.ok(res.raw.length > 0, `${what}: no answer at all`);
  assert.match(res.statusLine, /^HTTP\/1\.1 \d{3}( [\x20-\x7e]*)?$/, show);
  for (const line of res.lines) {
    const colon = line.indexOf(':');
    assert.ok(colon > 0, `header line without a colon (${JSON.stringify(line)}) in ${show}`);
    assert.match(line.slice(0, colon), TOKEN_CHARS, `header name in ${show}`);
    assert.doesNotMatch(line.slice(colon + 1), /[\x00-\x08\x0a-\x1f\x7f]/, `control character in a header value: ${show}`);
    assert.ok(!INJECTED.includes(line.slice(0, colon).toLowerCase()), `injected header ${JSON.stringify(line)} in ${show}`);
  }
  if (!bodyMayHaveControls) assert.doesNotMatch(res.body, /[\x00-\x1f]/, `raw control character in the body: ${show}`);
}

/** The body is one JSON value whose text parses, and (for JSON answers) the content type says so. */
function jsonBody(res, what) {
  assert.match(res.headers['content-type']?.[0] ?? '', /^application\/json/, `${what}: content-type`);
  try {
    return JSON.parse(res.body);
  } catch (err) {
    assert.fail(`${what}: body is not JSON (${err.message}): ${JSON.stringify(res.body.slice(0, 300))}`);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Tokens signed any way a test needs.

/** header.payload signed with `signer(input) → Buffer` (no claims added). */
function signed(header, payload, signer) {
  const input = `${b64url(header)}.${b64url(payload)}`;
  return `${input}.${b64url(signer(Buffer.from(input)))}`;
}
const hmac = (key) => (input) => createHmac('sha256', key).update(input).digest();
const rsa = (privateKey) => (input) => sign('sha256', input, privateKey);
const ecdsa = (privateKey) => (input) => sign('sha256', input, { key: privateKey, dsaEncoding: 'ieee-p1363' });
const claimsFor = (sub, extra = {}) => ({ sub, name: sub, iat: nowSeconds(), exp: nowSeconds() + 3600, ...extra });

const historyAs = (server, token) => request(server, 'GET', `${API}/history`, { token });

/** expectError, with `what` in front of a failure's message. */
function refused(res, status, message, what) {
  try {
    return expectError(res, status, message === undefined ? {} : { message });
  } catch (err) {
    err.message = `${what}: ${err.message}`;
    throw err;
  }
}

/** 401 with the exact message (production: no `error` detail) for GET /history with `token`. */
async function expect401(server, token, message) {
  expectError(await historyAs(server, token), 401, { message });
}

// ---------------------------------------------------------------------------------------------------------------

describe('tokens: expired, not yet valid, alg none, algorithms not allowed (HS256 server)', () => {
  let server;
  before(async () => {
    server = await startServer({ secret: SECRET, env: QUIET });
  });
  const now = () => nowSeconds();
  const hs = (claims, header = { alg: 'HS256', typ: 'JWT' }) => signed(header, claims, hmac(SECRET));

  it('expired: exp 45 s ago (past the 30 s leeway) → 401 Token expired; 5 s ago (within it) is accepted', async () => {
    await expect401(server, hs({ sub: uid('exp'), exp: now() - 45 }), 'Token expired');
    await expect401(server, hs({ sub: uid('exp'), exp: now() - 86400 * 365 }), 'Token expired');
    await expect401(server, hs({ sub: uid('exp'), exp: 0 }), 'Token expired');
    await expect401(server, hs({ sub: uid('exp'), exp: -1e300 }), 'Token expired');
    expectOk(await historyAs(server, hs({ sub: uid('skew'), exp: now() - 5 })), 200);
  });

  it('exp missing, null, a string, NaN-like → 401', async () => {
    await expect401(server, hs({ sub: uid('e') }), 'Token has no exp claim');
    await expect401(server, hs({ sub: uid('e'), exp: null }), 'Token has no exp claim');
    await expect401(server, hs({ sub: uid('e'), exp: `${now() + 3600}` }), 'Token exp claim is not a number');
    await expect401(server, hs({ sub: uid('e'), exp: [now() + 3600] }), 'Token exp claim is not a number');
    await expect401(server, hs({ sub: uid('e'), exp: true }), 'Token exp claim is not a number');
  });

  it('not yet valid: nbf 120 s ahead → 401 Token not valid yet; 5 s ahead (within the leeway) is accepted', async () => {
    await expect401(server, hs({ sub: uid('nbf'), exp: now() + 3600, nbf: now() + 120 }), 'Token not valid yet');
    await expect401(server, hs({ sub: uid('nbf'), exp: now() + 3600, nbf: now() + 86400 }), 'Token not valid yet');
    await expect401(server, hs({ sub: uid('nbf'), exp: now() + 3600, nbf: 'tomorrow' }), 'Token nbf claim is not a number');
    expectOk(await historyAs(server, hs({ sub: uid('nbf'), exp: now() + 3600, nbf: now() + 5 })), 200);
  });

  it('a not-yet-valid token is refused again on every request (no cache lets it in)', async () => {
    const token = hs({ sub: uid('nbf'), exp: now() + 3600, nbf: now() + 120 });
    for (let i = 0; i < 3; i++) await expect401(server, token, 'Token not valid yet');
  });

  it('alg none in every spelling, signed or not → 401', async () => {
    const claims = claimsFor(uid('none'));
    for (const alg of ['none', 'None', 'NONE', 'nOnE']) {
      await expect401(server, signHS256(claims, SECRET, { alg, typ: 'JWT' }), 'Unsupported token algorithm');
      await expect401(server, algNoneToken(claims, { algName: alg, signature: 'x' }), 'Unsupported token algorithm');
      await expect401(server, algNoneToken(claims, { algName: alg }), 'Malformed token'); // empty third segment
      await expect401(server, `${b64url({ alg, typ: 'JWT' })}.${b64url(claims)}`, 'Malformed token'); // two segments
    }
    await expect401(server, algNoneSignedToken(claims, SECRET), 'Unsupported token algorithm');
  });

  it('algorithms the configuration does not allow, even correctly HMAC-signed with the secret → 401', async () => {
    const claims = claimsFor(uid('alg'));
    for (const alg of ['hs256', 'Hs256', 'HS256 ', 'HS384', 'HS512', 'RS256', 'ES256', 'PS256', 'EdDSA', '']) {
      await expect401(server, hs(claims, { alg, typ: 'JWT' }), 'Unsupported token algorithm');
    }
    for (const header of [{ typ: 'JWT' }, { alg: null }, { alg: ['HS256'] }, { alg: { name: 'HS256' } }, { alg: 256 }]) {
      await expect401(server, hs(claims, header), 'Token header has no alg');
    }
  });

  it('typ other than JWT, a crit header, or a key / key URL in the header → 401', async () => {
    const claims = claimsFor(uid('hdr'));
    await expect401(server, hs(claims, { alg: 'HS256', typ: 'JWE' }), 'Unsupported token type');
    await expect401(server, hs(claims, { alg: 'HS256', crit: ['exp'] }), 'Unsupported critical token header');
    // An attacker's own RSA key, embedded or linked: RS256 is not even allowed on an HS256-only server.
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const jwk = publicKey.export({ format: 'jwk' });
    for (const extra of [{ jwk }, { jku: 'https://evil.example/keys' }, { x5u: 'https://evil.example/cert' }, { kid: '../../../dev/null' }]) {
      await expect401(server, signed({ alg: 'RS256', typ: 'JWT', ...extra }, claims, rsa(privateKey)), 'Unsupported token algorithm');
    }
    // A kid cannot pick another key either: HS256 with a kid is still checked with JWT_SECRET.
    await expect401(server, signed({ alg: 'HS256', kid: '/dev/null' }, claims, hmac('')), 'Invalid token signature');
    await expect401(server, signed({ alg: 'HS256', kid: '/dev/null' }, claims, hmac(Buffer.alloc(32))), 'Invalid token signature');
  });

  it('a signature spliced from another valid token, or a payload changed under a valid signature → 401', async () => {
    const alice = mint({ sub: uid('alice') }, SECRET);
    const mallory = mint({ sub: uid('mallory') }, SECRET);
    const [h, p] = mallory.split('.');
    await expect401(server, `${h}.${p}.${alice.split('.')[2]}`, 'Invalid token signature');
    // The same claims serialized differently are not the signed text.
    const respaced = b64url(JSON.stringify(JSON.parse(Buffer.from(alice.split('.')[1], 'base64url')), null, 1));
    await expect401(server, `${alice.split('.')[0]}.${respaced}.${alice.split('.')[2]}`, 'Invalid token signature');
    // Padding or standard-base64 characters are not base64url.
    await expect401(server, `${alice.split('.')[0]}.${alice.split('.')[1]}=.${alice.split('.')[2]}`, 'Malformed token');
    // Both tokens themselves are fine (the control).
    expectOk(await historyAs(server, alice), 200);
    expectOk(await historyAs(server, mallory), 200);
  });

  it('production has no development token endpoint: nobody can mint a token for another user (404)', async () => {
    for (const method of ['POST', 'GET', 'PUT']) {
      const res = await request(server, method, '/api/dev/token', { json: method === 'GET' ? undefined : { userId: 'victim' } });
      assert.equal(res.status, 404, `${method} /api/dev/token → ${res.status} ${res.text}`);
      assert.ok(!/"token"/.test(res.text), 'no token handed out');
    }
  });

  it('a user id with control characters or over 128 bytes → 401', async () => {
    await expect401(server, hs(claimsFor('bob\r\nX-Injected: 1')), 'Token user id is too long or has control characters');
    // libjwt's JSON parser refuses a NUL in any claim before the claims are read: 401 all the same.
    const nul = await historyAs(server, hs(claimsFor('bob\u0000')));
    expectError(nul, 401, { message: /^(Token user id is too long or has control characters|Invalid token signature|Malformed token)$/ });
    await expect401(server, hs(claimsFor('b'.repeat(129))), 'Token user id is too long or has control characters');
  });
});

describe('HS/RS confusion: an HS256 token whose HMAC key is the public key (JWT_PUBLIC_KEY_FILE servers)', () => {
  const rsaKeys = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const ecKeys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const rsaPem = rsaKeys.publicKey.export({ type: 'spki', format: 'pem' });
  const ecPem = ecKeys.publicKey.export({ type: 'spki', format: 'pem' });
  // Every byte string a confused verifier might use as the HMAC key.
  const keyForms = (publicKey, pem) => [
    ['the PEM file exactly', pem],
    ['the PEM without its final newline', pem.trimEnd()],
    ['the PEM with CRLF line ends', pem.replace(/\n/g, '\r\n')],
    ['the base64 body of the PEM', pem.split('\n').filter((l) => l && !l.startsWith('-----')).join('')],
    ['the SPKI DER bytes', publicKey.export({ type: 'spki', format: 'der' })],
    ...(publicKey.asymmetricKeyType === 'rsa'
      ? [['the PKCS#1 PEM', publicKey.export({ type: 'pkcs1', format: 'pem' })]] : []),
  ];

  let both; let rsaOnly; let ecOnly;
  before(async () => {
    const dir = await makeTempDir('hearth-sec-keys-');
    await writeFile(join(dir, 'rsa.pem'), rsaPem);
    await writeFile(join(dir, 'ec.pem'), ecPem);
    [both, rsaOnly, ecOnly] = await Promise.all([
      startServer({ secret: SECRET, env: { ...QUIET, JWT_PUBLIC_KEY_FILE: join(dir, 'rsa.pem') } }),
      startServer({ secret: undefined, env: { ...QUIET, JWT_PUBLIC_KEY_FILE: join(dir, 'rsa.pem') } }),
      startServer({ secret: undefined, env: { ...QUIET, JWT_PUBLIC_KEY_FILE: join(dir, 'ec.pem') } }),
    ]);
  });

  it('controls: RS256 signed with the RSA private key and ES256 with the EC one are accepted; HS256 with the secret too', async () => {
    const sub = uid('ctl');
    for (const s of [both, rsaOnly]) {
      expectOk(await historyAs(s, signed({ alg: 'RS256', typ: 'JWT' }, claimsFor(sub), rsa(rsaKeys.privateKey))), 200);
    }
    expectOk(await historyAs(ecOnly, signed({ alg: 'ES256', typ: 'JWT' }, claimsFor(sub), ecdsa(ecKeys.privateKey))), 200);
    expectOk(await historyAs(both, mint({ sub }, SECRET)), 200);
  });

  it('server with JWT_SECRET and an RSA key: HS256 keyed with any form of the public key → 401 Invalid token signature', async () => {
    for (const [form, key] of keyForms(rsaKeys.publicKey, rsaPem)) {
      const token = signed({ alg: 'HS256', typ: 'JWT' }, claimsFor(uid('conf')), hmac(key));
      refused(await historyAs(both, token), 401, 'Invalid token signature', form);
    }
  });

  it('server with only an RSA key: HS256 is not an algorithm it accepts → 401 Unsupported token algorithm', async () => {
    for (const [, key] of keyForms(rsaKeys.publicKey, rsaPem)) {
      await expect401(rsaOnly, signed({ alg: 'HS256', typ: 'JWT' }, claimsFor(uid('conf')), hmac(key)), 'Unsupported token algorithm');
    }
  });

  it('server with only an EC key: HS256 keyed with the EC public key, or RS256 → 401 Unsupported token algorithm', async () => {
    for (const [, key] of keyForms(ecKeys.publicKey, ecPem)) {
      await expect401(ecOnly, signed({ alg: 'HS256', typ: 'JWT' }, claimsFor(uid('conf')), hmac(key)), 'Unsupported token algorithm');
    }
    await expect401(ecOnly, signed({ alg: 'RS256' }, claimsFor(uid('conf')), rsa(rsaKeys.privateKey)), 'Unsupported token algorithm');
  });

  it('RS256 / ES256 headers carrying an HMAC of the public key, or signed by another key → 401 Invalid token signature', async () => {
    const claims = claimsFor(uid('conf'));
    await expect401(both, signed({ alg: 'RS256' }, claims, hmac(rsaPem)), 'Invalid token signature');
    await expect401(both, signed({ alg: 'RS256' }, claims, hmac(SECRET)), 'Invalid token signature');
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
    await expect401(both, signed({ alg: 'RS256' }, claims, rsa(other.privateKey)), 'Invalid token signature');
    // The attacker embeds their own public key: the header's key is never used.
    const jwk = other.publicKey.export({ format: 'jwk' });
    await expect401(both, signed({ alg: 'RS256', jwk }, claims, rsa(other.privateKey)), 'Invalid token signature');
    await expect401(ecOnly, signed({ alg: 'ES256' }, claims, hmac(ecPem)), 'Invalid token signature');
    const otherEc = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    await expect401(ecOnly, signed({ alg: 'ES256' }, claims, ecdsa(otherEc.privateKey)), 'Invalid token signature');
    // ES256 (not allowed with an RSA key) and RS256 against the EC server.
    await expect401(both, signed({ alg: 'ES256' }, claims, ecdsa(ecKeys.privateKey)), 'Unsupported token algorithm');
  });

  it('expired and not-yet-valid RS256 tokens are refused like HS256 ones', async () => {
    const t = nowSeconds();
    await expect401(rsaOnly, signed({ alg: 'RS256' }, { sub: uid('r'), exp: t - 45 }, rsa(rsaKeys.privateKey)), 'Token expired');
    await expect401(rsaOnly, signed({ alg: 'RS256' }, { sub: uid('r'), exp: t + 3600, nbf: t + 120 }, rsa(rsaKeys.privateKey)), 'Token not valid yet');
  });
});

describe('calls that are not one\'s own: reading, changing, joining, ending', () => {
  let server;
  const as = (sub, extra = {}) => client(server, mint({ sub, name: sub, ...extra }, SECRET));
  before(async () => {
    server = await startServer({ secret: SECRET, env: QUIET });
  });

  it('an outsider (any role, any look-alike id) gets 403 on join, session, media and end; nothing changes', async () => {
    const [alice, bob] = [uid('alice'), uid('bob')];
    const owner = as(alice);
    const { sessionId, session } = expectOk(await owner.initiate({ sessionType: 'group', participants: [bob] }), 201);
    const outsiders = [
      ['a stranger', as(uid('mallory'))],
      ['a stranger whose token says role admin', as(uid('mallory'), { role: 'admin' })],
      ['a stranger with the invitee\'s display name', as(uid('mallory'), { name: bob })],
      ['the invitee\'s id in upper case', as(bob.toUpperCase())],
      ['the invitee\'s id with a trailing space', as(`${bob} `)],
      ['the invitee\'s id with a leading space', as(` ${bob}`)],
      ['the invitee\'s id with a zero-width space', as(`${bob}\u200b`)],
      ['the invitee\'s id in the userId claim under an empty-looking sub', client(server, mint({ sub: ' ', userId: bob }, SECRET))],
    ];
    for (const [who, c] of outsiders) {
      const notMember = 'You are not a participant of this call session';
      refused(await c.join(sessionId), 403, notMember, `${who}: join`);
      refused(await c.session(sessionId), 403, notMember, `${who}: session`);
      refused(await c.media(sessionId, { hasVideo: false, hasAudio: false, isScreenSharing: true }), 403, notMember, `${who}: media`);
      refused(await c.end(sessionId), 403, notMember, `${who}: end`);
      const mine = expectOk(await c.history(), 200);
      assert.ok(!mine.sessions.some((s) => s.sessionId === sessionId), `${who} sees the call in their history`);
    }
    assert.deepEqual(expectOk(await owner.session(sessionId), 200).session, session, 'the session is unchanged');
  });

  it('a group invitee may read but not end the call (403), and cannot change another member\'s media', async () => {
    const [alice, bob, carol] = [uid('alice'), uid('bob'), uid('carol')];
    const { sessionId } = expectOk(await as(alice).initiate({ sessionType: 'group', participants: [bob, carol] }), 201);
    expectOk(await as(bob).session(sessionId), 200);
    expectError(await as(bob).end(sessionId), 403, { message: 'Only the initiator can end this call session' });
    // Media changes only ever touch the caller's own entry, whatever the body names.
    const data = expectOk(await as(bob).media(sessionId, { hasVideo: false, userId: alice, participants: [{ userId: carol }] }), 200);
    assert.equal(data.userId, bob);
    const doc = expectOk(await as(alice).session(sessionId), 200).session;
    assert.equal(doc.status, 'waiting');
    for (const p of doc.participants) assert.equal(p.hasVideo, p.userId !== bob, `${p.userId}.hasVideo`);
  });

  it('an invitee of a call that has ended: join 410, media 410; ending it again as an outsider 403', async () => {
    const [alice, bob] = [uid('alice'), uid('bob')];
    const { sessionId } = expectOk(await as(alice).initiate({ sessionType: 'one-to-one', participants: [bob] }), 201);
    expectOk(await as(alice).end(sessionId), 200);
    expectError(await as(bob).join(sessionId), 410, { message: 'Call session has ended' });
    expectError(await as(bob).media(sessionId, { hasAudio: false }), 410, { message: 'Call session has ended' });
    expectError(await as(uid('mallory')).end(sessionId), 403);
    expectError(await as(uid('mallory')).join(sessionId), 403);
  });

  it('session ids that are not the call\'s exact id find nothing (404), not another call', async () => {
    const alice = uid('alice');
    const { sessionId } = expectOk(await as(alice).initiate({ sessionType: 'group', participants: [uid('bob')] }), 201);
    for (const id of [sessionId.toUpperCase(), `${sessionId}%00`, `${sessionId}%20`,
      encodeURIComponent(`${sessionId}\r\n`), '%2a', '*', `${sessionId.slice(0, -1)}%25`]) {
      const res = await as(alice).session(id);
      assert.ok([404].includes(res.status), `GET /session/${id} → ${res.status} ${res.text}`);
    }
  });
});

describe('CORS from a foreign origin (CORS_ORIGINS=https://app.example)', () => {
  let server;
  let token;
  before(async () => {
    server = await startServer({ secret: SECRET, env: { ...QUIET, CORS_ORIGINS: 'https://app.example' } });
    token = mint({ sub: uid('cors') }, SECRET);
  });
  const FOREIGN = [
    'https://evil.example', 'null', 'http://app.example', 'https://app.example.evil.example', 'https://evil-app.example',
    'https://app.example:8443', 'https://app.exampl', 'https://app.example/', 'HTTPS://APP.EXAMPLE', 'https://app.example.',
    'https://app.example, https://evil.example', '*', 'file://', 'https://app%2eexample',
  ];

  it('preflight from each foreign origin → 403 with an empty body and no CORS grant', async () => {
    for (const origin of FOREIGN) {
      const res = await request(server, 'OPTIONS', `${API}/initiate`, {
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization' },
      });
      assert.equal(res.status, 403, origin);
      assert.equal(res.text, '', `${origin}: empty body`);
      for (const h of ['access-control-allow-origin', 'access-control-allow-credentials', 'access-control-allow-methods',
        'access-control-allow-headers']) assert.equal(res.headers.get(h), null, `${origin}: ${h}`);
    }
  });

  it('actual requests from a foreign origin are answered without any CORS grant (the browser withholds them)', async () => {
    for (const origin of FOREIGN) {
      for (const [method, path, opts] of [
        ['GET', `${API}/history`, { token }],
        ['POST', `${API}/initiate`, { token, json: { sessionType: 'group', participants: [uid('x')] } }],
        ['GET', `${API}/session/${UNKNOWN_ID}`, { token }],
        ['GET', `${API}/history`, {}],
        ['GET', '/healthz', {}],
        ['GET', '/', {}],
        ['GET', '/socket.io/?EIO=4&transport=polling', {}],
      ]) {
        const res = await request(server, method, path, { ...opts, headers: { origin } });
        assert.equal(res.headers.get('access-control-allow-origin'), null, `${origin} ${method} ${path}`);
        assert.equal(res.headers.get('access-control-allow-credentials'), null, `${origin} ${method} ${path}`);
      }
    }
  });

  it('control: the allowed origin gets its grant on the same requests', async () => {
    for (const path of [`${API}/history`, '/healthz', '/socket.io/?EIO=4&transport=polling']) {
      const res = await request(server, 'GET', path, { token, headers: { origin: 'https://app.example' } });
      assert.equal(res.headers.get('access-control-allow-origin'), 'https://app.example', path);
    }
  });

  it('production without CORS_ORIGINS grants no origin at all', async () => {
    const plain = await startServer({ secret: SECRET, env: QUIET });
    for (const origin of ['https://app.example', 'null', `http://127.0.0.1:${plain.port}`]) {
      const pre = await request(plain, 'OPTIONS', `${API}/history`, { headers: { origin, 'access-control-request-method': 'GET' } });
      assert.equal(pre.status, 403, origin);
      const res = await request(plain, 'GET', `${API}/history`, { token, headers: { origin } });
      assert.equal(res.headers.get('access-control-allow-origin'), null, origin);
    }
    await plain.stop();
  });
});

describe('paths that try to leave the web root', () => {
  let server;
  let index;
  before(async () => {
    server = await startServer({ secret: SECRET, env: QUIET });
    index = await rawRequest(server, '/index.html');
  });
  // What would show that a file outside the page was served.
  const LEAKS = [/# hearth-call/, /root:.*:0:0:/, /\[core\]/, /"name":\s*"socket\.io-client"/, /JWT_SECRET=/];

  it('control: the page is served', () => {
    assert.equal(index.status, 200);
    assert.match(index.body, /<html/i);
  });

  const TARGETS = [
    '/../README.md', '/../../../../../../etc/passwd', '/%2e%2e/README.md', '/%2E%2E/%2E%2E/etc/passwd',
    '/%2e%2e%2fREADME.md', '/..%2fREADME.md', '/.%2e/README.md', '/%252e%252e/README.md', '//etc/passwd',
    '///etc/passwd', '//README.md', '/web/../README.md', '/web/index.html', '/js/../../README.md',
    '/js/..%2f..%2fREADME.md', '/js/%2e%2e/%2e%2e/README.md', '/..\\README.md', '/js\\..\\..\\README.md',
    '/%5c..%5cREADME.md', '/..%5c..%5cREADME.md', '/%c0%ae%c0%ae/README.md', '/..%c0%afREADME.md',
    '/%e0%80%ae%e0%80%ae/README.md', '/..;/README.md', '/index.html%00', '/index.html%00.js', '/README.md%00.html',
    '/%00', '/.git/config', '/.git/HEAD', '/%2egit/config', '/.env', '/node_modules/socket.io-client/package.json',
    '/socket.io/../README.md', '/socket.io/..%2f..%2fREADME.md', '/socket.io/package.json',
    '/api/video-call/../../README.md', '/api/video-call/%2e%2e/%2e%2e/README.md', '/js/app.js/..', '/js/app.js/',
    '/index.html/', '/~root/.ssh/id_rsa', '/proc/self/environ', '/README.md', '/CMakeLists.txt',
    '/js/app.js%2f..%2f..%2f..%2fREADME.md', 'http://127.0.0.1/../README.md', 'http://evil.example/../../etc/passwd',
  ];
  for (const target of TARGETS) {
    it(`GET ${target} → 404 (or 400), nothing outside the page`, async () => {
      const res = await rawRequest(server, target);
      assertCleanAnswer(res, target);
      assert.ok([400, 404].includes(res.status), `${target} → ${res.statusLine}`);
      if (res.status === 404) assert.deepEqual(jsonBody(res, target), { success: false, message: 'Route not found' });
      for (const leak of LEAKS) assert.doesNotMatch(res.body, leak, target);
    });
  }

  // Bytes no URL should hold, sent raw.
  for (const [name, target] of [
    ['a raw NUL byte', '/index.html\x00.js'],
    ['a raw NUL byte before ..', '/\x00/../README.md'],
    ['raw backslashes', '/..\\..\\..\\etc\\passwd'],
    ['a raw TAB', '/..\t/README.md'],
    ['raw non-ASCII bytes', '/\xc0\xae\xc0\xae/README.md'],
    ['a raw DEL', '/\x7f/../README.md'],
  ]) {
    it(`a target with ${name} → 400 or 404, nothing served`, async () => {
      const res = await rawRequest(server, target);
      assertCleanAnswer(res, name);
      assert.ok([400, 404].includes(res.status), `${name} → ${res.statusLine}`);
      for (const leak of LEAKS) assert.doesNotMatch(res.body, leak, name);
    });
  }

  it('over-long paths: 8 KiB → 404; past the 16 KiB header limit → 413 (or 400/414/431) and the connection closes', async () => {
    const long = await rawRequest(server, `/${'a'.repeat(8 * 1024)}`);
    assertCleanAnswer(long, '8 KiB path');
    assert.equal(long.status, 404);
    const dots = await rawRequest(server, `/${'../'.repeat(2500)}README.md`);
    assertCleanAnswer(dots, '2500 × ../');
    assert.ok([400, 404].includes(dots.status), dots.statusLine);
    for (const leak of LEAKS) assert.doesNotMatch(dots.body, leak);
    for (const target of [`/${'a'.repeat(20 * 1024)}`, `/${'..%2f'.repeat(8000)}README.md`, `/api/video-call/session/${'x'.repeat(64 * 1024)}`]) {
      const res = await rawRequest(server, target, { keepAlive: true });
      assertCleanAnswer(res, `${target.length}-byte path`);
      assert.ok([400, 413, 414, 431].includes(res.status), `${target.length}-byte path → ${res.statusLine}`);
      assert.ok(res.closed && !res.timedOut, `${target.length}-byte path: the connection should be closed`);
    }
    assert.equal((await rawRequest(server, '/healthz')).status, 200, 'still serving');
  });

  it('methods other than GET and HEAD on a served file → 405 with Allow: GET, HEAD', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'TRACE']) {
      const res = await rawRequest(server, '/index.html', { method });
      assertCleanAnswer(res, method);
      assert.equal(res.status, 405, method);
      assert.deepEqual(res.headers.allow, ['GET, HEAD'], method);
    }
  });
});

describe('header injection through echoed values', () => {
  let any; let dev; let token; let tokenDev;
  before(async () => {
    [any, dev] = await Promise.all([
      startServer({ secret: SECRET, env: { ...QUIET, CORS_ORIGINS: '*' } }), // reflects any Origin it is sent
      startServer({ secret: SECRET, env: { ...QUIET, HEARTH_ENV: 'development' } }), // adds `error` details
    ]);
    token = mint({ sub: uid('inj') }, SECRET);
    tokenDev = mint({ sub: uid('inj') }, SECRET);
  });

  // Origin values that try to end the header line (raw bytes on the wire).
  const ORIGINS = [
    ['obs-fold (CRLF + space) then a header', 'https://a.example\r\n X-Injected: 1'],
    ['obs-fold (CRLF + TAB) then Set-Cookie', 'https://a.example\r\n\tSet-Cookie: pwned=1'],
    ['a bare LF then a header', 'https://a.example\nX-Injected: 1'],
    ['a bare CR then a header', 'https://a.example\rX-Injected: 1'],
    ['a NUL byte', 'https://a.example\x00X-Injected: 1'],
    ['UTF-8 non-ASCII', Buffer.from('https://é.example/\u2028X-Injected: 1', 'utf8').toString('latin1')],
    ['latin-1 bytes 0x85 (NEL) and 0xff', 'https://a.example\x85X-Injected: 1\xff'],
    ['a vertical tab and a form feed', 'https://a.example\x0bX-Injected:\x0c1'],
  ];
  for (const [name, origin] of ORIGINS) {
    it(`Origin with ${name}: no header injected (CORS_ORIGINS=*, which reflects the origin)`, async () => {
      for (const [method, path, lines] of [
        ['GET', `${API}/history`, [`Authorization: Bearer ${token}`]],
        ['OPTIONS', `${API}/initiate`, ['Access-Control-Request-Method: POST']],
        ['GET', '/socket.io/?EIO=4&transport=polling', []],
        ['GET', '/no/such/route', []],
      ]) {
        const res = await rawRequest(any, path, { method, lines: [`Origin: ${origin}`, ...lines] });
        assertCleanAnswer(res, `${name}: ${method} ${path}`, { bodyMayHaveControls: path.startsWith('/socket.io/') });
        assert.ok(res.status === 400 || res.status < 500, `${name}: ${res.statusLine}`);
      }
    });
  }

  it('request and correlation ids are not echoed (the server has none)', async () => {
    const marker = `rid-${randomUUID()}`;
    const res = await rawRequest(any, `${API}/history`, {
      lines: [`Authorization: Bearer ${token}`, `X-Request-Id: ${marker}`, `X-Correlation-Id: ${marker}`, `Traceparent: ${marker}`],
    });
    assertCleanAnswer(res, 'request id');
    assert.equal(res.status, 200);
    assert.ok(!res.raw.toString('latin1').includes(marker), 'a request id was echoed');
  });

  it('path parameters with encoded CR/LF, quotes and </script> are not echoed into headers or messages', async () => {
    for (const id of ['x%0d%0aX-Injected:%201', '%0d%0aSet-Cookie:%20pwned=1', 'x%22%3E%3C%2Fscript%3E%3Cscript%3E',
      'x%E2%80%A8y', '%C0%8D%C0%8AX-Injected:1', 'x%00y']) {
      for (const [method, path, body] of [
        ['GET', `${API}/session/${id}`], ['POST', `${API}/join/${id}`], ['POST', `${API}/session/${id}/end`],
        ['PUT', `${API}/session/${id}/media`, '{"hasVideo":false}'],
      ]) {
        const lines = [`Authorization: Bearer ${token}`, ...(body ? ['Content-Type: application/json'] : [])];
        const res = await rawRequest(any, path, { method, lines, body });
        assertCleanAnswer(res, `${method} ${path}`);
        assert.equal(res.status, 404, `${method} ${path} → ${res.statusLine}`);
        assert.deepEqual(jsonBody(res, path), { success: false, message: 'Call session not found' });
      }
      const route = await rawRequest(any, `/${id}`);
      assertCleanAnswer(route, `/${id}`);
      assert.deepEqual(jsonBody(route, `/${id}`), { success: false, message: 'Route not found' });
    }
  });

  it('the Engine.IO query (sid, EIO, transport, extra keys) is not echoed into headers or bodies', async () => {
    for (const [query, code] of [
      ['EIO=4&transport=polling&sid=%0d%0aX-Injected:%201', 1],
      ['EIO=4&transport=polling&sid=%22%7D%3C%2Fscript%3E', 1],
      ['EIO=%0d%0aX-Injected:%201&transport=polling', 5],
      ['EIO=4&transport=%3Cscript%3Ealert(1)%3C%2Fscript%3E', 0],
      ['EIO=4&transport=polling%0d%0aX-Injected:%201', 0],
    ]) {
      const res = await rawRequest(any, `/socket.io/?${query}`);
      assertCleanAnswer(res, query);
      assert.equal(res.status, 400, `${query} → ${res.statusLine}`);
      assert.equal(jsonBody(res, query).code, code, query);
      assert.doesNotMatch(res.body, /Injected|script/i, query);
    }
    // A handshake with hostile extra query keys opens a session; nothing of the query comes back.
    const open = await rawRequest(any, '/socket.io/?EIO=4&transport=polling&t=%0d%0aX-Injected:%201&j=%3C%2Fscript%3E');
    assertCleanAnswer(open, 'handshake');
    assert.equal(open.status, 200);
    assert.match(open.body, /^0\{"sid":"[^"]+"/);
    assert.doesNotMatch(open.body, /Injected|script/i);
  });

  // Strings a client stores and the server later writes back inside JSON.
  const NASTY = [
    '</script><script>alert(1)</script>', 'line\r\nX-Injected: 1', 'sep\u2028and\u2029para', 'quote " backslash \\ end',
    'nul \u0000 bell \u0007 esc \u001b rs \u001e', 'del \u007f nel \u0085', '\ud83d\ude00 emoji', '<!--', '{"success":true}',
  ];

  it('stored strings (metadata, participant ids) come back JSON-escaped, byte-exact, in application/json', async () => {
    const alice = client(any, token);
    const title = NASTY.slice(0, 4).join(' | ');
    const description = NASTY.join(' | ');
    const tags = NASTY.filter((t) => t.length <= 50);
    const participants = ['bob</script>', 'carol\u2028', 'dan"\\', 'eve\u00e9\u0085'];
    const body = { sessionType: 'group', participants, metadata: { title, description, tags } };
    const created = expectOk(await alice.initiate(body), 201);
    for (const [method, path] of [['GET', `${API}/session/${created.sessionId}`], ['GET', `${API}/history?limit=1`],
      ['POST', `${API}/session/${created.sessionId}/end`]]) {
      const res = await rawRequest(any, path, { method, lines: [`Authorization: Bearer ${token}`, 'Origin: https://a.example'] });
      assertCleanAnswer(res, path);
      assert.equal(res.status, 200, res.statusLine);
      const doc = jsonBody(res, path).data;
      const session = doc.session ?? doc.sessions[0];
      assert.deepEqual(session.metadata, { title, description, tags }, path);
      assert.deepEqual(session.invitedUsers, participants, path);
      assert.doesNotMatch(res.body, /\r|\n|\u0000|\u0007|\u001b|\u001e/, 'control characters are escaped');
    }
  });

  it('a display name from the token comes back JSON-escaped and byte-exact', async () => {
    const name = NASTY.join(' ').replace('\u0000', ''); // a NUL in a claim is refused (401) by libjwt
    const sub = uid('named');
    const c = client(any, mint({ sub, name }, SECRET));
    const created = expectOk(await c.initiate({ sessionType: 'group', participants: [uid('bob')] }), 201);
    const res = await rawRequest(any, `${API}/session/${created.sessionId}`, { lines: [`Authorization: Bearer ${c.token}`] });
    assertCleanAnswer(res, 'display name');
    assert.equal(jsonBody(res, 'display name').data.session.participants[0].name, name);
  });

  it('development error details that quote the request (token parts, JSON errors) stay single-line and escaped', async () => {
    const claims = claimsFor(uid('dev'));
    const hostile = [
      signHS256(claims, SECRET, { alg: 'none\r\nX-Injected: 1</script>', typ: 'JWT' }),
      signHS256(claims, SECRET, { alg: 'HS256\u2028\u0000', typ: 'JWT' }),
      signHS256(claims, SECRET, { alg: 'HS256', typ: 'JWT\r\nX-Injected: 1' }),
      `${b64url('{"alg":"HS256"\r\n,"x":"</script>"')}.${b64url(claims)}.sig`,
    ];
    for (const t of hostile) {
      const res = await rawRequest(dev, `${API}/history`, { lines: [`Authorization: Bearer ${t}`] });
      assertCleanAnswer(res, `dev token ${t.slice(0, 30)}`);
      assert.equal(res.status, 401, res.statusLine);
      const body = jsonBody(res, 'dev 401');
      assert.equal(typeof body.error, 'string');
      assert.doesNotMatch(body.error, /[\x00-\x1f\u2028\u2029]/, `detail ${JSON.stringify(body.error)}`);
    }
    const bad = await rawRequest(dev, `${API}/initiate`, {
      method: 'POST',
      lines: [`Authorization: Bearer ${tokenDev}`, 'Content-Type: application/json'],
      body: '{"sessionType":"group\r\nX-Injected: 1</script>\u2028", "participants": [',
    });
    assertCleanAnswer(bad, 'dev malformed JSON');
    assert.equal(bad.status, 400);
    assert.equal(jsonBody(bad, 'dev 400').success, false);
  });

  it('a body or header value with CR/LF cannot smuggle a second request into the same answer stream', async () => {
    // One request whose header value holds an encoded "\r\n\r\nGET /..." gets exactly one answer.
    const res = await rawRequest(any, `${API}/history`, {
      lines: [`Authorization: Bearer ${token}`, 'X-Note: a%0d%0a%0d%0aGET /../README.md HTTP/1.1'],
    });
    assertCleanAnswer(res, 'encoded CRLF in a header');
    assert.equal(res.status, 200);
    assert.equal(res.raw.toString('latin1').split(/HTTP\/1\.1 \d{3}/).length - 1, 1, 'exactly one answer');
    // A bare LF inside a header line is malformed: 400, and the connection closes.
    const lf = await rawHttp(any, `GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: 1\nGET /../README.md HTTP/1.1\r\n\r\n`);
    assertCleanAnswer(lf, 'bare LF');
    assert.ok([400, 200].includes(lf.status), lf.statusLine);
    assert.ok(!lf.raw.toString('latin1').includes('# hearth-call'));
  });
});
