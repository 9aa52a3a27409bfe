// The REST join's 409: a call is full when as many participants are active (joined with a socket) as its
// maxParticipants. REST join alone never makes anyone active, so this needs real sockets.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { io } from 'socket.io-client';
import { expectError, expectOk } from '../integration/lib/server.mjs';
import { initiateCall, makeUser, rest, startHearth, stopAll } from './lib/server.mjs';

const sockets = [];
after(async () => {
  for (const s of sockets) s.close();
  await stopAll();
});

function connect(server, user) {
  const socket = io(server.url, { auth: { token: user.token }, transports: ['websocket'], reconnection: false });
  sockets.push(socket);
  return socket;
}

function joinWithSocket(socket, sessionId) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no answer to join_call_session within 5 s')), 5000);
    socket.emit('join_call_session', { sessionId, peerId: `peer-${socket.id}` }, (ack) => {
      clearTimeout(timer);
      resolve(ack);
    });
  });
}

describe('POST /join/:sessionId when the call is full', () => {
  it('409 once maxParticipants are active; 200 again after one leaves', async () => {
    const server = await startHearth();
    const [alice, bob, carol] = ['alice', 'bob', 'carol'].map((p) => makeUser(p));
    const { sessionId } = await initiateCall(server, alice, [bob, carol], { maxParticipants: 2 });

    expectOk(await rest(server, carol).join(sessionId), 200, 'Ready to join call session');
    const a = connect(server, alice);
    const b = connect(server, bob);
    assert.equal((await joinWithSocket(a, sessionId)).success, true);
    assert.equal((await joinWithSocket(b, sessionId)).success, true);

    expectError(await rest(server, carol).join(sessionId), 409, { message: /full/i });

    const left = await new Promise((resolve) => b.emit('leave_call_session', { sessionId }, resolve));
    assert.equal(left.success, true);
    const data = expectOk(await rest(server, carol).join(sessionId), 200);
    assert.deepEqual(data.participants.map((p) => p.userId), [alice.userId], 'only alice is still active');
  });
});
