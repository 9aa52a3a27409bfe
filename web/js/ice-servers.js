// The ICE configuration of a call's RTCPeerConnections: {iceServers, iceTransportPolicy}, from the server's
// get_ice_servers (docs/protocol.md). TURN credentials minted by the server expire (expiresAt), and a call may outlast
// them: whatever allocates a relay later (an ICE restart, a connection to someone who joins later) needs fresh ones.
// So they are fetched again shortly before they expire, and before every ICE restart (peer.js), and each change is
// handed to the connections (pc.setConfiguration). The policy is the operator's: 'relay' forces TURN
// (ICE_TRANSPORT_POLICY).

const MIN_MARGIN_MS = 60_000; // credentials are replaced this long (or a tenth of their lifetime) before they expire
const RETRY_MS = 15_000; // a failed refresh is retried after this
const RECENT_MS = 5_000; // an ICE restart reuses servers fetched this recently (a reconnect restarts every connection at once)

export class IceServerSource {
  /**
   * fetch(): resolves {iceServers, iceTransportPolicy?, expiresAt?} (get_ice_servers); initial: the iceServers the
   * call started with (the join answer's), used until the first fetch answers.
   */
  constructor(fetch, initial = []) {
    this.fetch = fetch;
    this.config = { iceServers: initial, iceTransportPolicy: 'all' };
    this.fetchedAt = 0;
    this.pending = null; // the fetch in flight, shared by everyone who asks meanwhile
    this.listeners = new Set();
    this.timer = null;
    this.closed = false;
  }

  /** The configuration to create a connection with now: {iceServers, iceTransportPolicy}. */
  current() {
    return this.config;
  }

  /** Calls `listener(config)` after each refresh that changed the configuration; returns the unsubscribe function. */
  onChange(listener) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Fetches fresh servers unless they were fetched within `maxAgeMs`, and resolves the current configuration. Never
   * rejects: after a failure the servers held stay in use (they may still be valid) and a retry is scheduled.
   */
  async refresh({ maxAgeMs = RECENT_MS } = {}) {
    if (this.closed || Date.now() - this.fetchedAt < maxAgeMs) return this.config;
    this.pending ??= this.#fetch().finally(() => {
      this.pending = null;
    });
    return this.pending;
  }

  close() {
    this.closed = true;
    clearTimeout(this.timer);
    this.listeners.clear();
  }

  async #fetch() {
    let data;
    try {
      data = await this.fetch();
    } catch (err) {
      console.warn('get_ice_servers failed, keeping the ICE servers held:', err.message);
      this.#schedule(RETRY_MS);
      return this.config;
    }
    if (this.closed || !Array.isArray(data?.iceServers)) return this.config;
    const config = { iceServers: data.iceServers, iceTransportPolicy: data.iceTransportPolicy === 'relay' ? 'relay' : 'all' };
    const changed = JSON.stringify(config) !== JSON.stringify(this.config);
    this.config = config;
    this.fetchedAt = Date.now();
    const expiresAt = Date.parse(data.expiresAt ?? '');
    if (Number.isFinite(expiresAt)) {
      const lifetime = expiresAt - this.fetchedAt;
      this.#schedule(Math.max(lifetime - Math.max(MIN_MARGIN_MS, lifetime / 10), RETRY_MS));
    }
    if (changed) for (const listener of this.listeners) listener(config);
    return config;
  }

  #schedule(delayMs) {
    clearTimeout(this.timer);
    if (this.closed) return;
    this.timer = setTimeout(() => this.refresh({ maxAgeMs: 0 }), Math.min(delayMs, 2 ** 31 - 1));
  }
}
