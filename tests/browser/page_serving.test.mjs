// How hearth-call serves the web client: the page and the Socket.IO client with their types, ETags and headers,
// nothing outside them, Engine.IO still at /socket.io/; the development-only token endpoint and "demo user"
// sign-in, absent (404) in production.
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, describe, test } from 'node:test';

import { closeClients, launchBrowser, openClient } from './lib/browser.mjs';
import { makeUser, startHearth, stopAll } from './lib/server.mjs';
import { runCli } from '../integration/lib/server.mjs';

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await stopAll();
});

/** A raw request: the path is sent exactly as given (fetch would normalise "..") → {status, headers, body}. */
function raw(server, method, path, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port: server.port, method, path, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('production', () => {
  let server;
  before(async () => {
    server = await startHearth();
  });

  test('the page, its files and the Socket.IO client are served with their types and validators', async () => {
    const page = await raw(server, 'GET', '/');
    assert.equal(page.status, 200);
    assert.equal(page.headers['content-type'], 'text/html; charset=utf-8');
    assert.match(page.headers['content-security-policy'], /default-src 'self'/);
    assert.equal(page.headers['cache-control'], 'no-cache');
    assert.equal(page.headers['x-content-type-options'], 'nosniff');
    assert.match(page.headers.etag, /^"[0-9a-f]{16}"$/);
    // The page names its assets by content hash (docs/deployment.md, CDN), modules through an import map.
    assert.match(page.body, /<script type="module" src="\/js\/app\.[0-9a-f]{12}\.js"><\/script>/);
    assert.equal((await raw(server, 'GET', '/index.html')).body, page.body);

    const again = await raw(server, 'GET', '/', { 'If-None-Match': page.headers.etag });
    assert.equal(again.status, 304);
    assert.equal(again.body, '');
    const head = await raw(server, 'HEAD', '/');
    assert.equal(head.status, 200);
    assert.equal(head.headers.etag, page.headers.etag);

    for (const [path, type] of [
      ['/js/app.js', 'text/javascript; charset=utf-8'],
      ['/js/peer.js?v=1', 'text/javascript; charset=utf-8'],
      ['/css/app.css', 'text/css; charset=utf-8'],
      ['/favicon.svg', 'image/svg+xml'],
      ['/socket.io/socket.io.js', 'text/javascript; charset=utf-8'],
      ['/socket.io/socket.io.esm.min.js', 'text/javascript; charset=utf-8'],
    ]) {
      const res = await raw(server, 'GET', path);
      assert.equal(res.status, 200, path);
      assert.equal(res.headers['content-type'], type, path);
      assert.ok(res.body.length > 0, path);
    }
  });

  test('assets under hashed names are immutable, the page and plain names revalidate, text is compressed',
    async (t) => {
      const page = await raw(server, 'GET', '/');
      const named = [...page.body.matchAll(/(?:src|href)="(\/[^"]+\.[0-9a-f]{12}\.[a-z]+)"/g)].map((m) => m[1]);
      assert.ok(named.some((p) => p.startsWith('/css/app.')) && named.some((p) => p.startsWith('/js/app.')), page.body);
      const map = JSON.parse(page.body.match(/<script type="importmap">(.*?)<\/script>/s)[1]);
      for (const [plain, hashed] of Object.entries(map.imports)) {
        assert.match(hashed, /\.[0-9a-f]{12}\.js$/, plain);
        named.push(hashed);
      }
      assert.ok(map.imports['/js/peer.js'] && map.imports['/socket.io/socket.io.esm.min.js'], 'every module is mapped');
      for (const path of named) {
        const res = await raw(server, 'GET', path, { 'accept-encoding': 'gzip, br' });
        assert.equal(res.status, 200, path);
        assert.equal(res.headers['cache-control'], 'public, max-age=31536000, immutable', path);
      }
      assert.equal(page.headers['cache-control'], 'no-cache');
      assert.match(page.headers['content-security-policy'], /script-src 'self' 'sha256-[A-Za-z0-9+/=]+'/);
      assert.equal((await raw(server, 'GET', '/js/app.js')).headers['cache-control'], 'no-cache');
      const br = await raw(server, 'GET', map.imports['/js/call.js'], { 'accept-encoding': 'gzip, deflate, br' });
      assert.equal(br.headers['content-encoding'], 'br');
      assert.equal(br.headers.vary, 'Accept-Encoding');
      const gz = await fetch(`${server.url}/js/call.js`, { headers: { 'accept-encoding': 'gzip' } });
      assert.equal(gz.headers.get('content-encoding'), 'gzip');
      assert.equal(await gz.text(), (await raw(server, 'GET', '/js/call.js')).body, 'fetch inflates it to the file');

      // The browser loads the page through the hashed names: no CSP violation, no request for a plain module name.
      const c = await openClient(browser, server, 'hashed');
      t.after(() => closeClients([c]));
      const plainRequests = [];
      c.page.on('request', (r) => {
        const { pathname } = new URL(r.url());
        if (/\.(js|css)$/.test(pathname) && !/\.[0-9a-f]{12}\.(js|css)$/.test(pathname)) plainRequests.push(pathname);
      });
      const violations = [];
      c.page.on('console', (m) => { if (/Content Security Policy|importmap/i.test(m.text())) violations.push(m.text()); });
      await c.page.reload();
      await c.page.locator('#sign-in-view').waitFor({ state: 'visible' });
      assert.deepEqual(violations, []);
      assert.deepEqual(plainRequests, []);
    });

  test('Engine.IO keeps the rest of /socket.io/', async () => {
    const res = await raw(server, 'GET', '/socket.io/?EIO=4&transport=polling');
    assert.equal(res.status, 200);
    assert.match(res.body, /^0\{"sid":/);
  });

  test('nothing outside the page is reachable; unknown files get the JSON 404', async () => {
    for (const path of ['/../README.md', '/js/../../README.md', '/%2e%2e/README.md', '/js/..%2f..%2fREADME.md',
      '/web/index.html', '/.git/config', '/node_modules/socket.io-client/package.json', '/socket.io/package.json',
      '/js/missing.js', '/index.html/', '//index.html']) {
      const res = await raw(server, 'GET', path);
      assert.equal(res.status, 404, path);
      assert.deepEqual(JSON.parse(res.body), { success: false, message: 'Route not found' }, path);
    }
    const post = await raw(server, 'POST', '/');
    assert.equal(post.status, 405);
    assert.equal(post.headers.allow, 'GET, HEAD');
  });

  test('no development token endpoint, no demo sign-in', async (t) => {
    for (const method of ['GET', 'POST']) {
      const res = await raw(server, method, '/api/dev/token');
      assert.equal(res.status, 404, method);
      assert.equal(JSON.parse(res.body).message, 'Route not found');
    }
    const c = await openClient(browser, server, 'prod');
    t.after(() => closeClients([c]));
    await c.page.locator('#sign-in-view').waitFor({ state: 'visible' });
    assert.equal(await c.page.locator('#demo-form').isVisible(), false);
  });

  test('a WEB_ROOT without index.html is a configuration error', async () => {
    const res = await runCli(['serve', '--port', '0', '--web-root', '/nonexistent'], { env: { JWT_SECRET: 'x'.repeat(32) } });
    assert.equal(res.code, 2);
    assert.match(res.stderr, /WEB_ROOT must be a folder with an index.html/);
  });
});

describe('development', () => {
  let server;
  before(async () => {
    server = await startHearth({ HEARTH_ENV: 'development' });
  });

  const post = (body, headers = { 'content-type': 'application/json' }) =>
    fetch(`${server.url}/api/dev/token`, { method: 'POST', headers, body });

  test('POST /api/dev/token issues a token the API accepts', async () => {
    const res = await post(JSON.stringify({ userId: 'dev-alice', name: 'Alice' }));
    assert.equal(res.status, 201);
    const { success, data } = await res.json();
    assert.equal(success, true);
    assert.equal(data.userId, 'dev-alice');
    assert.equal(data.name, 'Alice');
    const history = await fetch(`${server.url}/api/video-call/history`, { headers: { authorization: `Bearer ${data.token}` } });
    assert.equal(history.status, 200);
  });

  test('POST /api/dev/token validates its input', async () => {
    for (const body of ['{}', '{"userId":""}', '{"userId":7}', '{"userId":"a","name":5}', 'nope']) {
      const res = await post(body);
      assert.equal(res.status, 400, body);
      assert.equal((await res.json()).success, false);
    }
    assert.equal((await post('{"userId":"a"}', { 'content-type': 'text/plain' })).status, 415);
    const get = await fetch(`${server.url}/api/dev/token`);
    assert.equal(get.status, 405);
    assert.equal(get.headers.get('allow'), 'POST');
  });

  test('the "demo user" button signs in', async (t) => {
    const c = await openClient(browser, server, 'dev');
    t.after(() => closeClients([c]));
    const user = makeUser('Zoe');
    await c.page.getByLabel('User id', { exact: true }).fill(user.userId);
    await c.page.getByLabel('Display name').fill('Zoe');
    await c.page.getByRole('button', { name: 'Sign in as demo user' }).click();
    await c.page.locator('#lobby-view').waitFor({ state: 'visible' });
    assert.equal(await c.page.locator('#whoami-name').textContent(), 'Zoe');
    assert.equal(await c.page.locator('#whoami-id').textContent(), `(${user.userId})`);
  });
});
