// Authentication: which bearer tokens the server accepts and refuses, the `token` subcommand that mints them,
// `--help` on every subcommand, and the development-mode error detail.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { API, client, expectError, expectOk, request, runCli, startServer, stopAll } from './lib/server.mjs';
import {
  algNoneSignedToken, algNoneToken, decodeToken, expiredToken, mint, nowSeconds, rs256Token, signHS256,
  tamperedToken, tokenWithoutExp, verifyHS256, wrongSecretToken,
} from './lib/jwt.mjs';

const SECRET = `auth-${randomUUID()}`;
const JWT_RE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const UNKNOWN_ID = 'call_1700000000000_abcdefghi';
const BODY = { sessionType: 'group', participants: ['bob'] };

let server;
before(async () => {
  server = await startServer({ secret: SECRET });
});
after(stopAll);

const withAuth = (authorization) => ({ headers: authorization === undefined ? {} : { authorization } });

describe('refused tokens (401)', () => {
  const claims = { sub: 'mallory', name: 'Mallory' };
  const cases = [
    ['no Authorization header', undefined],
    ['"Bearer" without a token', 'Bearer'],
    ['"Bearer " with an empty token', 'Bearer '],
    ['Basic credentials', `Basic ${Buffer.from('mallory:secret').toString('base64')}`],
    ['a token without the Bearer scheme', () => mint(claims, SECRET)],
    ['garbage', 'Bearer garbage'],
    ['three garbage segments', 'Bearer aaa.bbb.ccc'],
    ['expired', () => `Bearer ${expiredToken(claims, SECRET)}`],
    ['signed with the wrong secret', () => `Bearer ${wrongSecretToken(claims, SECRET)}`],
    ['tampered payload', () => `Bearer ${tamperedToken({ sub: 'bob' }, SECRET, { sub: 'mallory' })}`],
    ['alg none, no signature', () => `Bearer ${algNoneToken(claims)}`],
    ['alg NONE, no signature', () => `Bearer ${algNoneToken(claims, { algName: 'NONE' })}`],
    ['alg none with a real HMAC', () => `Bearer ${algNoneSignedToken(claims, SECRET)}`],
    ['no exp claim', () => `Bearer ${tokenWithoutExp(claims, SECRET)}`],
    ['RS256 with an unknown key', () => `Bearer ${rs256Token(claims)}`],
    ['HS256 but no user id claim', () => `Bearer ${mint({ name: 'Nobody' }, SECRET)}`],
    ['HS256 with an empty sub', () => `Bearer ${mint({ sub: '' }, SECRET)}`],
    ['exp as a string', () => `Bearer ${signHS256({ sub: 'mallory', exp: String(nowSeconds() + 3600) }, SECRET)}`],
  ];
  for (const [name, auth] of cases) {
    it(name, async () => {
      const authorization = typeof auth === 'function' ? auth() : auth;
      expectError(await request(server, 'POST', `${API}/initiate`, { json: BODY, ...withAuth(authorization) }), 401);
      expectError(await request(server, 'GET', `${API}/history`, withAuth(authorization)), 401);
    });
  }

  it('refused requests changed nothing', async () => {
    const mallory = client(server, mint(claims, SECRET));
    assert.equal(expectOk(await mallory.history(), 200).pagination.total, 0);
  });
});

describe('every API endpoint requires a token', () => {
  for (const [method, path, json] of [
    ['POST', `${API}/initiate`, BODY],
    ['POST', `${API}/join/${UNKNOWN_ID}`],
    ['GET', `${API}/session/${UNKNOWN_ID}`],
    ['PUT', `${API}/session/${UNKNOWN_ID}/media`, { hasVideo: false }],
    ['POST', `${API}/session/${UNKNOWN_ID}/end`],
    ['GET', `${API}/history`],
  ]) {
    it(`${method} ${path.replace(UNKNOWN_ID, ':id')} → 401 without a token, even for an unknown session`, async () => {
      expectError(await request(server, method, path, { json }), 401);
    });
  }

  it('health endpoints need none', async () => {
    assert.equal((await request(server, 'GET', '/healthz')).status, 200);
    assert.equal((await request(server, 'GET', '/readyz')).status, 200);
  });
});

