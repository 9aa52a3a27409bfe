// Call controls over Socket.IO (docs/call-controls.md), part two: moderation. A non-host is refused every host
// action (forbidden) and nothing changes; a co-host may admit and mute but not act on the host or change roles;
// mute_audio / disable_video (with and without lock: a locked user cannot turn it back on, over Socket.IO or REST),
// stop_screen_share, remove (the removed user cannot come back), lock / unlock, end_call; the payload refusals; and
// the history in the session document.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import {
  ISO_RE, getSession, initiateCall, makeUser, participantOf, rest, startHearth, stopAll,
} from './lib/server.mjs';
import { expectError } from '../integration/lib/server.mjs';
import {
  assertNone, closeAll, connect, emitAck, expectAckOk, expectRefused, joinCall, leaveCall, received, roundTrip, waitFor,
} from './lib/sockets.mjs';
import {
  admit, joinWaiting, moderate, moderateEntries, waitApplied, waitWaitingList, connectAll as connectUsers,
} from './lib/controls.mjs';

let server;
before(async () => {
  server = await startHearth();
});
after(async () => {
  closeAll();
  await stopAll();
});

const connectAll = (users, options) => connectUsers(server, users, options);

/** A group call of alice (host) with bob and carol in it, dave invited but not joined, eve an outsider. */
async function groupCall(extra = {}) {
  const [alice, bob, carol, dave, eve] = ['alice', 'bob', 'carol', 'dave', 'eve'].map((p) => makeUser(p));
  const [a, b, c, d, e] = await connectAll([alice, bob, carol, dave, eve]);
  const { sessionId } = await initiateCall(server, alice, [bob, carol, dave], extra);
  await joinCall(a, sessionId);
  await joinCall(b, sessionId);
  await joinCall(c, sessionId);
  await waitFor(a, 'user_joined_call', { where: (m) => m?.userId === carol.userId });
  await waitFor(b, 'user_joined_call', { where: (m) => m?.userId === carol.userId });
  return { sessionId, alice, bob, carol, dave, eve, a, b, c, d, e };
}

/** Waits for the media_state_changed of `user` on `socket` matching `flags`. */
function waitMedia(socket, user, flags, what) {
  return waitFor(socket, 'media_state_changed', {
    where: (m) => m?.userId === user.userId && Object.entries(flags).every(([k, v]) => m[k] === v),
    what: what ?? `media_state_changed of ${user.userId} with ${JSON.stringify(flags)}`,
  });
}

const PER_TARGET = ['mute_audio', 'disable_video', 'stop_screen_share', 'remove', 'make_cohost', 'remove_cohost'];
const CALL_WIDE = ['lock', 'unlock', 'end_call'];

