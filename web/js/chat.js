// The call's chat (docs/call-controls.md#chat), from the local user's side: sending with a clientMessageId,
// retrying, and merging what arrives live (chat_message_received) with the history (GET .../chat) by `seq`.
// ChatPanel (chat-panel.js) renders; this decides.
//
// Delivery: a message is sent only while we are in the call (after call_session_joined, until the socket drops),
// never buffered by socket.io-client into a socket that has not rejoined yet. Until the ack names its seq it stays
// pending; after a reconnect (the next call_session_joined) every pending message is sent again with the same
// clientMessageId, which the server stores once (a lost ack then answers `duplicate`). A page that joins or rejoins
// fetches the history it missed; a message heard twice (live and in the history, or echoed to its sender) has one
// seq and is shown once.

export const MAX_CHAT_CHARS = 4000; // code points, as the server counts them
const HISTORY_PAGE = 100;
const HISTORY_PAGES = 10; // at most 1,000 older messages on joining
const RETRY_MS = 1500; // after a rate_limited or timed-out send while still connected

/** A clientMessageId: 1 to 64 characters of A–Z a–z 0–9 _ - (a UUID's are). */
export function newClientMessageId() {
  return `m-${crypto.randomUUID()}`;
}

/** The number of characters the server counts (Unicode code points). */
export function chatLength(text) {
  return [...text].length;
}

export class Chat {
  /**
   * signaling: Signaling; api: Api; sessionId; me: {userId, name}; panel: ChatPanel;
   * nameOf(userId): a display name.
   */
  constructor({ signaling, api, sessionId, me, panel, nameOf }) {
    Object.assign(this, { signaling, api, sessionId, me, panel, nameOf });
    this.messages = new Map(); // seq -> message (as the server sends it)
    this.pending = new Map(); // clientMessageId -> {clientMessageId, text, toUserId?, toWaitingRoom?, attempt}
    this.inCall = false; // joined on the current socket
    this.attempt = 0; // counts joins: a send belongs to one
    this.catchingUp = Promise.resolve();
    this.closed = false;
    panel.onSend = (text, to) => this.send(text, to);
  }

  /** call_session_joined (a join, a rejoin, an admission): send what is pending, fetch what we missed. */
  joined() {
    this.inCall = true;
    this.attempt += 1;
    for (const message of this.pending.values()) this.#deliver(message);
    this.catchingUp = this.catchingUp.then(() => this.#catchUp()).catch((err) => console.warn('chat history:', err.message));
  }

  /** Our socket dropped: hold new messages until we are back in the call. */
  disconnected() {
    this.inCall = false;
  }

  /** chat_message_received. */
  received(message) {
    this.#add(message);
  }

  /**
   * Sends `text` to everyone, to one member (`to` = {userId}) or to the waiting room (`to` = {waitingRoom: true}).
   * Returns an error sentence when the text cannot be sent, or null.
   */
  send(text, to = {}) {
    if (this.closed) return 'The call is over.';
    if (!text.trim()) return 'Type a message first.';
    if (chatLength(text) > MAX_CHAT_CHARS) return `A message has at most ${MAX_CHAT_CHARS} characters.`;
    const message = { clientMessageId: newClientMessageId(), text, attempt: 0 };
    if (to.userId) message.toUserId = to.userId;
    if (to.waitingRoom) message.toWaitingRoom = true;
    this.pending.set(message.clientMessageId, message);
    this.panel.showPending(message, this.#describe(message));
    if (this.inCall) this.#deliver(message);
    return null;
  }

  close() {
    this.closed = true;
    this.pending.clear();
  }

  async #deliver(message) {
    if (!this.inCall || !this.signaling.connected) return; // sent again on the next call_session_joined
    const attempt = this.attempt;
    message.attempt = attempt;
    const { clientMessageId, text, toUserId, toWaitingRoom } = message;
    const payload = { sessionId: this.sessionId, text, clientMessageId };
    if (toUserId) payload.toUserId = toUserId;
    if (toWaitingRoom) payload.toWaitingRoom = true;
    try {
      const data = await this.signaling.request('chat_message', payload);
      if (!this.pending.has(clientMessageId)) return; // already confirmed (an echo, or an earlier attempt)
      this.#add({
        ...payload, messageId: data.messageId, seq: data.seq, timestamp: data.timestamp,
        fromUserId: this.me.userId, fromName: this.me.name,
      });
    } catch (err) {
      if (this.closed || !this.pending.has(clientMessageId)) return;
      // Lost with the socket: the next join sends it again. Timed out or too fast: again, with the same id.
      if (attempt !== this.attempt || !this.inCall) return;
      if (err.code === 'timeout' || err.code === 'rate_limited') {
        setTimeout(() => attempt === this.attempt && this.pending.has(clientMessageId) && this.#deliver(message), RETRY_MS);
        return;
      }
      this.pending.delete(clientMessageId);
      this.panel.showFailed(clientMessageId, err.message);
    }
  }

  // Pages back from the latest message until it reaches what we already have (or the start, or the page limit).
  async #catchUp() {
    const known = Math.max(0, ...this.messages.keys());
    let before;
    for (let page = 0; page < HISTORY_PAGES && !this.closed; page += 1) {
      const { messages, hasMore } = await this.api.chat(this.sessionId, { before, limit: HISTORY_PAGE });
      if (this.closed) return;
      for (const message of messages) this.#add(message);
      if (!hasMore || messages.length === 0 || messages[0].seq <= known) return;
      before = messages[0].seq;
    }
  }

  #add(message) {
    if (!Number.isInteger(message.seq) || this.messages.has(message.seq)) return;
    this.messages.set(message.seq, message);
    const mine = message.fromUserId === this.me.userId;
    if (mine && this.pending.delete(message.clientMessageId)) this.panel.removePending(message.clientMessageId);
    this.panel.show(message, this.#describe(message));
  }

  // How the panel labels a message: who sent it and, for a direct one, to whom.
  #describe(message) {
    const mine = !message.fromUserId || message.fromUserId === this.me.userId;
    const from = mine ? 'You' : message.fromName || this.nameOf(message.fromUserId);
    const toMe = message.toUserId === this.me.userId;
    let direct = null;
    // A host's message to one waiting user reaches that user and every host.
    if (message.toWaitingRoom && message.toUserId) {
      direct = toMe ? 'direct to you' : `to ${this.nameOf(message.toUserId)} in the waiting room`;
    } else if (message.toWaitingRoom) direct = 'to the waiting room';
    else if (message.toUserId) direct = toMe ? 'direct to you' : `direct to ${this.nameOf(message.toUserId)}`;
    return { from, mine, direct };
  }
}
