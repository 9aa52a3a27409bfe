// Socket authentication: the `authenticate` event (token string or {token}), the CONNECT auth payload, refusals
// (authentication_error, failure acks, connect_error), every other event refused until authenticated, and the
// authentication timeout (AUTH_TIMEOUT_SECONDS=1 here) that closes sockets which never authenticate.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { mint } from '../integration/lib/jwt.mjs';
import { getSession, initiateCall, makeUser, participantOf, SECRET, startHearth, stopAll } from './lib/server.mjs';
import {
  assertNone, authenticate, CLIENT_EVENTS, closeAll, connect, connectAs, emitAck, expectAckError, joinCall,
  roundTrip, waitDisconnect, waitFor,
} from './lib/sockets.mjs';

const AUTH_TIMEOUT_MS = 1000;
let server;
before(async () => {
  server = await startHearth({ AUTH_TIMEOUT_SECONDS: AUTH_TIMEOUT_MS / 1000 });
});
after(async () => {
  closeAll();
  await stopAll();
});

// A refused authenticate: authentication_error {message} and a failure ack with the same message.
async function expectAuthRefused(socket, arg, messagePattern) {
  const ack = await emitAck(socket, 'authenticate', arg);
  expectAckError(ack, 'unauthenticated', 'ack of a refused authenticate');
  const err = await waitFor(socket, 'authentication_error');
  assert.deepEqual(Object.keys(err), ['message']);
  assert.equal(err.message, ack.message);
  if (messagePattern) assert.match(err.message, messagePattern);
  return err;
}

describe('authenticate', () => {
  test('with a token string: authenticated {userId, name} and a success ack with the same data', async () => {
    const alice = makeUser('alice');
    const s = await connect(server, { user: alice });
    const data = await authenticate(s); // asserts ack data and the authenticated event
    assert.deepEqual(data, { userId: alice.userId, name: alice.name });
    assertNone(s, 'authentication_error');
  });

  test('with {token}', async () => {
    const bob = makeUser('bob');
    const s = await connect(server, { user: bob, mode: 'polling' });
    await authenticate(s, { asObject: true });
  });

  test('with auth: {token} at CONNECT: authenticated arrives without an authenticate event', async () => {
    const carol = makeUser('carol');
    const s = await connect(server, { user: carol, connectAuth: true }); // asserts the authenticated event
    const dave = makeUser('dave');
    const { sessionId } = await initiateCall(server, dave, [carol]);
    await waitFor(s, 'call_invitation', { where: (i) => i.sessionId === sessionId });
    await joinCall(s, sessionId);
  });

  test('a "Bearer " prefix in the CONNECT auth token is accepted', async () => {
    const erin = makeUser('erin');
    const s = await connect(server, { user: erin, auth: { token: `Bearer ${erin.token}` } });
    assert.deepEqual(await waitFor(s, 'authenticated'), { userId: erin.userId, name: erin.name });
  });

  test('a bad token at CONNECT is refused with connect_error', async () => {
    for (const token of ['garbage', mint({ sub: 'x', name: 'X' }, 'another-secret-of-16+chars'),
      mint({ sub: 'x', exp: Math.floor(Date.now() / 1000) - 3600 }, SECRET)]) {
      await assert.rejects(connect(server, { auth: { token } }), (err) => {
        assert.match(err.connectError?.message ?? '', /^Authentication failed/, `connect_error for ${token.slice(0, 20)}`);
        return true;
      });
    }
  });

  test('bad tokens get authentication_error and a failure ack; the socket stays usable', async () => {
    const frank = makeUser('frank');
    const s = await connect(server, { user: frank });
    await expectAuthRefused(s, 'not.a.jwt', /^Authentication failed/);
    await expectAuthRefused(s, mint({ sub: frank.userId }, 'wrong-secret-wrong-secret'), /signature/i);
    await expectAuthRefused(s, mint({ sub: frank.userId, exp: Math.floor(Date.now() / 1000) - 3600 }, SECRET), /expired/i);
    await expectAuthRefused(s, '', /token/);
    await expectAuthRefused(s, {}, /token/);
    await expectAuthRefused(s, { token: 42 }, /token/);
    await expectAuthRefused(s, 42, /token/);
    await expectAuthRefused(s, undefined, /token/);
    assertNone(s, 'authenticated');
    // Still unauthenticated: other events are refused.
    const err = await emitAck(s, 'join_call_session', { sessionId: 'call_1_aaaaaaaaa' });
    expectAckError(err, 'unauthenticated');
    // And it can still authenticate.
    await authenticate(s);
    assert.ok(s.connected);
  });

  test('authenticating again: the same user is fine, another user is refused', async () => {
    const gina = makeUser('gina');
    const other = makeUser('other');
    const s = await connectAs(server, gina);
    await authenticate(s); // again, same user
    await expectAuthRefused(s, other.token, /another user/);
    // Still gina: an invitation for gina reaches the socket, one for `other` does not.
    const host = makeUser('host');
    const { sessionId } = await initiateCall(server, host, [gina]);
    await waitFor(s, 'call_invitation', { where: (i) => i.sessionId === sessionId });
    const { sessionId: otherCall } = await initiateCall(server, host, [other]);
    await roundTrip(s);
    assertNone(s, 'call_invitation', (i) => i.sessionId === otherCall);
  });
});