describe('who may moderate', () => {
  test('a participant is refused every host action (forbidden), and nothing changes', async () => {
    const [alice, bob, carol, dave] = ['alice', 'bob', 'carol', 'dave'].map((p) => makeUser(p));
    const [a, b, c, d] = await connectAll([alice, bob, carol, dave]);
    const { sessionId } = await initiateCall(server, alice, [bob, carol, dave], { callSettings: { waitingRoom: true } });
    await joinCall(a, sessionId);
    for (const [s, u] of [[b, bob], [c, carol]]) {
      await joinWaiting(s, sessionId);
      await admit(a, sessionId, u);
      await waitFor(s, 'call_session_joined', { what: `${u.userId} admitted` });
    }
    await joinWaiting(d, sessionId); // dave keeps waiting
    await waitWaitingList(a, sessionId, [dave]);

    await expectRefused(b, 'admit_participant', { sessionId, userId: dave.userId }, 'forbidden');
    await expectRefused(b, 'deny_participant', { sessionId, userId: dave.userId, reason: 'no' }, 'forbidden');
    for (const action of PER_TARGET) {
      await expectRefused(b, 'moderate', { sessionId, action, targetUserId: carol.userId }, 'forbidden');
      await expectRefused(b, 'moderate', { sessionId, action, targetUserId: alice.userId }, 'forbidden');
      await expectRefused(d, 'moderate', { sessionId, action, targetUserId: carol.userId }, 'forbidden'); // waiting
    }
    for (const action of CALL_WIDE) {
      await expectRefused(b, 'moderate', { sessionId, action }, 'forbidden');
      await expectRefused(d, 'moderate', { sessionId, action }, 'forbidden');
    }
    await expectRefused(b, 'moderate', { sessionId, action: 'mute_audio', targetUserId: carol.userId, lock: true }, 'forbidden');
    // A client claiming a role gets nothing for it.
    await expectRefused(b, 'moderate', { sessionId, action: 'lock', role: 'host', byUserId: alice.userId }, 'forbidden');

    for (const s of [a, b, c]) await roundTrip(s);
    for (const s of [a, b, c, d]) assertNone(s, 'moderation_applied');
    for (const s of [a, c]) assertNone(s, 'media_state_changed');
    assertNone(c, 'removed_from_call');
    assertNone(d, 'call_session_joined');
    assertNone(d, 'waiting_room_denied');
    for (const s of [a, b, c, d]) assertNone(s, 'call_ended');
    const doc = await getSession(server, alice, sessionId);
    assert.deepEqual(moderateEntries(doc), [], 'no moderation stored');
    assert.equal(doc.status, 'active');
    assert.equal(doc.locked, false);
    assert.deepEqual(doc.removedUsers, []);
    assert.deepEqual(doc.waitingRoom.map((w) => w.userId), [dave.userId]);
    for (const u of [bob, carol]) {
      const p = participantOf(doc, u.userId);
      assert.equal(p.role, 'participant');
      assert.equal(p.isActive, true);
      assert.equal(p.hasAudio, true);
      assert.equal(p.hasVideo, true);
    }
  });

  test('a co-host may mute, not act on the host or change roles (their own included)', async () => {
    const { sessionId, alice, bob, carol, a, b, c } = await groupCall();
    await moderate(a, sessionId, 'make_cohost', bob);
    for (const s of [a, b, c]) await waitApplied(s, sessionId, 'make_cohost', { target: bob, by: alice });

    await moderate(b, sessionId, 'mute_audio', carol);
    for (const s of [a, b, c]) await waitApplied(s, sessionId, 'mute_audio', { target: carol, by: bob });
    await waitMedia(a, carol, { hasAudio: false });

    for (const action of ['mute_audio', 'disable_video', 'stop_screen_share', 'remove', 'remove_cohost']) {
      await expectRefused(b, 'moderate', { sessionId, action, targetUserId: alice.userId }, 'forbidden');
    }
    await expectRefused(b, 'moderate', { sessionId, action: 'make_cohost', targetUserId: carol.userId }, 'forbidden');
    await roundTrip(a);
    await roundTrip(c);
    assertNone(a, 'removed_from_call');
    assertNone(c, 'media_state_changed', (m) => m.userId === alice.userId);
    const doc = await getSession(server, alice, sessionId);
    assert.equal(participantOf(doc, alice.userId).role, 'host');
    assert.equal(participantOf(doc, alice.userId).hasAudio, true);
    assert.equal(participantOf(doc, carol.userId).role, 'participant');
    assert.equal(participantOf(doc, bob.userId).role, 'cohost');

    // Once no longer a co-host, bob may not mute.
    await moderate(a, sessionId, 'remove_cohost', bob);
    await waitApplied(b, sessionId, 'remove_cohost', { target: bob, by: alice });
    await expectRefused(b, 'moderate', { sessionId, action: 'mute_audio', targetUserId: carol.userId }, 'forbidden');
    // A co-host may not change roles, their own included.
    await moderate(a, sessionId, 'make_cohost', bob);
    await waitApplied(b, sessionId, 'make_cohost', { target: bob, by: alice });
    await expectRefused(b, 'moderate', { sessionId, action: 'remove_cohost', targetUserId: bob.userId }, 'forbidden');
    assert.equal(participantOf(await getSession(server, bob, sessionId), bob.userId).role, 'cohost');
  });

  test('the host cannot be the target of remove or the media actions, even their own (forbidden)', async () => {
    const { sessionId, alice, a, b } = await groupCall();
    for (const action of ['remove', 'mute_audio', 'disable_video', 'stop_screen_share']) {
      await expectRefused(a, 'moderate', { sessionId, action, targetUserId: alice.userId }, 'forbidden');
    }
    await roundTrip(b);
    assertNone(b, 'moderation_applied');
    assertNone(b, 'media_state_changed');
    const p = participantOf(await getSession(server, alice, sessionId), alice.userId);
    assert.equal(p.isActive, true);
    assert.equal(p.hasAudio, true);
  });

  test('payload and target refusals', async () => {
    const { sessionId, alice, carol, dave, eve, a, d } = await groupCall();
    await expectRefused(a, 'moderate', { sessionId, action: 'explode', targetUserId: carol.userId }, 'invalid_argument');
    await expectRefused(a, 'moderate', { sessionId }, 'invalid_argument');
    await expectRefused(a, 'moderate', { sessionId, action: 7 }, 'invalid_argument');
    await expectRefused(a, 'moderate', { action: 'lock' }, 'invalid_argument');
    await expectRefused(a, 'moderate', 'lock', 'invalid_argument');
    for (const action of PER_TARGET) {
      await expectRefused(a, 'moderate', { sessionId, action }, 'invalid_argument'); // no targetUserId
      await expectRefused(a, 'moderate', { sessionId, action, targetUserId: eve.userId }, 'invalid_argument'); // not a member
    }
    // dave is a member but not in the call: the media actions need an active participant.
    for (const action of ['mute_audio', 'disable_video', 'stop_screen_share']) {
      await expectRefused(a, 'moderate', { sessionId, action, targetUserId: dave.userId }, 'invalid_argument');
    }
    await expectRefused(a, 'moderate', { sessionId: 'call_1700000000000_aaaaaaaaa', action: 'lock' }, 'not_found');
    // A host whose socket is not in the call.
    const [a2] = await connectAll([alice]);
    await expectRefused(a2, 'moderate', { sessionId, action: 'lock' }, 'forbidden');
    await roundTrip(a);
    assertNone(a, 'moderation_applied');
    assertNone(d, 'removed_from_call');
    assert.equal((await getSession(server, alice, sessionId)).locked, false);
  });
});

