// Clients of a cluster on the node a test wants: connected through nginx (round robin for new connections) until
// one lands on that node, which its socket id names ("n2.…"). Sockets that landed elsewhere are closed at once.
import assert from 'node:assert/strict';

import { connectAs } from '../../e2e/lib/sockets.mjs';

/** The node id a socket is held by: its socket id's prefix. */
export function nodeOf(socket) {
  return socket.id.slice(0, socket.id.indexOf('.'));
}

/**
 * An authenticated socket of `user` through the cluster's nginx, held by node `nodeId` (options as connectAs,
 * e.g. {mode: 'polling'}).
 */
export async function connectOn(cluster, user, nodeId, options = {}) {
  for (let attempt = 0; attempt < 4 * cluster.nodes.length; attempt += 1) {
    const socket = await connectAs({ url: cluster.url }, user, options);
    if (nodeOf(socket) === nodeId) return socket;
    socket.close();
  }
  assert.fail(`no connection through nginx landed on ${nodeId}`);
}
