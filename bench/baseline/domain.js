'use strict';
// The baseline's configuration, token verification, rate limiting, in-memory store and call rules.

const crypto = require('node:crypto');
const jwt = require('jsonwebtoken');

const env = (name, fallback) => (process.env[name] !== undefined ? process.env[name] : fallback);
const portArg = process.argv.indexOf('--port');
const config = {
  host: env('HOST', '127.0.0.1'),
  port: Number(portArg > 0 ? process.argv[portArg + 1] : env('PORT', '8080')),
  jwtSecret: env('JWT_SECRET', ''),
  rateLimitPerMinute: Number(env('RATE_LIMIT_PER_MINUTE', '120')),
  socketEventsPerSecond: Number(env('SOCKET_EVENTS_PER_SECOND', '100')),
  maxCallParticipants: Number(env('MAX_CALL_PARTICIPANTS', '8')),
  maxInvitees: Number(env('MAX_INVITEES', '50')),
  ringTimeoutMs: Number(env('CALL_RING_TIMEOUT_SECONDS', '60')) * 1000,
  callTimeoutMs: Number(env('CALL_TIMEOUT_MINUTES', '60')) * 60000,
  reconnectGraceMs: Number(env('RECONNECT_GRACE_SECONDS', '15')) * 1000,
  pingIntervalMs: Number(env('PING_INTERVAL_MS', '25000')),
  pingTimeoutMs: Number(env('PING_TIMEOUT_MS', '20000')),
  stunServers: env('STUN_SERVERS', 'stun:stun.l.google.com:19302,stun:stun.services.mozilla.com:3478,stun:stun.stunprotocol.org:3478')
    .split(',').filter(Boolean),
};
if (config.jwtSecret.length < 16) {
  console.error('JWT_SECRET (>= 16 characters) is required');
  process.exit(2);
}

// --- auth and limits -------------------------------------------------------------------------------------------------

function verifyToken(token) {
  const claims = jwt.verify(token, config.jwtSecret, { algorithms: ['HS256'], clockTolerance: 30 });
  const id = claims.sub ?? claims.userId ?? claims.id;
  if (id === undefined || id === null || id === '') throw new Error('Token has no user id');
  const userId = String(id);
  return { userId, name: claims.name ? String(claims.name).slice(0, 256) : userId, role: claims.role || 'user' };
}

// Token bucket per key: `rate` per `perMs`, bursts up to `burst`.
class Buckets {
  constructor(rate, perMs, burst) { Object.assign(this, { rate, perMs, burst, buckets: new Map() }); }
  take(key, now = Date.now()) {
    let b = this.buckets.get(key);
    if (!b) { b = { tokens: this.burst, at: now }; this.buckets.set(key, b); }
    b.tokens = Math.min(this.burst, b.tokens + ((now - b.at) * this.rate) / this.perMs);
    b.at = now;
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }
}

// --- the store (memory) and the domain rules ----------------------------------------------------------------------

const sessions = new Map();      // sessionId -> session document
const userSessions = new Map();  // userId -> [sessionId] in creation order (history index)
const live = new Set();          // sessions not ended yet, for the timeout sweep
const iso = (ms) => new Date(ms).toISOString();

function newSessionId(now) {
  let rand = '';
  const bytes = crypto.randomBytes(9);
  for (const b of bytes) rand += (b % 36).toString(36);
  return `call_${now}_${rand}`;
}

function participant(userId, name, settings) {
  return { userId, name, socketId: null, peerId: null, joinedAt: null, leftAt: null, isActive: false,
           hasVideo: settings.isVideoEnabled, hasAudio: settings.isAudioEnabled, isScreenSharing: false };
}

class ApiError extends Error {
  constructor(status, message, code) { super(message); this.status = status; this.code = code; }
}
const invalid = (m) => new ApiError(400, m, 'invalid_argument');
const validId = (s) => typeof s === 'string' && s.length > 0 && s.length <= 128 && !/[\u0000-\u001f\u007f]/.test(s);

