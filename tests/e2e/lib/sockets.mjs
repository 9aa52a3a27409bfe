// E2E Socket.IO helpers: connect the official socket.io-client to a hearth-call server, record every event a
// socket receives (so a test can await an event that may already have arrived), emit with acknowledgements and
// timeouts, and the signaling steps tests repeat (authenticate, join a call).
import assert from 'node:assert/strict';
import { io } from 'socket.io-client';

/** Transport modes: the client's default (long-polling, then the upgrade to WebSocket), polling only, WebSocket only. */
export const MODES = {
  upgrade: {},
  polling: { transports: ['polling'] },
  websocket: { transports: ['websocket'] },
};

export const DEFAULT_TIMEOUT_MS = 5_000;

// Every client event of the signaling protocol.
export const CLIENT_EVENTS = [
  'join_call_session', 'leave_call_session', 'webrtc_offer', 'webrtc_answer', 'webrtc_ice_candidate',
  'media_state_changed', 'decline_call', 'call_quality_report',
];

const open = new Set(); // sockets not closed yet, closed by closeAll()

/** A short label for messages: the user (if known) and the socket id. */
export function label(socket) {
  return `${socket.hearthUser?.userId ?? 'anonymous'}/${socket.id ?? socket.hearthId ?? '?'}`;
}

// Records every incoming event of `socket` as {event, args, at, used} and wakes the waiters it matches.
function record(socket) {
  socket.received = [];
  socket.waiters = new Set();
  socket.onAny((event, ...args) => {
    const rec = { event, args, at: Date.now(), used: false };
    socket.received.push(rec);
    for (const w of socket.waiters) {
      if (!rec.used && w.matches(rec)) {
        rec.used = true;
        w.resolve(rec);
      }
    }
  });
}

/**
 * A new socket (its own Engine.IO connection) to `server`, connected to "/". Options:
 *  - user: {userId, token} the socket belongs to (used in messages and by authenticate() / roundTrip())
 *  - connectAuth: send {token: user.token} in the CONNECT packet (then waits for `authenticated`)
 *  - auth: a raw CONNECT auth payload
 *  - mode: a MODES key, or transports / other socket.io-client options in `options`
 *  - reconnection: false unless given
 * Resolves once connected (rejects on connect_error or after timeoutMs).
 */
export async function connect(server, { user, connectAuth = false, auth, mode = 'websocket', timeoutMs = DEFAULT_TIMEOUT_MS,
  ...options } = {}) {
  const socket = io(server.url, {
    forceNew: true,
    reconnection: false,
    timeout: timeoutMs,
    ...MODES[mode],
    ...(connectAuth ? { auth: { token: user.token } } : auth !== undefined ? { auth } : {}),
    ...options,
  });
  socket.hearthUser = user;
  record(socket);
  open.add(socket);
  socket.on('connect', () => {
    socket.lastDisconnectReason = undefined;
  });
  socket.on('disconnect', (reason) => {
    socket.lastDisconnectReason = reason;
  });
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`socket of ${user?.userId ?? 'anonymous'} (${mode}) did not connect within ${timeoutMs} ms`));
    }, timeoutMs);
    const onConnect = () => {
      cleanup();
      resolve();
    };
    const onError = (err) => {
      cleanup();
      const e = new Error(`connect_error for ${user?.userId ?? 'anonymous'}: ${err.message}`);
      e.connectError = err;
      reject(e);
    };
    const cleanup = () => {
      clearTimeout(timer);
      socket.off('connect', onConnect);
      socket.off('connect_error', onError);
    };
    socket.once('connect', onConnect);
    socket.once('connect_error', onError);
  });
  socket.hearthId = socket.id;
  if (connectAuth) {
    const who = await waitFor(socket, 'authenticated');
    assert.deepEqual(who, { userId: user.userId, name: user.name }, 'authenticated payload after CONNECT auth');
  }
  return socket;
}

/** Connects and authenticates `user` with the `authenticate` event (a token string). */
export async function connectAs(server, user, options = {}) {
  const socket = await connect(server, { user, ...options });
  await authenticate(socket);
  return socket;
}

/** Closes every socket still open (for after/afterEach hooks). */
export function closeAll() {
  for (const s of open) {
    s.io.opts.reconnection = false;
    s.disconnect();
    s.io.engine?.close();
  }
  open.clear();
}

/**
 * Waits for the next unconsumed `event` on `socket` matching `where(payload, ...rest)` (any, by default), recorded
 * already or still to come, and marks it consumed. Resolves its first argument (or the whole record with
 * {record: true}).
 */