describe('media moderation', () => {
  test('mute_audio: everyone hears it; without lock the user may unmute; with lock they cannot until released', async () => {
    const { sessionId, alice, bob, carol, a, b, c } = await groupCall();
    await moderate(a, sessionId, 'mute_audio', carol);
    for (const s of [a, b, c]) {
      const ev = await waitApplied(s, sessionId, 'mute_audio', { target: carol, by: alice });
      assert.equal(ev.lock ?? false, false, 'no lock');
    }
    for (const s of [a, b]) {
      const m = await waitMedia(s, carol, { hasAudio: false });
      assert.equal(m.sessionId, sessionId);
      assert.equal(m.socketId, c.id);
      assert.equal(m.hasVideo, true);
    }
    let p = participantOf(await getSession(server, bob, sessionId), carol.userId);
    assert.equal(p.hasAudio, false);
    assert.equal(p.audioLocked ?? false, false, 'audioLocked (absent or false)');
    // Not locked: carol unmutes herself.
    expectAckOk(await emitAck(c, 'media_state_changed', { sessionId, hasAudio: true }));
    await waitMedia(b, carol, { hasAudio: true });

    // Locked.
    await moderate(a, sessionId, 'mute_audio', carol, { lock: true });
    for (const s of [a, b, c]) await waitApplied(s, sessionId, 'mute_audio', { target: carol, by: alice, lock: true });
    await waitMedia(b, carol, { hasAudio: false });
    p = participantOf(await getSession(server, bob, sessionId), carol.userId);
    assert.equal(p.hasAudio, false);
    assert.equal(p.audioLocked, true, 'audioLocked');
    const unmutesBefore = received(b, 'media_state_changed', (m) => m.userId === carol.userId && m.hasAudio === true).length;
    const err = await expectRefused(c, 'media_state_changed', { sessionId, hasAudio: true }, 'forbidden');
    assert.equal(err.message, 'Muted by the host');
    expectError(await rest(server, carol).media(sessionId, { hasAudio: true }), 403, { message: 'Muted by the host' });
    // Other changes still go through.
    expectAckOk(await emitAck(c, 'media_state_changed', { sessionId, hasVideo: false, hasAudio: false }));
    await waitMedia(b, carol, { hasVideo: false, hasAudio: false });
    await roundTrip(b);
    assert.equal(received(b, 'media_state_changed', (m) => m.userId === carol.userId && m.hasAudio === true).length, unmutesBefore,
      'the refused unmutes are not announced');
    p = participantOf(await getSession(server, alice, sessionId), carol.userId);
    assert.equal(p.hasAudio, false);

    // Released with lock: false.
    await moderate(a, sessionId, 'mute_audio', carol, { lock: false });
    await waitApplied(c, sessionId, 'mute_audio', { target: carol, by: alice, lock: false });
    assert.equal(participantOf(await getSession(server, alice, sessionId), carol.userId).audioLocked ?? false, false);
    expectAckOk(await emitAck(c, 'media_state_changed', { sessionId, hasAudio: true }));
    await waitMedia(b, carol, { hasAudio: true }, 'the unmute after the release');
  });

  test('disable_video with lock: turning the video on is refused over Socket.IO and REST until released', async () => {
    const { sessionId, alice, bob, carol, a, b, c } = await groupCall();
    await moderate(a, sessionId, 'disable_video', carol, { lock: true });
    for (const s of [a, b, c]) await waitApplied(s, sessionId, 'disable_video', { target: carol, by: alice, lock: true });
    await waitMedia(b, carol, { hasVideo: false, hasAudio: true });
    let p = participantOf(await getSession(server, bob, sessionId), carol.userId);
    assert.equal(p.hasVideo, false);
    assert.equal(p.videoLocked, true, 'videoLocked');
    assert.equal(p.audioLocked ?? false, false);
    const err = await expectRefused(c, 'media_state_changed', { sessionId, hasVideo: true }, 'forbidden');
    assert.equal(err.message, 'Video turned off by the host');
    expectError(await rest(server, carol).media(sessionId, { hasVideo: true }), 403, { message: 'Video turned off by the host' });
    expectAckOk(await emitAck(c, 'media_state_changed', { sessionId, hasAudio: false })); // audio is hers
    await moderate(a, sessionId, 'disable_video', carol, { lock: false });
    await waitApplied(c, sessionId, 'disable_video', { target: carol, by: alice, lock: false });
    p = participantOf(await getSession(server, bob, sessionId), carol.userId);
    assert.equal(p.videoLocked ?? false, false);
    const data = await rest(server, carol).media(sessionId, { hasVideo: true });
    assert.equal(data.status, 200, `PUT /media after the release: ${data.text}`);
    await waitMedia(a, carol, { hasVideo: true });
  });

  test('stop_screen_share', async () => {
    const { sessionId, alice, carol, a, b, c } = await groupCall();
    expectAckOk(await emitAck(c, 'media_state_changed', { sessionId, isScreenSharing: true }));
    await waitMedia(a, carol, { isScreenSharing: true });
    await moderate(a, sessionId, 'stop_screen_share', carol);
    for (const s of [a, b, c]) await waitApplied(s, sessionId, 'stop_screen_share', { target: carol, by: alice });
    for (const s of [a, b]) await waitMedia(s, carol, { isScreenSharing: false });
    assert.equal(participantOf(await getSession(server, alice, sessionId), carol.userId).isScreenSharing, false);
  });
});

