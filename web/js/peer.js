// One RTCPeerConnection to one remote participant, negotiated with "perfect negotiation"
// (https://w3c.github.io/webrtc-pc/#perfect-negotiation-example): either side may send an offer at any time
// (a track added, an ICE restart); when two offers cross, the polite side rolls its own back and answers, the
// impolite side ignores the other's offer. So glare cannot wedge a call. Roles come from comparing user ids.
//
// Glare is still best avoided: Chromium sometimes leaves a connection without ICE candidates after rolling back
// an offer. So the impolite side makes the first offer, and the polite side adds its tracks only when that offer
// arrives (they join its audio and video sections); it says hello instead, so the other side learns its
// connection id. ICE restarts after a reconnection come from the impolite side too. A watchdog restarts ICE on a
// connection that does not come up. Before each ICE restart the connection gets fresh ICE servers (ice-servers.js):
// the TURN credentials it started with may have expired in a long call.
//
// Every message carries `connectionId` (this RTCPeerConnection) and `targetConnectionId` (the remote one, once
// known). A message for an older connection of ours is dropped; a message from a newer remote connection (the
// other page was reloaded, or came back after the reconnect grace) means ours must be rebuilt: see classify().

const WATCHDOG_MS = 10_000; // the polite side waits twice as long, so both sides do not restart at once

export class PeerLink {
  /**
   * remote: {userId, socketId, peerId, name}; polite: boolean; ice: IceServerSource (ice-servers.js);
   * stream: the local MediaStream; videoTrack: what to send as video (camera or screen), or null;
   * signal(event, body): sends webrtc_offer / webrtc_answer / webrtc_ice_candidate to the remote socket;
   * onRemoteStream(stream), onStateChange(connectionState).
   */
  constructor({ remote, polite, ice, stream, videoTrack, signal, onRemoteStream, onStateChange }) {
    this.id = crypto.randomUUID();
    this.remote = { ...remote };
    this.remoteConnectionId = null;
    this.polite = polite;
    this.stream = stream;
    this.videoTrack = videoTrack;
    this.signal = signal;
    this.makingOffer = false;
    this.ignoreOffer = false;
    this.sending = false; // our tracks are on the connection
    this.queue = Promise.resolve(); // incoming messages, handled one at a time and in order
    this.ice = ice;

    const pc = new RTCPeerConnection({ ...ice.current() });
    this.pc = pc;
    pc.onnegotiationneeded = () => this.#offer();
    pc.onicecandidate = ({ candidate }) => {
      if (candidate) this.#send('webrtc_ice_candidate', { candidate });
    };
    pc.ontrack = ({ track, streams }) => onRemoteStream(streams[0] ?? new MediaStream([track]));
    pc.onconnectionstatechange = () => {
      this.#log(`connection ${pc.connectionState}`);
      if (pc.connectionState === 'connected') clearTimeout(this.watchdog);
      else this.#armWatchdog();
      if (pc.connectionState === 'failed' && !this.polite) this.#enqueue(() => this.#restartIce());
      onStateChange(pc.connectionState);
    };

    if (polite) this.#send('webrtc_ice_candidate', { candidate: null }); // hello: here is my connection id
    else this.#startSending({ offering: true });
    this.#armWatchdog();
  }

  /** 'ok', 'stale' (meant for an older connection of ours: drop it) or 'replaced' (the remote has a new connection). */
  classify(message) {
    if (message.targetConnectionId && message.targetConnectionId !== this.id) return 'stale';
    if (this.remoteConnectionId && message.connectionId !== this.remoteConnectionId) return 'replaced';
    return 'ok';
  }

  /** Handles an incoming webrtc_offer, webrtc_answer or webrtc_ice_candidate payload. */
  receive(message) {
    this.remoteConnectionId ??= message.connectionId;
    this.#enqueue(() => this.#handle(message));
  }

