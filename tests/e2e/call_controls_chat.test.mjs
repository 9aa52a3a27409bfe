// Call controls over Socket.IO (docs/call-controls.md), part three: chat. chat_message's ack and
// chat_message_received to the call (and only to it), direct messages, messages from a host to the waiting room,
// the text and clientMessageId rules, a retry after a reconnect stored and heard once, the rate limit, refusals to
// those not in the call, and the history (GET /session/:id/chat) with its pages and what each member may read.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { getSession, initiateCall, makeUser, sleep, startHearth, stopAll } from './lib/server.mjs';
import { expectError, expectOk } from '../integration/lib/server.mjs';
import {
  assertNone, closeAll, connect, emitAck, expectAckError, expectRefused, joinCall, received, roundTrip, waitFor,
} from './lib/sockets.mjs';
import {
  admit, chat, chatHistory, chatRouteMissing, joinWaiting, moderate, waitChat, waitWaitingList,
  connectAll as connectUsers,
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

/** A group call with alice (host), bob and carol in it, dave invited but not in it, eve an outsider. */
async function groupCall() {
  const [alice, bob, carol, dave, eve] = ['alice', 'bob', 'carol', 'dave', 'eve'].map((p) => makeUser(p));
  const [a, b, c, d, e] = await connectAll([alice, bob, carol, dave, eve]);
  const { sessionId } = await initiateCall(server, alice, [bob, carol, dave]);
  for (const s of [a, b, c]) await joinCall(s, sessionId);
  return { sessionId, alice, bob, carol, dave, eve, a, b, c, d, e };
}

let idSeq = 0;
const cid = (prefix = 'm') => `${prefix}-${(idSeq += 1)}`;

describe('messages', () => {
  test('a message to the call: acked with messageId, seq, timestamp; heard once by every socket in the call only', async () => {
    const { sessionId, alice, bob, a, b, c, d, e } = await groupCall();
    const [b2] = await connectAll([bob], { mode: 'polling' }); // bob's second socket, not in the call
    const first = await chat(a, { sessionId, text: 'Hello everyone', clientMessageId: 'hello-1' });
    assert.equal(first.seq, 1, 'the first message of the call is seq 1');
    assert.ok(!('duplicate' in first) || first.duplicate === false, 'a new message is no duplicate');
    for (const s of [a, b, c]) {
      const m = await waitChat(s, alice, 'hello-1', { text: 'Hello everyone', ack: first });
      assert.equal(m.sessionId, sessionId);
      assert.equal(m.toUserId ?? null, null, 'not a direct message');
      assert.equal(m.toWaitingRoom ?? false, false);
    }
    const second = await chat(b, { sessionId, text: 'Hi Alice — ça va? 👋', clientMessageId: 'b_2' });
    assert.equal(second.seq, 2);
    assert.notEqual(second.messageId, first.messageId);
    for (const s of [a, b, c]) await waitChat(s, bob, 'b_2', { text: 'Hi Alice — ça va? 👋', ack: second });
    for (const s of [a, b, c, d, e, b2]) await roundTrip(s);
    for (const s of [a, b, c]) assert.equal(received(s, 'chat_message_received').length, 2, 'each heard once');
    for (const s of [d, e, b2]) assertNone(s, 'chat_message_received', undefined, 'not in the call');
  });

  test('a direct message is heard by the two users only', async () => {
    const { sessionId, alice, bob, carol, a, b, c } = await groupCall();
    const ack = await chat(a, { sessionId, text: 'just for you', clientMessageId: 'dm-1', toUserId: bob.userId });
    for (const s of [a, b]) await waitChat(s, alice, 'dm-1', { text: 'just for you', ack, toUserId: bob.userId });
    const reply = await chat(b, { sessionId, text: 'thanks', clientMessageId: 'dm-2', toUserId: alice.userId });
    for (const s of [a, b]) await waitChat(s, bob, 'dm-2', { ack: reply, toUserId: alice.userId });
    await roundTrip(c);
    assertNone(c, 'chat_message_received', undefined, 'carol is not part of the direct messages');
    // carol's own message still reaches both.
    await chat(c, { sessionId, text: 'I am here too', clientMessageId: 'c-1' });
    for (const s of [a, b]) await waitChat(s, carol, 'c-1');
  });

  test('text: 1 to 4,000 code points, a string', async () => {
    const { sessionId, alice, a, b, c } = await groupCall();
    // The refusals come from bob and carol (the chat rate counts them too), the accepted ones from alice.
    const refusing = [b, c];
    const bad = [{ text: '' }, { text: 'x'.repeat(4001) }, { text: '😀'.repeat(4001) }, {}, { text: 42 }, { text: ['hi'] }];
    for (const [i, fields] of bad.entries()) {
      await expectRefused(refusing[i % 2], 'chat_message', { sessionId, clientMessageId: cid(), ...fields }, 'invalid_argument');
    }
    await roundTrip(b);
    assertNone(b, 'chat_message_received', undefined, 'refused messages are not delivered');

    const ascii = 'x'.repeat(4000);
    const emoji = '😀'.repeat(4000); // 4,000 code points, 8,000 UTF-16 units, 16,000 UTF-8 bytes
    const mixed = `${'é'.repeat(1999)}${'中'.repeat(2000)}!`;
    for (const [text, id] of [[ascii, 'ascii'], [emoji, 'emoji'], [mixed, 'mixed'], ['a', 'one']]) {
      const ack = await chat(a, { sessionId, text, clientMessageId: id });
      const m = await waitChat(b, alice, id, { ack });
      assert.equal(m.text, text, `${id}: the text arrives intact`);
    }
  });

  test('clientMessageId: 1 to 64 of A-Z a-z 0-9 _ -', async () => {
    const { sessionId, alice, a, b, c } = await groupCall();
    // The refusals come from bob and carol (the chat rate counts them too), the accepted ones from alice.
    const refusing = [b, c];
    const bad = ['', 'with space', 'x'.repeat(65), 'é', 'a/b', 'a.b', 42, null, ['x']].map((id) => ({ sessionId, text: 'hi', clientMessageId: id }));
    bad.push({ sessionId, text: 'hi' }, { text: 'hi', clientMessageId: 'no-session' }, 'hi');
    for (const [i, payload] of bad.entries()) {
      await expectRefused(refusing[i % 2], 'chat_message', payload, 'invalid_argument');
    }
    for (const good of ['x'.repeat(64), 'AZaz09_-', '7']) {
      const ack = await chat(a, { sessionId, text: 'ok', clientMessageId: good });
      await waitChat(b, alice, good, { ack });
    }
  });

  test('a retry after a reconnect is stored once: duplicate: true with the same messageId, heard once', async () => {
    const { sessionId, alice, bob, carol, a, b, c } = await groupCall();
    const first = await chat(b, { sessionId, text: 'did this arrive?', clientMessageId: 'retry-1' });
    for (const s of [a, c]) await waitChat(s, bob, 'retry-1', { ack: first });

    // bob's connection goes; a new socket joins again and sends the message again.
    b.disconnect();
    await waitFor(a, 'user_disconnected', { where: (m) => m?.userId === bob.userId, what: 'user_disconnected of bob' });
    const [b2] = await connectAll([bob]);
    await joinCall(b2, sessionId);
    await waitFor(a, 'user_reconnected', { where: (m) => m?.userId === bob.userId, what: 'user_reconnected of bob' });
    const again = await chat(b2, { sessionId, text: 'did this arrive?', clientMessageId: 'retry-1' });
    assert.equal(again.duplicate, true, 'the ack says duplicate');
    assert.equal(again.messageId, first.messageId, 'the same messageId');
    assert.equal(again.seq, first.seq, 'the same seq');
    // The same socket retrying (the ack was lost) is a duplicate too.
    const third = await chat(b2, { sessionId, text: 'did this arrive?', clientMessageId: 'retry-1' });
    assert.equal(third.duplicate, true);
    assert.equal(third.messageId, first.messageId);
    // Another sender's message with the same clientMessageId is its own message.
    const carols = await chat(c, { sessionId, text: 'mine', clientMessageId: 'retry-1' });
    assert.notEqual(carols.messageId, first.messageId);
    assert.ok(!carols.duplicate, 'another sender\'s id is not a duplicate');
    assert.equal(carols.seq, first.seq + 1, 'the duplicates took no seq');
    await waitChat(a, carol, 'retry-1', { ack: carols });

    for (const s of [a, b2, c]) await roundTrip(s);
    assert.equal(received(a, 'chat_message_received', (m) => m.fromUserId === bob.userId).length, 1, 'alice heard bob\'s message once');
    assert.equal(received(c, 'chat_message_received', (m) => m.fromUserId === bob.userId).length, 1, 'carol heard it once');
    assertNone(b2, 'chat_message_received', (m) => m.fromUserId === bob.userId, 'the retries are not delivered again');
    // Stored once.
    if (!(await chatRouteMissing(server, alice, sessionId))) {
      const page = expectOk(await chatHistory(server, alice, sessionId), 200);
      assert.equal(page.messages.filter((m) => m.fromUserId === bob.userId).length, 1, 'stored once');
    }
  });

  test('rate limit: a burst of 10, then rate_limited', async () => {
    const { sessionId, alice, a, b } = await groupCall();
    const acks = await Promise.all(Array.from({ length: 20 }, (_, i) =>
      emitAck(a, 'chat_message', { sessionId, text: `burst ${i}`, clientMessageId: `burst-${i}` })));
    const ok = acks.filter((x) => x.success);
    const limited = acks.filter((x) => !x.success);
    assert.ok(ok.length >= 10, `at least the burst of 10 is accepted, got ${ok.length}`);
    assert.ok(limited.length >= 1, `some of 20 at once are refused, got ${JSON.stringify(acks.map((x) => x.success))}`);
    for (const x of limited) expectAckError(x, 'rate_limited', 'ack over the chat rate');
    await waitFor(a, 'call_error', { where: (er) => er.event === 'chat_message' && er.code === 'rate_limited',
      what: 'call_error rate_limited for chat_message' });
    await roundTrip(b);
    assert.equal(received(b, 'chat_message_received', (m) => m.fromUserId === alice.userId).length, ok.length,
      'only the accepted messages are heard');
    // The limit is per socket: bob may still talk; and alice again after a while.
    await chat(b, { sessionId, text: 'my turn', clientMessageId: 'bob-1' });
    await sleep(1100);
    const later = await chat(a, { sessionId, text: 'later', clientMessageId: 'later-1' });
    await waitChat(b, alice, 'later-1', { ack: later });
  });
});

describe('who may chat', () => {
  test('outsiders, invitees not in the call and removed users are refused', async () => {
    const { sessionId, alice, carol, a, b, c, d, e } = await groupCall();
    await expectRefused(e, 'chat_message', { sessionId, text: 'hi', clientMessageId: 'eve-1' }, 'forbidden');
    await expectRefused(d, 'chat_message', { sessionId, text: 'hi', clientMessageId: 'dave-1' }, 'forbidden');
    await expectRefused(e, 'chat_message', { sessionId: 'call_1700000000000_aaaaaaaaa', text: 'hi', clientMessageId: 'x' }, 'not_found');
    await moderate(a, sessionId, 'remove', carol);
    await waitFor(c, 'removed_from_call');
    await expectRefused(c, 'chat_message', { sessionId, text: 'let me back', clientMessageId: 'carol-1' }, 'forbidden');
    for (const s of [a, b]) await roundTrip(s);
    for (const s of [a, b]) assertNone(s, 'chat_message_received');
    if (!(await chatRouteMissing(server, alice, sessionId))) {
      assert.deepEqual(expectOk(await chatHistory(server, alice, sessionId), 200).messages, [], 'nothing stored');
    }
  });

  test('a host writes to the waiting room; the waiting and the participants may not', async () => {
    const [therapist, client, waiting] = [makeUser('therapist'), makeUser('client'), makeUser('waiting')];
    const [t, c, w] = await connectAll([therapist, client, waiting]);
    const { sessionId } = await initiateCall(server, therapist, [client, waiting], { sessionType: 'therapy' });
    await joinCall(t, sessionId);
    await joinWaiting(c, sessionId);
    await admit(t, sessionId, client);
    await waitFor(c, 'call_session_joined');
    await joinWaiting(w, sessionId);
    await waitWaitingList(t, sessionId, [waiting]);

    const toRoom = await chat(t, { sessionId, text: 'I will be with you in five minutes', clientMessageId: 'room-1', toWaitingRoom: true });
    for (const s of [t, w]) await waitChat(s, therapist, 'room-1', { ack: toRoom, toWaitingRoom: true });
    const direct = await chat(t, { sessionId, text: 'Your link works', clientMessageId: 'room-2', toUserId: waiting.userId });
    for (const s of [t, w]) await waitChat(s, therapist, 'room-2', { ack: direct, toUserId: waiting.userId, toWaitingRoom: true });
    const toCall = await chat(t, { sessionId, text: 'to the call', clientMessageId: 'call-1' });
    await waitChat(c, therapist, 'call-1', { ack: toCall });

    await expectRefused(w, 'chat_message', { sessionId, text: 'let me in', clientMessageId: 'w-1' }, 'forbidden');
    await expectRefused(w, 'chat_message', { sessionId, text: 'anyone?', clientMessageId: 'w-2', toWaitingRoom: true }, 'forbidden');
    await expectRefused(w, 'chat_message', { sessionId, text: 'hello', clientMessageId: 'w-3', toUserId: therapist.userId }, 'forbidden');
    await expectRefused(c, 'chat_message', { sessionId, text: 'psst', clientMessageId: 'c-1', toWaitingRoom: true }, 'forbidden');
    await expectRefused(c, 'chat_message', { sessionId, text: 'psst', clientMessageId: 'c-2', toUserId: waiting.userId }, 'forbidden');
    for (const s of [t, c, w]) await roundTrip(s);
    assertNone(c, 'chat_message_received', (m) => m.clientMessageId.startsWith('room-'), 'the waiting room\'s messages are not the call\'s');
    assertNone(w, 'chat_message_received', (m) => m.clientMessageId === 'call-1', 'the call\'s messages do not reach the waiting room');
    assert.equal(received(t, 'chat_message_received').length, 3, 'the host heard its three messages and no refused one');
  });
});

describe('history', () => {
  test('history: a host\'s message to one waiting user is read by that user and every host, not by the others', async () => {
    const [alice, bob, carol, wendy] = ['alice', 'bob', 'carol', 'wendy'].map((p) => makeUser(p));
    const [a, b, c, w] = await connectAll([alice, bob, carol, wendy]);
    const { sessionId } = await initiateCall(server, alice, [bob, carol, wendy], { callSettings: { waitingRoom: true } });
    await joinCall(a, sessionId);
    for (const [s, u] of [[b, bob], [c, carol]]) {
      await joinWaiting(s, sessionId);
      await admit(a, sessionId, u);
      await waitFor(s, 'call_session_joined');
    }
    await moderate(a, sessionId, 'make_cohost', bob);
    await joinWaiting(w, sessionId);
    const sent = await chat(a, { sessionId, text: 'One moment, Wendy', clientMessageId: 'to-wendy', toUserId: wendy.userId });
    for (const s of [a, b, w]) await waitChat(s, alice, 'to-wendy', { ack: sent, toUserId: wendy.userId, toWaitingRoom: true });
    const read = async (u) => expectOk(await chatHistory(server, u, sessionId), 200).messages.map((m) => m.messageId);
    assert.deepEqual(await read(alice), [sent.messageId], 'the sender');
    assert.deepEqual(await read(bob), [sent.messageId], 'a co-host, who heard it live');
    assert.deepEqual(await read(wendy), [sent.messageId], 'the waiting user');
    assert.deepEqual(await read(carol), [], 'a participant, who did not hear it');
    await roundTrip(c);
    assertNone(c, 'chat_message_received', (m) => m.clientMessageId === 'to-wendy', 'not heard by a participant');
  });

  test('GET /session/:id/chat: pages oldest first, each member reads what they may; a late joiner catches up', async (t) => {
    const { sessionId, alice, bob, carol, dave, eve, a, b, d } = await groupCall();
    if (await chatRouteMissing(server, alice, sessionId)) {
      t.skip('GET /api/video-call/session/:id/chat is not in this build (404 Route not found)');
      return;
    }
    const sent = [];
    for (let i = 1; i <= 5; i += 1) sent.push(await chat(i % 2 ? a : b, { sessionId, text: `message ${i}`, clientMessageId: `h-${i}` }));
    const dm = await chat(a, { sessionId, text: 'a secret', clientMessageId: 'h-dm', toUserId: bob.userId });
    assert.deepEqual([...sent, dm].map((m) => m.seq), [1, 2, 3, 4, 5, 6]);

    // dave joins late and fetches what he missed: the call's messages, not the direct one.
    await joinCall(d, sessionId);
    let page = expectOk(await chatHistory(server, dave, sessionId), 200);
    assert.deepEqual(Object.keys(page).sort(), ['hasMore', 'messages']);
    assert.equal(page.hasMore, false);
    assert.deepEqual(page.messages.map((m) => m.text), ['message 1', 'message 2', 'message 3', 'message 4', 'message 5']);
    page.messages.forEach((m, i) => {
      assert.equal(m.messageId, sent[i].messageId);
      assert.equal(m.seq, sent[i].seq);
      assert.equal(m.timestamp, sent[i].timestamp);
      assert.equal(m.clientMessageId, `h-${i + 1}`);
      assert.equal(m.fromUserId, (i % 2 ? bob : alice).userId);
      assert.equal(m.fromName, (i % 2 ? bob : alice).name);
    });
    // bob and alice see the direct message too.
    for (const u of [alice, bob]) {
      page = expectOk(await chatHistory(server, u, sessionId), 200);
      assert.deepEqual(page.messages.map((m) => m.seq), [1, 2, 3, 4, 5, 6], `${u.userId}'s view`);
      assert.equal(page.messages[5].toUserId, bob.userId);
    }
    // carol, in the call, reads the call's messages but not the direct one.
    page = expectOk(await chatHistory(server, carol, sessionId), 200);
    assert.deepEqual(page.messages.map((m) => m.seq), [1, 2, 3, 4, 5]);

    // Pages, newest page first: limit, then before.
    page = expectOk(await chatHistory(server, dave, sessionId, '?limit=2'), 200);
    assert.deepEqual(page.messages.map((m) => m.seq), [4, 5]);
    assert.equal(page.hasMore, true);
    page = expectOk(await chatHistory(server, dave, sessionId, '?limit=2&before=4'), 200);
    assert.deepEqual(page.messages.map((m) => m.seq), [2, 3]);
    assert.equal(page.hasMore, true);
    page = expectOk(await chatHistory(server, dave, sessionId, '?limit=2&before=2'), 200);
    assert.deepEqual(page.messages.map((m) => m.seq), [1]);
    assert.equal(page.hasMore, false);
    page = expectOk(await chatHistory(server, bob, sessionId, '?limit=100&before=7'), 200);
    assert.equal(page.messages.length, 6);

    for (const q of ['?limit=0', '?limit=101', '?limit=abc', '?before=abc', '?limit=-1']) {
      expectError(await chatHistory(server, dave, sessionId, q), 400);
    }
    expectError(await chatHistory(server, eve, sessionId), 403);
    expectError(await chatHistory(server, eve, 'call_1700000000000_aaaaaaaaa'), 404);
    const noToken = await chatHistory(server, { token: 'not-a-token' }, sessionId);
    assert.equal(noToken.status, 401, noToken.text);
    assert.equal((await getSession(server, dave, sessionId)).status, 'active');
  });

  test('history: a waiting user admitted later reads the waiting room\'s messages', async (t) => {
    const [therapist, client] = [makeUser('therapist'), makeUser('client')];
    const [th, c] = await connectAll([therapist, client]);
    const { sessionId } = await initiateCall(server, therapist, [client], { sessionType: 'therapy' });
    if (await chatRouteMissing(server, therapist, sessionId)) {
      t.skip('GET /api/video-call/session/:id/chat is not in this build (404 Route not found)');
      return;
    }
    await joinCall(th, sessionId);
    await joinWaiting(c, sessionId);
    const note = await chat(th, { sessionId, text: 'Starting soon', clientMessageId: 'wr-1', toWaitingRoom: true });
    await admit(th, sessionId, client);
    await waitFor(c, 'call_session_joined');
    const page = expectOk(await chatHistory(server, client, sessionId), 200);
    assert.deepEqual(page.messages.map((m) => [m.messageId, m.text, m.toWaitingRoom]), [[note.messageId, 'Starting soon', true]]);
  });
});
