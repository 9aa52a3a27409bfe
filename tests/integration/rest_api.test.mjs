// The call-session REST API end to end: initiate, join, session, media, end, history, routing and health.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import {
  API, SESSION_ID_RE, assertIceServers, assertIsoBetween, client, expectError, expectOk, iceUrls, request,
  sleep, startServer, stopAll,
} from './lib/server.mjs';
import { mint } from './lib/jwt.mjs';

const SECRET = `rest-api-${randomUUID()}`;
const UNKNOWN_ID = 'call_1700000000000_abcdefghi';
const DEFAULT_SETTINGS = { isVideoEnabled: true, isAudioEnabled: true, isRecordingEnabled: false, allowScreenShare: true, waitingRoom: false };
const SESSION_KEYS = [
  'sessionId', 'sessionType', 'initiatorId', 'invitedUsers', 'participants', 'maxParticipants', 'status',
  'createdAt', 'startTime', 'endTime', 'duration', 'endReason', 'endedBy', 'callSettings', 'therapySessionId',
  'metadata',
];
const PARTICIPANT_KEYS = [
  'userId', 'name', 'socketId', 'peerId', 'joinedAt', 'leftAt', 'isActive', 'hasVideo', 'hasAudio', 'isScreenSharing',
];

let server;
const user = (sub, name) => client(server, mint({ sub, name }, SECRET));
let alice; let bob; let carol; let mallory;

before(async () => {
  server = await startServer({ secret: SECRET });
  alice = user('alice', 'Alice');
  bob = user('bob', 'Bob');
  carol = user('carol', 'Carol');
  mallory = user('mallory', 'Mallory');
});
after(stopAll);

async function initiate(who, body) {
  return expectOk(await who.initiate(body), 201, 'Call session initiated successfully');
}
const group = (who, participants = ['bob', 'carol'], extra = {}) =>
  initiate(who, { sessionType: 'group', participants, ...extra });

describe('POST /initiate', () => {
  it('one-to-one: 201 with id, ICE servers, settings and the whole waiting session', async () => {
    const t0 = Date.now();
    const metadata = { title: 'Check-in', description: 'Weekly check-in', tags: ['weekly', 'care'] };
    const data = await initiate(alice, { sessionType: 'one-to-one', participants: ['bob'], metadata });
    const t1 = Date.now();

    assert.match(data.sessionId, SESSION_ID_RE);
    const idMs = Number(data.sessionId.split('_')[1]);
    assert.ok(idMs >= t0 - 1000 && idMs <= t1 + 1000, `id timestamp ${idMs} not the creation time`);
    assertIceServers(data.iceServers);
    const urls = iceUrls(data.iceServers).join(' ');
    for (const host of ['stun.l.google.com', 'mozilla', 'stunprotocol.org']) assert.ok(urls.includes(host), `default STUN ${host} in ${urls}`);
    assert.deepEqual(data.callSettings, DEFAULT_SETTINGS);

    const s = data.session;
    for (const key of SESSION_KEYS) assert.ok(key in s, `session.${key} missing`);
    assert.equal(s.sessionId, data.sessionId);
    assert.equal(s.sessionType, 'one-to-one');
    assert.equal(s.initiatorId, 'alice');
    assert.deepEqual(s.invitedUsers, ['bob']);
    assert.equal(s.maxParticipants, 2);
    assert.equal(s.status, 'waiting');
    assertIsoBetween(s.createdAt, t0, t1, 'createdAt');
    assert.equal(s.startTime, null);
    assert.equal(s.endTime, null);
    assert.equal(s.duration, 0);
    assert.equal(s.endReason, null);
    assert.equal(s.endedBy, null);
    assert.deepEqual(s.callSettings, DEFAULT_SETTINGS);
    assert.equal(s.therapySessionId, null);
    assert.deepEqual(s.metadata, metadata);

    assert.deepEqual(s.participants.map((p) => p.userId), ['alice', 'bob']);
    assert.equal(s.participants[0].name, 'Alice');
    for (const p of s.participants) {
      for (const key of PARTICIPANT_KEYS) assert.ok(key in p, `participant.${key} missing`);
      assert.equal(typeof p.name, 'string');
      assert.deepEqual(
        { socketId: p.socketId, peerId: p.peerId, joinedAt: p.joinedAt, leftAt: p.leftAt, isActive: p.isActive },
        { socketId: null, peerId: null, joinedAt: null, leftAt: null, isActive: false },
      );
      assert.deepEqual([p.hasVideo, p.hasAudio, p.isScreenSharing], [true, true, false]);
    }
  });

  it('group: invitees in order, capacity defaults to MAX_CALL_PARTICIPANTS (8) or the given maxParticipants', async () => {
    const a = await group(alice, ['dave', 'bob', 'carol']);
    assert.equal(a.session.sessionType, 'group');
    assert.deepEqual(a.session.invitedUsers, ['dave', 'bob', 'carol']);
    assert.deepEqual(a.session.participants.map((p) => p.userId), ['alice', 'dave', 'bob', 'carol']);
    assert.equal(a.session.maxParticipants, 8);
    const b = await group(alice, ['bob'], { maxParticipants: 3 });
    assert.equal(b.session.maxParticipants, 3);
  });

  it('callSettings: omitted fields take the defaults, given ones are kept', async () => {
    const data = await group(alice, ['bob'], { callSettings: { isVideoEnabled: false, isRecordingEnabled: true } });
    const expected = { isVideoEnabled: false, isAudioEnabled: true, isRecordingEnabled: true, allowScreenShare: true, waitingRoom: false };
    assert.deepEqual(data.callSettings, expected);
    assert.deepEqual(data.session.callSettings, expected);
  });

  it('therapy: keeps its therapySessionId', async () => {
    const data = await initiate(alice, { sessionType: 'therapy', participants: ['bob'], therapySessionId: 'therapy-42' });
    assert.equal(data.session.sessionType, 'therapy');
    assert.equal(data.session.therapySessionId, 'therapy-42');
  });

  it('a participants list that includes the caller (as clients of the original design send it): the caller is the initiator, not an invitee', async () => {
    const one = await initiate(alice, { sessionType: 'one-to-one', participants: ['alice', 'bob'] });
    assert.equal(one.session.initiatorId, 'alice');
    assert.deepEqual(one.session.invitedUsers, ['bob']);
    assert.deepEqual(one.session.participants.map((p) => p.userId), ['alice', 'bob']);
    const many = await initiate(alice, { sessionType: 'group', participants: ['bob', 'alice', 'carol'] });
    assert.deepEqual(many.session.invitedUsers, ['bob', 'carol']);
    assert.deepEqual(many.session.participants.map((p) => p.userId), ['alice', 'bob', 'carol']);
  });

  it('every session gets a distinct id', async () => {
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push((await group(alice, ['bob'])).sessionId);
    assert.equal(new Set(ids).size, 5);
  });
});

