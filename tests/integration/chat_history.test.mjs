// GET /api/video-call/session/:sessionId/chat: a call's chat history, a page at a time, and what each member may
// read. Messages are written over Socket.IO (chat_message: tests/e2e/call_controls_chat.test.mjs); here they are
// written straight into the server's SQLite database (sqlite3 shell, as another process would: the server keeps no
// chat in memory), so the route's pages, visibility rules, answer shape and refusals are tested on their own.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import {
  API, ISO_RE, client, expectError, expectOk, makeTempDir, request, startServer, stopAll,
} from './lib/server.mjs';
import { mint } from './lib/jwt.mjs';

const SECRET = `chat-history-${randomUUID()}`;
const SQLITE3 = process.env.SQLITE3_PATH || 'sqlite3';
const MESSAGE_KEYS = ['clientMessageId', 'fromName', 'fromUserId', 'messageId', 'seq', 'sessionId', 'text', 'timestamp'];

let server;
let db;
const user = (sub, name) => client(server, mint({ sub, name }, SECRET));
let alice; let bob; let carol; let mallory;

before(async () => {
  const dir = await makeTempDir();
  db = join(dir, 'hearth.db');
  server = await startServer({ dir, secret: SECRET });
  alice = user('alice', 'Alice');
  bob = user('bob', 'Bob');
  carol = user('carol', 'Carol');
  mallory = user('mallory', 'Mallory');
});
after(stopAll);

const sql = (s) => `'${String(s).replaceAll("'", "''")}'`;

/** Stores `messages` ({ seq, from, text, to?, waitingRoom? }) of `sessionId` as the repository would. */
function seed(sessionId, messages) {
  const rows = messages.map((m) => 'INSERT INTO chat_messages (session_id, seq, message_id, client_message_id, '
    + 'from_user_id, from_name, to_user_id, to_waiting_room, text, created_at) VALUES ('
    + [sql(sessionId), m.seq, sql(messageId(sessionId, m.seq)), sql(`c-${m.seq}`), sql(m.from), sql(`Name of ${m.from}`),
      m.to ? sql(m.to) : 'NULL', m.waitingRoom ? 1 : 0, sql(m.text), 1_795_600_000_000 + m.seq].join(', ') + ');');
  execFileSync(SQLITE3, ['-cmd', '.timeout 5000', db], { input: ['BEGIN;', ...rows, 'COMMIT;'].join('\n') });
}

/** A messageId as the server makes them (msg_ + 24 base36), distinct per session and seq. */
function messageId(sessionId, seq) {
  return `msg_${sessionId.slice(-9)}${String(seq).padStart(15, '0')}`;
}

const history = (who, id, query = '') => who.get(`${API}/session/${id}/chat${query}`);
const page = async (who, id, query) => expectOk(await history(who, id, query), 200, 'Chat messages retrieved');
const seqs = (data) => data.messages.map((m) => m.seq);

async function groupCall() {
  const res = expectOk(await alice.initiate({ sessionType: 'group', participants: ['bob', 'carol'] }), 201);
  return res.sessionId;
}

