// Roles and moderation in a call (docs/call-controls.md), from the local user's side:
// - who is host, co-host or participant (the session document, call_session_joined, make_cohost / remove_cohost),
//   whether the call is locked, and who a host muted or turned the video off for with a lock;
// - for hosts: a menu on each remote tile (Mute, Turn off video, Stop screen share, Remove, Make / Remove co-host),
//   Lock / Unlock, End for everyone, and the waiting list (WaitingList, waiting-room.js) with Admit / Deny;
// - for everyone: obeying moderation_applied (a host muted us: the microphone goes off as with the Mute button,
//   and stays off while locked) and removed_from_call.
// The server enforces every rule; this only offers hosts what the server would accept, and shows the rest.
import { WaitingList } from './waiting-room.js';

const HOSTS = ['host', 'cohost'];

export class CallControls {
  /**
   * call: the Call (its obey hooks: hostMuted, hostStoppedVideo, hostStoppedScreen, close); signaling; api;
   * view: CallView; notify(message, kind); nameOf(userId).
   */
  constructor({ call, signaling, api, view, notify, nameOf }) {
    Object.assign(this, { call, signaling, api, view, notify, nameOf });
    this.sessionId = call.sessionId;
    this.me = signaling.user.userId;
    this.roles = new Map(); // userId -> host | cohost | participant
    this.locks = new Map(); // userId -> {audio, video}: a host's mute that the user cannot undo
    this.byHost = { audio: false, video: false }; // a host turned ours off (shown until we turn it back on)
    this.locked = false;
    this.waitingList = new WaitingList({
      admit: (userId) => this.#request('admit_participant', { userId }, () => this.waitingList.render(this.waitingList.users)),
      deny: (userId) => this.#request('deny_participant', { userId }, () => this.waitingList.render(this.waitingList.users)),
    });
    view.setTileMenu((userId) => this.#menu(userId));
  }

  get role() {
    return this.roles.get(this.me) ?? 'participant';
  }

  get isHost() {
    return HOSTS.includes(this.role);
  }

  /** Our own locks: {audio, video} true while a host keeps them off. */
  get myLocks() {
    return this.locks.get(this.me) ?? { audio: false, video: false };
  }

  /** The session document (GET /session/:id): roles, locks, `locked`, and the waiting list for hosts. */
  load(session) {
    for (const p of session.participants ?? []) {
      this.roles.set(p.userId, p.role ?? (p.userId === session.initiatorId ? 'host' : 'participant'));
      this.locks.set(p.userId, { audio: Boolean(p.audioLocked), video: Boolean(p.videoLocked) });
    }
    this.locked = Boolean(session.locked);
    if (Array.isArray(session.waitingRoom) && this.isHost) this.waitingList.render(session.waitingRoom);
    this.#render();
  }

  /**
   * call_session_joined: the others' roles, our waiting list (and our role and `locked`, which the server adds);
   * then the document again, for the locks (they may have changed while we were away).
   */
  joined(data) {
    for (const p of data.participants ?? []) if (p.role) this.roles.set(p.userId, p.role);
    if (data.role) this.roles.set(this.me, data.role);
    if (typeof data.locked === 'boolean') this.locked = data.locked;
    if (Array.isArray(data.waitingRoom)) this.waitingList.render(data.waitingRoom);
    this.#render();
    this.api.session(this.sessionId).then(({ session }) => this.call.closed || this.load(session))
      .catch((err) => console.warn('session:', err.message));
  }

  /** user_joined_call and user_reconnected carry the user's role. */
  seen({ userId, role }) {
    if (!role || this.roles.get(userId) === role) return;
    this.roles.set(userId, role);
    this.#render();
  }

  /** waiting_room_updated (hosts): the list, and a notice of each new arrival. */
  waitingUpdated({ waiting }) {
    if (!Array.isArray(waiting)) return;
    const arrived = this.waitingList.render(waiting);
    this.#render();
    if (arrived.length) this.notify(`${arrived.map((u) => u.name || u.userId).join(', ')} ${arrived.length > 1 ? 'are' : 'is'} waiting to join.`);
  }

  /** moderation_applied: record it, and obey when it is about us. */
  applied({ action, targetUserId, byUserId, lock }) {
    const mine = targetUserId === this.me;
    const by = byUserId === this.me ? 'You' : this.nameOf(byUserId);
    const locks = { ...(this.locks.get(targetUserId) ?? { audio: false, video: false }) };
    switch (action) {
      case 'mute_audio':
        this.locks.set(targetUserId, { ...locks, audio: Boolean(lock) });
        if (mine) {
          this.byHost.audio = true;
          this.call.hostMuted();
        }
        break;
      case 'disable_video':
        this.locks.set(targetUserId, { ...locks, video: Boolean(lock) });
        if (mine) {
          this.byHost.video = true;
          this.call.hostStoppedVideo();
        }
        break;
      case 'stop_screen_share':
        if (mine) {
          this.call.hostStoppedScreen();
          this.notify(`${by} stopped your screen share.`);
        }
        break;
      case 'lock':
      case 'unlock':
        this.locked = action === 'lock';
        this.notify(this.locked ? `${by} locked the call: nobody new can join.` : `${by} unlocked the call.`);
        break;
      case 'make_cohost':
      case 'remove_cohost':
        this.roles.set(targetUserId, action === 'make_cohost' ? 'cohost' : 'participant');
        if (mine) this.notify(action === 'make_cohost' ? `${by} made you a co-host.` : `${by} made you a participant again.`);
        if (mine && !this.isHost) this.waitingList.render([]);
        if (mine && this.isHost) this.api.session(this.sessionId).then(({ session }) => this.load(session)).catch(() => {});
        break;
      default:
        break; // remove and end_call: removed_from_call, user_left_call and call_ended say what to do
    }
    this.#render();
  }

  /** removed_from_call: we are out, and may not come back. */
  removed({ byUserId }) {
    this.call.close(`${this.nameOf(byUserId)} removed you from the call.`, 'error');
  }

  /** We turned our own microphone or camera back on: the host's mark goes. */
  mediaChanged({ audio, video }) {
    if (audio) this.byHost.audio = false;
    if (video) this.byHost.video = false;
    this.#renderHint();
  }

  toggleLock() {
    this.#request('moderate', { action: this.locked ? 'unlock' : 'lock' });
  }

  /** End for everyone: a co-host through moderate end_call (POST /session/:id/end is the initiator's). */
  endForEveryone() {
    return this.#request('moderate', { action: 'end_call' });
  }

  // --- rendering -------------------------------------------------------------------------------------------------

  #render() {
    const host = this.isHost;
    // Hosts of a call with a waiting room; in one without, only while someone waits (a therapy call's host away).
    const waitingRoom = Boolean(this.call.session.callSettings?.waitingRoom) || this.waitingList.users.length > 0;
    this.waitingList.setVisible(host && waitingRoom);
    this.view.setLock({ visible: host, locked: this.locked });
    this.view.setCanEnd(host || this.call.session.sessionType === 'one-to-one');
    this.view.refreshTileMenus();
    this.call.controlsChanged();
    this.#renderHint();
  }