describe('accepted tokens', () => {
  async function initiatorOf(claims) {
    const data = expectOk(await client(server, mint(claims, SECRET)).initiate(BODY), 201);
    return data.session;
  }

  it('user id from sub, with the display name from name', async () => {
    const s = await initiatorOf({ sub: 'ann', name: 'Ann Example', role: 'admin' });
    assert.equal(s.initiatorId, 'ann');
    assert.deepEqual([s.participants[0].userId, s.participants[0].name], ['ann', 'Ann Example']);
  });

  it('user id from userId (what the Hearth Track app signs)', async () => {
    assert.equal((await initiatorOf({ userId: 'uma', name: 'Uma' })).initiatorId, 'uma');
  });

  it('user id from id', async () => {
    assert.equal((await initiatorOf({ id: '64b7f0c2e4b0a1a2b3c4d5e6' })).initiatorId, '64b7f0c2e4b0a1a2b3c4d5e6');
  });

  it('sub wins over userId and id', async () => {
    assert.equal((await initiatorOf({ sub: 'sam', userId: 'not-sam', id: 'nor-sam' })).initiatorId, 'sam');
  });

  it('the same user id is the same user whichever claim carries it', async () => {
    const { sessionId } = expectOk(await client(server, mint({ userId: 'vic' }, SECRET)).initiate(BODY), 201);
    expectOk(await client(server, mint({ sub: 'vic' }, SECRET)).session(sessionId), 200);
    expectOk(await client(server, mint({ id: 'bob' }, SECRET)).session(sessionId), 200);
    expectError(await client(server, mint({ sub: 'someone-else' }, SECRET)).session(sessionId), 403);
  });
});

describe('hearth-call token', () => {
  it('mints an HS256 token with sub, name, role and exp = now + ttl', async () => {
    const before = nowSeconds();
    const r = await runCli(['token', '--user', 'alice', '--name', 'Alice', '--role', 'admin', '--ttl', '1h'], {
      env: { JWT_SECRET: SECRET, HEARTH_ENV: 'production' },
    });
    assert.equal(r.code, 0, r.stderr);
    const token = r.stdout.trim();
    assert.match(token, JWT_RE, `stdout should be just the token, got ${JSON.stringify(r.stdout)}`);
    assert.ok(verifyHS256(token, SECRET), 'signed with JWT_SECRET');
    const { header, payload } = decodeToken(token);
    assert.equal(header.alg, 'HS256');
    assert.equal(payload.sub, 'alice');
    assert.equal(payload.name, 'Alice');
    assert.equal(payload.role, 'admin');
    assert.ok(Math.abs(payload.exp - (before + 3600)) <= 5, `exp ${payload.exp} should be about now + 3600`);

    const data = expectOk(await client(server, token).initiate(BODY), 201);
    assert.equal(data.session.initiatorId, 'alice');
    assert.equal(data.session.participants[0].name, 'Alice');
  });

  it('--ttl accepts minutes', async () => {
    const r = await runCli(['token', '--user', 'bob', '--ttl', '2m'], { env: { JWT_SECRET: SECRET } });
    assert.equal(r.code, 0, r.stderr);
    const { payload } = decodeToken(r.stdout.trim());
    assert.equal(payload.sub, 'bob');
    assert.ok(Math.abs(payload.exp - (nowSeconds() + 120)) <= 5, `exp ${payload.exp} should be about now + 120`);
  });

  it('a token minted with another secret is refused by the server', async () => {
    const r = await runCli(['token', '--user', 'alice'], { env: { JWT_SECRET: `${SECRET}-other` } });
    assert.equal(r.code, 0, r.stderr);
    expectError(await client(server, r.stdout.trim()).history(), 401);
  });

  it('refuses a missing --user', async () => {
    const r = await runCli(['token'], { env: { JWT_SECRET: SECRET } });
    assert.notEqual(r.code, 0);
    assert.ok(r.stderr.length > 0, 'an explanation on stderr');
  });
});

describe('--help', () => {
  for (const [args, mentions] of [
    [['--help'], [/serve/, /token/, /migrate/]],
    [['serve', '--help'], [/--port/, /--host/]],
    [['token', '--help'], [/--user/, /--ttl/]],
    [['migrate', '--help'], [/migrat/i]],
  ]) {
    it(`hearth-call ${args.join(' ')}`, async () => {
      const r = await runCli(args);
      assert.equal(r.code, 0, r.stderr);
      for (const re of mentions) assert.match(r.stdout, re);
    });
  }
});

