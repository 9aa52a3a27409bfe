// Calls made through the real API, for pages that show what happened (the admin dashboard): initiated over REST,
// joined, declined, left and reported on over Socket.IO (the official client, one socket per participant and call),
// ended over REST. Used by tests/browser/admin.test.mjs and scripts/screenshot-admin.mjs.
import { connectAs, emitAck, expectAckOk, joinCall, leaveCall } from '../../e2e/lib/sockets.mjs';
import { API, request } from '../../integration/lib/server.mjs';

let therapySeq = 0;

async function rest(server, user, method, path, json) {
  const res = await request(server, method, API + path, { token: user.token, json });
  if (!res.body?.success) throw new Error(`${method} ${path} as ${user.userId}: ${res.status} ${res.text}`);
  return res.body.data;
}

/**
 * POST /initiate as `initiator` inviting `invitees`, then `joined` (users, the initiator among them or not) join
 * over Socket.IO in that order. Resolves {sessionId, initiator, sockets: Map userId → socket}.
 */
export async function startCall(server, { initiator, invitees, type = 'one-to-one', joined = [], settings }) {
  const body = { sessionType: type, participants: invitees.map((u) => u.userId) };
  if (type === 'therapy') body.therapySessionId = `therapy-${Date.now()}-${(therapySeq += 1)}`;
  if (settings) body.callSettings = settings;
  const { sessionId } = await rest(server, initiator, 'POST', '/initiate', body);
  const call = { server, sessionId, initiator, sockets: new Map() };
  for (const user of joined) await join(call, user);
  return call;
}

/** `user` joins `call` on a new socket. */
export async function join(call, user) {
  const socket = await connectAs(call.server, user);
  await joinCall(socket, call.sessionId);
  call.sockets.set(user.userId, socket);
}

/** `user` changes their media flags ({hasVideo, hasAudio, isScreenSharing}) in the call. */
export async function setMedia(call, user, flags) {
  const socket = call.sockets.get(user.userId);
  expectAckOk(await emitAck(socket, 'media_state_changed', { sessionId: call.sessionId, ...flags }));
}

/**
 * `user` reports what they receive from everyone else in the call: the same link quality from each
 * ({rttMs, jitterMs, packetLossPct, relay}), and their set-up time.
 */
export async function reportQuality(call, user,
  { rttMs = 40, jitterMs = 3, packetLossPct = 0, relay = false, establishedMs = 800 } = {}) {
  const links = [...call.sockets].filter(([id]) => id !== user.userId).map(([, s]) => ({
    socketId: s.id, rttMs, jitterMs, packetLossPct, inboundKbps: 800, outboundKbps: 780, framesPerSecond: 24,
    localCandidateType: relay ? 'relay' : 'host', remoteCandidateType: 'host',
  }));
  expectAckOk(await emitAck(call.sockets.get(user.userId), 'call_quality_report',
    { sessionId: call.sessionId, connectionEstablishedMs: establishedMs, links }));
}

/** An invitee declines the call (a one-to-one call then ends as `declined`). */
export async function decline(call, user) {
  const socket = await connectAs(call.server, user);
  expectAckOk(await emitAck(socket, 'decline_call', { sessionId: call.sessionId }));
  socket.disconnect();
}

/** POST /session/:id/end (ended_by_user), then the sockets close. */
export async function endCall(call, user = call.initiator) {
  await rest(call.server, user, 'POST', `/session/${encodeURIComponent(call.sessionId)}/end`);
  closeSockets(call);
}

/** Everyone leaves (the call ends as `all_left`), then the sockets close. */
export async function leaveAll(call) {
  for (const socket of call.sockets.values()) await leaveCall(socket, call.sessionId);
  closeSockets(call);
}

export function closeSockets(call) {
  for (const socket of call.sockets.values()) socket.disconnect();
  call.sockets.clear();
}
