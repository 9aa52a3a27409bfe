// TURN with a real coturn (tests/integration/lib/coturn.mjs): the TURN REST credentials hearth-call mints, fetched
// the way clients fetch them (GET /api/video-call/ice-servers, the get_ice_servers socket event), allocate relays
// on Debian's coturn and carry data (turnutils_uclient); tampered or expired ones are refused; and TURN_SECRET is
// rotated without a refusal: coturn learns the new secret, hearth-call restarts with it, coturn forgets the old one,
// while a relay allocated with the old secret keeps carrying data throughout.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, test } from 'node:test';

import { closeAll, connect, connectAs, emitAck, expectAckError, expectAckOk } from '../e2e/lib/sockets.mjs';
import { expectAllocates, expectRefused, startCoturn, turnEntry, uclient } from './lib/coturn.mjs';
import { mint } from './lib/jwt.mjs';
import {
  API, assertIceServers, assertIsoBetween, expectError, expectOk, makeTempDir, request, startServer, stopAll,
} from './lib/server.mjs';

const JWT_SECRET = `turn-jwt-${Date.now()}-0123456789abcdef`;
const OLD_SECRET = 'turn-secret-old-0123456789';
const NEW_SECRET = 'turn-secret-new-9876543210';
const TTL_SECONDS = 3600;

let seq = 0;
function user(prefix) {
  seq += 1;
  const userId = `${prefix}-${seq}-${Date.now()}`;
  return { userId, name: prefix, token: mint({ sub: userId, name: prefix }, JWT_SECRET) };
}

function hearthEnv(coturn, secret, extra = {}) {
  return {
    TURN_SERVER_URL: coturn.url,
    TURN_SECRET: secret,
    TURN_CREDENTIAL_TTL_SECONDS: String(TTL_SECONDS),
    STUN_SERVERS: 'none',
    TURN_USERNAME: undefined,
    TURN_PASSWORD: undefined,
    ICE_TRANSPORT_POLICY: undefined,
    ...extra,
  };
}

/** GET /ice-servers as `who`: the checked answer's data. */
async function iceServersOf(server, who) {
  const res = await request(server, 'GET', `${API}/ice-servers`, { token: who.token });
  return expectOk(res, 200, 'ICE servers retrieved');
}

// What coturn computes from a username and a secret (the TURN REST API), for credentials hearth-call did not mint.
function restCredential(secret, username) {
  return createHmac('sha1', secret).update(username).digest('base64');
}

let coturn;
let hearth;
let dir;
before(async () => {
  coturn = await startCoturn({ secrets: [OLD_SECRET] });
  dir = await makeTempDir();
  hearth = await startServer({ dir, secret: JWT_SECRET, env: hearthEnv(coturn, OLD_SECRET) });
});
after(async () => {
  closeAll();
  await coturn?.stop();
  await stopAll();
});

describe('fresh ICE servers', () => {
  test('GET /ice-servers answers the caller\'s TURN REST credentials, their expiry and the transport policy', async () => {
    const alice = user('alice');
    const from = Date.now();
    const data = await iceServersOf(hearth, alice);
    const to = Date.now();
    assert.deepEqual(Object.keys(data).sort(), ['expiresAt', 'iceServers', 'iceTransportPolicy']);
    assertIceServers(data.iceServers);
    assert.equal(data.iceServers.length, 1, 'STUN_SERVERS=none: the TURN server only');
    assert.equal(data.iceTransportPolicy, 'all');
    const turn = turnEntry(data.iceServers);
    assert.deepEqual(turn.urls, [coturn.url]);
    const [expiry, ...rest] = turn.username.split(':');
    assert.equal(rest.join(':'), alice.userId);
    assert.match(expiry, /^\d+$/);
    assertIsoBetween(data.expiresAt, from + TTL_SECONDS * 1000 - 1000, to + TTL_SECONDS * 1000, 'expiresAt');
    assert.equal(Date.parse(data.expiresAt), Number(expiry) * 1000, 'expiresAt is the username\'s expiry');
    assert.equal(turn.credential, restCredential(OLD_SECRET, turn.username));
  });

  test('GET /ice-servers needs a valid token', async () => {
    expectError(await request(hearth, 'GET', `${API}/ice-servers`), 401);
    expectError(await request(hearth, 'GET', `${API}/ice-servers`, { token: 'not.a.token' }), 401);
    expectError(await request(hearth, 'POST', `${API}/ice-servers`, { token: user('x').token }), 405);
  });

  test('the get_ice_servers event answers the same, to an authenticated socket only', async () => {
    const bob = user('bob');
    const socket = await connectAs(hearth, bob);
    const data = expectAckOk(await emitAck(socket, 'get_ice_servers', {}), 'get_ice_servers');
    assertIceServers(data.iceServers);
    assert.equal(data.iceTransportPolicy, 'all');
    const turn = turnEntry(data.iceServers);
    assert.equal(turn.username.split(':').slice(1).join(':'), bob.userId);
    assert.equal(Date.parse(data.expiresAt), Number(turn.username.split(':')[0]) * 1000);
    await expectAllocates(coturn, turn, 'credentials from get_ice_servers');

    const anonymous = await connect(hearth, { user: user('nobody') });
    expectAckError(await emitAck(anonymous, 'get_ice_servers', {}), 'unauthenticated', 'get_ice_servers before authenticate');
  });
});

