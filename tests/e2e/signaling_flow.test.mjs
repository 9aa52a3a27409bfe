// The core call flow with the official socket.io-client, once per transport mode (long-polling upgraded to
// WebSocket, long-polling only, WebSocket only): invitations to every socket of each invitee, joining, the
// participant lists, relaying offers/answers/ICE candidates to their target only with the payload untouched,
// media state over Socket.IO and over REST, leaving, and the call ending when the last participant leaves.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import {
  assertIceServers, getSession, initiateCall, ISO_RE, makeUser, participantOf, putMedia, startHearth, stopAll,
} from './lib/server.mjs';
import {
  assertNone, authenticate, closeAll, connect, connectAs, emitAck, expectAckError, expectAckOk, joinCall,
  leaveCall, received, roundTrip, waitFor, waitUpgraded,
} from './lib/sockets.mjs';

let server;
before(async () => {
  server = await startHearth();
});
after(async () => {
  closeAll();
  await stopAll();
});

// An SDP with what JSON escaping must keep intact: CRLFs, quotes, backslashes, non-ASCII, a NUL-free control char.
const SDP = 'v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0 1\r\n'
  + 'a=msid-semantic: WMS "stream\\1"\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=ice-ufrag:Zx9q\r\n'
  + 'a=ice-pwd:ünï©ødé ✓ \u2028 tab\there\r\n';

function assertMemberEntry(entry, { user, socket, peerId, role = 'participant' }, what) {
  assert.deepEqual(Object.keys(entry).sort(),
    ['hasAudio', 'hasVideo', 'isScreenSharing', 'joinedAt', 'name', 'peerId', 'role', 'socketId', 'userId'], `${what}: keys`);
  assert.equal(entry.role, role, `${what}: role`);
  assert.equal(entry.userId, user.userId, `${what}: userId`);
  assert.equal(entry.name, user.name, `${what}: name`);
  assert.equal(entry.socketId, socket.id, `${what}: socketId`);
  assert.equal(entry.peerId, peerId, `${what}: peerId`);
  assert.equal(entry.hasVideo, true, `${what}: hasVideo`);
  assert.equal(entry.hasAudio, true, `${what}: hasAudio`);
  assert.equal(entry.isScreenSharing, false, `${what}: isScreenSharing`);
  assert.match(entry.joinedAt, ISO_RE, `${what}: joinedAt`);
}

