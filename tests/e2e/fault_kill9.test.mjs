// kill -9 under signaling load, then a restart on the same database and port. Three group calls of three
// socket.io-client sockets (reconnection on, auth at CONNECT) relay ICE candidates and change their media state,
// one member of each call leaves and joins again and again, and a REST client initiates and ends calls, every
// change awaiting its acknowledgement and recorded by the test. The server is SIGKILLed in the middle of that.
// After the restart: every acknowledged change is in the store (an operation still unanswered at the kill may or
// may not be: it is the only other state allowed), and every client reconnects by itself, authenticates again
// (auth at CONNECT), rejoins its call and relays again. (REST-only kill -9 is tests/integration/durability.)
import assert from 'node:assert/strict';
import { after, test } from 'node:test';

import {
  getSession, initiateCall, makeUser, participantOf, rest, restartHearth, sleep, startHearth, stopAll,
} from './lib/server.mjs';
import { closeAll, connect, emitAck, expectAckOk, joinCall, waitFor } from './lib/sockets.mjs';

const CALLS = 3;
const LOAD_MS = 1500;
const MIN_ACKS = 60;
const ACK_TIMEOUT_MS = 2000;
const ENV = { RECONNECT_GRACE_SECONDS: 30, SOCKET_EVENTS_PER_SECOND: 100000 };

let server;
after(async () => {
  closeAll();
  await server?.stop('SIGKILL'); // the restarted server (startHearth's are stopped by stopAll)
  await stopAll();
});

// A socket that reconnects by itself, quickly, authenticating at CONNECT every time.
function reconnecting(server, user) {
  return connect(server, {
    user, connectAuth: true, reconnection: true, reconnectionDelay: 100, reconnectionDelayMax: 300,
    randomizationFactor: 0, timeoutMs: 10_000,
  });
}

// Resolves the socket's next `connect` and the `authenticated` that follows it.
function reconnected(socket, timeoutMs = 20_000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${socket.hearthUser.userId}: no reconnection within ${timeoutMs} ms`)), timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve();
    });
  }).then(() => waitFor(socket, 'authenticated', { where: (a) => a.userId === socket.hearthUser.userId, timeoutMs }));
}

const flags = (i) => ({ hasVideo: i % 2 === 0, hasAudio: i % 3 !== 0, isScreenSharing: i % 5 === 0 });

/**
 * What the store must hold for one stream of changes: the state after its last acknowledged change, or (if a
 * change was unanswered at the kill) after that one.
 */
function track(initial) {
  return { acked: initial, pending: null, acks: 0 };
}

/**
 * One stream of changes, each sent once the previous one is acknowledged: `next(i, state)` returns the state the
 * change makes and `send()`, which resolves its acknowledgement. Ends at the kill.
 */
async function stream(record, stop, next) {
  for (let i = 0; !stop.killed; i++) {
    const { state, send } = next(i, record.acked);
    record.pending = state;
    let ack;
    try {
      ack = await send();
    } catch (e) {
      if (stop.killed && /no acknowledgement/.test(e.message)) return; // unanswered: the server was killed
      throw e;
    }
    expectAckOk(ack, `ack #${i}`);
    record.acked = state;
    record.pending = null;
    record.acks += 1;
  }
}