  /**
   * After a signaling outage messages may have been lost. The impolite side drops an offer of its own that will
   * never be answered and restarts ICE: a new offer with fresh ICE credentials on the same connection.
   */
  resync() {
    if (this.polite) return;
    this.#enqueue(async () => {
      if (this.pc.signalingState === 'have-local-offer') await this.pc.setLocalDescription({ type: 'rollback' });
      await this.#restartIce();
    });
  }

  /** New ICE servers (fresh TURN credentials, the operator's policy): used from the next ICE gathering on. */
  setIceConfig(config) {
    if (this.pc.signalingState === 'closed') return;
    try {
      this.pc.setConfiguration({ ...this.pc.getConfiguration(), ...config });
    } catch (err) {
      console.warn(`ICE servers for ${this.remote.userId} not updated:`, err.message);
    }
  }

  /** Sends `track` as our video (camera or screen); no renegotiation when a video sender exists. */
  async setVideoTrack(track) {
    this.videoTrack = track;
    if (!this.sending) return; // added with the other tracks later
    if (this.videoSender) await this.videoSender.replaceTrack(track);
    else if (track) this.videoSender = this.pc.addTrack(track, this.stream); // renegotiates
  }

  close() {
    clearTimeout(this.watchdog);
    this.pc.onnegotiationneeded = this.pc.onicecandidate = this.pc.ontrack = this.pc.onconnectionstatechange = null;
    this.pc.close();
  }

  /** Puts our tracks on the connection. An offering side also asks to receive audio and video it cannot send. */
  #startSending({ offering }) {
    if (this.sending) return;
    this.sending = true;
    const pc = this.pc;
    for (const track of this.stream.getAudioTracks()) pc.addTrack(track, this.stream);
    if (this.videoTrack) this.videoSender = pc.addTrack(this.videoTrack, this.stream);
    if (!offering) return;
    for (const kind of ['audio', 'video'])
      if (!pc.getTransceivers().some((t) => t.receiver.track.kind === kind)) pc.addTransceiver(kind, { direction: 'recvonly' });
  }

  async #handle({ offer, answer, candidate }) {
    const pc = this.pc;
    if (candidate !== undefined) {
      try {
        if (candidate) await pc.addIceCandidate(candidate);
      } catch (err) {
        if (!this.ignoreOffer) throw err; // candidates of an offer we ignored are expected to fail
      }
      return;
    }
    const description = offer ?? answer;
    const collision = description.type === 'offer' && (this.makingOffer || pc.signalingState !== 'stable');
    this.ignoreOffer = !this.polite && collision;
    this.#log(`received ${description.type} in ${pc.signalingState}${this.ignoreOffer ? ': ignored (glare)' : ''}`);
    if (this.ignoreOffer) return;
    if (description.type === 'offer') this.#startSending({ offering: false }); // our tracks join the offered sections
    await pc.setRemoteDescription(description); // on a collision, the polite side rolls back implicitly
    if (description.type === 'offer') {
      await pc.setLocalDescription();
      this.#send('webrtc_answer', { answer: pc.localDescription });
    }
  }

  async #offer() {
    try {
      this.makingOffer = true;
      await this.pc.setLocalDescription();
      this.#send('webrtc_offer', { offer: this.pc.localDescription });
    } catch (err) {
      console.warn(`offer to ${this.remote.userId} failed`, err);
    } finally {
      this.makingOffer = false;
    }
  }

  // Not connected after a while: a polite side still waiting for the first offer makes one itself; otherwise
  // restart ICE (new credentials, new candidates), which also recovers from lost candidates.
  #armWatchdog() {
    clearTimeout(this.watchdog);
    this.watchdog = setTimeout(() => {
      if (this.pc.connectionState === 'connected' || this.pc.connectionState === 'closed') return;
      this.#log(`not connected after ${this.polite ? 2 * WATCHDOG_MS : WATCHDOG_MS} ms: renegotiating`);
      if (!this.sending) this.#startSending({ offering: true });
      else this.#enqueue(async () => {
        if (this.pc.signalingState === 'have-local-offer') await this.pc.setLocalDescription({ type: 'rollback' });
        await this.#restartIce();
      });
      this.#armWatchdog();
    }, this.polite ? 2 * WATCHDOG_MS : WATCHDOG_MS);
  }

  // An ICE restart gathers new candidates, and a relay candidate needs TURN credentials that are still valid.
  async #restartIce() {
    this.setIceConfig(await this.ice.refresh());
    if (this.pc.signalingState === 'closed') return;
    this.pc.restartIce();
  }

  #send(event, body) {
    if (body.offer || body.answer) this.#log(`sending ${(body.offer ?? body.answer).type} in ${this.pc.signalingState}`);
    this.signal(event, {
      ...body,
      targetSocketId: this.remote.socketId,
      connectionId: this.id,
      targetConnectionId: this.remoteConnectionId ?? undefined,
    });
  }

  #log(text) {
    console.debug(`[peer ${this.remote.userId} ${this.id.slice(0, 8)}] ${text}`);
  }

  #enqueue(task) {
    this.queue = this.queue.then(task).catch((err) => console.warn(`signaling with ${this.remote.userId}:`, err));
  }
}