async function coreFlow(mode) {
  const alice = makeUser('alice');
  const bob = makeUser('bob');
  const carol = makeUser('carol');

  // alice authenticates with a token string, bob's first tab with {token}, bob's second tab and carol at CONNECT.
  const a = await connectAs(server, alice, { mode });
  const b1 = await connect(server, { user: bob, mode });
  await authenticate(b1, { asObject: true });
  const b2 = await connect(server, { user: bob, mode, connectAuth: true });
  const c = await connect(server, { user: carol, mode, connectAuth: true });
  const anon = await connect(server, { mode }); // never authenticates: no invitation for it

  // --- invitation: every connected socket of each invitee, not the initiator ---------------------------------------
  const callSettings = { isVideoEnabled: true, isAudioEnabled: true, isRecordingEnabled: false, allowScreenShare: true, waitingRoom: false };
  const metadata = { title: `Check-in ${mode}`, description: 'weekly', tags: ['weekly', 'e2e'] };
  const { sessionId } = await initiateCall(server, alice, [bob, carol], { callSettings, metadata });
  const expectedInvitation = {
    sessionId, sessionType: 'group', initiator: { userId: alice.userId, name: alice.name }, callSettings, metadata,
  };
  for (const s of [b1, b2, c]) {
    assert.deepEqual(await waitFor(s, 'call_invitation', { where: (i) => i?.sessionId === sessionId }), expectedInvitation,
      `call_invitation on ${s.hearthUser.userId}`);
  }
  await roundTrip(a);
  assertNone(a, 'call_invitation', undefined, 'the initiator is not invited');
  expectAckError(await emitAck(anon, 'authenticate', 'not-a-token'), 'unauthenticated'); // barrier for anon
  assertNone(anon, 'call_invitation', undefined, 'an unauthenticated socket belongs to nobody');

  // --- alice joins first: nobody else is in the call yet, the session stays waiting ---------------------------------
  const joinedA = await joinCall(a, sessionId, { peerId: 'peer-alice' });
  // The initiator is the host: the waiting room's list comes with the answer (docs/call-controls.md).
  assert.deepEqual(Object.keys(joinedA).sort(),
    ['breakoutRoomId', 'breakoutRooms', 'callSettings', 'iceServers', 'locked', 'participants', 'role', 'sessionId',
      'sessionType', 'waitingRoom']);
  assert.equal(joinedA.role, 'host');
  assert.deepEqual(joinedA.waitingRoom, []);
  assert.equal(joinedA.locked, false);
  assert.equal(joinedA.sessionType, 'group');
  assert.deepEqual(joinedA.participants, []);
  assert.deepEqual(joinedA.callSettings, callSettings);
  assertIceServers(joinedA.iceServers);
  let doc = await getSession(server, alice, sessionId);
  assert.equal(doc.status, 'waiting');
  assert.equal(doc.startTime, null);
  assert.equal(participantOf(doc, alice.userId).isActive, true);
  assert.equal(participantOf(doc, alice.userId).socketId, a.id);
  assert.equal(participantOf(doc, alice.userId).peerId, 'peer-alice');

  // --- bob joins from his first tab: he sees alice, alice sees him, the call becomes active -------------------------
  const joinedB = await joinCall(b1, sessionId, { peerId: 'peer-bob' });
  assert.equal(joinedB.participants.length, 1);
  assertMemberEntry(joinedB.participants[0], { user: alice, socket: a, peerId: 'peer-alice', role: 'host' }, 'alice in bob\'s join');
  assertIceServers(joinedB.iceServers);
  const joinedEvent = await waitFor(a, 'user_joined_call', { where: (e) => e?.userId === bob.userId });
  assert.equal(joinedEvent.sessionId, sessionId);
  const { sessionId: _sid, ...entry } = joinedEvent;
  assertMemberEntry(entry, { user: bob, socket: b1, peerId: 'peer-bob' }, 'user_joined_call');
  doc = await getSession(server, bob, sessionId);
  assert.equal(doc.status, 'active');
  assert.match(doc.startTime, ISO_RE);
  assert.equal(participantOf(doc, bob.userId).isActive, true);
  assert.equal(participantOf(doc, bob.userId).socketId, b1.id);
  assert.equal(participantOf(doc, bob.userId).name, bob.name);
  assert.equal(participantOf(doc, carol.userId).isActive, false);

  // --- relay: offer, answer, ICE candidates, each to its target only, payload untouched -----------------------------
  const offer = {
    targetSocketId: b1.id, sessionId, offer: { type: 'offer', sdp: SDP }, extra: { nested: [1, 2.5, null, true, 'x'] },
  };
  expectAckOk(await emitAck(a, 'webrtc_offer', offer), 'ack of webrtc_offer');
  assert.deepEqual(await waitFor(b1, 'webrtc_offer'), { ...offer, fromSocketId: a.id, fromUserId: alice.userId });

  const answer = { targetSocketId: a.id, sessionId, answer: { type: 'answer', sdp: SDP.replace('offer', 'answer') } };
  expectAckOk(await emitAck(b1, 'webrtc_answer', answer), 'ack of webrtc_answer');
  assert.deepEqual(await waitFor(a, 'webrtc_answer'), { ...answer, fromSocketId: b1.id, fromUserId: bob.userId });

  // A burst of candidates both ways (no acks): all arrive, in order.
  const candidates = Array.from({ length: 20 }, (_, i) => ({
    candidate: `candidate:${i} 1 udp 2122260223 192.168.1.${i} ${50000 + i} typ host generation 0`,
    sdpMid: '0', sdpMLineIndex: 0, usernameFragment: 'Zx9q',
  }));
  for (const candidate of candidates) {
    a.emit('webrtc_ice_candidate', { targetSocketId: b1.id, sessionId, candidate });
    b1.emit('webrtc_ice_candidate', { targetSocketId: a.id, sessionId, candidate });
  }
  for (const [to, from, fromUser] of [[b1, a, alice], [a, b1, bob]]) {
    for (const candidate of candidates) {
      const got = await waitFor(to, 'webrtc_ice_candidate');
      assert.deepEqual(got, { targetSocketId: to.id, sessionId, candidate, fromSocketId: from.id, fromUserId: fromUser.userId });
    }
  }
  // The end-of-candidates marker (null) is relayed as is.
  expectAckOk(await emitAck(a, 'webrtc_ice_candidate', { targetSocketId: b1.id, sessionId, candidate: null }));
  assert.deepEqual(await waitFor(b1, 'webrtc_ice_candidate'),
    { targetSocketId: b1.id, sessionId, candidate: null, fromSocketId: a.id, fromUserId: alice.userId });

  // Nobody else got any of it: not bob's second tab (not in the call), not carol (invited, not joined), not the sender.
  for (const s of [b2, c]) await roundTrip(s);
  for (const s of [b2, c]) {
    for (const ev of ['webrtc_offer', 'webrtc_answer', 'webrtc_ice_candidate', 'user_joined_call']) assertNone(s, ev);
  }
  assert.equal(received(a, 'webrtc_offer').length, 0, 'the sender does not get its own offer');
  assert.equal(received(b1, 'webrtc_answer').length, 0, 'the sender does not get its own answer');

  // --- media: over Socket.IO, then over REST; the others get media_state_changed, the sender does not --------------
  expectAckOk(await emitAck(b1, 'media_state_changed', { sessionId, hasVideo: false }), 'ack of media_state_changed');
  assert.deepEqual(await waitFor(a, 'media_state_changed'),
    { sessionId, userId: bob.userId, socketId: b1.id, hasVideo: false, hasAudio: true, isScreenSharing: false });
  doc = await getSession(server, bob, sessionId);
  assert.equal(participantOf(doc, bob.userId).hasVideo, false);

  await putMedia(server, alice, sessionId, { isScreenSharing: true, hasAudio: false });
  assert.deepEqual(await waitFor(b1, 'media_state_changed'),
    { sessionId, userId: alice.userId, socketId: a.id, hasVideo: true, hasAudio: false, isScreenSharing: true });
  await roundTrip(a);
  await roundTrip(b1);
  assert.equal(received(a, 'media_state_changed').length, 1, 'alice gets only bob\'s change, not her own');
  assert.equal(received(b1, 'media_state_changed').length, 1, 'bob gets only alice\'s change, not his own');
  for (const s of [b2, c]) assertNone(s, 'media_state_changed', undefined, 'not in the call');

  // --- leaving: the others get user_left_call; the last one to leave ends the call (all_left) -----------------------
  await leaveCall(b1, sessionId);
  assert.deepEqual(await waitFor(a, 'user_left_call'), { sessionId, userId: bob.userId, socketId: b1.id });
  doc = await getSession(server, alice, sessionId);
  assert.equal(doc.status, 'active');
  assert.equal(participantOf(doc, bob.userId).isActive, false);
  assert.match(participantOf(doc, bob.userId).leftAt, ISO_RE);

  await leaveCall(a, sessionId);
  for (const s of [a, b1, b2, c]) {
    const ended = await waitFor(s, 'call_ended', { where: (e) => e?.sessionId === sessionId });
    assert.deepEqual(Object.keys(ended).sort(), ['duration', 'endedBy', 'reason', 'sessionId']);
    assert.equal(ended.endedBy, null);
    assert.equal(ended.reason, 'all_left');
    assert.ok(Number.isInteger(ended.duration) && ended.duration >= 0, `duration ${ended.duration}`);
  }
  doc = await getSession(server, carol, sessionId);
  assert.equal(doc.status, 'ended');
  assert.equal(doc.endReason, 'all_left');
  assert.equal(doc.endedBy, null);
  assert.ok(doc.participants.every((p) => !p.isActive));

  if (mode === 'upgrade') {
    for (const s of [a, b1, b2, c, anon]) await waitUpgraded(s);
  } else {
    const expected = mode === 'polling' ? 'polling' : 'websocket';
    for (const s of [a, b1, b2, c, anon]) assert.equal(s.io.engine.transport.name, expected);
  }
  for (const s of [a, b1, b2, c, anon]) s.disconnect();
}