function createSession(body, caller, now) {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw invalid('body: must be a JSON object');
  const { sessionType, participants, callSettings = {}, metadata = {}, therapySessionId, maxParticipants } = body;
  if (!['one-to-one', 'group', 'therapy'].includes(sessionType))
    throw invalid('sessionType: must be one of one-to-one, group, therapy');
  if (!Array.isArray(participants)) throw invalid('participants: required, an array of user ids');
  if (sessionType === 'one-to-one' && participants.length !== 1)
    throw invalid('participants: a one-to-one call invites exactly 1 other user');
  if (sessionType !== 'one-to-one' && (participants.length < 1 || participants.length > config.maxInvitees))
    throw invalid(`participants: must list 1 to ${config.maxInvitees} user ids`);
  const seen = new Set();
  participants.forEach((p, i) => {
    if (!validId(p)) throw invalid(`participants[${i}]: must be a non-empty string of at most 128 characters`);
    if (p === caller.userId) throw invalid(`participants[${i}]: must not include the caller, who joins implicitly`);
    if (seen.has(p)) throw invalid(`participants[${i}]: duplicate user id`);
    seen.add(p);
  });
  if (typeof callSettings !== 'object' || callSettings === null) throw invalid('callSettings: must be an object');
  const settings = { isVideoEnabled: true, isAudioEnabled: true, isRecordingEnabled: false, allowScreenShare: true };
  for (const k of Object.keys(settings)) {
    if (callSettings[k] === undefined) continue;
    if (typeof callSettings[k] !== 'boolean') throw invalid(`callSettings.${k}: must be a boolean`);
    settings[k] = callSettings[k];
  }
  const title = metadata.title ?? '', description = metadata.description ?? '', tags = metadata.tags ?? [];
  if (typeof title !== 'string' || title.length > 200) throw invalid('metadata.title: at most 200 characters');
  if (typeof description !== 'string' || description.length > 2000) throw invalid('metadata.description: at most 2000 characters');
  if (!Array.isArray(tags) || tags.length > 20) throw invalid('metadata.tags: at most 20 tags');
  if (sessionType === 'therapy' && !validId(therapySessionId)) throw invalid('therapySessionId: required for a therapy call');
  if (sessionType !== 'therapy' && therapySessionId !== undefined) throw invalid('therapySessionId: only allowed for a therapy call');
  let capacity = sessionType === 'one-to-one' ? 2 : config.maxCallParticipants;
  if (maxParticipants !== undefined) {
    if (!Number.isInteger(maxParticipants)) throw invalid('maxParticipants: must be an integer');
    if (sessionType === 'one-to-one' && maxParticipants !== 2)
      throw invalid('maxParticipants: a one-to-one call has exactly 2 participants');
    if (maxParticipants < 2 || maxParticipants > config.maxCallParticipants)
      throw invalid(`maxParticipants: must be between 2 and ${config.maxCallParticipants}`);
    capacity = maxParticipants;
  }
  return {
    sessionId: newSessionId(now), sessionType, initiatorId: caller.userId, invitedUsers: [...participants],
    participants: [participant(caller.userId, caller.name, settings), ...participants.map((p) => participant(p, p, settings))],
    maxParticipants: capacity, status: 'waiting', createdAt: iso(now), startTime: null, endTime: null, duration: 0,
    endReason: null, endedBy: null, callSettings: settings, therapySessionId: therapySessionId ?? null,
    metadata: { title, description, tags },
  };
}

function storeSession(s) {
  sessions.set(s.sessionId, s);
  live.add(s.sessionId);
  for (const p of s.participants) {
    if (!userSessions.has(p.userId)) userSessions.set(p.userId, []);
    userSessions.get(p.userId).push(s.sessionId);
  }
}

function findMember(sessionId, userId) {
  const s = sessions.get(sessionId);
  if (!s) throw new ApiError(404, 'Call session not found', 'not_found');
  const p = s.participants.find((x) => x.userId === userId);
  if (!p) throw new ApiError(403, 'You are not a participant of this call session', 'forbidden');
  return { s, p };
}

function checkCanJoin(s, p) {
  if (s.status === 'ended') throw new ApiError(410, 'Call session has ended', 'session_ended');
  const active = s.participants.filter((x) => x.isActive).length;
  if (!p.isActive && active >= s.maxParticipants) throw new ApiError(409, 'Call session is full', 'session_full');
}

function endSession(s, reason, endedBy, now) {
  if (s.status === 'ended') return false;
  live.delete(s.sessionId);
  s.status = 'ended';
  s.endTime = iso(now);
  s.endReason = reason;
  s.endedBy = endedBy;
  s.duration = s.startTime ? Math.floor((now - Date.parse(s.startTime)) / 1000) : 0;
  for (const p of s.participants) if (p.isActive) { p.isActive = false; p.leftAt = iso(now); }
  return true;
}

function deactivate(s, userId, now) {
  const p = s.participants.find((x) => x.userId === userId);
  if (!p || !p.isActive) return false;
  p.isActive = false;
  p.leftAt = iso(now);
  p.isScreenSharing = false;
  if (s.status === 'active' && !s.participants.some((x) => x.isActive)) endSession(s, 'all_left', null, now);
  return true;
}

// Ends calls nobody answered (missed) and calls that ran too long (timeout); returns the ended sessions.
function sweep(now) {
  const ended = [];
  for (const id of live) {
    const s = sessions.get(id);
    if (s.status === 'waiting' && now >= Date.parse(s.createdAt) + config.ringTimeoutMs) endSession(s, 'missed', null, now);
    else if (s.status === 'active' && now >= Date.parse(s.startTime) + config.callTimeoutMs) endSession(s, 'timeout', null, now);
    else continue;
    ended.push(s);
  }
  return ended;
}

const iceServers = () => (config.stunServers.length ? [{ urls: config.stunServers }] : []);

module.exports = { config, verifyToken, Buckets, ApiError, invalid, validId, sessions, userSessions, createSession,
                   storeSession, findMember, checkCanJoin, endSession, deactivate, sweep, iceServers };
