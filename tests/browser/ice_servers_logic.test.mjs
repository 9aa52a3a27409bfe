// The web client's ICE server refresh (web/js/ice-servers.js), without a browser: what a call uses before and after
// get_ice_servers answers, when it asks again, that concurrent askers share one request, that a failure keeps the
// servers held, and when the connections are told.
import assert from 'node:assert/strict';
import { afterEach, describe, mock, test } from 'node:test';

import { IceServerSource } from '../../web/js/ice-servers.js';

const TURN = (username) => [{ urls: ['turn:127.0.0.1:3478?transport=udp'], username, credential: 'c' }];
const answer = (username, { policy = 'all', inMs = 3_600_000 } = {}) => ({
  iceServers: TURN(username),
  iceTransportPolicy: policy,
  expiresAt: new Date(Date.now() + inMs).toISOString(),
});

const sources = [];
function source(fetch, initial) {
  const s = new IceServerSource(fetch, initial);
  sources.push(s);
  return s;
}
afterEach(() => {
  for (const s of sources.splice(0)) s.close(); // clears the refresh timers
  mock.timers.reset();
});

describe('IceServerSource', () => {
  test('uses the join answer\'s servers with the policy "all" until the first fetch', async () => {
    const s = source(async () => answer('1:a', { policy: 'relay' }), TURN('0:a'));
    assert.deepEqual(s.current(), { iceServers: TURN('0:a'), iceTransportPolicy: 'all' });
    assert.deepEqual(await s.refresh({ maxAgeMs: 0 }), { iceServers: TURN('1:a'), iceTransportPolicy: 'relay' });
    assert.deepEqual(s.current(), { iceServers: TURN('1:a'), iceTransportPolicy: 'relay' });
  });

  test('an unknown policy is "all"', async () => {
    const s = source(async () => ({ iceServers: TURN('1:a'), iceTransportPolicy: 'none' }));
    assert.equal((await s.refresh()).iceTransportPolicy, 'all');
  });

  test('servers fetched recently are reused; older ones are fetched again', async () => {
    let n = 0;
    const s = source(async () => answer(`${(n += 1)}:a`));
    await s.refresh({ maxAgeMs: 0 });
    await s.refresh(); // within the default 5 s: reused
    assert.equal(n, 1);
    await s.refresh({ maxAgeMs: 0 });
    assert.equal(n, 2);
    assert.equal(s.current().iceServers[0].username, '2:a');
  });

  test('concurrent askers (every connection restarting at once) share one request', async () => {
    let n = 0;
    let release;
    const s = source(() => {
      n += 1;
      return new Promise((resolve) => { release = () => resolve(answer('1:a')); });
    });
    const all = Promise.all([s.refresh({ maxAgeMs: 0 }), s.refresh({ maxAgeMs: 0 }), s.refresh({ maxAgeMs: 0 })]);
    release();
    const configs = await all;
    assert.equal(n, 1);
    for (const c of configs) assert.equal(c.iceServers[0].username, '1:a');
  });

  test('a failed fetch keeps the servers held and does not reject', async () => {
    let fail = false;
    const s = source(async () => {
      if (fail) throw new Error('The server did not answer in time');
      return answer('1:a');
    });
    await s.refresh({ maxAgeMs: 0 });
    fail = true;
    const warn = mock.method(console, 'warn', () => {});
    assert.equal((await s.refresh({ maxAgeMs: 0 })).iceServers[0].username, '1:a');
    assert.equal(warn.mock.callCount(), 1);
    warn.mock.restore();
  });

  test('listeners hear of changes only', async () => {
    let username = '1:a';
    const s = source(async () => ({ iceServers: TURN(username), iceTransportPolicy: 'all' }));
    const heard = [];
    s.onChange((c) => heard.push(c.iceServers[0].username));
    await s.refresh({ maxAgeMs: 0 });
    await s.refresh({ maxAgeMs: 0 }); // the same answer again
    username = '2:a';
    await s.refresh({ maxAgeMs: 0 });
    assert.deepEqual(heard, ['1:a', '2:a']);
  });

  test('fetches again before the credentials expire: a tenth of their lifetime, at least a minute, early', async () => {
    mock.timers.enable({ apis: ['setTimeout'] });
    let n = 0;
    const s = source(async () => answer(`${(n += 1)}:a`, { inMs: 3_600_000 }));
    await s.refresh({ maxAgeMs: 0 });
    mock.timers.tick(3_600_000 - 360_000 - 1_000);
    await Promise.resolve();
    assert.equal(n, 1, 'not yet');
    mock.timers.tick(2_000);
    await new Promise((r) => setImmediate(r));
    assert.equal(n, 2, 'refreshed 6 minutes before the expiry');
  });

  test('after close nothing is fetched', async () => {
    let n = 0;
    const s = source(async () => answer(`${(n += 1)}:a`));
    s.close();
    await s.refresh({ maxAgeMs: 0 });
    assert.equal(n, 0);
  });
});