describe('core call flow', () => {
  for (const mode of ['upgrade', 'polling', 'websocket']) {
    test(`over ${mode === 'upgrade' ? 'long-polling upgraded to WebSocket (client default)' : `${mode} only`}`, async () => {
      await coreFlow(mode);
    });
  }

  test('the three transport modes talk to each other in one call', async () => {
    const users = [makeUser('poll'), makeUser('upg'), makeUser('ws')];
    const modes = ['polling', 'upgrade', 'websocket'];
    const sockets = await Promise.all(users.map((u, i) => connect(server, { user: u, mode: modes[i], connectAuth: true })));
    const { sessionId } = await initiateCall(server, users[0], users.slice(1));
    for (const s of sockets) await joinCall(s, sessionId);
    for (const from of sockets) {
      for (const to of sockets) {
        if (from === to) continue;
        from.emit('webrtc_offer', { targetSocketId: to.id, sessionId, offer: { type: 'offer', sdp: `from ${from.id}` } });
      }
    }
    for (const to of sockets) {
      for (const from of sockets) {
        if (from === to) continue;
        const got = await waitFor(to, 'webrtc_offer', { where: (o) => o?.fromSocketId === from.id });
        assert.equal(got.offer.sdp, `from ${from.id}`);
        assert.equal(got.fromUserId, from.hearthUser.userId);
      }
    }
    for (const s of sockets) s.disconnect();
  });
});