describe('ICE_TRANSPORT_POLICY ("force TURN")', () => {
  test('relay is handed to clients with the servers, over REST and the socket', async () => {
    const forced = await startServer({ secret: JWT_SECRET, env: hearthEnv(coturn, OLD_SECRET, { ICE_TRANSPORT_POLICY: 'relay' }) });
    const ivan = user('ivan');
    assert.equal((await iceServersOf(forced, ivan)).iceTransportPolicy, 'relay');
    const socket = await connectAs(forced, ivan);
    assert.equal(expectAckOk(await emitAck(socket, 'get_ice_servers')).iceTransportPolicy, 'relay');
    await forced.stop();
  });

  test('a bad value, or relay without a TURN server, stops the server at start with a clear message', async () => {
    const refusal = async (env) => {
      const err = await startServer({ secret: JWT_SECRET, env: { ...hearthEnv(coturn, OLD_SECRET), ...env } })
        .then((srv) => srv.stop().then(() => null), (e) => e);
      assert.ok(err, `the server started with ${JSON.stringify(env)}`);
      return err.message;
    };
    assert.match(await refusal({ ICE_TRANSPORT_POLICY: 'public' }), /ICE_TRANSPORT_POLICY: 'public' must be all or relay/);
    assert.match(await refusal({ ICE_TRANSPORT_POLICY: 'relay', TURN_SERVER_URL: undefined, TURN_SECRET: undefined }),
      /ICE_TRANSPORT_POLICY=relay needs TURN_SERVER_URL/);
  });
});

describe('coturn and hearth-call credentials', () => {
  test('credentials minted by hearth-call allocate relays that carry data', async () => {
    const turn = turnEntry((await iceServersOf(hearth, user('carol'))).iceServers);
    await expectAllocates(coturn, turn, 'GET /ice-servers credentials');
  });

  test('a user id with the separator in it still works (coturn reads the expiry up to the first colon)', async () => {
    const odd = { userId: 'team:dave', name: 'Dave', token: mint({ sub: 'team:dave', name: 'Dave' }, JWT_SECRET) };
    const turn = turnEntry((await iceServersOf(hearth, odd)).iceServers);
    assert.match(turn.username, /^\d+:team:dave$/);
    await expectAllocates(coturn, turn, 'a user id with a colon');
  });

  test('tampered credentials are refused', async () => {
    const turn = turnEntry((await iceServersOf(hearth, user('erin'))).iceServers);
    const [expiry, ...id] = turn.username.split(':');
    const flipped = turn.credential[0] === 'A' ? `B${turn.credential.slice(1)}` : `A${turn.credential.slice(1)}`;
    await expectRefused(coturn, { username: turn.username, credential: flipped }, 'a changed credential');
    await expectRefused(coturn, { username: `${Number(expiry) + 86400}:${id.join(':')}`, credential: turn.credential },
      'a later expiry with the old credential');
    await expectRefused(coturn, { username: `${expiry}:mallory`, credential: turn.credential }, 'another user id');
    await expectRefused(coturn, { username: turn.username, credential: restCredential('guessed-secret', turn.username) },
      'a credential signed with another secret');
    // The untouched credentials still work: the refusals above are about the changes.
    await expectAllocates(coturn, turn, 'the original credentials');
  });

  test('a credential past its expiry is refused, though signed with the right secret', async () => {
    // hearth-call's own credentials expiring is turn_expiry.test.mjs (it waits a TTL); here coturn's side of it.
    const username = `${Math.floor(Date.now() / 1000) - 10}:frank`;
    await expectRefused(coturn, { username, credential: restCredential(OLD_SECRET, username) }, 'an expired credential');
    const fresh = `${Math.floor(Date.now() / 1000) + 600}:frank`;
    await expectAllocates(coturn, { username: fresh, credential: restCredential(OLD_SECRET, fresh) }, 'the same, not expired');
  });
});

describe('rotating TURN_SECRET', () => {
  test('coturn with both secrets accepts both; hearth-call restarted with the new one mints credentials that allocate', async () => {
    const grace = user('grace');
    const oldTurn = turnEntry((await iceServersOf(hearth, grace)).iceServers);

    // A call in progress: a relay allocated with the old secret, carrying data for the whole rotation (~12 s).
    const inProgress = uclient(coturn, { ...oldTurn, messages: 600, intervalMs: 20 });

    // Before coturn knows the new secret, credentials signed with it are refused (the test would notice a
    // coturn that accepted anything).
    const early = `${Math.floor(Date.now() / 1000) + 600}:grace`;
    await expectRefused(coturn, { username: early, credential: restCredential(NEW_SECRET, early) }, 'new secret, too early');

    // 1. coturn learns the new secret, while it runs: the old credentials keep allocating.
    await coturn.setSecrets([OLD_SECRET, NEW_SECRET]);
    await expectAllocates(coturn, oldTurn, 'old-secret credentials after coturn has both');

    // 2. hearth-call restarts with the new secret (same database): its credentials allocate.
    await hearth.stop();
    hearth = await startServer({ dir, secret: JWT_SECRET, env: hearthEnv(coturn, NEW_SECRET) });
    const newTurn = turnEntry((await iceServersOf(hearth, grace)).iceServers);
    assert.equal(newTurn.credential, restCredential(NEW_SECRET, newTurn.username));
    await expectAllocates(coturn, newTurn, 'new-secret credentials from the restarted hearth-call');
    await expectAllocates(coturn, oldTurn, 'old-secret credentials, still valid while coturn has both');

    // 3. Once no client holds old credentials (after a TTL), coturn forgets the old secret.
    await coturn.setSecrets([NEW_SECRET]);
    await expectRefused(coturn, { ...oldTurn }, 'old-secret credentials after coturn forgot the old secret');
    await expectAllocates(coturn, newTurn, 'new-secret credentials after the rotation');

    // The relay allocated before the rotation carried its data to the end.
    const call = await inProgress;
    assert.equal(call.code, 0, `the relay allocated before the rotation failed:\n${call.out.slice(-1500)}`);
    assert.equal(call.sent, 1200, call.out.slice(-1500));
    assert.equal(call.received, call.sent, call.out.slice(-1500));
  });
});
