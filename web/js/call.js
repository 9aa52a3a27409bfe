// One call from the local user's side (docs/protocol.md): local media, one PeerLink per remote participant (a
// full mesh), the call's Socket.IO events, and recovery when a socket reconnects.
//
// Recovery: our socket reconnects -> join_call_session again (same peerId), keep each connection and resync it.
// Someone else's socket reconnects (user_reconnected, same peerId) -> point their connection at the new socket and
// resync it. Resyncing restarts ICE from the impolite side of the pair (peer.js). A new page of theirs (another
// peerId), or a message from a new connection of theirs -> rebuild the RTCPeerConnection.
//
// ICE servers: fetched with get_ice_servers before joining (fresh TURN credentials and the operator's transport
// policy, e.g. relay only), again before they expire and before ICE restarts; every connection gets each change
// (ice-servers.js).
//
// Quality: every STATS_INTERVAL_MS each connection is sampled (stats.js), the samples go to the server as a
// call_quality_report (quality.js) and drive each link's send bitrate (bitrate.js); the server's levels
// (connection_quality_changed) and bottleneck (quality_bottleneck_changed) are shown on the tiles.
//
// Call controls (docs/call-controls.md): a join answered {waiting: true} shows the waiting screen until
// call_session_joined (the admission) arrives; roles, hosts' controls and obeying moderation are CallControls'
// (host-controls.js), which turns our media off through hostMuted / hostStoppedVideo / hostStoppedScreen; the chat
// is Chat's (chat.js).
//
// Breakout rooms (breakout.js): we connect only to the members of our room. regroup() sets the others aside in
// `elsewhere` (no connection, no tile, their latest socket and media state kept) and connects again to those who
// come into our room; both sides of a pair regroup on the same event, and the offering side is the impolite one, as
// for any join.
import { BitrateController } from './bitrate.js';
import { Breakout } from './breakout.js';
import { Chat } from './chat.js';
import { ChatPanel } from './chat-panel.js';
import { joinErrorMessage, isFinal } from './errors.js';
import { CallControls } from './host-controls.js';
import { IceServerSource } from './ice-servers.js';
import { describeMediaError, openCamera, openScreen } from './media.js';
import { PeerLink } from './peer.js';
import { EstablishmentClock, qualityReport } from './quality.js';
import { sampleStats } from './stats.js';
import { WaitingScreen } from './waiting-room.js';

const STATS_INTERVAL_MS = 2000;
const RELAYED = ['webrtc_offer', 'webrtc_answer', 'webrtc_ice_candidate'];

export class Call {
  /**
   * signaling: Signaling; api: Api; session: the session document; iceServers: from the API; view: CallView;
   * notify(message, kind); onClosed(message, kind): called once, when the call is over for us.
   */
  constructor({ signaling, api, session, iceServers, view, notify, onClosed }) {
    Object.assign(this, { signaling, api, session, iceServers, view, notify, onClosed });
    this.sessionId = session.sessionId;
    this.me = signaling.user;
    this.peerId = `peer-${crypto.randomUUID()}`; // this page; a reloaded page joins with another one
    this.peers = new Map(); // userId -> PeerLink
    this.away = new Map(); // userId -> remote info: in their reconnect grace, a tile but no PeerLink yet
    this.elsewhere = new Map(); // userId -> remote info and media state: in another breakout room, no tile
    this.media = new Map(); // userId -> {hasAudio, hasVideo, isScreenSharing}, kept for tiles that come back
    this.names = new Map(session.participants.map((p) => [p.userId, p.name]));
    this.local = { stream: new MediaStream(), camera: null, screen: null, audio: false, video: false };
    this.unsubscribe = [];
    this.closed = false;
    this.bitrate = new BitrateController();
    this.establishment = new EstablishmentClock();
    this.sampling = false; // a stats round is running (a slow getStats must not stack them up)
    this.ice = new IceServerSource(() => signaling.getIceServers(), iceServers);
    this.waiting = false; // in the waiting room: joined but not admitted
    this.waitingScreen = new WaitingScreen({ leave: () => this.leave() });
    const nameOf = (userId) => this.#name(userId);
    this.controls = new CallControls({ call: this, signaling, api, view, notify, nameOf });
    this.chat = new Chat({ signaling, api, sessionId: this.sessionId, me: this.me, panel: new ChatPanel(), nameOf });
    this.breakout = new Breakout({ call: this, signaling, api, notify, nameOf });
  }

