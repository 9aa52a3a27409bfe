// Many calls at once: 200 sockets (WebSocket only) join 50 group calls concurrently, 4 per call, and every
// participant sends an offer to each of the 3 others, answers every offer it gets, and trickles ICE candidates:
// everything must be delivered to its target, and nothing to anyone else.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { assertHealthy, getSession, initiateCall, makeUser, startHearth, stopAll } from './lib/server.mjs';
import { closeAll, connect, emitAck, expectAckOk, waitFor } from './lib/sockets.mjs';

const CALLS = 50;
const PER_CALL = 4;
const TIMEOUT_MS = 20_000;

let server;
before(async () => {
  server = await startHearth({ RATE_LIMIT_PER_MINUTE: 100000 });
});
after(async () => {
  closeAll();
  await stopAll();
});

test(`${CALLS * PER_CALL} sockets in ${CALLS} calls of ${PER_CALL}: all signaling delivered`, { timeout: 50_000 }, async () => {
  const calls = Array.from({ length: CALLS }, (_, c) => Array.from({ length: PER_CALL }, (_, i) => makeUser(`c${c}u${i}`)));

  // Connect everyone at once (auth at CONNECT), then create the calls (each invites its 3 others).
  const sockets = await Promise.all(calls.map((users) => Promise.all(users.map((user) =>
    connect(server, { user, connectAuth: true, mode: 'websocket', timeoutMs: TIMEOUT_MS })))));
  const sessionIds = await Promise.all(calls.map(async (users) => (await initiateCall(server, users[0], users.slice(1))).sessionId));
  // Every invitee got its invitation.
  await Promise.all(sockets.flatMap((group, c) => group.slice(1).map((s) =>
    waitFor(s, 'call_invitation', { where: (i) => i.sessionId === sessionIds[c], timeoutMs: TIMEOUT_MS }))));

  // All 200 join concurrently.
  await Promise.all(sockets.flatMap((group, c) => group.map(async (s) => {
    const ack = await emitAck(s, 'join_call_session', { sessionId: sessionIds[c], peerId: `peer-${s.id}` }, { ackTimeoutMs: TIMEOUT_MS });
    expectAckOk(ack, `join of ${s.hearthUser.userId}`);
  })));
  // Each learns of the 3 others: from its own join (those before it) plus user_joined_call (those after it).
  await Promise.all(sockets.flatMap((group) => group.map(async (s) => {
    const joined = await waitFor(s, 'call_session_joined', { timeoutMs: TIMEOUT_MS });
    const known = new Set(joined.participants.map((p) => p.socketId));
    while (known.size < PER_CALL - 1) {
      const ev = await waitFor(s, 'user_joined_call', { timeoutMs: TIMEOUT_MS });
      known.add(ev.socketId);
    }
    const expected = new Set(group.filter((o) => o !== s).map((o) => o.id));
    assert.deepEqual(known, expected, `${s.hearthUser.userId} knows its call's participants`);
  })));

  // Everyone offers to everyone else in its call, answers each offer, and sends 2 ICE candidates with each.
  for (const [c, group] of sockets.entries()) {
    for (const from of group) {
      for (const to of group) {
        if (from === to) continue;
        const base = { targetSocketId: to.id, sessionId: sessionIds[c] };
        from.emit('webrtc_offer', { ...base, offer: { type: 'offer', sdp: `offer ${from.id}->${to.id}` } });
        for (let k = 0; k < 2; k++) from.emit('webrtc_ice_candidate', { ...base, candidate: { candidate: `cand ${k} ${from.id}` } });
      }
    }
  }
  await Promise.all(sockets.flatMap((group, c) => group.map(async (to) => {
    const others = group.filter((o) => o !== to);
    for (const from of others) {
      const offer = await waitFor(to, 'webrtc_offer', { where: (o) => o.fromSocketId === from.id, timeoutMs: TIMEOUT_MS });
      assert.equal(offer.offer.sdp, `offer ${from.id}->${to.id}`);
      assert.equal(offer.fromUserId, from.hearthUser.userId);
      assert.equal(offer.sessionId, sessionIds[c]);
      to.emit('webrtc_answer', { targetSocketId: from.id, sessionId: sessionIds[c], answer: { type: 'answer', sdp: `answer ${to.id}->${from.id}` } });
      for (let k = 0; k < 2; k++) {
        const cand = await waitFor(to, 'webrtc_ice_candidate', { where: (o) => o.fromSocketId === from.id, timeoutMs: TIMEOUT_MS });
        assert.equal(cand.candidate.candidate, `cand ${k} ${from.id}`, 'candidates in order');
      }
    }
  })));
  await Promise.all(sockets.flatMap((group) => group.map(async (from) => {
    for (const to of group) {
      if (to === from) continue;
      const answer = await waitFor(from, 'webrtc_answer', { where: (a) => a.fromSocketId === to.id, timeoutMs: TIMEOUT_MS });
      assert.equal(answer.answer.sdp, `answer ${to.id}->${from.id}`);
    }
  })));

  // Exactly what was meant for each socket, nothing more.
  for (const group of sockets) {
    for (const s of group) {
      const counts = Object.fromEntries(['webrtc_offer', 'webrtc_answer', 'webrtc_ice_candidate'].map((ev) =>
        [ev, s.received.filter((r) => r.event === ev).length]));
      assert.deepEqual(counts, { webrtc_offer: PER_CALL - 1, webrtc_answer: PER_CALL - 1, webrtc_ice_candidate: 2 * (PER_CALL - 1) },
        `${s.hearthUser.userId} received`);
      for (const r of s.received.filter((x) => x.event.startsWith('webrtc_'))) {
        assert.equal(r.args[0].targetSocketId, s.id, 'delivered to its target only');
      }
    }
  }

  // The store agrees: every call is active with its 4 participants.
  const docs = await Promise.all(calls.map((users, c) => getSession(server, users[0], sessionIds[c])));
  for (const doc of docs) {
    assert.equal(doc.status, 'active');
    assert.equal(doc.participants.filter((p) => p.isActive).length, PER_CALL);
  }
  await assertHealthy(server);
});