describe('GET /session/:sessionId/chat', () => {
  it('answers an empty page for a call without messages', async () => {
    const id = await groupCall();
    for (const who of [alice, bob]) {
      const data = await page(who, id);
      assert.deepEqual(data, { messages: [], hasMore: false });
    }
    assert.deepEqual(await page(carol, id, '?before=5&limit=1'), { messages: [], hasMore: false });
  });

  it('pages backwards, oldest first, with hasMore', async () => {
    const id = await groupCall();
    seed(id, Array.from({ length: 7 }, (_, i) => ({ seq: i + 1, from: i % 2 ? 'bob' : 'alice', text: `message ${i + 1}` })));
    let data = await page(bob, id);
    assert.deepEqual(seqs(data), [1, 2, 3, 4, 5, 6, 7]);
    assert.equal(data.hasMore, false);
    data = await page(bob, id, '?limit=3');
    assert.deepEqual(seqs(data), [5, 6, 7]);
    assert.equal(data.hasMore, true);
    data = await page(bob, id, `?limit=3&before=${data.messages[0].seq}`);
    assert.deepEqual(seqs(data), [2, 3, 4]);
    assert.equal(data.hasMore, true);
    data = await page(bob, id, '?limit=3&before=2');
    assert.deepEqual(seqs(data), [1]);
    assert.equal(data.hasMore, false);
    assert.deepEqual(seqs(await page(bob, id, '?before=1')), []);
    assert.deepEqual(seqs(await page(bob, id, '?before=9223372036854775807&limit=100')), [1, 2, 3, 4, 5, 6, 7]);
    // Unknown parameters are ignored; a repeated one's last value wins.
    assert.deepEqual(seqs(await page(bob, id, '?limit=1&limit=2&sort=asc')), [6, 7]);

    const [m] = (await page(carol, id, '?limit=1&before=2')).messages;
    assert.deepEqual(Object.keys(m).sort(), MESSAGE_KEYS);
    assert.deepEqual(m, {
      sessionId: id, messageId: messageId(id, 1), seq: 1, clientMessageId: 'c-1', fromUserId: 'alice',
      fromName: 'Name of alice', text: 'message 1', timestamp: new Date(1_795_600_000_001).toISOString(),
    });
    assert.match(m.timestamp, ISO_RE);
  });

  it('shows a member the messages to everyone, the waiting room\'s, and only their own direct ones', async () => {
    const id = await groupCall();
    seed(id, [
      { seq: 1, from: 'alice', text: 'hello all' },
      { seq: 2, from: 'alice', text: 'psst bob', to: 'bob' },
      { seq: 3, from: 'alice', text: 'please wait', waitingRoom: true },
      { seq: 4, from: 'carol', text: 'hi alice', to: 'alice' },
      { seq: 5, from: 'bob', text: 'Grüße 👋 "quoted" \\ <b>' },
    ]);
    assert.deepEqual(seqs(await page(alice, id)), [1, 2, 3, 4, 5]);
    assert.deepEqual(seqs(await page(bob, id)), [1, 2, 3, 5]);
    const forCarol = await page(carol, id);
    assert.deepEqual(seqs(forCarol), [1, 3, 4, 5]);
    assert.equal(forCarol.messages[3].text, 'Grüße 👋 "quoted" \\ <b>');
    // toUserId only on a direct message, toWaitingRoom only when true.
    const byBob = (await page(bob, id)).messages;
    assert.equal(byBob[1].toUserId, 'bob');
    assert.equal('toWaitingRoom' in byBob[1], false);
    assert.equal(byBob[2].toWaitingRoom, true);
    assert.equal('toUserId' in byBob[2], false);
    assert.deepEqual(Object.keys(byBob[0]).sort(), MESSAGE_KEYS);
    // hasMore counts only what the member may read: before carol's oldest readable one there is none.
    let data = await page(carol, id, '?limit=3');
    assert.deepEqual(seqs(data), [3, 4, 5]);
    assert.equal(data.hasMore, true);
    data = await page(carol, id, '?limit=1&before=3');
    assert.deepEqual(seqs(data), [1]);
    assert.equal(data.hasMore, false);
  });

  it('shows a host\'s message to one waiting user to that user and the hosts only', async () => {
    const id = await groupCall();
    seed(id, [
      { seq: 1, from: 'alice', text: 'one moment, carol', to: 'carol', waitingRoom: true },
      { seq: 2, from: 'alice', text: 'hello all' },
    ]);
    assert.deepEqual(seqs(await page(alice, id)), [1, 2], 'the host');
    assert.deepEqual(seqs(await page(carol, id)), [1, 2], 'the waiting user it was for');
    assert.deepEqual(seqs(await page(bob, id)), [2], 'another member');
    const [m] = (await page(carol, id)).messages;
    assert.equal(m.toUserId, 'carol');
    assert.equal(m.toWaitingRoom, true);
  });

  it('reads an ended call\'s chat', async () => {
    const id = await groupCall();
    seed(id, [{ seq: 1, from: 'bob', text: 'bye' }]);
    expectOk(await alice.end(id), 200);
    assert.deepEqual(seqs(await page(carol, id)), [1]);
  });

  it('refuses outsiders, unknown calls, missing tokens and bad parameters', async () => {
    const id = await groupCall();
    expectError(await history(mallory, id), 403, { message: 'You are not a participant of this call session' });
    expectError(await history(alice, 'call_1700000000000_abcdefghi'), 404, { message: 'Call session not found' });
    const anonymous = await request(server, 'GET', `${API}/session/${id}/chat`);
    expectError(anonymous, 401);
    for (const q of ['?before=0', '?before=-1', '?before=abc', '?before=', '?before=1.5', '?before=9223372036854775808']) {
      expectError(await history(alice, id, q), 400, { message: "before: must be a positive integer (a message's seq)" });
    }
    for (const q of ['?limit=0', '?limit=101', '?limit=-5']) {
      expectError(await history(alice, id, q), 400, { message: 'limit: must be between 1 and 100' });
    }
    for (const q of ['?limit=abc', '?limit=']) {
      expectError(await history(alice, id, q), 400, { message: 'limit: must be an integer' });
    }
    // The parameters are checked before the session: a bad one is 400 for anyone.
    expectError(await history(mallory, 'call_1700000000000_abcdefghi', '?limit=0'), 400);
    const wrongMethod = await request(server, 'POST', `${API}/session/${id}/chat`, { token: mint({ sub: 'alice' }, SECRET) });
    assert.equal(wrongMethod.status, 405);
  });
});