describe('remove, lock, end', () => {
  test('remove: removed_from_call to the target, user_left_call to the others; the removed user cannot rejoin', async () => {
    const { sessionId, alice, bob, carol, dave, a, b, c, d } = await groupCall();
    const [c2] = await connectAll([carol], { mode: 'polling' }); // another socket of carol's, not in the call
    const carolSocket = c.id;
    await moderate(a, sessionId, 'remove', carol);
    for (const s of [c, c2]) {
      assert.deepEqual(await waitFor(s, 'removed_from_call', { what: 'removed_from_call' }), { sessionId, byUserId: alice.userId },
        'removed_from_call goes to every socket of the removed user');
    }
    for (const s of [a, b]) {
      await waitApplied(s, sessionId, 'remove', { target: carol, by: alice });
      assert.deepEqual(await waitFor(s, 'user_left_call', { what: 'user_left_call of carol' }),
        { sessionId, userId: carol.userId, socketId: carolSocket });
    }
    const doc = await getSession(server, alice, sessionId);
    assert.deepEqual(doc.removedUsers, [carol.userId]);
    assert.equal(participantOf(doc, carol.userId).isActive, false);
    // Out of the call: no relays either way, no rejoin from any socket.
    await expectRefused(a, 'webrtc_offer', { sessionId, targetSocketId: c.id, offer: {} }, 'forbidden');
    await expectRefused(c, 'webrtc_offer', { sessionId, targetSocketId: a.id, offer: {} }, 'forbidden');
    for (const s of [c, c2]) {
      const err = await expectRefused(s, 'join_call_session', { sessionId }, 'forbidden');
      assert.equal(err.message, 'You were removed from this call');
    }
    await roundTrip(a);
    assertNone(a, 'webrtc_offer');
    assertNone(a, 'user_joined_call', (m) => m.userId === carol.userId && m.socketId !== carolSocket);
    // An invitee who never joined (away) may be removed too.
    await moderate(a, sessionId, 'remove', dave);
    assert.deepEqual(await waitFor(d, 'removed_from_call'), { sessionId, byUserId: alice.userId });
    const err = await expectRefused(d, 'join_call_session', { sessionId }, 'forbidden');
    assert.equal(err.message, 'You were removed from this call');
    assert.deepEqual((await getSession(server, bob, sessionId)).removedUsers.sort(), [carol.userId, dave.userId].sort());
  });

  test('lock refuses new members (not those who were in); unlock lets them in', async () => {
    const { sessionId, alice, bob, carol, dave, a, b, c, d } = await groupCall();
    await moderate(a, sessionId, 'lock');
    for (const s of [a, b, c]) await waitApplied(s, sessionId, 'lock', { by: alice });
    assert.equal((await getSession(server, alice, sessionId)).locked, true);
    const err = await expectRefused(d, 'join_call_session', { sessionId }, 'forbidden');
    assert.equal(err.message, 'The call is locked');
    await roundTrip(a);
    assertNone(a, 'user_joined_call', (m) => m.userId === dave.userId);
    // bob was in: he may leave and come back.
    await leaveCall(b, sessionId);
    await waitFor(a, 'user_left_call', { where: (m) => m?.userId === bob.userId });
    await joinCall(b, sessionId);
    await moderate(a, sessionId, 'unlock');
    for (const s of [a, b, c]) await waitApplied(s, sessionId, 'unlock', { by: alice });
    assert.equal((await getSession(server, carol, sessionId)).locked, false);
    await joinCall(d, sessionId);
    await waitFor(a, 'user_joined_call', { where: (m) => m?.userId === dave.userId, what: 'dave joins after unlock' });
  });

  test('end_call ends the call for everyone; moderation after the end is refused', async () => {
    const { sessionId, alice, dave, a, b, c, d } = await groupCall();
    await moderate(a, sessionId, 'end_call');
    for (const s of [a, b, c, d]) {
      const ev = await waitFor(s, 'call_ended', { what: 'call_ended after end_call' });
      assert.equal(ev.sessionId, sessionId);
      assert.equal(ev.reason, 'ended_by_user');
      assert.equal(ev.endedBy, alice.userId);
    }
    const doc = await getSession(server, alice, sessionId);
    assert.equal(doc.status, 'ended');
    assert.equal(doc.endReason, 'ended_by_user');
    assert.equal(doc.endedBy, alice.userId);
    await expectRefused(a, 'moderate', { sessionId, action: 'lock' }, 'session_ended');
    await expectRefused(d, 'join_call_session', { sessionId }, 'session_ended');
    assert.equal(moderateEntries(await getSession(server, dave, sessionId)).at(-1)?.action, 'end_call');
  });

  test('a co-host may end the call', async () => {
    const { sessionId, bob, a, b, c } = await groupCall();
    await moderate(a, sessionId, 'make_cohost', bob);
    await waitApplied(b, sessionId, 'make_cohost', { target: bob });
    await moderate(b, sessionId, 'end_call');
    for (const s of [a, b, c]) assert.equal((await waitFor(s, 'call_ended', { what: 'call_ended' })).reason, 'ended_by_user');
    assert.equal((await getSession(server, bob, sessionId)).status, 'ended');
  });
});