describe('JWT_ISSUER and JWT_AUDIENCE', () => {
  it('refuse tokens for another issuer or audience, on REST and Socket.IO alike; `token` mints accepted ones', async () => {
    const strict = await startServer({
      secret: SECRET, env: { JWT_ISSUER: 'https://auth.hearth.example', JWT_AUDIENCE: 'hearth-call, hearth-video' },
    });
    const iss = 'https://auth.hearth.example';
    const refused = [
      [{ sub: 'mallory' }, 'Token has no iss claim'],
      [{ sub: 'mallory', iss: 'https://other.example', aud: 'hearth-call' }, 'Token issuer is not accepted'],
      [{ sub: 'mallory', iss }, 'Token has no aud claim'],
      [{ sub: 'mallory', iss, aud: 'hearth-api' }, 'Token audience is not accepted'],
      [{ sub: 'mallory', iss, aud: ['hearth-api', 'hearth-billing'] }, 'Token audience is not accepted'],
      [{ sub: 'mallory', iss, aud: 42 }, 'Token aud claim must be a string or an array of strings'],
    ];
    for (const [claims, message] of refused) {
      const authorization = `Bearer ${mint(claims, SECRET)}`;
      expectError(await request(strict, 'GET', `${API}/history`, withAuth(authorization)), 401, { message });
    }
    for (const aud of ['hearth-video', ['hearth-api', 'hearth-call']]) {
      const ok = client(strict, mint({ sub: 'ann', iss, aud }, SECRET));
      expectOk(await ok.history(), 200);
    }
    // The same rules on the signaling path (the authenticate event answers with the verifier's message).
    const { io } = await import('socket.io-client');
    const connectWith = (token) => new Promise((resolve) => {
      const socket = io(strict.url, { transports: ['websocket'], reconnection: false, auth: { token } });
      socket.on('connect_error', (e) => { socket.close(); resolve(`refused: ${e.message}`); });
      socket.on('authenticated', () => { socket.close(); resolve('authenticated'); });
      socket.on('connect', () => setTimeout(() => { socket.close(); resolve('connected'); }, 2000));
    });
    assert.equal(await connectWith(mint({ sub: 'mallory', iss, aud: 'hearth-api' }, SECRET)),
      'refused: Authentication failed: Token audience is not accepted');
    assert.equal(await connectWith(mint({ sub: 'ann', iss, aud: 'hearth-call' }, SECRET)), 'authenticated');

    const r = await runCli(['token', '--user', 'alice'], {
      env: { JWT_SECRET: SECRET, JWT_ISSUER: iss, JWT_AUDIENCE: 'hearth-call,hearth-video' },
    });
    assert.equal(r.code, 0, r.stderr);
    const { payload } = decodeToken(r.stdout.trim());
    assert.equal(payload.iss, iss);
    assert.equal(payload.aud, 'hearth-call');
    expectOk(await client(strict, r.stdout.trim()).history(), 200);
    assert.deepEqual(await strict.stop(), { code: 0, signal: null });
  });
});

describe('development mode', () => {
  it('error responses carry the `error` detail', async () => {
    const dev = await startServer({ secret: SECRET, env: { HEARTH_ENV: 'development' } });
    const res = await request(dev, 'POST', `${API}/initiate`, {
      body: '{"sessionType": "group", "participants": [',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${mint({ sub: 'dee' }, SECRET)}` },
    });
    const body = expectError(res, 400, { production: false });
    assert.equal(typeof body.error, 'string', `development errors include a detail: ${res.text}`);
    assert.deepEqual(await dev.stop(), { code: 0, signal: null });
  });

  it('starts without JWT_SECRET (a random one is generated)', async () => {
    const dev = await startServer({ env: { HEARTH_ENV: 'development', JWT_SECRET: undefined } });
    assert.equal((await request(dev, 'GET', '/healthz')).status, 200);
    // The generated secret is not ours, so our tokens are refused.
    expectError(await client(dev, mint({ sub: 'dee' }, SECRET)).history(), 401, { production: false });
    assert.deepEqual(await dev.stop(), { code: 0, signal: null });
  });
});

describe('shutdown', () => {
  it('SIGTERM → exit code 0', async () => {
    assert.deepEqual(await server.stop('SIGTERM'), { code: 0, signal: null });
  });
});
