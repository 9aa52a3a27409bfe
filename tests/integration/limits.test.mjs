// Input limits and configuration: validation (400), body size (413), content type (415), rate limiting (429),
// configured capacities, ICE servers and CORS, the ring-timeout sweep, and refusal of bad configuration.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import {
  API, client, expectError, expectOk, iceUrls, pollUntil, request, runCli, startServer, stopAll,
} from './lib/server.mjs';
import { mint } from './lib/jwt.mjs';

const SECRET = `limits-${randomUUID()}`;
const x = (n) => 'x'.repeat(n);
const ids = (n, prefix = 'u') => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

let server; // default limits
before(async () => {
  server = await startServer({ secret: SECRET });
});
after(stopAll);

describe('validation of POST /initiate (400, the message names the field)', () => {
  const g = (extra) => ({ sessionType: 'group', participants: ['u1'], ...extra });
  const cases = [
    ['sessionType missing', { participants: ['u1'] }, /sessionType/],
    ['sessionType unknown', g({ sessionType: 'conference' }), /sessionType/],
    ['sessionType not a string', g({ sessionType: 1 }), /sessionType/],
    ['participants missing', { sessionType: 'group' }, /participants/],
    ['participants not an array', g({ participants: 'u1' }), /participants/],
    ['participants empty', g({ participants: [] }), /participants/],
    ['a participant not a string', g({ participants: ['u1', 42] }), /participants/],
    ['a participant empty', g({ participants: [''] }), /participants/],
    ['a participant over 128 chars', g({ participants: [x(129)] }), /participants/],
    ['duplicate participants', g({ participants: ['u1', 'u2', 'u1'] }), /participants/],
    ['participants are only the caller', g({ participants: ['val'] }), /participants/],
    ['one-to-one with the caller and 2 others', { sessionType: 'one-to-one', participants: ['val', 'u1', 'u2'] }, /participants/],
    ['one-to-one with 2 invitees', { sessionType: 'one-to-one', participants: ['u1', 'u2'] }, /participants/],
    ['one-to-one with none', { sessionType: 'one-to-one', participants: [] }, /participants/],
    ['group over MAX_INVITEES (50)', g({ participants: ids(51) }), /participants/],
    ['therapy without therapySessionId', { sessionType: 'therapy', participants: ['u1'] }, /therapySessionId/],
    ['therapySessionId on a group call', g({ therapySessionId: 't1' }), /therapySessionId/],
    ['therapySessionId on a one-to-one call', { sessionType: 'one-to-one', participants: ['u1'], therapySessionId: 't1' }, /therapySessionId/],
    ['therapySessionId empty', { sessionType: 'therapy', participants: ['u1'], therapySessionId: '' }, /therapySessionId/],
    ['therapySessionId not a string', { sessionType: 'therapy', participants: ['u1'], therapySessionId: 7 }, /therapySessionId/],
    ['maxParticipants over MAX_CALL_PARTICIPANTS (8)', g({ maxParticipants: 9 }), /maxParticipants/],
    ['maxParticipants under 2', g({ maxParticipants: 1 }), /maxParticipants/],
    ['maxParticipants not an integer', g({ maxParticipants: 2.5 }), /maxParticipants/],
    ['maxParticipants as a string', g({ maxParticipants: '4' }), /maxParticipants/],
    ['one-to-one with maxParticipants 3', { sessionType: 'one-to-one', participants: ['u1'], maxParticipants: 3 }, /maxParticipants/],
    ['callSettings not an object', g({ callSettings: 'yes' }), /callSettings/],
    ['callSettings.isVideoEnabled as a string', g({ callSettings: { isVideoEnabled: 'true' } }), /isVideoEnabled/],
    ['callSettings.isAudioEnabled as a number', g({ callSettings: { isAudioEnabled: 1 } }), /isAudioEnabled/],
    ['callSettings.isRecordingEnabled as a string', g({ callSettings: { isRecordingEnabled: 'false' } }), /isRecordingEnabled/],
    ['callSettings.allowScreenShare as a string', g({ callSettings: { allowScreenShare: 'no' } }), /allowScreenShare/],
    ['metadata not an object', g({ metadata: 'x' }), /metadata/],
    ['metadata.title over 200', g({ metadata: { title: x(201) } }), /title/],
    ['metadata.title not a string', g({ metadata: { title: 5 } }), /title/],
    ['metadata.description over 2000', g({ metadata: { description: x(2001) } }), /description/],
    ['more than 20 tags', g({ metadata: { tags: ids(21, 't') } }), /tags/],
    ['a tag over 50 chars', g({ metadata: { tags: ['ok', x(51)] } }), /tags/],
    ['a tag not a string', g({ metadata: { tags: [1] } }), /tags/],
    ['tags not an array', g({ metadata: { tags: 'a,b' } }), /tags/],
  ];
  let val;
  before(() => {
    val = client(server, mint({ sub: 'val' }, SECRET));
  });
  for (const [name, body, field] of cases) {
    it(name, async () => {
      expectError(await val.initiate(body), 400, { message: field });
    });
  }

  const accepted = [
    ['a 128-char participant id', g({ participants: [x(128)] })],
    ['exactly MAX_INVITEES (50) invitees', g({ participants: ids(50) })],
    ['maxParticipants 2', g({ maxParticipants: 2 })],
    ['maxParticipants 8', g({ maxParticipants: 8 })],
    ['title 200, description 2000, 20 tags of 50', g({ metadata: { title: x(200), description: x(2000), tags: ids(20, x(48)) } })],
    ['a group may invite more people than fit at once', g({ participants: ids(10), maxParticipants: 3 })],
  ];
  for (const [name, body] of accepted) {
    it(`accepts ${name}`, async () => {
      const data = expectOk(await val.initiate(body), 201);
      if (body.maxParticipants) assert.equal(data.session.maxParticipants, body.maxParticipants);
      assert.deepEqual(data.session.invitedUsers, body.participants);
    });
  }

  it('refused requests stored nothing', async () => {
    assert.equal(expectOk(await val.history(), 200).pagination.total, accepted.length);
  });
});

