// The cluster harness (tests/cluster/lib/cluster.mjs) with real hearth-call nodes behind the deployed nginx
// configuration: REST is spread over both nodes, and the official socket.io-client works through nginx over
// WebSocket, long-polling and the upgrade between them. Routing only: each node has its own SQLite database here
// and no bus, so nothing is shared between them (the cluster suites use PostgreSQL and Redis). Without sticky
// routing by the sid's node prefix (NODE_ID), half of the polling requests would reach the other node, which
// answers 400 "Session ID unknown", and the socket would drop.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { authenticate, closeAll, connect, emitAck, expectAckOk, waitUpgraded } from '../e2e/lib/sockets.mjs';
import { startCluster, stopClusters } from './lib/cluster.mjs';

// A node's ids: its NODE_ID, then its shard (net/shards.hpp): "n1.0-…".
const SID_RE = /^(n[12])\.\d+-[0-9a-z]+$/;

describe('two nodes behind nginx (SQLite each, routing only)', () => {
  let cluster;
  let user;
  before(async () => {
    cluster = await startCluster({ nodes: 2, store: 'sqlite', redis: false });
    user = { userId: 'alice', name: 'Alice', token: cluster.token('alice', { name: 'Alice' }) };
  });
  after(async () => {
    closeAll();
    await stopClusters();
  });

  // The upstream addresses nginx logged for the requests whose path starts with `uri` since `from`.
  const upstreamsOf = async (uri, from = 0) => (await cluster.nginx.accessLog()).slice(from)
    .filter((l) => l.uri.startsWith(uri)).flatMap((l) => l.upstreams);
  const nodeOfPort = (address) => cluster.nodes.find((n) => address === `127.0.0.1:${n.port}`)?.id;

  test('every node runs with its NODE_ID, which starts its sids', async () => {
    assert.deepEqual(cluster.nodes.map((n) => n.id), ['n1', 'n2']);
    for (const node of cluster.nodes) {
      assert.equal(node.env.NODE_ID, node.id);
      // An Engine.IO handshake straight to the node: its open packet carries the sid.
      const open = await (await fetch(`${node.url}/socket.io/?EIO=4&transport=polling`)).text();
      assert.match(JSON.parse(open.slice(1)).sid, new RegExp(`^${node.id}\\.\\d+-[0-9a-z]+$`));
    }
  });

  test('REST through nginx reaches both nodes, round robin', async () => {
    const from = (await cluster.nginx.accessLog()).length;
    for (let i = 0; i < 6; i += 1) {
      const res = await fetch(`${cluster.url}/api/video-call/history`, { headers: { authorization: `Bearer ${user.token}` } });
      const text = await res.text();
      assert.equal(res.status, 200, text);
      assert.equal(JSON.parse(text).success, true);
    }
    const nodes = (await upstreamsOf('/api/video-call/history', from)).map(nodeOfPort);
    assert.equal(nodes.length, 6);
    assert.deepEqual([...new Set(nodes)].sort(), ['n1', 'n2'], `answered by ${nodes}`);
  });

  test('/metrics is served by the nodes, not through nginx', async () => {
    assert.equal((await fetch(`${cluster.nodes[0].url}/metrics`)).status, 200);
    assert.equal((await fetch(`${cluster.url}/metrics`)).status, 404);
  });

  test('a WebSocket Socket.IO connection works through nginx', async () => {
    const socket = await connect({ url: cluster.url }, { user, mode: 'websocket' });
    await authenticate(socket);
    expectAckOk(await emitAck(socket, 'get_ice_servers', {}), 'get_ice_servers');
    assert.equal(socket.io.engine.transport.name, 'websocket');
    socket.disconnect();
  });

  // The access log's length once it stops growing (nginx writes a line when an answer has been sent).
  async function settledLogLength() {
    let length = (await cluster.nginx.accessLog()).length;
    for (;;) {
      await new Promise((r) => setTimeout(r, 200));
      const now = (await cluster.nginx.accessLog()).length;
      if (now === length) return length;
      length = now;
    }
  }

  test('long-polling through nginx: every request of the session reaches the node in its sid', async () => {
    for (let round = 0; round < 4; round += 1) {
      const from = await settledLogLength(); // the previous round's socket has finished
      const socket = await connect({ url: cluster.url }, { user, mode: 'polling' });
      const sid = socket.io.engine.id;
      assert.match(sid, SID_RE);
      await authenticate(socket);
      for (let i = 0; i < 25; i += 1) expectAckOk(await emitAck(socket, 'get_ice_servers', {}), `get_ice_servers ${i}`);
      assert.equal(socket.io.engine.transport.name, 'polling');
      assert.ok(socket.connected, 'still connected after the requests');
      // Read before the disconnect, whose last poll may legitimately meet a closed session.
      const lines = (await cluster.nginx.accessLog()).slice(from).filter((l) => l.sidNode);
      socket.disconnect();
      const node = sid.split('.')[0];
      const detail = lines.map((l) => `${l.method} ${l.status} ${l.sidNode} -> ${l.upstreams.map(nodeOfPort)}`).join('\n');
      // 25 round trips: a POST each, and the GET that brought the answer (the last may not be logged yet).
      assert.ok(lines.length >= 45, `at least 45 polling requests with the sid, got ${lines.length}:\n${detail}`);
      for (const line of lines) {
        assert.equal(line.sidNode, node, detail);
        assert.deepEqual(line.upstreams.map(nodeOfPort), [node], `a request of ${sid} went elsewhere:\n${detail}`);
        assert.equal(line.status, 200, `every request of ${sid} answered 200 (no "Session ID unknown"):\n${detail}`);
      }
    }
  });

  test('the default transports (polling, then the upgrade to WebSocket) work through nginx', async () => {
    for (let round = 0; round < 4; round += 1) {
      const socket = await connect({ url: cluster.url }, { user, mode: 'upgrade' });
      assert.match(socket.io.engine.id, SID_RE);
      await waitUpgraded(socket);
      await authenticate(socket);
      expectAckOk(await emitAck(socket, 'get_ice_servers', {}), 'get_ice_servers after the upgrade');
      socket.disconnect();
    }
  });
});