  #renderHint() {
    const { audio, video } = this.myLocks;
    const lines = [];
    if (this.byHost.audio || audio) lines.push(audio ? 'Muted by host. A host can let you unmute.' : 'Muted by host.');
    if (this.byHost.video || video) lines.push(video ? 'Video turned off by host. A host can let you turn it on.' : 'Video turned off by host.');
    this.view.setModerationHint(lines.join(' '));
  }

  // The menu of a remote tile: what a host may do to that user (null: no menu). Built when it opens.
  #menu(userId) {
    if (!this.isHost || userId === this.me) return null;
    const role = this.roles.get(userId) ?? 'participant';
    if (role === 'host') return null; // nobody moderates the host
    if (role === 'cohost' && this.role !== 'host') return null; // nor a co-host another co-host
    const name = this.nameOf(userId);
    const { audio, video } = this.locks.get(userId) ?? {};
    const act = (action, extra) => () => this.#request('moderate', { action, targetUserId: userId, ...extra });
    const items = [];
    if (audio) items.push({ text: 'Allow unmuting', label: `Allow ${name} to unmute`, run: act('mute_audio', { lock: false }) });
    else {
      items.push({ text: 'Mute', label: `Mute ${name}`, run: act('mute_audio') });
      items.push({ text: 'Mute and lock', label: `Mute ${name} and lock their microphone`, run: act('mute_audio', { lock: true }) });
    }
    if (video) items.push({ text: 'Allow video', label: `Allow ${name} to turn their video on`, run: act('disable_video', { lock: false }) });
    else {
      items.push({ text: 'Video off', label: `Turn off ${name}'s video`, run: act('disable_video') });
      items.push({ text: 'Video off and lock', label: `Turn off ${name}'s video and lock it`, run: act('disable_video', { lock: true }) });
    }
    items.push({ text: 'Stop screen share', label: `Stop ${name}'s screen share`, run: act('stop_screen_share') });
    if (this.role === 'host') {
      if (role === 'cohost') items.push({ text: 'Remove co-host', label: `Make ${name} a participant again`, run: act('remove_cohost') });
      else items.push({ text: 'Make co-host', label: `Make ${name} a co-host`, run: act('make_cohost') });
    }
    items.push({ text: 'Remove', label: `Remove ${name} from the call`, run: act('remove'), danger: true });
    return { label: `Host controls for ${name}`, items };
  }

  #request(event, body, onFailure) {
    return this.signaling.request(event, { sessionId: this.sessionId, ...body }).catch((err) => {
      this.notify(err.message, 'error');
      onFailure?.();
    });
  }
}