describe('request bodies', () => {
  let u;
  before(() => {
    u = client(server, mint({ sub: 'body-user' }, SECRET));
  });
  const post = (body, contentType = 'application/json') =>
    u.call('POST', `${API}/initiate`, { body, headers: { 'content-type': contentType } });

  it('malformed JSON or a non-object body → 400', async () => {
    for (const body of ['{', '{"sessionType": "group", "participants": [', 'not json', '{"a":1}}', '', '[]', '"group"', 'null']) {
      expectError(await post(body), 400);
    }
  });

  it('a body over 64 KiB → 413; one just under is fine', async () => {
    const big = JSON.stringify({ sessionType: 'group', participants: ['u1'], metadata: { description: x(70 * 1024) } });
    expectError(await post(big), 413);
    const padded = `{"sessionType": "group", ${' '.repeat(60 * 1024)} "participants": ["u1"]}`;
    expectOk(await post(padded), 201);
  });

  it('a non-JSON Content-Type on POST or PUT → 415', async () => {
    const body = JSON.stringify({ sessionType: 'group', participants: ['u1'] });
    expectError(await post(body, 'text/plain'), 415);
    expectError(await post('sessionType=group&participants=u1', 'application/x-www-form-urlencoded'), 415);
    expectOk(await post(body, 'application/json; charset=utf-8'), 201);
    const { sessionId } = expectOk(await post(body), 201);
    const res = await u.call('PUT', `${API}/session/${sessionId}/media`, {
      body: '{"hasVideo": false}', headers: { 'content-type': 'text/plain' },
    });
    expectError(res, 415);
  });
});