describe('POST /join/:sessionId', () => {
  it('initiator and invitee may join a waiting session; nobody becomes active yet', async () => {
    const { sessionId, callSettings } = await group(alice, ['bob'], { maxParticipants: 4 });
    for (const who of [alice, bob]) {
      const data = expectOk(await who.join(sessionId), 200, 'Ready to join call session');
      assert.equal(data.sessionId, sessionId);
      assert.equal(data.sessionType, 'group');
      assert.deepEqual(data.participants, []);
      assert.deepEqual(data.callSettings, callSettings);
      assertIceServers(data.iceServers);
    }
    const { session } = expectOk(await alice.session(sessionId), 200);
    assert.equal(session.status, 'waiting');
    assert.ok(session.participants.every((p) => p.isActive === false));
  });

  it('non-member 403, unknown 404, ended 410', async () => {
    const { sessionId } = await group(alice, ['bob']);
    expectError(await mallory.join(sessionId), 403);
    expectError(await alice.join(UNKNOWN_ID), 404);
    expectOk(await alice.end(sessionId), 200);
    expectError(await bob.join(sessionId), 410);
    expectError(await alice.join(sessionId), 410);
  });
});

describe('GET /session/:sessionId', () => {
  it('initiator and invitees see the same document as initiate returned', async () => {
    const { sessionId, session } = await group(alice, ['bob', 'carol'], { metadata: { title: 'Team', tags: ['a'] } });
    for (const who of [alice, bob, carol]) {
      assert.deepEqual(expectOk(await who.session(sessionId), 200), { session });
    }
  });

  it('non-member 403, unknown or malformed id 404', async () => {
    const { sessionId } = await group(alice, ['bob']);
    expectError(await mallory.session(sessionId), 403);
    expectError(await alice.session(UNKNOWN_ID), 404);
    expectError(await alice.session('not-a-session'), 404);
  });
});

