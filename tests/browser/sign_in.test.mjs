// Signing in: every way the socket can fail before the server accepts the token ends in a message on the sign-in
// page (never a page that waits forever), and a signed-in page keeps its state, token included, to itself.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { closeClients, dumpLogs, launchBrowser, openClient, signIn } from './lib/browser.mjs';
import { makeUser, startHearth, stopAll } from './lib/server.mjs';

let server;
let browser;
before(async () => {
  // A short authentication timeout, for the socket that never sends a token.
  server = await startHearth({ AUTH_TIMEOUT_SECONDS: '1' });
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await stopAll();
});

async function opened(t, name) {
  const c = await openClient(browser, server, name);
  t.after(() => closeClients([c]));
  await c.page.locator('#sign-in-view').waitFor({ state: 'visible' });
  return c;
}

async function submitToken(c, token) {
  await c.page.getByLabel('Access token (JWT)').fill(token);
  await c.page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

/** Waits (at most `timeout` ms) for the error message on the sign-in page and returns it. */
async function signInError(c, timeout) {
  const notice = c.page.locator('#notice.error #notice-text');
  try {
    await notice.waitFor({ timeout });
  } catch (err) {
    dumpLogs([c]);
    throw err;
  }
  assert.ok(await c.page.locator('#sign-in-view').isVisible(), 'the sign-in page is shown');
  assert.equal(await c.page.locator('#whoami').isVisible(), false);
  return notice.textContent();
}

test('a token of only spaces is refused at once, with a message', async (t) => {
  const c = await opened(t, 'spaces');
  await submitToken(c, '     ');
  // The server refuses the handshake's blank token (CONNECT_ERROR) instead of waiting for its authentication timeout.
  assert.equal(await signInError(c, 5000), 'Sign-in failed: Authentication failed: token: must be a non-blank string');
});

test('an invalid token is refused with the server reason', async (t) => {
  const c = await opened(t, 'invalid');
  await submitToken(c, 'not-a-jwt');
  assert.match(await signInError(c, 5000), /^Sign-in failed: Authentication failed: /);
});

test('a socket the server closes during sign-in (authentication timeout) ends in a message', async (t) => {
  const c = await opened(t, 'timeout');
  // Drop the token from the handshake (the namespace CONNECT, sent over long-polling): the server waits for an
  // `authenticate` event, then says `authentication_error` and closes the socket.
  await c.page.route(/\/socket\.io\/\?/, (route) => {
    const request = route.request();
    if (request.method() !== 'POST') return route.continue();
    return route.continue({ postData: (request.postData() ?? '').replace(/(^|\x1e)40\{[^\x1e]*\}/, '$140{}') });
  });
  await submitToken(c, makeUser('Tim').token);
  assert.equal(await signInError(c, 8000), 'Sign-in failed: Authentication timeout');
});

test('a server that cannot be reached during sign-in ends in a message', async (t) => {
  const c = await opened(t, 'offline');
  await c.context.setOffline(true);
  await submitToken(c, makeUser('Olga').token);
  assert.match(await signInError(c, 8000), /^Sign-in failed: the server cannot be reached \(.+\)\.$/);
});

test('the signed-in page keeps its state and token to itself', async (t) => {
  const user = makeUser('Sam');
  const c = await opened(t, 'sam');
  await signIn(c, user);
  const exposed = await c.page.evaluate((token) => {
    // sessionStorage keeps the token on purpose (per tab, for reloads); nothing else may.
    const globals = Object.getOwnPropertyNames(window).filter((key) => {
      if (key === 'sessionStorage') return false;
      try {
        const value = window[key];
        return typeof value === 'string' ? value.includes(token) : JSON.stringify(value)?.includes(token);
      } catch {
        return false; // cyclic or not serializable: not app state in the clear
      }
    });
    return { hearth: 'hearth' in window, globals, form: document.getElementById('token-input').value.length };
  }, user.token);
  assert.deepEqual(exposed, { hearth: false, globals: [], form: 0 });
});