describe('history', () => {
  test('the session document keeps every moderation, oldest first', async () => {
    const { sessionId, alice, bob, carol, dave, a, b, c } = await groupCall();
    const t0 = Date.now();
    await moderate(a, sessionId, 'make_cohost', bob);
    await waitApplied(b, sessionId, 'make_cohost', { target: bob });
    await moderate(b, sessionId, 'mute_audio', carol, { lock: true });
    await waitApplied(a, sessionId, 'mute_audio', { target: carol, lock: true });
    await moderate(a, sessionId, 'disable_video', carol);
    await waitApplied(a, sessionId, 'disable_video', { target: carol });
    await moderate(a, sessionId, 'lock');
    await waitApplied(c, sessionId, 'lock');
    await moderate(b, sessionId, 'unlock');
    await waitApplied(c, sessionId, 'unlock');
    await moderate(a, sessionId, 'remove', dave);
    await waitApplied(a, sessionId, 'remove', { target: dave });
    await moderate(a, sessionId, 'remove_cohost', bob);
    await waitApplied(a, sessionId, 'remove_cohost', { target: bob });

    const doc = await getSession(server, carol, sessionId);
    const entries = moderateEntries(doc);
    const brief = entries.map((e) => [e.action, e.targetUserId ?? null, e.byUserId, e.lock ?? false]);
    assert.deepEqual(brief, [
      ['make_cohost', bob.userId, alice.userId, false],
      ['mute_audio', carol.userId, bob.userId, true],
      ['disable_video', carol.userId, alice.userId, false],
      ['lock', null, alice.userId, false],
      ['unlock', null, bob.userId, false],
      ['remove', dave.userId, alice.userId, false],
      ['remove_cohost', bob.userId, alice.userId, false],
    ]);
    let last = t0 - 1000;
    for (const e of doc.moderation) {
      for (const key of Object.keys(e)) {
        assert.ok(['action', 'targetUserId', 'byUserId', 'at', 'lock'].includes(key), `moderation entry: unexpected key ${key}`);
      }
      assert.match(e.at, ISO_RE);
      assert.ok(Date.parse(e.at) >= last, 'oldest first');
      last = Date.parse(e.at);
    }
  });
});