describe('PUT /session/:sessionId/media', () => {
  it('updates only the caller\'s own entry; any subset of the flags', async () => {
    const { sessionId } = await group(alice, ['bob']);
    let data = expectOk(await bob.media(sessionId, { hasVideo: false }), 200);
    assert.deepEqual(data, { sessionId, userId: 'bob', hasVideo: false, hasAudio: true, isScreenSharing: false });
    data = expectOk(await bob.media(sessionId, { hasAudio: false, isScreenSharing: true }), 200);
    assert.deepEqual(data, { sessionId, userId: 'bob', hasVideo: false, hasAudio: false, isScreenSharing: true });

    const { session } = expectOk(await alice.session(sessionId), 200);
    const [a, b] = session.participants;
    assert.deepEqual([a.userId, a.hasVideo, a.hasAudio, a.isScreenSharing], ['alice', true, true, false]);
    assert.deepEqual([b.userId, b.hasVideo, b.hasAudio, b.isScreenSharing], ['bob', false, false, true]);
  });

  it('screen sharing is refused (403) when the call disallows it; other flags still work', async () => {
    const { sessionId } = await group(alice, ['bob'], { callSettings: { allowScreenShare: false } });
    expectError(await bob.media(sessionId, { isScreenSharing: true }), 403);
    expectError(await alice.media(sessionId, { hasVideo: false, isScreenSharing: true }), 403);
    const { session } = expectOk(await alice.session(sessionId), 200);
    assert.equal(session.participants[0].hasVideo, true, 'a refused update must change nothing');
    const data = expectOk(await bob.media(sessionId, { isScreenSharing: false, hasAudio: false }), 200);
    assert.deepEqual(data, { sessionId, userId: 'bob', hasVideo: true, hasAudio: false, isScreenSharing: false });
  });

  it('400 for non-boolean flags or no flag at all', async () => {
    const { sessionId } = await group(alice, ['bob']);
    expectError(await bob.media(sessionId, { hasVideo: 'false' }), 400, { message: /hasVideo/ });
    expectError(await bob.media(sessionId, { hasAudio: 0 }), 400, { message: /hasAudio/ });
    expectError(await bob.media(sessionId, { isScreenSharing: null }), 400, { message: /isScreenSharing/ });
    expectError(await bob.media(sessionId, {}), 400);
  });

  it('non-member 403, unknown 404, ended 410', async () => {
    const { sessionId } = await group(alice, ['bob']);
    expectError(await mallory.media(sessionId, { hasVideo: false }), 403);
    expectError(await alice.media(UNKNOWN_ID, { hasVideo: false }), 404);
    expectOk(await alice.end(sessionId), 200);
    expectError(await bob.media(sessionId, { hasVideo: false }), 410);
  });
});

describe('POST /session/:sessionId/end', () => {
  it('the initiator ends a group call; ending again is harmless and says so', async () => {
    const { sessionId } = await group(alice, ['bob']);
    const t0 = Date.now();
    const { session } = expectOk(await alice.end(sessionId), 200, 'Call session ended');
    assert.equal(session.sessionId, sessionId);
    assert.equal(session.status, 'ended');
    assertIsoBetween(session.endTime, t0, Date.now(), 'endTime');
    assert.equal(session.endReason, 'ended_by_user');
    assert.equal(session.endedBy, 'alice');
    assert.equal(session.duration, 0);
    assert.deepEqual(expectOk(await bob.session(sessionId), 200), { session });

    const again = expectOk(await alice.end(sessionId), 200, 'Call session already ended');
    assert.deepEqual(again.session, session);
  });

  it('a group invitee may not end it (403); it stays waiting', async () => {
    const { sessionId } = await group(alice, ['bob', 'carol']);
    expectError(await bob.end(sessionId), 403);
    expectError(await mallory.end(sessionId), 403);
    assert.equal(expectOk(await alice.session(sessionId), 200).session.status, 'waiting');
  });

  it('either party of a one-to-one call may end it', async () => {
    const { sessionId } = await initiate(alice, { sessionType: 'one-to-one', participants: ['bob'] });
    const { session } = expectOk(await bob.end(sessionId), 200, 'Call session ended');
    assert.deepEqual([session.status, session.endReason, session.endedBy], ['ended', 'ended_by_user', 'bob']);
  });

  it('unknown session 404', async () => {
    expectError(await alice.end(UNKNOWN_ID), 404);
  });
});

