// Call controls helpers (docs/call-controls.md) for the e2e and cluster suites: a join that lands in the waiting
// room, the hosts' waiting lists, admitting and denying, moderating, chatting and reading the chat history, each
// checking the documented answer and waiting with a timeout that names what was expected.
import assert from 'node:assert/strict';

import { API, ISO_RE, initiateCall, rest } from './server.mjs';
import {
  assertNone, connect, emitAck, expectAckOk, expectRefused, label, roundTrip, waitFor,
} from './sockets.mjs';

export const WAITING_MESSAGE = 'Waiting for the host to admit you';

/**
 * join_call_session that must land in the waiting room: the ack is
 * {success: true, message: WAITING_MESSAGE, data: {waiting: true, sessionId}} and the socket gets
 * waiting_room_entered {sessionId}.
 */
export async function joinWaiting(socket, sessionId, { peerId } = {}) {
  const ack = await emitAck(socket, 'join_call_session', { sessionId, ...(peerId ? { peerId } : {}) });
  assert.deepEqual(ack, { success: true, message: WAITING_MESSAGE, data: { waiting: true, sessionId } },
    `the join of ${label(socket)} should wait for the host`);
  const entered = await waitFor(socket, 'waiting_room_entered', { where: (e) => e?.sessionId === sessionId,
    what: `waiting_room_entered for ${sessionId}` });
  assert.deepEqual(entered, { sessionId }, 'waiting_room_entered payload');
}

/** Asserts one waiting list entry {userId, name, since} of `user`. */
export function assertWaitingEntry(entry, user, what = 'waiting entry') {
  assert.deepEqual(Object.keys(entry).sort(), ['name', 'since', 'userId'], `${what}: keys of ${JSON.stringify(entry)}`);
  assert.equal(entry.userId, user.userId, `${what}: userId`);
  assert.equal(entry.name, user.name, `${what}: name`);
  assert.match(entry.since, ISO_RE, `${what}: since`);
}

/**
 * Waits for the waiting_room_updated on `socket` (a host's) whose list is exactly `users` (in that order) and checks
 * its shape; resolves the payload. The updates of that call received before it are marked consumed (they are older
 * states of the list), so a later wait for the same list waits for a new update.
 */
export async function waitWaitingList(socket, sessionId, users, { timeoutMs } = {}) {
  const ids = users.map((u) => u.userId);
  const rec = await waitFor(socket, 'waiting_room_updated', {
    where: (e) => e?.sessionId === sessionId && Array.isArray(e.waiting)
      && JSON.stringify(e.waiting.map((w) => w?.userId)) === JSON.stringify(ids),
    what: `waiting_room_updated for ${sessionId} listing [${ids.join(', ')}]`,
    record: true,
    ...(timeoutMs ? { timeoutMs } : {}),
  });
  for (const r of socket.received.slice(0, socket.received.indexOf(rec))) {
    if (r.event === 'waiting_room_updated' && r.args[0]?.sessionId === sessionId) r.used = true;
  }
  const got = rec.args[0];
  assert.deepEqual(Object.keys(got).sort(), ['sessionId', 'waiting'], 'waiting_room_updated keys');
  got.waiting.forEach((w, i) => assertWaitingEntry(w, users[i], `waiting_room_updated[${i}]`));
  return got;
}

/** admit_participant; asserts the ack `Participant admitted`. */
export async function admit(socket, sessionId, user) {
  const ack = await emitAck(socket, 'admit_participant', { sessionId, userId: user.userId });
  expectAckOk(ack, `ack of admit_participant (${user.userId}) by ${label(socket)}`);
  assert.equal(ack.message, 'Participant admitted');
}

/** deny_participant (reason optional); asserts the ack `Participant denied`. */
export async function deny(socket, sessionId, user, reason) {
  const ack = await emitAck(socket, 'deny_participant', { sessionId, userId: user.userId, ...(reason === undefined ? {} : { reason }) });
  expectAckOk(ack, `ack of deny_participant (${user.userId}) by ${label(socket)}`);
  assert.equal(ack.message, 'Participant denied');
}

/** moderate {sessionId, action, targetUserId?, lock?}; asserts the ack `Moderation applied`. */
export async function moderate(socket, sessionId, action, target, extra = {}) {
  const payload = { sessionId, action, ...(target ? { targetUserId: target.userId ?? target } : {}), ...extra };
  const ack = await emitAck(socket, 'moderate', payload);
  expectAckOk(ack, `ack of moderate ${JSON.stringify(payload)} by ${label(socket)}`);
  assert.equal(ack.message, 'Moderation applied');
}

/**
 * Waits for moderation_applied of `action` (on `target`, or call-wide: targetUserId null) on `socket` and checks it:
 * {sessionId, action, targetUserId, byUserId, lock?}.
 */
