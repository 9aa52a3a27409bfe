// Graceful shutdown (SIGTERM) behind a load balancer: a call of three socket.io clients reaches node A through a TCP
// balancer (a node `net` proxy to whichever node is up, as HAProxy or nginx in stream mode would be). On SIGTERM,
// A closes every Engine.IO connection with a transport close (not a Socket.IO disconnect, after which the official
// client would give up), finishes and exits 0; the clients reconnect by themselves, through the balancer, to node B
// started on the same database, join again and carry on: the call is still active with all three, nobody left, and
// offers are relayed on B.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, test } from 'node:test';

import { getSession, initiateCall, makeUser, restartHearth, startHearth, stopAll } from './lib/server.mjs';
import { closeAll, connect, emitAck, expectAckOk, joinCall, waitFor } from './lib/sockets.mjs';

after(async () => {
  closeAll();
  await stopAll();
});

/** A TCP balancer on 127.0.0.1: each new connection goes to `backend.port`, or is closed when there is none. */
async function balancer() {
  const lb = { backend: null, sockets: new Set() };
  lb.server = net.createServer((client) => {
    lb.sockets.add(client);
    client.on('close', () => lb.sockets.delete(client));
    client.on('error', () => {});
    if (!lb.backend) return client.destroy();
    const upstream = net.connect(lb.backend.port, '127.0.0.1');
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.on('close', () => upstream.destroy());
    client.pipe(upstream).pipe(client);
  });
  await new Promise((resolve) => lb.server.listen(0, '127.0.0.1', resolve));
  lb.port = lb.server.address().port;
  lb.url = `http://127.0.0.1:${lb.port}`;
  lb.close = () => {
    for (const s of lb.sockets) s.destroy();
    lb.server.close();
  };
  return lb;
}

function nextConnect(socket, timeoutMs) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${socket.hearthUser.userId}: no reconnection within ${timeoutMs} ms`)),
      timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

test('SIGTERM: clients reconnect through the balancer to another node on the same database and resume the call',
  { timeout: 60_000 }, async () => {
    const lb = await balancer();
    after(() => lb.close());
    // No reconnect grace: a node that treated the sockets it closes as lost would end the call (all_left) at once.
    const a = await startHearth({ RECONNECT_GRACE_SECONDS: '0' });
    lb.backend = a;

    const users = [makeUser('ann'), makeUser('ben'), makeUser('cat')];
    const sockets = [];
    for (const user of users) {
      sockets.push(await connect({ url: lb.url, port: lb.port }, {
        user, connectAuth: true, reconnection: true, reconnectionDelay: 200, reconnectionDelayMax: 500,
        randomizationFactor: 0,
      }));
    }
    const { sessionId } = await initiateCall(a, users[0], users.slice(1));
    for (const s of sockets) await joinCall(s, sessionId, { peerId: `peer-${s.hearthUser.userId}` });

    // SIGTERM: every client sees a transport close (so it reconnects), A exits 0.
    const reasons = sockets.map((s) => new Promise((resolve) => s.once('disconnect', resolve)));
    const stopped = a.stop('SIGTERM', 25_000);
    assert.deepEqual(await Promise.all(reasons), ['transport close', 'transport close', 'transport close']);
    assert.deepEqual(await stopped, { code: 0, signal: null }, 'A exits 0 after draining');

    // Node B on the same database behind the same balancer: the clients get there by themselves.
    const reconnected = sockets.map((s) => nextConnect(s, 20_000).then(() => waitFor(s, 'authenticated')));
    const b = await restartHearth(a);
    lb.backend = b;
    await Promise.all(reconnected);
    for (const s of sockets) {
      const joined = await joinCall(s, sessionId, { peerId: `peer-${s.hearthUser.userId}` });
      assert.equal(joined.sessionId, sessionId);
    }

    // Nobody left, the call did not end, and B relays between them.
    const session = await getSession(b, users[0], sessionId);
    assert.equal(session.status, 'active');
    assert.equal(session.endReason ?? null, null);
    assert.deepEqual(session.participants.map((p) => [p.userId, p.isActive]),
      users.map((u) => [u.userId, true]));
    const [ann, , cat] = sockets;
    const offer = { sessionId, targetSocketId: cat.id, offer: { type: 'offer', sdp: 'v=0 after the move' } };
    expectAckOk(await emitAck(ann, 'webrtc_offer', offer), 'ack of webrtc_offer on B');
    const got = await waitFor(cat, 'webrtc_offer');
    assert.equal(got.fromSocketId, ann.id);
    assert.equal(got.offer.sdp, 'v=0 after the move');
  });