describe('GET /history', () => {
  // Own users, so other tests' sessions do not show up.
  let hank; let ivy; let zed; let nobody; const ids = {};
  before(async () => {
    hank = user('hank', 'Hank'); ivy = user('ivy', 'Ivy'); zed = user('zed', 'Zed'); nobody = user('nobody', 'No');
    ids.s1 = (await group(hank, ['ivy'])).sessionId; await sleep(15);
    ids.s2 = (await initiate(hank, { sessionType: 'one-to-one', participants: ['ivy'] })).sessionId; await sleep(15);
    ids.s3 = (await group(hank, ['zed'])).sessionId; await sleep(15);
    ids.s4 = (await initiate(ivy, { sessionType: 'one-to-one', participants: ['hank'] })).sessionId;
    expectOk(await hank.end(ids.s1), 200);
  });
  const sessionIds = (data) => data.sessions.map((s) => s.sessionId);

  it('sessions initiated or invited to, newest first, with default pagination', async () => {
    let data = expectOk(await hank.history(), 200);
    assert.deepEqual(sessionIds(data), [ids.s4, ids.s3, ids.s2, ids.s1]);
    assert.deepEqual(data.pagination, { page: 1, limit: 20, total: 4, pages: 1 });
    const s1 = data.sessions[3];
    assert.deepEqual([s1.status, s1.endReason, s1.initiatorId], ['ended', 'ended_by_user', 'hank']);
    data = expectOk(await ivy.history(), 200);
    assert.deepEqual(sessionIds(data), [ids.s4, ids.s2, ids.s1]);
    data = expectOk(await zed.history(), 200);
    assert.deepEqual(sessionIds(data), [ids.s3]);
    data = expectOk(await nobody.history(), 200);
    assert.deepEqual(data.sessions, []);
    assert.equal(data.pagination.total, 0);
  });

  it('pages and limits', async () => {
    let data = expectOk(await hank.history('?page=1&limit=3'), 200);
    assert.deepEqual(sessionIds(data), [ids.s4, ids.s3, ids.s2]);
    assert.deepEqual(data.pagination, { page: 1, limit: 3, total: 4, pages: 2 });
    data = expectOk(await hank.history('?page=2&limit=3'), 200);
    assert.deepEqual(sessionIds(data), [ids.s1]);
    assert.deepEqual(data.pagination, { page: 2, limit: 3, total: 4, pages: 2 });
    data = expectOk(await hank.history('?page=3&limit=3'), 200);
    assert.deepEqual(data.sessions, []);
    assert.equal(data.pagination.total, 4);
    data = expectOk(await hank.history('?limit=1'), 200);
    assert.deepEqual(sessionIds(data), [ids.s4]);
    assert.deepEqual(data.pagination, { page: 1, limit: 1, total: 4, pages: 4 });
    assert.equal(expectOk(await hank.history('?limit=100'), 200).sessions.length, 4);
  });

  it('filters by status', async () => {
    let data = expectOk(await hank.history('?status=ended'), 200);
    assert.deepEqual(sessionIds(data), [ids.s1]);
    assert.equal(data.pagination.total, 1);
    data = expectOk(await hank.history('?status=waiting&limit=2'), 200);
    assert.deepEqual(sessionIds(data), [ids.s4, ids.s3]);
    assert.deepEqual(data.pagination, { page: 1, limit: 2, total: 3, pages: 2 });
    assert.equal(expectOk(await hank.history('?status=active'), 200).pagination.total, 0);
  });

  it('400 for a bad page, limit or status', async () => {
    for (const [query, field] of [
      ['?limit=0', /limit/], ['?limit=101', /limit/], ['?limit=abc', /limit/], ['?limit=-5', /limit/],
      ['?page=0', /page/], ['?page=-1', /page/], ['?page=x', /page/], ['?status=bogus', /status/],
    ]) {
      expectError(await hank.history(query), 400, { message: field });
    }
  });
});

describe('routing and health', () => {
  it('/healthz and /readyz answer 200 without a token', async () => {
    assert.equal((await request(server, 'GET', '/healthz')).status, 200);
    assert.equal((await request(server, 'GET', '/readyz')).status, 200);
  });

  it('unknown routes 404 in the JSON error shape', async () => {
    expectError(await alice.get(`${API}/nope`), 404);
    expectError(await alice.get('/nope'), 404);
    expectError(await alice.post(`${API}/session/${UNKNOWN_ID}/nope`, {}), 404);
  });

  it('wrong methods 405 in the JSON error shape', async () => {
    const { sessionId } = await group(alice, ['bob']);
    expectError(await alice.get(`${API}/initiate`), 405);
    expectError(await alice.call('DELETE', `${API}/session/${sessionId}`), 405);
    expectError(await alice.get(`${API}/join/${sessionId}`), 405);
    expectError(await alice.post(`${API}/history`, {}), 405);
    expectError(await alice.get(`${API}/session/${sessionId}/end`), 405);
    expectError(await alice.call('POST', `${API}/session/${sessionId}/media`, { json: { hasVideo: true } }), 405);
  });

  it('SIGTERM shuts the server down with exit code 0', async () => {
    assert.deepEqual(await server.stop('SIGTERM'), { code: 0, signal: null });
  });
});