export function waitFor(socket, event, { where = () => true, timeoutMs = DEFAULT_TIMEOUT_MS, record: whole = false,
  what } = {}) {
  const matches = (rec) => rec.event === event && where(...rec.args);
  const done = (rec) => (whole ? rec : rec.args[0]);
  const found = socket.received.find((rec) => !rec.used && matches(rec));
  if (found) {
    found.used = true;
    return Promise.resolve(done(found));
  }
  return new Promise((resolve, reject) => {
    const waiter = {
      matches,
      resolve: (rec) => {
        clearTimeout(timer);
        socket.waiters.delete(waiter);
        resolve(done(rec));
      },
    };
    const timer = setTimeout(() => {
      socket.waiters.delete(waiter);
      const seen = socket.received.map((r) => `${r.event}${r.used ? '(consumed)' : ''} ${JSON.stringify(r.args[0])?.slice(0, 160)}`);
      reject(new Error(`${label(socket)}: no ${what ?? `'${event}'`} within ${timeoutMs} ms; received:\n  ${seen.join('\n  ') || '(nothing)'}`));
    }, timeoutMs);
    socket.waiters.add(waiter);
  });
}

/** The first arguments of every `event` recorded on `socket` so far (consumed or not), optionally filtered. */
export function received(socket, event, where = () => true) {
  return socket.received.filter((r) => r.event === event && where(...r.args)).map((r) => r.args[0]);
}

/** Asserts `socket` has recorded no `event` (matching `where`) so far. Call it after a barrier (roundTrip). */
export function assertNone(socket, event, where = () => true, why = '') {
  const got = received(socket, event, where);
  assert.equal(got.length, 0, `${label(socket)} should not have received '${event}'${why ? ` (${why})` : ''}: ${JSON.stringify(got).slice(0, 500)}`);
}

/** Emits `event` with `args` and resolves the acknowledgement's first argument (rejects after timeoutMs). */
export async function emitAck(socket, event, ...args) {
  let timeoutMs = DEFAULT_TIMEOUT_MS;
  if (args.length && args.at(-1)?.ackTimeoutMs) timeoutMs = args.pop().ackTimeoutMs;
  try {
    return await socket.timeout(timeoutMs).emitWithAck(event, ...args);
  } catch (err) {
    throw new Error(`${label(socket)}: no acknowledgement of '${event}' within ${timeoutMs} ms (${err.message})`);
  }
}

/** Asserts a success acknowledgement {success: true, message, data?}; returns data. */
export function expectAckOk(ack, what = 'ack') {
  assert.ok(ack && typeof ack === 'object', `${what}: an object expected, got ${JSON.stringify(ack)}`);
  assert.equal(ack.success, true, `${what}: ${JSON.stringify(ack)}`);
  assert.equal(typeof ack.message, 'string', `${what}: message`);
  assert.ok(ack.message.length > 0, `${what}: empty message`);
  for (const key of Object.keys(ack)) assert.ok(['success', 'message', 'data'].includes(key), `${what}: unexpected key ${key}`);
  return ack.data;
}

/** Asserts a failure acknowledgement {success: false, message, code}; `code` is checked when given. */
export function expectAckError(ack, code, what = 'ack') {
  assert.ok(ack && typeof ack === 'object', `${what}: an object expected, got ${JSON.stringify(ack)}`);
  assert.equal(ack.success, false, `${what}: ${JSON.stringify(ack)}`);
  assert.equal(typeof ack.message, 'string', `${what}: message`);
  assert.ok(ack.message.length > 0, `${what}: empty message`);
  assert.ok(!('data' in ack), `${what}: a failure carries no data`);
  if (code !== undefined) assert.equal(ack.code, code, `${what}: code of ${JSON.stringify(ack)}`);
  return ack;
}

/**
 * Emits `event` expecting a refusal: resolves the call_error {event, message, code} the socket gets for it, after
 * checking the acknowledgement carries the same message and code.
 */
export async function expectRefused(socket, event, payload, code) {
  const ack = await emitAck(socket, event, payload);
  expectAckError(ack, code, `ack of ${event}`);
  const err = await waitFor(socket, 'call_error', { where: (e) => e?.event === event, what: `call_error for ${event}` });
  assert.equal(typeof err.message, 'string');
  assert.equal(err.message, ack.message, 'call_error and ack carry the same message');
  if (code !== undefined) assert.equal(err.code, code, `call_error code of ${JSON.stringify(err)}`);
  return err;
}

