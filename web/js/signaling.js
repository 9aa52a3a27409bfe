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

export class Signaling {
  /** Connects and resolves once the server has accepted the token; rejects with the server's reason. */
  static connect(token) {
    const socket = io({ auth: { token } });
    return new Promise((resolve, reject) => {
      socket.once('authenticated', (user) => {
        socket.off('connect_error');
        resolve(new Signaling(socket, user));
      });
      socket.once('connect_error', (err) => {
        socket.disconnect();
        reject(new SignalingError('unauthenticated', err.message));
      });
    });
  }

  constructor(socket, user) {
    this.socket = socket;
    this.user = user; // {userId, name} as the server read them from the token
  }

  get connected() {
    return this.socket.connected;
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