export async function waitApplied(socket, sessionId, action, { target = null, by, lock } = {}) {
  const targetId = target === null ? null : (target.userId ?? target);
  const got = await waitFor(socket, 'moderation_applied', {
    where: (e) => e?.sessionId === sessionId && e.action === action && (e.targetUserId ?? null) === targetId
      && (lock === undefined || (e.lock ?? false) === lock),
    what: `moderation_applied ${action} on ${targetId} (lock ${lock})`,
  });
  for (const key of Object.keys(got)) {
    assert.ok(['sessionId', 'action', 'targetUserId', 'byUserId', 'lock'].includes(key), `moderation_applied: unexpected key ${key}`);
  }
  assert.equal(got.targetUserId, targetId, 'moderation_applied.targetUserId (null for call-wide actions)');
  if (by) assert.equal(got.byUserId, by.userId, 'moderation_applied.byUserId');
  return got;
}

/**
 * chat_message; asserts the ack {success: true, message: 'Message sent', data: {messageId, seq, timestamp,
 * duplicate?}}; resolves data.
 */
export async function chat(socket, payload) {
  const ack = await emitAck(socket, 'chat_message', payload);
  const data = expectAckOk(ack, `ack of chat_message ${JSON.stringify(payload).slice(0, 120)} by ${label(socket)}`);
  assert.equal(ack.message, 'Message sent');
  assert.equal(typeof data.messageId, 'string', 'data.messageId');
  assert.ok(data.messageId.length > 0, 'data.messageId is empty');
  assert.ok(Number.isInteger(data.seq) && data.seq >= 1, `data.seq ${data.seq}`);
  assert.match(data.timestamp, ISO_RE, 'data.timestamp');
  for (const key of Object.keys(data)) {
    assert.ok(['messageId', 'seq', 'timestamp', 'duplicate'].includes(key), `chat ack: unexpected key ${key}`);
  }
  return data;
}

/**
 * Waits for the chat_message_received of (`from`, `clientMessageId`) on `socket` and checks it against the sender,
 * the text and the ack's data (when given); resolves it.
 */
export async function waitChat(socket, from, clientMessageId, { text, ack, toUserId, toWaitingRoom, timeoutMs } = {}) {
  const got = await waitFor(socket, 'chat_message_received', {
    where: (m) => m?.fromUserId === from.userId && m.clientMessageId === clientMessageId,
    what: `chat_message_received ${clientMessageId} from ${from.userId}`,
    ...(timeoutMs ? { timeoutMs } : {}),
  });
  for (const key of ['sessionId', 'messageId', 'seq', 'clientMessageId', 'fromUserId', 'fromName', 'text', 'timestamp']) {
    assert.ok(key in got, `chat_message_received lacks ${key}: ${JSON.stringify(got).slice(0, 300)}`);
  }
  for (const key of Object.keys(got)) {
    assert.ok(['sessionId', 'messageId', 'seq', 'clientMessageId', 'fromUserId', 'fromName', 'text', 'timestamp',
      'toUserId', 'toWaitingRoom'].includes(key), `chat_message_received: unexpected key ${key}`);
  }
  assert.equal(got.fromName, from.name, 'fromName');
  assert.match(got.timestamp, ISO_RE, 'timestamp');
  if (text !== undefined) assert.equal(got.text, text, 'text');
  if (ack) {
    assert.equal(got.messageId, ack.messageId, 'messageId as acknowledged');
    assert.equal(got.seq, ack.seq, 'seq as acknowledged');
    assert.equal(got.timestamp, ack.timestamp, 'timestamp as acknowledged');
  }
  if (toUserId !== undefined) assert.equal(got.toUserId ?? null, toUserId, 'toUserId');
  if (toWaitingRoom !== undefined) assert.equal(got.toWaitingRoom ?? false, toWaitingRoom, 'toWaitingRoom');
  return got;
}

/** GET /api/video-call/session/:id/chat<query> as `user`: the raw answer {status, body, text}. */
export function chatHistory(server, user, sessionId, query = '') {
  return rest(server, user).get(`${API}/session/${sessionId}/chat${query}`);
}

/** True when the server has no chat history route (404 Route not found), so a test can skip that part. */
export async function chatRouteMissing(server, user, sessionId) {
  // A plain fetch: docs/openapi.yaml already describes the route, so the checked client would fail on its absence.
  const res = await fetch(`${server.url}${API}/session/${sessionId}/chat`, { headers: { authorization: `Bearer ${user.token}` } });
  const body = await res.json().catch(() => null);
  return res.status === 404 && body?.message === 'Route not found';
}