/** `authenticate` with the socket's user token (a string, or {token} with asObject); returns the ack data. */
export async function authenticate(socket, { asObject = false, token = socket.hearthUser.token } = {}) {
  const ack = await emitAck(socket, 'authenticate', asObject ? { token } : token);
  const data = expectAckOk(ack, 'ack of authenticate');
  const user = socket.hearthUser;
  assert.deepEqual(data, { userId: user.userId, name: user.name }, 'authenticate ack data');
  const event = await waitFor(socket, 'authenticated');
  assert.deepEqual(event, data, 'authenticated event');
  return data;
}

/**
 * An ordering barrier: a request the server answers on the socket's own queue. Once it is answered, everything
 * the server sent the socket before has arrived. (Re-authenticates with the socket's own token.)
 */
export async function roundTrip(socket) {
  const ack = await emitAck(socket, 'authenticate', socket.hearthUser.token);
  expectAckOk(ack, 'ack of barrier authenticate');
  await waitFor(socket, 'authenticated');
}

/**
 * join_call_session ({peerId} defaults to peer-<socket id>; {peerId: undefined} sends none); asserts success and
 * resolves the call_session_joined payload (the ack's data).
 */
export async function joinCall(socket, sessionId, options = {}) {
  const payload = { sessionId, peerId: 'peerId' in options ? options.peerId : `peer-${socket.id}` };
  if (payload.peerId === undefined) delete payload.peerId;
  const ack = await emitAck(socket, 'join_call_session', payload);
  const data = expectAckOk(ack, `ack of join_call_session by ${label(socket)}`);
  const joined = await waitFor(socket, 'call_session_joined', { where: (d) => d?.sessionId === sessionId });
  assert.deepEqual(data, joined, 'join ack data equals call_session_joined');
  return joined;
}

/** leave_call_session; asserts success. */
export async function leaveCall(socket, sessionId) {
  const ack = await emitAck(socket, 'leave_call_session', { sessionId });
  expectAckOk(ack, `ack of leave_call_session by ${label(socket)}`);
}

/** Resolves when the socket's engine uses the WebSocket transport (after the upgrade, in the default mode). */
export async function waitUpgraded(socket, timeoutMs = DEFAULT_TIMEOUT_MS) {
  const engine = socket.io.engine;
  if (engine.transport.name === 'websocket') return;
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${label(socket)}: no upgrade to websocket within ${timeoutMs} ms`)), timeoutMs);
    engine.once('upgrade', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  assert.equal(engine.transport.name, 'websocket');
}

/** Resolves the disconnect reason of `socket` (immediately if it is already disconnected). */
export function waitDisconnect(socket, timeoutMs = DEFAULT_TIMEOUT_MS) {
  if (socket.disconnected && socket.lastDisconnectReason) return Promise.resolve(socket.lastDisconnectReason);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${label(socket)}: not disconnected within ${timeoutMs} ms`)), timeoutMs);
    socket.once('disconnect', (reason) => {
      clearTimeout(timer);
      resolve(reason);
    });
  });
}

/**
 * A bare Socket.IO client on a raw WebSocket (the `ws` package), for what socket.io-client will not do: send
 * frames of any size, stop reading. Connects to "/" with auth {token} when given and answers pings. Resolves
 * {ws, sid, socketId, open (the Engine.IO open packet), messages (text frames received), next(pred, what, ms) (the
 * first text frame matching `pred`; rejects after `ms`, by default `timeoutMs`), send(text),
 * emit(event, ...args), closed (a promise of {code, reason})}.
 */