describe('configured limits, ICE servers and CORS', () => {
  let cfg; let alice;
  before(async () => {
    cfg = await startServer({
      secret: SECRET,
      env: {
        MAX_INVITEES: '3',
        MAX_CALL_PARTICIPANTS: '4',
        STUN_SERVERS: 'stun:stun.one.test:3478,stun:stun.two.test:19302',
        TURN_SERVER_URL: 'turn:turn.test:3478',
        TURN_USERNAME: 'turn-user',
        TURN_PASSWORD: 'turn-pass',
        CORS_ORIGINS: 'https://app.example,https://admin.example',
      },
    });
    alice = client(cfg, mint({ sub: 'alice' }, SECRET));
  });

  it('MAX_INVITEES and MAX_CALL_PARTICIPANTS bound invitees and capacity', async () => {
    const data = expectOk(await alice.initiate({ sessionType: 'group', participants: ids(3) }), 201);
    assert.equal(data.session.maxParticipants, 4);
    expectError(await alice.initiate({ sessionType: 'group', participants: ids(4) }), 400, { message: /participants/ });
    expectError(await alice.initiate({ sessionType: 'group', participants: ['u1'], maxParticipants: 5 }), 400, { message: /maxParticipants/ });
    expectOk(await alice.initiate({ sessionType: 'group', participants: ids(3), maxParticipants: 2 }), 201);
  });

  it('iceServers are exactly the configured STUN servers and the TURN server with its credentials', async () => {
    const { iceServers } = expectOk(await alice.initiate({ sessionType: 'group', participants: ['u1'] }), 201);
    assert.deepEqual(new Set(iceUrls(iceServers)),
      new Set(['stun:stun.one.test:3478', 'stun:stun.two.test:19302', 'turn:turn.test:3478']));
    for (const s of iceServers) {
      const isTurn = iceUrls([s]).some((u) => u.startsWith('turn'));
      if (isTurn) assert.deepEqual([s.username, s.credential], ['turn-user', 'turn-pass']);
      else assert.ok(!('username' in s) && !('credential' in s), `STUN entry without credentials: ${JSON.stringify(s)}`);
    }
  });

  it('CORS preflight from an allowed origin → 204 with the CORS headers', async () => {
    const res = await request(cfg, 'OPTIONS', `${API}/initiate`, {
      headers: {
        origin: 'https://app.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type',
      },
    });
    assert.equal(res.status, 204);
    assert.equal(res.headers.get('access-control-allow-origin'), 'https://app.example');
    assert.match(res.headers.get('access-control-allow-methods') ?? '', /POST/);
    assert.match(res.headers.get('access-control-allow-headers') ?? '', /authorization/i);
    assert.match(res.headers.get('access-control-allow-headers') ?? '', /content-type/i);
  });

  it('CORS: actual requests from an allowed origin get allow-origin; other origins get none', async () => {
    let res = await alice.call('GET', `${API}/history`, { headers: { origin: 'https://admin.example' } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('access-control-allow-origin'), 'https://admin.example');
    res = await alice.call('GET', `${API}/history`, { headers: { origin: 'https://evil.example' } });
    assert.equal(res.headers.get('access-control-allow-origin'), null);
    res = await request(cfg, 'OPTIONS', `${API}/initiate`, {
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    assert.equal(res.headers.get('access-control-allow-origin'), null);
    assert.notEqual(res.status, 204);
  });

  it('production default: no CORS origin allowed', async () => {
    const res = await request(server, 'OPTIONS', `${API}/initiate`, {
      headers: { origin: 'https://app.example', 'access-control-request-method': 'POST' },
    });
    assert.equal(res.headers.get('access-control-allow-origin'), null);
  });
});

describe('rate limiting (RATE_LIMIT_PER_MINUTE=5 per user)', () => {
  it('the 6th request in a minute → 429 with Retry-After; other users unaffected', async () => {
    const limited = await startServer({ secret: SECRET, env: { RATE_LIMIT_PER_MINUTE: '5' } });
    const r1 = client(limited, mint({ sub: 'r1' }, SECRET));
    for (let i = 0; i < 5; i++) expectOk(await r1.history(), 200);
    const res = await r1.history();
    expectError(res, 429);
    const retry = res.headers.get('retry-after');
    assert.match(retry ?? '', /^\d+$/, `Retry-After should be whole seconds, got ${retry}`);
    assert.ok(Number(retry) >= 1 && Number(retry) <= 60, `Retry-After ${retry}`);
    expectError(await r1.initiate({ sessionType: 'group', participants: ['u1'] }), 429);
    expectOk(await client(limited, mint({ sub: 'r2' }, SECRET)).history(), 200);
    assert.deepEqual(await limited.stop(), { code: 0, signal: null });
  });
});

describe('failed authentications (AUTH_FAILURES_PER_MINUTE=3 per client address)', () => {
  it('the 4th bad token in a minute → 429 with Retry-After; a valid token from the same address still works', async () => {
    const limited = await startServer({ secret: SECRET, env: { AUTH_FAILURES_PER_MINUTE: '3' } });
    const forged = client(limited, mint({ sub: 'mallory' }, 'not-the-secret'));
    for (let i = 0; i < 3; i++) expectError(await forged.history(), 401);
    const res = await forged.history();
    expectError(res, 429, { message: /Too many failed authentications/ });
    assert.equal(res.headers.get('retry-after'), '60');
    expectOk(await client(limited, mint({ sub: 'alice' }, SECRET)).history(), 200);
    assert.deepEqual(await limited.stop(), { code: 0, signal: null });
  });
});

describe('sweep (CALL_RING_TIMEOUT_SECONDS=1, SWEEP_INTERVAL_SECONDS=1)', () => {
  it('an unanswered session ends as missed; one ended by a user keeps its reason', async () => {
    const swept = await startServer({ secret: SECRET, env: { CALL_RING_TIMEOUT_SECONDS: '1', SWEEP_INTERVAL_SECONDS: '1' } });
    const amy = client(swept, mint({ sub: 'amy' }, SECRET));
    const { sessionId } = expectOk(await amy.initiate({ sessionType: 'one-to-one', participants: ['ben'] }), 201);
    const other = expectOk(await amy.initiate({ sessionType: 'group', participants: ['ben'] }), 201).sessionId;
    expectOk(await amy.end(other), 200);

    let last;
    await pollUntil(async () => {
      last = expectOk(await amy.session(sessionId), 200).session;
      return last.status === 'ended';
    }, { timeoutMs: 15_000 });
    assert.equal(last.status, 'ended', `still ${last.status} after 15 s`);
    assert.equal(last.endReason, 'missed');
    assert.equal(last.endedBy, null);
    assert.equal(typeof last.endTime, 'string');
    assert.equal(last.duration, 0);
    expectError(await client(swept, mint({ sub: 'ben' }, SECRET)).join(sessionId), 410);
    assert.equal(expectOk(await amy.session(other), 200).session.endReason, 'ended_by_user');
    assert.equal(expectOk(await amy.history('?status=ended'), 200).pagination.total, 2);
    assert.deepEqual(await swept.stop(), { code: 0, signal: null });
  });
});

describe('a REST join past the ring timeout, before any sweep (SWEEP_INTERVAL_SECONDS=3600)', () => {
  it('answers 410 as a socket join would, and the session is still readable', async () => {
    const late = await startServer({ secret: SECRET, env: { CALL_RING_TIMEOUT_SECONDS: '1', SWEEP_INTERVAL_SECONDS: '3600' } });
    const amy = client(late, mint({ sub: 'amy' }, SECRET));
    const ben = client(late, mint({ sub: 'ben' }, SECRET));
    const { sessionId } = expectOk(await amy.initiate({ sessionType: 'one-to-one', participants: ['ben'] }), 201);
    expectOk(await ben.join(sessionId), 200);  // in time
    await new Promise((resolve) => setTimeout(resolve, 1_300));
    expectError(await ben.join(sessionId), 410, { message: 'Call session has ended' });
    expectOk(await amy.session(sessionId), 200);
    assert.deepEqual(await late.stop(), { code: 0, signal: null });
  });
});

describe('bad configuration is refused at start', () => {
  const serve = ['serve', '--host', '127.0.0.1', '--port', '0'];
  const base = (dir) => ({ HEARTH_ENV: 'production', JWT_SECRET: SECRET, DATABASE_URL: `sqlite://${dir}/bad.db` });
  const cases = [
    ['PORT=abc', ['serve', '--host', '127.0.0.1'], { PORT: 'abc' }, /PORT/i],
    ['--port 70000', ['serve', '--host', '127.0.0.1', '--port', '70000'], {}, /port/i],
    ['DATABASE_URL=postgres://x', serve, { DATABASE_URL: 'postgres://x' }, /postgres|DATABASE_URL/i],
    ['DATABASE_URL=mysql://x', serve, { DATABASE_URL: 'mysql://x' }, /DATABASE_URL|mysql/i],
    ['production without JWT_SECRET', serve, { JWT_SECRET: undefined }, /JWT_SECRET/],
    ['HEARTH_ENV=staging', serve, { HEARTH_ENV: 'staging' }, /HEARTH_ENV/],
    ['MAX_CALL_PARTICIPANTS=1', serve, { MAX_CALL_PARTICIPANTS: '1' }, /MAX_CALL_PARTICIPANTS/],
    ['MAX_CALL_PARTICIPANTS=lots', serve, { MAX_CALL_PARTICIPANTS: 'lots' }, /MAX_CALL_PARTICIPANTS/],
    ['MAX_INVITEES=-5', serve, { MAX_INVITEES: '-5' }, /MAX_INVITEES/],
    ['RATE_LIMIT_PER_MINUTE=fast', serve, { RATE_LIMIT_PER_MINUTE: 'fast' }, /RATE_LIMIT_PER_MINUTE/],
    ['CALL_TIMEOUT_MINUTES=soon', serve, { CALL_TIMEOUT_MINUTES: 'soon' }, /CALL_TIMEOUT_MINUTES/],
  ];
  for (const [name, args, env, mention] of cases) {
    it(name, async () => {
      const r = await runCli(args, { env: { ...base(server.dir), ...env }, timeoutMs: 10_000 });
      assert.equal(r.timedOut, false, `should exit quickly; stdout: ${r.stdout}`);
      assert.notEqual(r.code, 0, `should fail; stderr: ${r.stderr}`);
      assert.match(r.stderr, mention, `stderr should explain: ${r.stderr}`);
    });
  }
});

describe('shutdown', () => {
  it('SIGTERM → exit code 0', async () => {
    assert.deepEqual(await server.stop('SIGTERM'), { code: 0, signal: null });
  });
});
