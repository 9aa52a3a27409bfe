// Helpers of the protocol-conformance suites (ports of the official Engine.IO v4 and Socket.IO v5 test suites):
// start `hearth-call serve --protocol-conformance`, and a `ws` WebSocket that dispatches its events the way a
// browser does.
//
// The official suites wait with one-shot listeners (`addEventListener(type, fn, {once: true})`) and rely on browser
// event dispatch: every event is its own task, so the listener added after `await waitFor(...)` is in place for the
// next message, and a message nobody listens for (e.g. "3probe" while the test awaits a fetch) is dropped. `ws`
// may emit several messages read in one chunk, or a message right after "open", before the awaiting test resumes,
// which would lose them. createWebSocket() dispatches the events of `ws` at most one per macrotask instead.
// "open" and "close" are also remembered, so waiting for them after they happened resolves at once.
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';

import { startServer, stopAll } from '../../integration/lib/server.mjs';

export { stopAll };

// Configuration the integration helpers do not strip from the inherited environment; conformance mode fixes the
// Engine.IO values itself, the rest must not leak in from the developer's shell.
const SIGNALING_KEYS = [
  'RECONNECT_GRACE_SECONDS', 'AUTH_TIMEOUT_SECONDS', 'PING_INTERVAL_MS', 'PING_TIMEOUT_MS', 'MAX_PAYLOAD_BYTES',
  'SOCKET_EVENTS_PER_SECOND', 'TURN_SECRET', 'TURN_CREDENTIAL_TTL_SECONDS', 'HEARTH_THREADS', 'LOG_LEVEL',
];

/**
 * `hearth-call serve --protocol-conformance` on 127.0.0.1:0 (development, SQLite in a fresh temp dir), with one I/O
 * thread: the suites assume requests on different connections are handled in the order they were sent (the
 * reference server is single-threaded). E.g. "forcefully closes the session" sends a GET and then the POST that
 * closes the session, each on its own connection, and expects the GET to be answered; with several I/O threads
 * the POST may be handled first and the GET refused.
 */
export async function startConformanceServer() {
  const cleared = Object.fromEntries(SIGNALING_KEYS.map((k) => [k, undefined]));
  return startServer({
    secret: `conformance-${randomBytes(16).toString('hex')}`,
    env: { ...cleared, HEARTH_ENV: 'development', HEARTH_THREADS: 1 },
    args: ['--protocol-conformance'],
  });
}

export function sleep(delay) {
  return new Promise((resolve) => setTimeout(resolve, delay));
}

const states = new WeakMap(); // socket -> {queue, listeners, open, close}
const sockets = new Set();

/** A `ws` WebSocket whose events reach waitFor() one per macrotask, in order, as in a browser. */
export function createWebSocket(url) {
  const socket = new WebSocket(url);
  const state = { queue: [], busy: false, listeners: { message: [], open: [], close: [] }, open: null, close: null };
  states.set(socket, state);
  sockets.add(socket);
  socket.on('error', () => {}); // a refused handshake or a reset ends in "close", which the tests wait for
  for (const type of ['open', 'message', 'close']) {
    socket.addEventListener(type, (event) => enqueue(state, type, event));
  }
  socket.addEventListener('close', () => sockets.delete(socket));
  return socket;
}

// An event of `ws` is dispatched at once unless another one was in this macrotask: then it waits for the next,
// after the test has resumed and added its listener.
function enqueue(state, type, event) {
  state.queue.push({ type, event });
  if (state.busy) return;
  state.busy = true;
  dispatchNext(state);
}

function dispatchNext(state) {
  if (state.queue.length === 0) {
    state.busy = false;
    return;
  }
  const { type, event } = state.queue.shift();
  if (type !== 'message') state[type] = event;
  for (const listener of state.listeners[type].splice(0)) listener(event); // a message without listener is dropped
  setImmediate(() => dispatchNext(state));
}

/** The next "message" event, or the "open" / "close" event (at once if it was already dispatched). */
export function waitFor(socket, eventType) {
  const state = states.get(socket);
  return new Promise((resolve) => {
    if (eventType !== 'message' && state[eventType]) return resolve(state[eventType]);
    state.listeners[eventType].push(resolve);
  });
}

/** The data of the next `count` messages, PING packets ("2") skipped. */
export function waitForPackets(socket, count) {
  const state = states.get(socket);
  const packets = [];
  return new Promise((resolve) => {
    const handler = (event) => {
      if (event.data !== '2') packets.push(event.data);
      if (packets.length === count) resolve(packets);
      else state.listeners.message.push(handler);
    };
    state.listeners.message.push(handler);
  });
}

/** Terminates every socket still open (for `after` hooks). */
export function closeAllSockets() {
  for (const socket of sockets) socket.terminate();
  sockets.clear();
}