describe('three nodes on PostgreSQL and Redis (what ./dev cluster starts)', () => {
  let cluster;
  before(async () => {
    cluster = await startCluster({ nodes: 3 });
  });
  after(stopClusters);

  test('every node is ready and shares one database: a call made through one is read through all', async () => {
    for (const node of cluster.nodes) assert.equal((await fetch(`${node.url}/readyz`)).status, 200, `${node.id} /readyz`);
    const headers = { authorization: `Bearer ${cluster.token('alice')}`, 'content-type': 'application/json' };
    const made = await fetch(`${cluster.url}/api/video-call/initiate`, { method: 'POST', headers,
      body: JSON.stringify({ sessionType: 'one-to-one', participants: ['bob'] }) });
    const text = await made.text();
    assert.equal(made.status, 201, text);
    const { sessionId } = JSON.parse(text).data;
    for (const node of cluster.nodes) {
      const res = await fetch(`${node.url}/api/video-call/session/${sessionId}`, { headers });
      assert.equal(res.status, 200, `${node.id} reads the call made through nginx`);
    }
  });

  test('a node killed and restarted comes back on its port with its NODE_ID, and nginx uses it again', async () => {
    const node = cluster.nodes[2];
    const { port, pid } = node;
    await node.kill();
    for (let i = 0; i < 6; i += 1) assert.equal((await fetch(`${cluster.url}/healthz`)).status, 200, 'the others answer');
    await node.restart();
    assert.equal(node.port, port);
    assert.notEqual(node.pid, pid);
    const open = await (await fetch(`${node.url}/socket.io/?EIO=4&transport=polling`)).text();
    assert.match(JSON.parse(open.slice(1)).sid, /^n3\./);
    // nginx skips a node for 5 s after a refused connection (max_fails=1 fail_timeout=5s), then tries it again.
    const deadline = Date.now() + 20_000;
    let reached = false;
    while (!reached && Date.now() < deadline) {
      const from = (await cluster.nginx.accessLog()).length;
      await fetch(`${cluster.url}/healthz`);
      reached = (await cluster.nginx.accessLog()).slice(from).some((l) => l.upstreams.includes(`127.0.0.1:${port}`) && l.status === 200);
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.ok(reached, 'nginx sends requests to the restarted node again');
  });
});
