// JWT helpers for the integration tests: HS256 minting with node:crypto, and builders for the malformed and
// hostile tokens the server must refuse (alg none, tampered payload, expired, wrong secret, no exp, RS256).
import { createHmac, generateKeyPairSync, sign } from 'node:crypto';

/** base64url of a string, Buffer, or (JSON-encoded) object. */
export function b64url(value) {
  if (Buffer.isBuffer(value)) return value.toString('base64url');
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return Buffer.from(text, 'utf8').toString('base64url');
}

/** Current time in whole seconds, as JWT `iat`/`exp` use. */
export function nowSeconds() {
  return Math.floor(Date.now() / 1000);
}

/** Signs `payload` exactly as given (no claims added) with HMAC-SHA256. */
export function signHS256(payload, secret, header = { alg: 'HS256', typ: 'JWT' }) {
  const input = `${b64url(header)}.${b64url(payload)}`;
  const signature = createHmac('sha256', secret).update(input).digest('base64url');
  return `${input}.${signature}`;
}

/** A valid token: `claims` plus `iat` and `exp` (now + ttlSeconds) unless the claims set them. */
export function mint(claims, secret, { ttlSeconds = 3600 } = {}) {
  const now = nowSeconds();
  return signHS256({ iat: now, exp: now + ttlSeconds, ...claims }, secret);
}

/** Expired an hour ago: well beyond any clock-skew leeway. */
export function expiredToken(claims, secret) {
  const now = nowSeconds();
  return signHS256({ iat: now - 7200, exp: now - 3600, ...claims }, secret);
}

/** Correct shape and claims, signed with a different secret. */
export function wrongSecretToken(claims, secret) {
  return mint(claims, `${secret}-but-not-quite`);
}

/** A valid token whose payload was then changed (sub swapped) while keeping the original signature. */
export function tamperedToken(claims, secret, changes = { sub: 'mallory' }) {
  const [header, payload, signature] = mint(claims, secret).split('.');
  const forged = { ...decodeSegment(payload), ...changes };
  return `${header}.${b64url(forged)}.${signature}`;
}

/** `alg: none` with an empty signature (the classic bypass). `algName` allows case variants such as "NONE". */
export function algNoneToken(claims, { algName = 'none', signature = '' } = {}) {
  const now = nowSeconds();
  const header = b64url({ alg: algName, typ: 'JWT' });
  const payload = b64url({ iat: now, exp: now + 3600, ...claims });
  return `${header}.${payload}.${signature}`;
}

/** `alg: none` but carrying an HMAC signature made with the real secret: still must be refused. */
export function algNoneSignedToken(claims, secret) {
  const now = nowSeconds();
  return signHS256({ iat: now, exp: now + 3600, ...claims }, secret, { alg: 'none', typ: 'JWT' });
}

/** Correctly signed HS256 but without the required `exp` claim. */
export function tokenWithoutExp(claims, secret) {
  return signHS256({ iat: nowSeconds(), ...claims }, secret);
}

let rsaKeys;
/** An RS256 token signed with a freshly generated RSA key the server does not know. */
export function rs256Token(claims) {
  rsaKeys ??= generateKeyPairSync('rsa', { modulusLength: 2048 });
  const now = nowSeconds();
  const input = `${b64url({ alg: 'RS256', typ: 'JWT' })}.${b64url({ iat: now, exp: now + 3600, ...claims })}`;
  const signature = sign('sha256', Buffer.from(input), rsaKeys.privateKey).toString('base64url');
  return `${input}.${signature}`;
}

/** Decodes one base64url JSON segment. */
export function decodeSegment(segment) {
  return JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
}

/** Splits a token into its decoded header and payload (no verification). */
export function decodeToken(token) {
  const [header, payload] = token.split('.');
  return { header: decodeSegment(header), payload: decodeSegment(payload) };
}

/** True if `token` is a correctly HS256-signed JWS for `secret`. */
export function verifyHS256(token, secret) {
  const parts = token.split('.');
  if (parts.length !== 3) return false;
  const expected = createHmac('sha256', secret).update(`${parts[0]}.${parts[1]}`).digest('base64url');
  return expected === parts[2];
}