describe('before authentication', () => {
  test('every other event gets call_error {event, message, code: unauthenticated} and a failure ack', async () => {
    const host = makeUser('host');
    const hank = makeUser('hank');
    const { sessionId } = await initiateCall(server, host, [hank]);
    const s = await connect(server, { user: hank, mode: 'polling' });
    const payloads = {
      join_call_session: { sessionId, peerId: 'p' },
      leave_call_session: { sessionId },
      webrtc_offer: { sessionId, targetSocketId: 'x', offer: {} },
      webrtc_answer: { sessionId, targetSocketId: 'x', answer: {} },
      webrtc_ice_candidate: { sessionId, targetSocketId: 'x', candidate: {} },
      media_state_changed: { sessionId, hasVideo: false },
      decline_call: { sessionId },
    };
    for (const event of [...CLIENT_EVENTS, 'some_unknown_event']) {
      const ack = await emitAck(s, event, payloads[event] ?? {});
      expectAckError(ack, 'unauthenticated', `ack of ${event}`);
      const err = await waitFor(s, 'call_error', { where: (e) => e.event === event });
      assert.deepEqual(err, { event, message: ack.message, code: 'unauthenticated' });
    }
    // Events without an ack are refused the same way.
    s.emit('join_call_session', payloads.join_call_session);
    assert.equal((await waitFor(s, 'call_error')).code, 'unauthenticated');
    // Nothing happened: hank is not active, the call was not declined.
    const doc = await getSession(server, host, sessionId);
    assert.equal(doc.status, 'waiting');
    assert.equal(participantOf(doc, hank.userId).isActive, false);
  });

  test('an unauthenticated socket gets no invitation', async () => {
    const host = makeUser('host');
    const ivy = makeUser('ivy');
    const anon = await connect(server, { user: ivy }); // knows the user, never authenticates
    const authed = await connectAs(server, ivy);
    const { sessionId } = await initiateCall(server, host, [ivy]);
    await waitFor(authed, 'call_invitation', { where: (i) => i.sessionId === sessionId });
    expectAckError(await emitAck(anon, 'decline_call', { sessionId }), 'unauthenticated'); // barrier
    assertNone(anon, 'call_invitation');
  });
});

describe('authentication timeout (AUTH_TIMEOUT_SECONDS=1)', () => {
  test('a socket that never authenticates is told and closed; authenticated sockets stay', async () => {
    const jack = makeUser('jack');
    const kim = makeUser('kim');
    const early = await connectAs(server, jack);                         // authenticated by event
    const viaConnect = await connect(server, { user: kim, connectAuth: true }); // authenticated at CONNECT
    const late = await connect(server, { user: makeUser('late') });
    await authenticate(late);
    const started = Date.now();
    const idle = await connect(server, { mode: 'polling' });
    const busy = await connect(server); // keeps sending events: they do not count as authenticating
    const failing = await connect(server); // tries a bad token: still not authenticated
    await expectAuthRefused(failing, 'bad-token');
    busy.emit('join_call_session', { sessionId: 'call_1_aaaaaaaaa' });

    for (const s of [idle, busy, failing]) {
      const [err, reason] = await Promise.all([
        waitFor(s, 'authentication_error', { where: (e) => e.message === 'Authentication timeout', timeoutMs: 5000 }),
        waitDisconnect(s, 5000),
      ]);
      assert.deepEqual(err, { message: 'Authentication timeout' });
      assert.equal(reason, 'io server disconnect', 'closed by the server');
      const elapsed = Date.now() - started;
      assert.ok(elapsed >= AUTH_TIMEOUT_MS - 250, `closed after ${elapsed} ms, before the ${AUTH_TIMEOUT_MS} ms timeout`);
      assert.ok(elapsed < AUTH_TIMEOUT_MS + 3000, `closed only after ${elapsed} ms`);
    }
    // The timeout has passed for every socket connected before: the authenticated ones are still served.
    for (const s of [early, viaConnect, late]) {
      assert.ok(s.connected, `${s.hearthUser.userId} still connected`);
      await roundTrip(s);
      assertNone(s, 'authentication_error', (e) => e.message === 'Authentication timeout');
    }
  });

  test('a socket that authenticates late (but in time) is kept', async () => {
    const s = await connect(server, { user: makeUser('lara'), mode: 'polling' });
    const idle = await connect(server); // the clock: it is closed at the timeout
    await authenticate(s);
    await waitDisconnect(idle, 5000);
    assert.ok(s.connected);
    await roundTrip(s);
  });
});
