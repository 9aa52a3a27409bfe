// The Socket.IO connection to hearth-call's signaling (docs/protocol.md), with the official socket.io-client the
// server serves. The token travels in the handshake (`auth`), so every automatic reconnection authenticates again.
import { io } from '/socket.io/socket.io.esm.min.js';

export class SignalingError extends Error {
  constructor(code, message) {
    super(message);
    this.name = 'SignalingError';
    this.code = code; // the server's error code: session_full, session_ended, forbidden, not_found, ...
  }
}

const ACK_TIMEOUT_MS = 10_000;

const callQuery = (callId) => (callId ? { callId } : {});
// Longer than the server's authentication timeout (10 s by default), which answers first when it is the cause.
const SIGN_IN_TIMEOUT_MS = 15_000;

/**
 * Resolves the user once the server has accepted the connecting socket's token (`authenticated`); rejects
 * (SignalingError 'unauthenticated', a sentence as message) however the socket fails before that: the server refuses
 * the token (connect_error), cannot be reached, says why and closes the socket (authentication_error, disconnect),
 * or nothing happens in time. With `closeOnFailure` the socket is closed then, so that it does not retry on its own.
 */
function signedIn(socket, { closeOnFailure }) {
  return new Promise((resolve, reject) => {
    const handlers = {
      authenticated: (user) => settle(() => resolve(user)),
      // socket.active: a transport error, which the client would retry; otherwise the server refused.
      connect_error: (err) => fail(socket.active ? `the server cannot be reached (${err.message}).` : err.message),
      // Sent just before the server closes the socket (the authentication timeout): the better reason.
      authentication_error: (e) => fail(e?.message || 'Authentication failed'),
      disconnect: (why) =>
        fail(why === 'io server disconnect' ? 'the server closed the connection.' : `the connection was lost (${why}).`),
    };
    const timer = setTimeout(() => fail('the server did not answer in time.'), SIGN_IN_TIMEOUT_MS);
    let settled = false;
    function settle(done) {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      for (const [event, handler] of Object.entries(handlers)) socket.off(event, handler);
      done();
    }
    function fail(message) {
      settle(() => {
        if (closeOnFailure) socket.disconnect();
        reject(new SignalingError('unauthenticated', message));
      });
    }
    for (const [event, handler] of Object.entries(handlers)) socket.on(event, handler);
  });
}

export class Signaling {
  /**
   * Connects and resolves once the server has accepted the token; `callId`, if the page opens on a call, names it
   * in the handshake. Rejects as signedIn() does, and closes the socket then, so it does not retry on its own.
   */
  static connect(token, callId = null) {
    const socket = io({ auth: { token }, query: callQuery(callId) });
    return signedIn(socket, { closeOnFailure: true }).then((user) => new Signaling(socket, user));
  }

  constructor(socket, user) {
    this.socket = socket;
    this.user = user; // {userId, name} as the server read them from the token
    // The call the handshake of the current connection named (each reconnection takes socket.io.opts.query).
    this.handshakeCall = socket.io.opts.query?.callId ?? null;
    socket.io.on('open', () => {
      this.handshakeCall = socket.io.opts.query?.callId ?? null;
    });
  }

  get connected() {
    return this.socket.connected;
  }

  /**
   * The call this socket is for (null: none). Named in the handshake of the next (re)connection, the server then
   * places the socket with the call's other members (docs/protocol.md, "Naming the call in the handshake").
   */
  setCall(callId) {
    this.socket.io.opts.query = callQuery(callId);
  }

  /**
   * Before joining `callId`: if this connection's handshake did not name it (the page signed in in the lobby, or was
   * in another call), connects again naming it, so that the server — and nginx in front of several nodes — places
   * the socket with the call's other members, and its relays stay on one thread of one node. One handshake more per
   * call; nothing is joined yet, so nothing is lost. Resolves once the server has accepted the token on the new
   * connection, or as things are if that fails (the join that follows then reports the problem).
   */
  async placeWith(callId) {
    this.setCall(callId);
    if (this.handshakeCall === callId && this.socket.connected) return;
    const socket = this.socket;
    socket.disconnect();
    socket.connect();
    await signedIn(socket, { closeOnFailure: false }).catch((err) => console.warn('placing the socket:', err.message));
  }

  /** Subscribes to a server event (or connect / disconnect / connect_error); returns the unsubscribe function. */
  on(event, handler) {
    this.socket.on(event, handler);
    return () => this.socket.off(event, handler);
  }

  /** Emits with an acknowledgement; resolves the ack's data or throws SignalingError. */
  async request(event, payload) {
    let answer;
    try {
      answer = await this.socket.timeout(ACK_TIMEOUT_MS).emitWithAck(event, payload);
    } catch {
      throw new SignalingError('timeout', 'The server did not answer in time');
    }
    if (!answer?.success) throw new SignalingError(answer?.code ?? 'internal', answer?.message ?? 'Request failed');
    return answer.data;
  }

  /** get_ice_servers: fresh {iceServers, iceTransportPolicy, expiresAt?} (new TURN credentials) for this user. */
  getIceServers() {
    return this.request('get_ice_servers', {});
  }

  /**
   * Fire and forget (WebRTC offers, answers, candidates). Dropped while disconnected: socket.io-client would
   * otherwise replay them after reconnecting, when they are stale.
   */
  send(event, payload) {
    if (this.socket.connected) this.socket.emit(event, payload);
  }

  close() {
    this.socket.disconnect();
  }
}