  /** Opens the camera, shows the call, joins it. Throws (after closing) when joining fails. */
  async start() {
    const settings = this.session.callSettings;
    const { stream, warning } = await openCamera();
    if (warning) this.notify(warning, 'error');
    if (this.closed) return stream.getTracks().forEach((t) => t.stop());
    const mic = stream.getAudioTracks()[0];
    this.local = { stream, camera: stream.getVideoTracks()[0] ?? null, screen: null, audio: false, video: false };
    this.chat.panel.reset();
    this.controls.load(this.session); // our role, and whether a host keeps our microphone or camera off
    const locks = this.controls.myLocks;
    this.local.audio = Boolean(mic) && settings.isAudioEnabled && !locks.audio;
    this.local.video = Boolean(this.local.camera) && settings.isVideoEnabled && !locks.video;
    if (mic) mic.enabled = this.local.audio;
    if (this.local.camera) this.local.camera.enabled = this.local.video;

    this.view.open({
      title: callTitle(this.session, this.me.userId),
      canEnd: this.controls.isHost || this.session.sessionType === 'one-to-one',
      canShare: settings.allowScreenShare && Boolean(navigator.mediaDevices?.getDisplayMedia),
    });
    this.view.addTile(this.me.userId, this.me.name, { local: true });
    this.view.setStream(this.me.userId, stream);
    this.#renderLocal();
    this.#subscribe();
    await this.ice.refresh({ maxAgeMs: 0 }); // before any connection exists: they all start with the policy
    if (this.closed) return;
    try {
      await this.#join(false);
    } catch (err) {
      this.close(joinErrorMessage(err), 'error');
      throw err;
    }
    this.#updateStatus();
    this.statsTimer = setInterval(() => this.#sampleStats(), STATS_INTERVAL_MS);
  }

  toggleMic() {
    const mic = this.local.stream.getAudioTracks()[0];
    if (!mic || (this.controls.myLocks.audio && !this.local.audio)) return;
    this.local.audio = mic.enabled = !this.local.audio;
    this.controls.mediaChanged({ audio: this.local.audio });
    this.#mediaChanged();
  }

  toggleCamera() {
    if (!this.local.camera || (this.controls.myLocks.video && !this.local.video)) return;
    this.local.video = this.local.camera.enabled = !this.local.video;
    this.controls.mediaChanged({ video: this.local.video });
    this.#mediaChanged();
  }

  toggleLock() {
    this.controls.toggleLock();
  }

  /** A host muted us (moderation_applied mute_audio): the microphone goes off as with the Mute button. */
  hostMuted() {
    const mic = this.local.stream.getAudioTracks()[0];
    if (mic) mic.enabled = false;
    this.local.audio = false;
    this.#mediaChanged();
  }

  /** A host turned our video off (disable_video); a screen share goes on (stop_screen_share stops it). */
  hostStoppedVideo() {
    if (this.local.camera) this.local.camera.enabled = false;
    this.local.video = false;
    this.#mediaChanged();
  }

  hostStoppedScreen() {
    return this.#stopScreen();
  }

  /** Roles or locks changed (CallControls): the buttons, and the chat's recipients. */
  controlsChanged() {
    if (this.local.stream) this.#renderLocal();
    this.#renderRecipients();
    this.breakout?.render();
  }

  /** Everyone in the call, us first: [{userId, name}] (the breakout form and its room lists). */
  members() {
    const others = [...this.peers.keys(), ...this.away.keys(), ...this.elsewhere.keys()];
    return [this.me.userId, ...others].map((userId) => ({ userId, name: this.#name(userId) }));
  }

  /**
   * The breakout rooms changed (breakout.js): close the connections to those not in our room (their tiles go), and
   * connect to those who are and have none.
   */
  regroup() {
    if (this.closed || this.waiting) return;
    for (const [userId, link] of [...this.peers]) if (!this.breakout.allows(userId)) this.#setAside(link.remote);
    for (const [userId, remote] of [...this.away]) if (!this.breakout.allows(userId)) this.#setAside({ ...remote, reconnecting: true });
    for (const [userId, remote] of [...this.elsewhere]) {
      if (!this.breakout.allows(userId)) continue;
      this.elsewhere.delete(userId);
      this.#upsertPeer({ ...remote, ...this.media.get(userId) }, { resync: false });
    }
    this.#updateStatus();
    this.breakout.render();
  }

  async toggleScreen() {
    if (this.local.screen) return this.#stopScreen();
    let track;
    try {
      track = await openScreen();
    } catch (err) {
      return this.notify(describeMediaError(err, 'screen'), 'error');
    }
    if (!track || this.closed) return track?.stop();
    this.local.screen = track;
    track.addEventListener('ended', () => this.#stopScreen()); // the browser's own "Stop sharing" button
    await this.#sendVideo(track);
    this.view.setStream(this.me.userId, new MediaStream([track]));
    this.#mediaChanged();
  }

  async leave() {
    if (this.signaling.connected) {
      await this.signaling.request('leave_call_session', { sessionId: this.sessionId }).catch((err) => console.warn(err));
    }
    this.close(null);
  }

  /** Ends the call for everyone (the initiator, or either party of a one-to-one call; a co-host by moderating). */
  async end() {
    const initiator = this.session.initiatorId === this.me.userId;
    if (!initiator && this.controls.isHost && this.session.sessionType !== 'one-to-one') return this.controls.endForEveryone();
    try {
      await this.api.end(this.sessionId);
      this.close('You ended the call.');
    } catch (err) {
      this.notify(err.message, 'error');
    }
  }

  /** Tears everything down (idempotent) and hands `message` ('info' or 'error' kind) to onClosed. */
  close(message, kind = 'info') {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.statsTimer);
    this.ice.close();
    for (const off of this.unsubscribe) off();
    for (const link of this.peers.values()) link.close();
    this.peers.clear();
    this.away.clear();
    this.elsewhere.clear();
    this.breakout.close();
    this.local.screen?.stop();
    for (const track of this.local.stream.getTracks()) track.stop();
    this.chat.close();
    this.waitingScreen.hide();
    this.view.close();
    this.onClosed(message, kind);
  }

  // --- signaling -------------------------------------------------------------------------------------------------

  #subscribe() {
    const on = (event, handler) =>
      this.unsubscribe.push(
        this.signaling.on(event, (payload) => {
          if (payload?.sessionId === this.sessionId && !this.closed) handler(payload);
        }),
      );
    on('call_session_joined', (data) => {
      if (this.waiting) this.#admitted();
      this.breakout.joined(data); // before the reconcile: whom to connect to
      this.#reconcile(data.participants, this.rejoining);
      this.controls.joined(data);
      this.chat.joined();
    });
    on('waiting_room_entered', () => this.#enterWaiting());
    on('waiting_room_denied', ({ reason }) =>
      this.close(reason ? `The host did not let you in: ${reason}` : 'The host did not let you in.', 'error'));
    on('waiting_room_updated', (p) => this.controls.waitingUpdated(p));
    on('moderation_applied', (p) => this.controls.applied(p));
    on('removed_from_call', (p) => this.controls.removed(p));
    on('chat_message_received', (m) => {
      this.chat.received(m);
      if (this.waiting) this.waitingScreen.message(m.text, m.timestamp, { from: m.fromName || this.#name(m.fromUserId), mine: false, direct: null });
    });
    on('user_joined_call', (p) => {
      this.controls.seen(p);
      this.#upsertPeer(p, { resync: true });
    });
    on('user_reconnected', (p) => {
      this.controls.seen(p);
      this.#upsertPeer(p, { resync: true });
    });
    on('user_disconnected', (p) => {
      this.view.setConnection(p.userId, 'reconnecting');
      if (this.elsewhere.has(p.userId)) this.elsewhere.get(p.userId).reconnecting = true;
    });
    on('user_left_call', (p) => {
      this.elsewhere.delete(p.userId);
      this.#removePeer(p.userId);
    });
    on('media_state_changed', (p) => {
      if (p.userId === this.me.userId) return;
      this.media.set(p.userId, { hasAudio: p.hasAudio, hasVideo: p.hasVideo, isScreenSharing: p.isScreenSharing });
      this.view.setMedia(p.userId, p);
    });
    on('breakout_rooms_opened', (p) => this.breakout.opened(p));
    on('breakout_room_assigned', (p) => this.breakout.assigned(p));
    on('breakout_room_changed', (p) => this.breakout.changed(p));
    on('breakout_rooms_closing', (p) => this.breakout.closing(p));
    on('breakout_rooms_closed', () => this.breakout.closed());
    for (const event of RELAYED) on(event, (message) => this.#onRelayed(message));
    on('call_declined', (p) => this.notify(`${p.name ?? this.#name(p.userId)} declined the call.`));
    on('call_ended', (p) => this.close(this.#endMessage(p)));
    on('call_error', (e) => e.code === 'replaced' && this.close('You joined this call from another window.', 'error'));
    on('connection_quality_changed', (p) => this.view.setLevel(p.userId, p.level, p.mos));
    on('quality_bottleneck_changed', (p) => {
      const isMe = p.userId === this.me.userId;
      this.bitrate.setBottleneck(isMe);
      this.view.setBottleneck(isMe);
    });
    this.unsubscribe.push(
      this.signaling.on('disconnect', () => {
        this.chat.disconnected();
        this.view.setStatus('Connection lost, reconnecting…');
      }),
      this.signaling.on('connect', () => this.#rejoin()),
      this.ice.onChange((config) => {
        for (const link of this.peers.values()) link.setIceConfig(config);
      }),
    );
  }

  async #join(rejoin) {
    this.rejoining = rejoin; // read by the call_session_joined handler, which runs before the ack
    this.establishment.started();
    const joined = await this.signaling.request('join_call_session', { sessionId: this.sessionId, peerId: this.peerId });
    if (joined?.waiting) return this.#enterWaiting(); // call_session_joined comes when a host admits us
    // Rejoining with connections that stayed up: media flows again as soon as we are back in.
    if ([...this.peers.values()].some((link) => link.pc.connectionState === 'connected')) this.establishment.connected();
    this.#announceMedia();
  }

  async #rejoin() {
    if (this.closed) return;
    this.view.setStatus('Rejoining…');
    try {
      await this.#join(true);
      if (!this.waiting) this.#updateStatus();
    } catch (err) {
      if (isFinal(err)) this.close(joinErrorMessage(err), 'error');
      else this.view.setStatus(`Could not rejoin: ${err.message}`);
    }
  }

  // Our join was answered {waiting: true} (or waiting_room_entered came): the waiting screen instead of the call.
  #enterWaiting() {
    this.waiting = true;
    this.view.setVisible(false);
    this.waitingScreen.show({ title: callTitle(this.session, this.me.userId), stream: this.local.stream });
  }

  // A host let us in (call_session_joined while waiting): the call view again, and our media state for the others.
  #admitted() {
    this.waiting = false;
    this.waitingScreen.hide();
    this.view.setVisible(true);
    this.notify('A host let you in.');
    this.establishment.started(); // the set-up time starts now, not when we started waiting
    this.#announceMedia();
  }

  /**
   * The participants call_session_joined lists are the truth: drop the others, add or resync these. Those marked
   * `reconnecting` are in their reconnect grace: keep their tile and connection, and wait for user_reconnected.
   */
  #reconcile(participants, rejoin) {
    const listed = new Set(participants.map((p) => p.userId));
    for (const userId of [...this.peers.keys(), ...this.away.keys(), ...this.elsewhere.keys()]) {
      if (listed.has(userId)) continue;
      this.elsewhere.delete(userId);
      this.#removePeer(userId);
    }
    for (const p of participants) this.#upsertPeer(p, { resync: rejoin });
  }

  #upsertPeer(info, { resync }) {
    if (info.name) this.names.set(info.userId, info.name);
    if ('hasAudio' in info) this.media.set(info.userId, { hasAudio: info.hasAudio, hasVideo: info.hasVideo, isScreenSharing: info.isScreenSharing });
    if (!this.breakout.allows(info.userId)) return this.#setAside(info); // in another breakout room
    this.elsewhere.delete(info.userId);
    const remote = { userId: info.userId, socketId: info.socketId, peerId: info.peerId, name: this.#name(info.userId) };
    const link = this.peers.get(info.userId);
    if (info.reconnecting) this.#keepWaiting(link, remote);
    else if (!link) this.#addPeer(remote);
    else if (info.peerId && link.remote.peerId && info.peerId !== link.remote.peerId) this.#rebuild(link, remote);
    else {
      Object.assign(link.remote, remote);
      if (resync) link.resync();
      this.view.setConnection(info.userId, link.pc.connectionState);
    }
    this.view.setName(info.userId, remote.name);
    if ('hasAudio' in info) this.view.setMedia(info.userId, info);
    this.#updateStatus();
  }

  // Their socket is gone for now: nothing to resync through. A connection we have stays as it is (user_reconnected
  // resyncs it); without one (this page is new), their tile waits and the connection is built when they return.
  #keepWaiting(link, remote) {
    if (link) Object.assign(link.remote, remote);
    else if (!this.away.has(remote.userId)) {
      this.away.set(remote.userId, remote);
      this.view.addTile(remote.userId, remote.name);
    }
    this.view.setConnection(remote.userId, 'reconnecting');
  }

  #onRelayed(message) {
    if (!this.breakout.acceptsFrom(message.fromUserId)) return; // sent before they left our breakout room
    let link =
      this.peers.get(message.fromUserId) ??
      this.#addPeer({ userId: message.fromUserId, socketId: message.fromSocketId, name: this.#name(message.fromUserId) });
    const verdict = link.classify(message);
    if (verdict === 'stale') return;
    if (verdict === 'replaced') link = this.#rebuild(link, link.remote);
    link.remote.socketId = message.fromSocketId;
    link.receive(message);
  }

  #addPeer(remote) {
    const link = new PeerLink({
      remote,
      polite: this.me.userId > remote.userId,
      ice: this.ice,
      stream: this.local.stream,
      videoTrack: this.local.screen ?? this.local.camera,
      signal: (event, body) => this.signaling.send(event, { sessionId: this.sessionId, ...body }),
      onRemoteStream: (stream) => this.view.setStream(remote.userId, stream),
      onStateChange: (state) => {
        if (state === 'connected') this.establishment.connected();
        this.view.setConnection(remote.userId, state);
      },
    });
    this.away.delete(remote.userId);
    this.peers.set(remote.userId, link);
    this.view.addTile(remote.userId, remote.name);
    this.view.setConnection(remote.userId, 'new');
    this.#updateStatus();
    return link;
  }

  #rebuild(link, remote) {
    link.close();
    this.peers.delete(remote.userId);
    return this.#addPeer({ ...remote });
  }

  // In another breakout room: no connection and no tile; kept to connect again when the rooms close.
  #setAside(info) {
    const remote = { userId: info.userId, socketId: info.socketId, peerId: info.peerId, name: this.#name(info.userId) };
    this.elsewhere.set(info.userId, { ...this.elsewhere.get(info.userId), ...remote, reconnecting: Boolean(info.reconnecting) });
    if (this.peers.has(info.userId) || this.away.has(info.userId)) this.#removePeer(info.userId);
    else this.#updateStatus();
  }

  #removePeer(userId) {
    this.peers.get(userId)?.close();
    this.peers.delete(userId);
    this.away.delete(userId);
    this.view.removeTile(userId);
    this.#updateStatus();
  }