/** The moderate-issued entries of a session document's `moderation` history (admit/deny left out). */
export function moderateEntries(doc) {
  assert.ok(Array.isArray(doc.moderation), `session.moderation should be an array: ${JSON.stringify(doc.moderation)}`);
  const actions = ['mute_audio', 'disable_video', 'stop_screen_share', 'remove', 'lock', 'unlock', 'make_cohost',
    'remove_cohost', 'end_call'];
  return doc.moderation.filter((e) => actions.includes(e.action));
}

/** Connects (auth at CONNECT) one socket per user. */
export function connectAll(server, users, options = {}) {
  return Promise.all(users.map((user) => connect(server, { user, connectAuth: true, ...options })));
}

/** The participant entry of `user` in a call_session_joined payload (asserts it is there). */
export function entryOf(joined, user) {
  const p = joined.participants.find((x) => x.userId === user.userId);
  assert.ok(p, `${user.userId} missing from call_session_joined participants ${JSON.stringify(joined.participants)}`);
  return p;
}

/** A therapy call: the therapist (host) invites `clients`; returns {sessionId, session}. */
export function therapyCall(server, therapist, clients, extra = {}) {
  return initiateCall(server, therapist, clients, { sessionType: 'therapy', ...extra });
}

/**
 * open_breakout_rooms by `socket` (a host's) with `payload`; asserts the ack `Breakout rooms opened` and the shape of
 * its data {rooms: [{roomId, name, userIds}], endsAt} (distinct room ids); resolves data.
 */
export async function openBreakout(socket, payload) {
  const ack = await emitAck(socket, 'open_breakout_rooms', payload);
  const data = expectAckOk(ack, `ack of open_breakout_rooms ${JSON.stringify(payload).slice(0, 160)} by ${label(socket)}`);
  assert.equal(ack.message, 'Breakout rooms opened');
  assert.deepEqual(Object.keys(data ?? {}).sort(), ['endsAt', 'rooms'], `open_breakout_rooms ack data: ${JSON.stringify(data)}`);
  assert.ok(Array.isArray(data.rooms), 'data.rooms is an array');
  for (const r of data.rooms) {
    assert.deepEqual(Object.keys(r).sort(), ['name', 'roomId', 'userIds'], `room keys of ${JSON.stringify(r)}`);
    assert.equal(typeof r.roomId, 'string', 'roomId');
    assert.ok(r.roomId.length > 0, 'roomId is empty');
    assert.ok(Array.isArray(r.userIds), `userIds of ${JSON.stringify(r)}`);
  }
  assert.equal(new Set(data.rooms.map((r) => r.roomId)).size, data.rooms.length, 'room ids are distinct');
  return data;
}

/** close_breakout_rooms (countdownSeconds when given); asserts the ack `Breakout rooms closing`. */
export async function closeBreakout(socket, sessionId, countdownSeconds) {
  const payload = { sessionId, ...(countdownSeconds === undefined ? {} : { countdownSeconds }) };
  const ack = await emitAck(socket, 'close_breakout_rooms', payload);
  expectAckOk(ack, `ack of close_breakout_rooms ${JSON.stringify(payload)} by ${label(socket)}`);
  assert.equal(ack.message, 'Breakout rooms closing');
}

/** A webrtc_offer {tag} from `from` to `to` that must be delivered: the ack, then the offer with fromSocketId/fromUserId. */
export async function relayDelivered(from, to, sessionId, tag) {
  const ack = await emitAck(from, 'webrtc_offer', { sessionId, targetSocketId: to.id, offer: { tag } });
  expectAckOk(ack, `ack of webrtc_offer ${tag} ${label(from)} -> ${label(to)}`);
  const got = await waitFor(to, 'webrtc_offer', { where: (o) => o?.offer?.tag === tag,
    what: `webrtc_offer ${tag} from ${label(from)}` });
  assert.equal(got.fromSocketId, from.id, `${tag}: fromSocketId`);
  assert.equal(got.fromUserId, from.hearthUser.userId, `${tag}: fromUserId`);
}

export const OTHER_ROOM = 'The other participant is in another room';

/**
 * A webrtc_offer {tag} from `from` to `to` across breakout rooms: refused `forbidden` OTHER_ROOM (ack and call_error),
 * and, after a barrier on `to`, never delivered.
 */
export async function relayRefused(from, to, sessionId, tag) {
  const err = await expectRefused(from, 'webrtc_offer', { sessionId, targetSocketId: to.id, offer: { tag } }, 'forbidden');
  assert.equal(err.message, OTHER_ROOM, `${tag}: the refusal of ${label(from)} -> ${label(to)}`);
  await roundTrip(to);
  assertNone(to, 'webrtc_offer', (o) => o?.offer?.tag === tag, `${tag} was refused`);
}
