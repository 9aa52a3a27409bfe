// GET /api/video-call/session/:sessionId/quality before any stats report: authentication, who may read it (members
// only), unknown sessions, the empty summary, and that it does not clash with GET /session/:sessionId. The e2e
// suites fill the summary with real reports.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { API, client, expectError, expectOk, request, startServer, stopAll } from './lib/server.mjs';
import { mint } from './lib/jwt.mjs';

const SECRET = `quality-${randomUUID()}`;
const UNKNOWN_ID = 'call_1700000000000_abcdefghi';

let server;
let alice; let bob; let carol; let mallory; let admin;
let sessionId;

before(async () => {
  server = await startServer({ secret: SECRET });
  const user = (sub, claims = {}) => client(server, mint({ sub, name: sub, ...claims }, SECRET));
  alice = user('alice');
  bob = user('bob');
  carol = user('carol');
  mallory = user('mallory');
  admin = user('root', { role: 'admin' });
  const data = expectOk(await alice.initiate({ sessionType: 'group', participants: ['bob', 'carol'] }), 201);
  sessionId = data.sessionId;
});
after(stopAll);

const quality = (who, id) => who.get(`${API}/session/${id}/quality`);

describe('GET /session/:sessionId/quality', () => {
  it('needs a token', async () => {
    expectError(await request(server, 'GET', `${API}/session/${sessionId}/quality`), 401,
      { message: 'Authentication required: Bearer token missing' });
  });

  it('404 for an unknown session', async () => {
    expectError(await quality(alice, UNKNOWN_ID), 404, { message: 'Call session not found' });
  });

  it('403 for anyone who is not the initiator or an invitee, an admin included', async () => {
    expectError(await quality(mallory, sessionId), 403, { message: 'You are not a participant of this call session' });
    expectError(await quality(admin, sessionId), 403, { message: 'You are not a participant of this call session' });
  });

  it('members get the empty summary before any report', async () => {
    for (const who of [alice, bob, carol]) {
      const data = expectOk(await quality(who, sessionId), 200, 'Call quality retrieved');
      assert.deepEqual(data, { sessionId, participants: [], call: { mosMean: null, mosMin: null, relayed: false } });
    }
  });

  it('an ended session still answers, and GET /session/:sessionId is still the session', async () => {
    expectOk(await alice.end(sessionId), 200, 'Call session ended');
    const data = expectOk(await quality(bob, sessionId), 200, 'Call quality retrieved');
    assert.deepEqual(data, { sessionId, participants: [], call: { mosMean: null, mosMin: null, relayed: false } });
    const session = expectOk(await bob.session(sessionId), 200, 'Call session retrieved');
    assert.equal(session.session.sessionId, sessionId);
    assert.equal(session.session.status, 'ended');
  });

  it('only GET: other methods get 405 with Allow: GET', async () => {
    const res = await alice.call('POST', `${API}/session/${sessionId}/quality`);
    expectError(res, 405, { message: 'Method not allowed' });
    assert.equal(res.headers.get('allow'), 'GET');
  });
});