  // --- local media -----------------------------------------------------------------------------------------------

  async #stopScreen() {
    const track = this.local.screen;
    if (!track) return;
    this.local.screen = null;
    track.stop();
    await this.#sendVideo(this.local.camera);
    this.view.setStream(this.me.userId, this.local.stream);
    this.#mediaChanged();
  }

  #sendVideo(track) {
    return Promise.all([...this.peers.values()].map((link) => link.setVideoTrack(track)));
  }

  #mediaChanged() {
    this.#renderLocal();
    this.#announceMedia();
  }

  #renderLocal() {
    const { stream, camera, screen, audio, video } = this.local;
    const locks = this.controls.myLocks;
    this.view.setControls({
      audio, video, screen: Boolean(screen), hasMic: stream.getAudioTracks().length > 0, hasCamera: Boolean(camera),
      audioLocked: locks.audio && !audio, videoLocked: locks.video && !video,
    });
    this.view.setMedia(this.me.userId, { hasAudio: audio, hasVideo: video, isScreenSharing: Boolean(screen) });
  }

  #announceMedia() {
    const { audio, video, screen } = this.local;
    this.signaling
      .request('media_state_changed', { sessionId: this.sessionId, hasAudio: audio, hasVideo: video, isScreenSharing: Boolean(screen) })
      .catch((err) => console.warn('media_state_changed:', err.message));
  }

  // --- status ----------------------------------------------------------------------------------------------------

  async #sampleStats() {
    if (this.sampling) return;
    this.sampling = true;
    try {
      const sampled = [];
      for (const [userId, link] of this.peers) {
        try {
          link.stats = await sampleStats(link.pc, link.stats);
        } catch {
          continue; // the connection was closed while sampling
        }
        if (this.closed) return;
        this.view.setQuality(userId, link.stats);
        if (link.pc.connectionState === 'connected') sampled.push(link);
      }
      this.#reportQuality(sampled);
      await this.bitrate.update(sampled);
    } finally {
      this.sampling = false;
    }
  }

  // Only connected links: a socket id of someone in their reconnect grace is stale. No links, no report.
  #reportQuality(links) {
    const payload = qualityReport(
      this.sessionId,
      links.map((link) => ({ socketId: link.remote.socketId, sample: link.stats })),
      this.establishment.ms,
    );
    if (!payload || !this.signaling.connected) return;
    this.signaling.request('call_quality_report', payload).catch((err) => console.debug('call_quality_report:', err.message));
  }

  #updateStatus() {
    const others = this.peers.size + this.away.size;
    const room = this.breakout.isOpen ? (this.breakout.myRoomName ?? 'the main call') : null;
    if (room) this.view.setStatus(`${others + 1} ${others === 0 ? 'person' : 'people'} in ${room}`);
    else this.view.setStatus(others === 0 ? 'Waiting for others to join…' : `${others + 1} people in the call`);
    this.#renderRecipients();
  }

  // The chat's direct-message choices: the others in the call; and the waiting room for hosts.
  #renderRecipients() {
    const members = [...this.peers.keys(), ...this.away.keys(), ...this.elsewhere.keys()].map((userId) => ({ userId, name: this.#name(userId) }));
    this.chat.panel.setRecipients(members, { waitingRoom: this.controls.isHost && Boolean(this.session.callSettings?.waitingRoom) });
  }

  #name(userId) {
    return this.names.get(userId) ?? userId;
  }

  #endMessage({ reason, endedBy }) {
    const who = endedBy === this.me.userId ? 'You' : this.#name(endedBy);
    switch (reason) {
      case 'ended_by_user': return `${who} ended the call.`;
      case 'declined': return `${who} declined the call.`;
      case 'all_left': return 'Everyone left; the call has ended.';
      case 'missed': return 'Nobody answered; the call has ended.';
      case 'timeout': return 'The call reached its time limit and has ended.';
      default: return 'The call has ended.';
    }
  }
}

/** The title, or "Group call with Bob, Carol". */
export function callTitle(session, myUserId) {
  if (session.metadata?.title) return session.metadata.title;
  const others = session.participants.filter((p) => p.userId !== myUserId).map((p) => p.name);
  const kind = { 'one-to-one': 'Call', group: 'Group call', therapy: 'Therapy session' }[session.sessionType] ?? 'Call';
  return `${kind} with ${others.join(', ')}`;
}