test('kill -9 under signaling load: acknowledged changes survive, clients reconnect, rejoin and relay', { timeout: 120_000 }, async (t) => {
  server = await startHearth(ENV);
  const calls = [];
  for (let c = 0; c < CALLS; c++) {
    const users = [makeUser(`k${c}a`), makeUser(`k${c}b`), makeUser(`k${c}churn`)];
    const sockets = await Promise.all(users.map((u) => reconnecting(server, u)));
    const { sessionId } = await initiateCall(server, users[0], users.slice(1));
    for (const s of sockets) await joinCall(s, sessionId, { peerId: `peer-${s.hearthUser.userId}` });
    calls.push({ users, sockets, sessionId });
  }
  const restUser = makeUser('krest');

  // The load. Each stream awaits each acknowledgement before its next change, so at the kill at most one change
  // per stream is unanswered.
  const stop = { killed: false };
  const emit = (socket, event, payload) => () => emitAck(socket, event, payload, { ackTimeoutMs: ACK_TIMEOUT_MS });
  const loads = [];
  let relays = 0;
  for (const call of calls) {
    const [a, b, churn] = call.sockets;
    call.media = [a, b].map(() => track({ hasVideo: true, hasAudio: true, isScreenSharing: false }));
    call.membership = track(true); // is the churning member active
    // a and b relay candidates to each other (not stored: a load on the same threads) and change media state.
    [a, b].forEach((socket, k) => {
      const peer = k === 0 ? b : a;
      loads.push(stream(call.media[k], stop, (i) => ({
        state: flags(i),
        send: async () => {
          for (let r = 0; r < 4; r++) {
            socket.emit('webrtc_ice_candidate', { sessionId: call.sessionId, targetSocketId: peer.id, candidate: { candidate: `c${i}.${r}` } });
          }
          expectAckOk(await emit(socket, 'webrtc_offer', { sessionId: call.sessionId, targetSocketId: peer.id, offer: { sdp: `o${i}` } })());
          relays += 5;
          return emit(socket, 'media_state_changed', { sessionId: call.sessionId, ...flags(i) })();
        },
      })));
    });
    // The third member leaves and joins again, over and over.
    loads.push(stream(call.membership, stop, (i, active) => ({
      state: !active,
      send: active
        ? emit(churn, 'leave_call_session', { sessionId: call.sessionId })
        : emit(churn, 'join_call_session', { sessionId: call.sessionId, peerId: `peer-${churn.hearthUser.userId}` }),
    })));
  }
  // REST: initiate calls, ending every other one.
  const restCalls = new Map(); // sessionId -> 'waiting' | 'ended' (acknowledged)
  const restPending = { initiated: false, ended: null };
  loads.push((async () => {
    const api = rest(server, restUser);
    for (let i = 0; !stop.killed; i++) {
      restPending.initiated = true;
      let res;
      try {
        res = await api.initiate({ sessionType: 'group', participants: [`guest-${i}`] });
      } catch {
        return;
      }
      assert.equal(res.status, 201, res.text);
      restPending.initiated = false;
      const id = res.body.data.sessionId;
      restCalls.set(id, 'waiting');
      if (i % 2 === 1 && !stop.killed) {
        restPending.ended = id;
        try {
          res = await api.end(id);
        } catch {
          return;
        }
        assert.equal(res.status, 200, res.text);
        restPending.ended = null;
        restCalls.set(id, 'ended');
      }
    }
  })());
  for (const load of loads) load.catch(() => {}); // a failure surfaces at Promise.all(loads) below

  // At least LOAD_MS of load and MIN_ACKS acknowledged socket changes (a slow, sanitized or busy machine takes longer).
  const acks = () => calls.reduce((n, c) => n + c.media[0].acks + c.media[1].acks + c.membership.acks, 0);
  await sleep(LOAD_MS);
  for (const until = Date.now() + 20_000; acks() < MIN_ACKS && Date.now() < until;) await sleep(100);
  assert.ok(acks() >= MIN_ACKS, `too little load before the kill: ${acks()} acknowledged socket changes`);
  const { port } = server;
  stop.killed = true;
  const disconnected = calls.flatMap((c) => c.sockets).map((s) => new Promise((resolve) => s.once('disconnect', resolve)));
  assert.deepEqual(await server.stop('SIGKILL'), { code: null, signal: 'SIGKILL' });
  await Promise.all(loads); // the last changes are answered (sent before the kill) or time out
  await Promise.all(disconnected);
  for (const s of calls.flatMap((c) => c.sockets)) for (const r of s.received) r.used = true; // events before the kill
  const reconnections = calls.flatMap((c) => c.sockets).map((s) => reconnected(s));

  // The clients retry while the server is down; it comes back on the same port and database.
  await sleep(300);
  server = await restartHearth(server);
  assert.equal(server.port, port);
  await Promise.all(reconnections);

  // Every acknowledged change is in the store (before anyone rejoins, which would change it).
  for (const call of calls) {
    const doc = await getSession(server, call.users[0], call.sessionId);
    assert.equal(doc.status, 'active');
    call.users.slice(0, 2).forEach((user, k) => {
      const p = participantOf(doc, user.userId);
      const stored = { hasVideo: p.hasVideo, hasAudio: p.hasAudio, isScreenSharing: p.isScreenSharing };
      const { acked, pending } = call.media[k];
      assert.ok(
        JSON.stringify(stored) === JSON.stringify(acked) || (pending && JSON.stringify(stored) === JSON.stringify(pending)),
        `${user.userId}: stored media ${JSON.stringify(stored)}, acknowledged ${JSON.stringify(acked)}, unanswered ${JSON.stringify(pending)}`);
      assert.equal(p.isActive, true, `${user.userId} never left`);
    });
    const churn = participantOf(doc, call.users[2].userId);
    const { acked, pending } = call.membership;
    assert.ok(churn.isActive === acked || (pending !== null && churn.isActive === pending),
      `churning member: stored isActive ${churn.isActive}, acknowledged ${acked}, unanswered ${pending}`);
  }
  const history = [];
  for (let page = 1; ; page++) {
    const res = await rest(server, restUser).history(`?limit=100&page=${page}`);
    assert.equal(res.status, 200);
    history.push(...res.body.data.sessions);
    if (page >= res.body.data.pagination.pages) break;
  }
  const stored = new Map(history.map((s) => [s.sessionId, s.status]));
  assert.ok(restCalls.size > 0, 'no REST change was acknowledged before the kill');
  for (const [id, status] of restCalls) {
    assert.ok(stored.has(id), `acknowledged initiate ${id} lost`);
    if (status === 'ended') assert.equal(stored.get(id), 'ended', `acknowledged end of ${id} lost`);
    else if (restPending.ended !== id) assert.equal(stored.get(id), 'waiting', `${id} ended without an acknowledged end`);
  }
  assert.ok(stored.size - restCalls.size <= (restPending.initiated ? 1 : 0), 'more sessions stored than initiated');

  // Every client rejoins its call and relays again through its new socket.
  for (const call of calls) {
    for (const socket of call.sockets) await joinCall(socket, call.sessionId, { peerId: `peer-${socket.hearthUser.userId}` });
    for (const from of call.sockets) {
      for (const to of call.sockets) {
        if (from === to) continue;
        const ack = await emitAck(from, 'webrtc_offer', { sessionId: call.sessionId, targetSocketId: to.id, offer: { sdp: 'after restart' } });
        expectAckOk(ack, `relay ${from.hearthUser.userId} -> ${to.hearthUser.userId} after the restart`);
        const got = await waitFor(to, 'webrtc_offer', { where: (o) => o.fromSocketId === from.id && o.offer?.sdp === 'after restart' });
        assert.equal(got.fromUserId, from.hearthUser.userId);
      }
    }
    // And their media changes are stored again.
    expectAckOk(await emitAck(call.sockets[0], 'media_state_changed', { sessionId: call.sessionId, hasVideo: false, isScreenSharing: true }));
    const p = participantOf(await getSession(server, call.users[0], call.sessionId), call.users[0].userId);
    assert.deepEqual([p.isActive, p.socketId, p.hasVideo, p.isScreenSharing], [true, call.sockets[0].id, false, true]);
  }
  t.diagnostic(`before the kill: ${acks()} socket changes and ${restCalls.size} REST initiates acknowledged, ${relays} relays`);
  assert.deepEqual(await server.stop('SIGTERM'), { code: 0, signal: null });
});
