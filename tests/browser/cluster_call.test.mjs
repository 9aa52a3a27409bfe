// Two pages in one call, each through a different node of a cluster (two nodes on PostgreSQL and Redis): A calls B,
// B accepts, video and audio flow both ways, and their sockets are held by different nodes (every offer, answer and
// ICE candidate crossed the bus).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { startCluster, stopClusters } from '../cluster/lib/cluster.mjs';
import {
  acceptCall, dumpLogs, expectMediaFrom, launchBrowser, openClient, signIn, socketId, startCall,
} from './lib/browser.mjs';
import { SECRET, WEB_ROOT, makeUser } from './lib/server.mjs';

let cluster;
let browser;
before(async () => {
  cluster = await startCluster({ nodes: 2, secret: SECRET, env: { WEB_ROOT, STUN_SERVERS: 'none' } });
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await stopClusters();
});

test('a call between pages on two different nodes: media flows both ways', async () => {
  const alice = makeUser('Alice');
  const bob = makeUser('Bob');
  const [n1, n2] = cluster.nodes;
  const a = await openClient(browser, n1, 'alice');
  const b = await openClient(browser, n2, 'bob');
  try {
    await signIn(a, alice);
    await signIn(b, bob);
    assert.match(await socketId(a), /^n1\./);
    assert.match(await socketId(b), /^n2\./);
    await startCall(a, [bob]);
    const ring = b.page.getByRole('dialog');
    await ring.waitFor({ state: 'visible' });
    await acceptCall(b);
    await expectMediaFrom(a, [bob]);
    await expectMediaFrom(b, [alice]);
    await a.page.getByText('2 people in the call').waitFor();
  } catch (err) {
    dumpLogs([a, b]);
    throw err;
  } finally {
    await a.context.close();
    await b.context.close();
  }
});
