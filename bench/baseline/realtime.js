'use strict';
// Signaling over Socket.IO: authentication, joining and leaving calls, relaying offers/answers/ICE candidates,
// media state, declines, reconnection grace. Each call is a Socket.IO room named after its session id.

const d = require('./domain');

function attachRealtime(io) {
  const socketsOfUser = new Map();  // userId -> Set<socket>
  const rooms = new Map();          // sessionId -> Map<socketId, member> (who is in the call right now)
  const graces = new Map();         // `${sessionId}|${userId}` -> timeout

  const toUser = (userId, event, payload) => {
    for (const s of socketsOfUser.get(userId) || []) s.emit(event, payload);
  };
  const bind = (socket, user) => {
    socket.data.user = user;
    if (!socketsOfUser.has(user.userId)) socketsOfUser.set(user.userId, new Set());
    socketsOfUser.get(user.userId).add(socket);
  };

  function announceEnded(s) {
    const payload = { sessionId: s.sessionId, endedBy: s.endedBy, reason: s.endReason, duration: s.duration };
    for (const p of s.participants) toUser(p.userId, 'call_ended', payload);
    rooms.delete(s.sessionId);
  }

  const events = {
    initiated(s) {
      const initiator = s.participants[0];
      const payload = { sessionId: s.sessionId, sessionType: s.sessionType,
                        initiator: { userId: initiator.userId, name: initiator.name },
                        callSettings: s.callSettings, metadata: s.metadata };
      for (const u of s.invitedUsers) toUser(u, 'call_invitation', payload);
    },
    ended: announceEnded,
    mediaChanged(s, p) {
      io.to(s.sessionId).emit('media_state_changed', { sessionId: s.sessionId, userId: p.userId, socketId: p.socketId,
        hasVideo: p.hasVideo, hasAudio: p.hasAudio, isScreenSharing: p.isScreenSharing });
    },
  };

  // CONNECT with {token}: authenticated at once; without one, the client has to send `authenticate`.
  io.use((socket, next) => {
    const token = socket.handshake.auth && socket.handshake.auth.token;
    if (!token) return next();
    try {
      bind(socket, d.verifyToken(String(token).replace(/^Bearer /, '')));
      next();
    } catch (e) {
      next(new Error(`Authentication failed: ${e.message}`));
    }
  });

  const eventLimiter = new d.Buckets(d.config.socketEventsPerSecond, 1000, 2 * d.config.socketEventsPerSecond);

  io.on('connection', (socket) => {
    const fail = (event, err, ack) => {
      const code = err.code || 'invalid_argument';
      socket.emit('call_error', { event, message: err.message, code });
      if (typeof ack === 'function') ack({ success: false, message: err.message, code });
    };
    const succeed = (ack, message, data) => {
      if (typeof ack === 'function') ack(data === undefined ? { success: true, message } : { success: true, message, data });
    };
    socket.data.sessions = new Set();  // calls this socket joined
    if (socket.data.user) socket.emit('authenticated', { userId: socket.data.user.userId, name: socket.data.user.name });

    socket.use(([event, , ack], next) => {
      if (!eventLimiter.take(socket.id)) return fail(event, { message: 'Too many events, slow down', code: 'rate_limited' }, ack);
      if (event !== 'authenticate' && !socket.data.user)
        return fail(event, { message: 'Not authenticated: send authenticate first', code: 'unauthenticated' }, ack);
      next();
    });
    // Handlers throw ApiError; one wrapper turns them into call_error + failure ack.
    const on = (event, handler) => socket.on(event, (payload, ack) => {
      try {
        handler(payload && typeof payload === 'object' ? payload : {}, ack);
      } catch (err) {
        fail(event, err, ack);
      }
    });

    on('authenticate', (payload, ack) => {
      const token = typeof payload === 'string' ? payload : payload.token;
      try {
        const user = d.verifyToken(String(token));
        if (socket.data.user && socket.data.user.userId !== user.userId) throw new Error('this socket is authenticated as another user');
        if (!socket.data.user) bind(socket, user);
        socket.emit('authenticated', { userId: user.userId, name: user.name });
        succeed(ack, 'Authenticated', { userId: user.userId, name: user.name });
      } catch (e) {
        socket.emit('authentication_error', { message: `Authentication failed: ${e.message}` });
      }
    });

    on('join_call_session', ({ sessionId, peerId }, ack) => {
      if (!d.validId(sessionId)) throw d.invalid('sessionId: required');
      const user = socket.data.user;
      const { s, p } = d.findMember(sessionId, user.userId);
      d.checkCanJoin(s, p);
      const now = Date.now();
      const room = rooms.get(sessionId) || new Map();
      rooms.set(sessionId, room);
      const old = [...room.values()].find((m) => m.userId === user.userId);
      if (old && old.socketId !== socket.id) room.delete(old.socketId);
      p.name = user.name;
      p.socketId = socket.id;
      p.peerId = peerId || socket.id;
      if (!p.isActive) p.joinedAt = new Date(now).toISOString();
      p.leftAt = null;
      p.isActive = true;
      if (s.status === 'waiting' && s.participants.filter((x) => x.isActive).length >= 2) {
        s.status = 'active';
        s.startTime = new Date(now).toISOString();
      }
      clearTimeout(graces.get(`${sessionId}|${user.userId}`));
      const member = { userId: user.userId, name: user.name, socketId: socket.id, peerId: p.peerId, connected: true };
      room.set(socket.id, member);
      socket.data.sessions.add(sessionId);
      socket.join(sessionId);
      const entry = (m) => {
        const q = s.participants.find((x) => x.userId === m.userId);
        return { userId: m.userId, name: m.name, socketId: m.socketId, peerId: m.peerId, hasVideo: q.hasVideo,
                 hasAudio: q.hasAudio, isScreenSharing: q.isScreenSharing, joinedAt: q.joinedAt };
      };
      const joined = { sessionId, sessionType: s.sessionType,
                       participants: [...room.values()].filter((m) => m.connected && m.socketId !== socket.id).map(entry),
                       callSettings: s.callSettings, iceServers: d.iceServers() };
      socket.emit('call_session_joined', joined);
      succeed(ack, 'Joined call session', joined);
      socket.to(sessionId).emit(old ? 'user_reconnected' : 'user_joined_call', { sessionId, ...entry(member) });
    });

    const leave = (sessionId, userId, socketId) => {
      const s = d.sessions.get(sessionId);
      if (!s) return;
      d.deactivate(s, userId, Date.now());
      const room = rooms.get(sessionId);
      if (room) room.delete(socketId);
      io.to(sessionId).emit('user_left_call', { sessionId, userId, socketId });
      if (s.status === 'ended') announceEnded(s);
    };

    on('leave_call_session', ({ sessionId }, ack) => {
      if (!d.validId(sessionId)) throw d.invalid('sessionId: required');
      const { p } = d.findMember(sessionId, socket.data.user.userId);
      if (!p.isActive || p.socketId !== socket.id) throw new d.ApiError(403, 'This socket is not in the call', 'forbidden');
      socket.leave(sessionId);
      socket.data.sessions.delete(sessionId);
      leave(sessionId, socket.data.user.userId, socket.id);
      succeed(ack, 'Left call session');
    });

    // Offers, answers and ICE candidates go to one target socket of the same call, stamped with the sender.
    const relay = (event, field) => on(event, (payload, ack) => {
      const { sessionId, targetSocketId } = payload;
      if (typeof sessionId !== 'string') throw d.invalid('sessionId: must be a string');
      if (typeof targetSocketId !== 'string') throw d.invalid('targetSocketId: must be a string');
      if (payload[field] === undefined) throw d.invalid(`${field}: required`);
      const room = rooms.get(sessionId);
      if (!room) throw new d.ApiError(404, 'Call session not found or nobody is in it', 'not_found');
      if (!room.has(socket.id) || !room.has(targetSocketId) || targetSocketId === socket.id)
        throw new d.ApiError(403, 'Both sockets must be active participants of this call', 'forbidden');
      io.to(targetSocketId).emit(event, { ...payload, fromSocketId: socket.id, fromUserId: socket.data.user.userId });
      succeed(ack, 'Delivered');
    });
    relay('webrtc_offer', 'offer');
    relay('webrtc_answer', 'answer');
    relay('webrtc_ice_candidate', 'candidate');

    on('media_state_changed', (payload, ack) => {
      const { s, p } = d.findMember(payload.sessionId, socket.data.user.userId);
      if (!p.isActive || p.socketId !== socket.id) throw new d.ApiError(403, 'This socket is not in the call', 'forbidden');
      for (const k of ['hasVideo', 'hasAudio', 'isScreenSharing'])
        if (payload[k] !== undefined) {
          if (typeof payload[k] !== 'boolean') throw d.invalid(`${k}: must be a boolean`);
          p[k] = payload[k];
        }
      succeed(ack, 'Media state updated');
      socket.to(s.sessionId).emit('media_state_changed', { sessionId: s.sessionId, userId: p.userId, socketId: socket.id,
        hasVideo: p.hasVideo, hasAudio: p.hasAudio, isScreenSharing: p.isScreenSharing });
    });

    on('decline_call', ({ sessionId }, ack) => {
      const user = socket.data.user;
      const { s } = d.findMember(sessionId, user.userId);
      if (user.userId === s.initiatorId) throw d.invalid('sessionId: the initiator cannot decline; end the call instead');
      if (s.status === 'ended') throw new d.ApiError(410, 'Call session has ended', 'session_ended');
      if (s.sessionType === 'one-to-one') d.endSession(s, 'declined', user.userId, Date.now());
      succeed(ack, 'Call declined');
      toUser(s.initiatorId, 'call_declined', { sessionId, userId: user.userId });
      if (s.status === 'ended') announceEnded(s);
    });

    // A dropped socket keeps its place for the reconnect grace.
    socket.on('disconnect', () => {
      const user = socket.data.user;
      if (!user) return;
      socketsOfUser.get(user.userId)?.delete(socket);
      if (!socketsOfUser.get(user.userId)?.size) socketsOfUser.delete(user.userId);
      for (const sessionId of socket.data.sessions) {
        const m = rooms.get(sessionId)?.get(socket.id);
        if (!m) continue;
        m.connected = false;
        io.to(sessionId).emit('user_disconnected', { sessionId, userId: user.userId, socketId: socket.id });
        graces.set(`${sessionId}|${user.userId}`, setTimeout(() => {
          graces.delete(`${sessionId}|${user.userId}`);
          const s = d.sessions.get(sessionId);
          const p = s && s.participants.find((x) => x.userId === user.userId);
          if (p && p.isActive && p.socketId === socket.id) leave(sessionId, user.userId, socket.id);
        }, d.config.reconnectGraceMs));
      }
    });
  });
  return events;
}

module.exports = { attachRealtime };
