// deploy/nginx/hearth-call.conf: `nginx -t` accepts it as deployed (TLS, the redirect, the example node list), and
// refuses a broken copy; its timeouts and body/header limits fit the server's defaults as the sources state them;
// the example node list is exactly what renderNodes() makes; and, run by a real nginx in
// front of two recording upstreams (plain Node HTTP servers standing where nodes stand, so that every request's
// arrival, headers and sid can be seen), it routes as its comments say: a sid's node prefix picks its node, requests
// without a sid alternate, headers and WebSocket upgrades are passed on, the body limit is the node's, /metrics is
// not public, and a dead node's sids fail while everything else goes to the live one.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { makeTempDir, stopAll } from '../integration/lib/server.mjs';
import { freePort, requireBinary, run } from './lib/daemon.mjs';
import { DEPLOY_CONF, DEPLOY_NODES, renderNodes, startNginx, testConfig, writeConfig } from './lib/nginx.mjs';

after(stopAll);

// A self-signed certificate for the TLS part of the configuration.
async function selfSigned(dir) {
  const openssl = requireBinary('/usr/bin/openssl', 'openssl');
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  const res = await run(openssl, ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-days', '1', '-subj', '/CN=calls.example.com', '-keyout', key, '-out', cert]);
  assert.equal(res.code, 0, `openssl: ${res.stderr}`);
  return { cert, key };
}

// The example node list's nodes: [{id, address}] from its map and per-node upstreams.
function exampleNodes(text) {
  const nodes = [];
  for (const [, id, address] of text.matchAll(/^upstream hearth_node_(\S+) \{\n\s+server (\S+);/gm)) nodes.push({ id, address });
  return nodes;
}

const body = (text) => text.slice(text.indexOf('\n\n') + 2); // after the header comment

describe('the configuration as deployed', () => {
  test('nginx -t accepts it with TLS, the redirect and the example node list', async () => {
    const prefix = await makeTempDir('hearth-nginx-t-');
    const tls = { ...(await selfSigned(prefix)), redirectPort: await freePort() };
    await writeConfig({ prefix, nodes: exampleNodes(await readFile(DEPLOY_NODES, 'utf8')), port: await freePort(), tls });
    const rendered = await readFile(join(prefix, 'hearth-call.conf'), 'utf8');
    assert.match(rendered, /listen 127\.0\.0\.1:\d+ ssl http2;/);
    assert.match(rendered, /return 301 https:/, 'the redirect block is kept');
    const { ok, output } = await testConfig(prefix);
    assert.ok(ok, output);
    assert.doesNotMatch(output, /\[warn\]|\[emerg\]/, output);
  });

  test('nginx -t refuses a broken copy (so the check above can fail)', async () => {
    const prefix = await makeTempDir('hearth-nginx-bad-');
    const source = join(prefix, 'broken.conf');
    const text = await readFile(DEPLOY_CONF, 'utf8');
    await writeFile(source, text.replace('proxy_read_timeout 75s;', 'proxy_read_timeout 75 seconds;'));
    await writeConfig({ prefix, nodes: [{ id: 'n1', port: 1 }], port: await freePort(), source });
    const { ok, output } = await testConfig(prefix);
    assert.equal(ok, false, output);
    assert.match(output, /proxy_read_timeout/);
  });

  test('its timeouts and limits fit the server\'s defaults (read from the sources)', async () => {
    const conf = await readFile(DEPLOY_CONF, 'utf8');
    const nodes = await readFile(DEPLOY_NODES, 'utf8');
    const source = async (path) => readFile(new URL(`../../src/${path}`, import.meta.url), 'utf8');
    const [engine, limits] = await Promise.all([source('realtime/engineio/options.hpp'), source('net/limits.hpp')]);
    const number = (text, re) => {
      const m = re.exec(text);
      assert.ok(m, `${re} not found`);
      return Number(m[1].replaceAll("'", ''));
    };
    const pingMs = number(engine, /ping_interval\{([\d']+)\}/) + number(engine, /ping_timeout\{([\d']+)\}/);
    const socketIo = conf.slice(conf.indexOf('location /socket.io/'));
    assert.ok(number(socketIo, /proxy_read_timeout (\d+)s;/) * 1000 > pingMs, 'polling/WebSocket read timeout > ping interval + timeout');
    assert.ok(number(socketIo, /proxy_send_timeout (\d+)s;/) * 1000 > pingMs);
    const bodyLimit = number(conf, /client_max_body_size (\d+)m;/) * 1024 * 1024;
    assert.ok(bodyLimit >= number(engine, /max_payload = ([\d']+);/), 'bodies up to MAX_PAYLOAD_BYTES pass');
    assert.ok(bodyLimit >= number(limits, /body_limit = (\d+) \* 1024;/) * 1024, 'bodies up to REST_BODY_LIMIT_BYTES pass');
    assert.ok(number(conf, /large_client_header_buffers \d+ (\d+)k;/) * 1024 >= number(limits, /header_limit = (\d+) \* 1024;/) * 1024);
    const idle = number(limits, /idle_timeout\{(\d+)\}/);
    assert.ok(number(nodes, /keepalive_timeout (\d+)s;/) < idle, 'nginx closes idle upstream connections before the node does');
    assert.equal(number(conf, /client_header_timeout (\d+)s;/), number(limits, /request_timeout\{(\d+)\}/));
  });

  test('the example node list is what renderNodes makes of its nodes', async () => {
    const text = await readFile(DEPLOY_NODES, 'utf8');
    const nodes = exampleNodes(text);
    assert.deepEqual(nodes.map((n) => n.id), ['n1', 'n2', 'n3']);
    assert.equal(body(renderNodes(nodes)), body(text));
  });

  test('renderNodes refuses ids nginx or NODE_ID would not take, and escapes map keywords', () => {
    assert.throws(() => renderNodes([{ id: 'N1', address: '127.0.0.1:1' }]), /not \[a-z0-9-\]/);
    assert.throws(() => renderNodes([{ id: 'n1.x', address: '127.0.0.1:1' }]), /not \[a-z0-9-\]/);
    assert.throws(() => renderNodes([{ id: 'a'.repeat(33), address: '127.0.0.1:1' }]), /not \[a-z0-9-\]/);
    assert.throws(() => renderNodes([{ id: 'n1', address: '127.0.0.1:1' }, { id: 'n1', address: '127.0.0.1:2' }]), /twice/);
    assert.throws(() => renderNodes([{ id: 'n1', address: '127.0.0.1:1; evil' }]), /host:port/);
    assert.throws(() => renderNodes([]), /no nodes/);
    assert.match(renderNodes([{ id: 'default', address: '127.0.0.1:1' }]), /^ {4}\\default hearth_node_default;$/m);
  });
});

// A recording upstream: answers every request with its name and keeps {method, url, headers, bodyLength}; completes
// WebSocket handshakes (RFC 6455 accept key) and echoes the first frame's raw bytes back.
async function recorder(name) {
  const seen = [];
  const server = http.createServer((req, res) => {
    let length = 0;
    req.on('data', (c) => { length += c.length; });
    req.on('end', () => {
      seen.push({ method: req.method, url: req.url, headers: req.headers, bodyLength: length });
      res.setHeader('x-node', name);
      res.end(name);
    });
  });
  const upgraded = new Set(); // not tracked by server.closeAllConnections()
  server.on('upgrade', (req, socket) => {
    upgraded.add(socket);
    socket.on('close', () => upgraded.delete(socket));
    socket.on('end', () => socket.end()); // the HTTP server's sockets are half-open: close when nginx does
    seen.push({ method: req.method, url: req.url, headers: req.headers, upgrade: true });
    const accept = createHash('sha1').update(`${req.headers['sec-websocket-key']}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
    socket.once('data', (chunk) => socket.write(chunk));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { name, port: server.address().port, seen, close: () => new Promise((r) => {
    server.close(r);
    server.closeAllConnections();
    for (const s of upgraded) s.destroy();
  }) };
}

// A raw WebSocket handshake through nginx: resolves {status line, headers, echoed bytes of a sent frame}.
function websocketThrough(port, path) {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ port, host: '127.0.0.1' });
    let data = Buffer.alloc(0);
    const frame = Buffer.from([0x81, 0x85, 1, 2, 3, 4, ...Buffer.from('hello').map((b, i) => b ^ [1, 2, 3, 4][i % 4])]);
    const timer = setTimeout(() => { sock.destroy(); reject(new Error('no WebSocket answer through nginx')); }, 5_000);
    sock.on('error', reject);
    sock.on('connect', () => sock.write(`GET ${path} HTTP/1.1\r\nHost: calls.test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n`
      + 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n'));
    let sent = false;
    sock.on('data', (chunk) => {
      data = Buffer.concat([data, chunk]);
      const end = data.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = data.subarray(0, end).toString();
      if (!head.startsWith('HTTP/1.1 101')) {
        clearTimeout(timer);
        sock.destroy();
        return resolve({ status: head.split('\r\n')[0], echoed: null });
      }
      if (!sent) {
        sent = true;
        sock.write(frame);
      }
      const rest = data.subarray(end + 4);
      if (rest.length >= frame.length) {
        clearTimeout(timer);
        sock.destroy();
        resolve({ status: head.split('\r\n')[0], echoed: rest.subarray(0, frame.length), frame });
      }
    });
  });
}

describe('routing through nginx (recording upstreams)', () => {
  let a;
  let b;
  let nginx;
  before(async () => {
    [a, b] = await Promise.all([recorder('n1'), recorder('n2')]);
    nginx = await startNginx({ nodes: [{ id: 'n1', port: a.port }, { id: 'n2', port: b.port }] });
  });
  after(async () => {
    await nginx?.stop();
    await Promise.all([a?.close(), b?.close()]);
  });
  const get = async (path, init) => {
    const res = await fetch(nginx.url + path, init);
    return { status: res.status, node: res.headers.get('x-node'), text: await res.text() };
  };

  test('a sid names its node: every request of a session reaches it, GET and POST', async () => {
    for (let i = 0; i < 20; i += 1) {
      for (const [sid, node] of [['n1.abc123', 'n1'], ['n2.xyz789', 'n2']]) {
        const method = i % 2 ? 'POST' : 'GET';
        const res = await get(`/socket.io/?EIO=4&transport=polling&sid=${sid}`, { method, body: method === 'POST' ? '4hello' : undefined });
        assert.equal(res.status, 200);
        assert.equal(res.node, node, `${method} with sid ${sid} went to ${res.node}`);
      }
    }
  });

  test('requests without a sid, and sids of unknown nodes, alternate over the pool', async () => {
    for (const path of ['/socket.io/?EIO=4&transport=polling', '/api/video-call/history', '/socket.io/?EIO=4&transport=polling&sid=n9.abc',
      '/socket.io/?EIO=4&transport=polling&sid=nodot', '/healthz']) {
      const nodes = new Set();
      for (let i = 0; i < 4; i += 1) nodes.add((await get(path)).node);
      assert.deepEqual([...nodes].sort(), ['n1', 'n2'], `${path} should reach both nodes`);
    }
  });

  test('a handshake that names its call reaches the node its id hashes to: one node a call, calls on both', async () => {
    const nodeOf = new Map();
    for (let c = 0; c < 16; c += 1) {
      const callId = `call_1700000000${String(c).padStart(3, '0')}_abcdefgh${c % 10}`;
      const seen = new Set();
      for (let i = 0; i < 4; i += 1) seen.add((await get(`/socket.io/?EIO=4&transport=polling&callId=${callId}`)).node);
      assert.equal(seen.size, 1, `${callId} reached ${[...seen]}`);
      nodeOf.set(callId, [...seen][0]);
    }
    assert.deepEqual([...new Set(nodeOf.values())].sort(), ['n1', 'n2'], 'calls spread over the nodes');
    // A WebSocket handshake goes where that call's polling one went.
    const [callId, node] = [...nodeOf].find(([, n]) => n === 'n2');
    const before = b.seen.length;
    const ws = await websocketThrough(nginx.port, `/socket.io/?EIO=4&transport=websocket&callId=${callId}`);
    assert.equal(ws.status, 'HTTP/1.1 101 Switching Protocols');
    assert.ok(b.seen.slice(before).some((r) => r.upgrade), `the WebSocket handshake of ${callId} reached ${node}`);
    // A sid still decides (every request of a session names the call too), and a callId that is no call id is none.
    for (let i = 0; i < 4; i += 1) {
      assert.equal((await get(`/socket.io/?EIO=4&transport=polling&sid=n1.abc&callId=${callId}`)).node, 'n1');
    }
    const pool = new Set();
    for (let i = 0; i < 4; i += 1) pool.add((await get('/socket.io/?EIO=4&transport=polling&callId=nope')).node);
    assert.deepEqual([...pool].sort(), ['n1', 'n2'], 'round robin without a call id');
  });

  test('the client address, scheme and host are passed on; upstream connections are kept alive', async () => {
    await get('/api/video-call/history?x=1');
    const last = [...a.seen, ...b.seen].find((r) => r.url === '/api/video-call/history?x=1');
    assert.equal(last.headers['x-forwarded-for'], '127.0.0.1');
    assert.equal(last.headers['x-real-ip'], '127.0.0.1');
    assert.equal(last.headers['x-forwarded-proto'], 'http');
    assert.equal(last.headers.host, '127.0.0.1');
    assert.equal(last.headers.connection, undefined, 'no Connection: close to the node');
    const polled = [...a.seen, ...b.seen].find((r) => r.url.includes('sid=n1.'));
    assert.equal(polled.headers['x-forwarded-for'], '127.0.0.1', 'the socket.io location keeps the headers');
    assert.equal(polled.headers.connection, undefined);
  });

  test('a WebSocket upgrade with a sid reaches its node, with Upgrade and Connection, and carries frames', async () => {
    for (const [sid, rec] of [['n2.k3j4', b], ['n1.q9', a]]) {
      const before = rec.seen.length;
      const ws = await websocketThrough(nginx.port, `/socket.io/?EIO=4&transport=websocket&sid=${sid}`);
      assert.equal(ws.status, 'HTTP/1.1 101 Switching Protocols');
      assert.deepEqual(ws.echoed, ws.frame, 'frames pass both ways');
      const up = rec.seen.slice(before).find((r) => r.upgrade);
      assert.ok(up, `the upgrade with sid ${sid} reached ${rec.name}`);
      assert.equal(up.headers.upgrade, 'websocket');
      assert.match(up.headers.connection, /upgrade/i);
    }
  });

  test('bodies up to the node\'s largest limit pass; larger ones are refused by nginx', async () => {
    const ok = await get('/socket.io/?EIO=4&transport=polling&sid=n1.big', { method: 'POST', body: 'x'.repeat(1_000_001) });
    assert.equal(ok.status, 200, 'a body just over MAX_PAYLOAD_BYTES reaches the node, which answers it itself');
    assert.equal(a.seen.at(-1).bodyLength, 1_000_001);
    const tooBig = await get('/api/video-call/initiate', { method: 'POST', body: 'x'.repeat(1024 * 1024 + 1) });
    assert.equal(tooBig.status, 413);
    assert.equal(tooBig.node, null);
  });

  test('/metrics is not served through nginx', async () => {
    const res = await get('/metrics');
    assert.equal(res.status, 404);
    assert.equal(res.node, null);
  });

  test('the access log names the upstream and the sid\'s node', async () => {
    await get('/socket.io/?EIO=4&transport=polling&sid=n2.logged');
    const line = (await nginx.accessLog()).at(-1);
    assert.equal(line.sidNode, 'n2');
    assert.deepEqual(line.upstreams, [`127.0.0.1:${b.port}`]);
  });

  test('a dead node: its sids fail, everything else goes to the live node', async () => {
    await a.close();
    const dead = await get('/socket.io/?EIO=4&transport=polling&sid=n1.abc');
    assert.equal(dead.status, 502, 'a session of the dead node cannot be served elsewhere');
    for (let i = 0; i < 6; i += 1) {
      for (const path of ['/socket.io/?EIO=4&transport=polling', '/api/video-call/history']) {
        const res = await get(path);
        assert.equal(res.status, 200, `${path} with n1 down`);
        assert.equal(res.node, 'n2');
      }
    }
    assert.equal((await get('/socket.io/?EIO=4&transport=polling&sid=n2.abc')).node, 'n2');
  });
});