export async function rawSocket(server, { token, timeoutMs = DEFAULT_TIMEOUT_MS } = {}) {
  const { default: WebSocket } = await import('ws');
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}/socket.io/?EIO=4&transport=websocket`);
  const messages = [];
  const waiters = new Set();
  const closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  ws.on('error', () => {}); // a refused or reset connection shows in `closed`
  ws.on('message', (data, isBinary) => {
    const text = isBinary ? null : data.toString();
    if (text === '2') ws.send('3');
    messages.push(text);
    for (const w of waiters) if (w.pred(text)) w.resolve(text);
  });
  const next = (pred, what = 'frame', ms = timeoutMs) => {
    const found = messages.find((m) => m !== null && pred(m));
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const w = {
        pred: (m) => m !== null && pred(m),
        resolve: (m) => {
          clearTimeout(timer);
          waiters.delete(w);
          resolve(m);
        },
      };
      const timer = setTimeout(() => {
        waiters.delete(w);
        reject(new Error(`raw socket: no ${what} within ${ms} ms; got ${JSON.stringify(messages.map((m) => m?.slice(0, 80)))}`));
      }, ms);
      waiters.add(w);
    });
  };
  const open = JSON.parse((await next((m) => m.startsWith('0'), 'open packet')).slice(1));
  ws.send(token ? `40${JSON.stringify({ token })}` : '40');
  const connected = await next((m) => m.startsWith('40') || m.startsWith('44'), 'CONNECT answer');
  assert.ok(connected.startsWith('40{'), `CONNECT refused: ${connected}`);
  const socketId = JSON.parse(connected.slice(2)).sid;
  if (token) await next((m) => m.startsWith('42["authenticated"'), 'authenticated');
  return {
    ws, sid: open.sid, socketId, open, messages, next, closed,
    send: (text) => ws.send(text),
    emit: (event, ...args) => ws.send(`42${JSON.stringify([event, ...args])}`),
  };
}

/**
 * For floods (tests/e2e/floods*.test.mjs): a raw Engine.IO WebSocket (the `ws` package) from `localAddress` (a
 * 127.x.y.z source address) that does not fail when the server refuses it. Resolves either
 *  {refused: {status, headers, text, json}} when the upgrade was answered with an HTTP error (or {status: 0, error}
 *  when the connection failed), or
 *  {ws, open (the Engine.IO open packet), messages (text frames; null for binary), next(pred, what), send(text),
 *   emit(event, ...args), closed (a promise of {code, reason, at}), connectAnswer (the CONNECT answer frame, if sent)}.
 * `connect` sends the namespace CONNECT ({token} when given) and waits for its answer; pings are answered.
 */
export async function floodSocket(server, { localAddress = '127.0.0.1', token, connect: doConnect = true,
  timeoutMs = DEFAULT_TIMEOUT_MS, query = '' } = {}) {
  const { default: WebSocket } = await import('ws');
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}/socket.io/?EIO=4&transport=websocket${query}`, { localAddress });
  const messages = [];
  const waiters = new Set();
  const closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString(), at: Date.now() })));
  ws.on('message', (data, isBinary) => {
    const text = isBinary ? null : data.toString();
    if (text === '2') ws.send('3');
    messages.push(text);
    for (const w of waiters) if (text !== null && w.pred(text)) w.resolve(text);
  });
  const upgraded = await new Promise((resolve) => {
    const timer = setTimeout(() => resolve({ refused: { status: 0, error: `no answer to the upgrade within ${timeoutMs} ms` } }), timeoutMs);
    ws.on('unexpected-response', (req, res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        clearTimeout(timer);
        const text = Buffer.concat(chunks).toString('utf8');
        let json = null;
        try { json = JSON.parse(text); } catch { json = null; }
        resolve({ refused: { status: res.statusCode, headers: res.headers, text, json } });
        req.destroy();
      });
      res.on('error', () => {});
    });
    ws.on('error', (e) => {
      clearTimeout(timer);
      resolve({ refused: { status: 0, error: e.message } });
    });
    ws.on('open', () => {
      clearTimeout(timer);
      resolve({});
    });
  });
  if (upgraded.refused) {
    ws.terminate();
    return upgraded;
  }
  const next = (pred, what = 'frame', waitMs = timeoutMs) => {
    const found = messages.find((m) => m !== null && pred(m));
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const w = {
        pred,
        resolve: (m) => {
          clearTimeout(timer);
          waiters.delete(w);
          resolve(m);
        },
      };
      const timer = setTimeout(() => {
        waiters.delete(w);
        reject(new Error(`flood socket: no ${what} within ${waitMs} ms; got ${JSON.stringify(messages.slice(-10).map((m) => m?.slice(0, 80)))}`));
      }, waitMs);
      waiters.add(w);
    });
  };
  const out = {
    ws, messages, next, closed,
    send: (text) => { if (ws.readyState === WebSocket.OPEN) ws.send(text); },
    emit: (event, ...args) => { if (ws.readyState === WebSocket.OPEN) ws.send(`42${JSON.stringify([event, ...args])}`); },
  };
  out.open = JSON.parse((await next((m) => m.startsWith('0'), 'open packet')).slice(1));
  if (doConnect) {
    ws.send(token ? `40${JSON.stringify({ token })}` : '40');
    out.connectAnswer = await next((m) => m.startsWith('40') || m.startsWith('44'), 'CONNECT answer');
  }
  return out;
}
