'use strict';
// The REST API under /api/video-call, as Express routes.

const express = require('express');
const d = require('./domain');

function createApp(events) {
  const app = express();
  app.disable('x-powered-by');
  app.use(express.json({ limit: '64kb' }));

  app.get('/healthz', (req, res) => res.json({ success: true, message: 'ok', data: { status: 'up' } }));

  const router = express.Router();
  const limiter = new d.Buckets(d.config.rateLimitPerMinute, 60000, d.config.rateLimitPerMinute);
  router.use((req, res, next) => {
    res.set('Cache-Control', 'no-store');
    const header = req.get('authorization') || '';
    const m = /^bearer\s+(.+)$/i.exec(header);
    if (!m) return res.status(401).json({ success: false, message: 'Authentication required: Bearer token missing' });
    try {
      req.user = d.verifyToken(m[1].trim());
    } catch (e) {
      return res.status(401).json({ success: false, message: e.name === 'TokenExpiredError' ? 'Token expired' : 'Invalid token' });
    }
    if (!limiter.take(req.user.userId)) {
      res.set('Retry-After', '1');
      return res.status(429).json({ success: false, message: 'Too many requests, slow down' });
    }
    next();
  });

  const ok = (res, message, data, status = 200) => res.status(status).json({ success: true, message, data });

  router.post('/initiate', (req, res) => {
    const s = d.createSession(req.body, req.user, Date.now());
    d.storeSession(s);
    events.initiated(s);
    ok(res, 'Call session initiated successfully',
       { sessionId: s.sessionId, iceServers: d.iceServers(), callSettings: s.callSettings, session: s }, 201);
  });

  router.post('/join/:sessionId', (req, res) => {
    const { s, p } = d.findMember(req.params.sessionId, req.user.userId);
    d.checkCanJoin(s, p);
    ok(res, 'Ready to join call session', {
      sessionId: s.sessionId, sessionType: s.sessionType, participants: s.participants.filter((x) => x.isActive),
      callSettings: s.callSettings, iceServers: d.iceServers(),
    });
  });

  router.get('/session/:sessionId', (req, res) => {
    const { s } = d.findMember(req.params.sessionId, req.user.userId);
    ok(res, 'Call session retrieved', { session: s });
  });

  router.put('/session/:sessionId/media', (req, res) => {
    const { s, p } = d.findMember(req.params.sessionId, req.user.userId);
    if (s.status === 'ended') throw new d.ApiError(410, 'Call session has ended', 'session_ended');
    const body = req.body || {};
    const flags = ['hasVideo', 'hasAudio', 'isScreenSharing'].filter((k) => body[k] !== undefined);
    if (!flags.length) throw d.invalid('body: give at least one of hasVideo, hasAudio, isScreenSharing');
    for (const k of flags) if (typeof body[k] !== 'boolean') throw d.invalid(`${k}: must be a boolean`);
    if (body.isScreenSharing && !s.callSettings.allowScreenShare)
      throw new d.ApiError(403, 'Screen sharing is not allowed in this call', 'forbidden');
    for (const k of flags) p[k] = body[k];
    events.mediaChanged(s, p);
    ok(res, 'Media settings updated', { sessionId: s.sessionId, userId: p.userId, hasVideo: p.hasVideo,
                                         hasAudio: p.hasAudio, isScreenSharing: p.isScreenSharing });
  });

  router.post('/session/:sessionId/end', (req, res) => {
    const { s } = d.findMember(req.params.sessionId, req.user.userId);
    if (req.user.userId !== s.initiatorId && s.sessionType !== 'one-to-one')
      throw new d.ApiError(403, 'Only the initiator can end this call session', 'forbidden');
    if (!d.endSession(s, 'ended_by_user', req.user.userId, Date.now()))
      return ok(res, 'Call session already ended', { session: s });
    events.ended(s);
    ok(res, 'Call session ended', { session: s });
  });

  router.get('/history', (req, res) => {
    const page = req.query.page === undefined ? 1 : Number(req.query.page);
    const limit = req.query.limit === undefined ? 20 : Number(req.query.limit);
    if (!Number.isInteger(page) || page < 1 || page > 1e6) throw d.invalid('page: must be between 1 and 1000000');
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw d.invalid('limit: must be between 1 and 100');
    const status = req.query.status;
    if (status !== undefined && !['waiting', 'active', 'ended'].includes(status))
      throw d.invalid('status: must be one of waiting, active, ended');
    const ids = d.userSessions.get(req.user.userId) || [];
    let all = ids.map((id) => d.sessions.get(id));
    if (status) all = all.filter((s) => s.status === status);
    const start = all.length - page * limit;  // the index is in creation order: newest last
    const slice = all.slice(Math.max(0, start), Math.max(0, start + limit)).reverse();
    ok(res, 'Call history retrieved', {
      sessions: slice, pagination: { page, limit, total: all.length, pages: Math.ceil(all.length / limit) },
    });
  });

  app.use('/api/video-call', router);
  app.use((req, res) => res.status(404).json({ success: false, message: 'Route not found' }));
  // eslint-disable-next-line no-unused-vars
  app.use((err, req, res, next) => {
    if (err instanceof d.ApiError) return res.status(err.status).json({ success: false, message: err.message });
    if (err.type === 'entity.too.large')
      return res.status(413).json({ success: false, message: 'Request too large (limit 64 KiB body)' });
    if (err.type === 'entity.parse.failed') return res.status(400).json({ success: false, message: 'body: malformed JSON' });
    console.error(err);
    res.status(500).json({ success: false, message: 'Internal error' });
  });
  return app;
}

module.exports = { createApp };
