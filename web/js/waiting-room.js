// The waiting room of a call (docs/call-controls.md#joining-with-a-waiting-room), both sides of it:
// - WaitingScreen: our join was answered {waiting: true} (or waiting_room_entered): "Waiting for the host to let
//   you in", our camera's preview, the hosts' messages to the waiting room, and Leave. call_session_joined (the
//   admission) hides it again; waiting_room_denied closes the call.
// - WaitingList: for hosts, in the call view, the users waiting now (waiting_room_updated, and call_session_joined's
//   `waitingRoom`) with Admit and Deny.
// Both only render and report what the user did; Call and CallControls decide.
import { messageItem } from './chat-panel.js';

const $ = (id) => document.getElementById(id);

export class WaitingScreen {
  /** actions: {leave()} */
  constructor(actions) {
    this.root = $('waiting-view');
    this.preview = $('waiting-preview');
    this.messages = $('waiting-messages');
    $('waiting-leave').onclick = () => actions.leave();
  }

  get visible() {
    return !this.root.hidden;
  }

  /** title: the call's title; stream: our camera, shown as a preview. */
  show({ title, stream }) {
    const first = this.root.hidden;
    $('waiting-call').textContent = `${title}. You will join as soon as a host admits you.`;
    if (this.preview.srcObject !== stream) this.preview.srcObject = stream;
    this.preview.hidden = stream.getVideoTracks().length === 0;
    this.root.hidden = false;
    if (first) $('waiting-title').focus(); // read out first; Leave is next in the focus order
  }

  hide() {
    this.root.hidden = true;
    this.preview.srcObject = null;
    this.messages.replaceChildren();
    this.messages.hidden = true;
  }

  /** A host's message to the waiting room (or to us) while we wait. */
  message(text, timestamp, label) {
    if (this.root.hidden) return;
    this.messages.append(messageItem(text, timestamp, label));
    this.messages.hidden = false;
  }
}

export class WaitingList {
  /** actions: {admit(userId), deny(userId)} */
  constructor(actions) {
    this.actions = actions;
    this.panel = $('waiting-list-panel');
    this.list = $('waiting-list');
    this.users = [];
  }

  /** Shown to hosts only. */
  setVisible(visible) {
    this.panel.hidden = !visible;
  }

  /** waiting: [{userId, name, since}] in arrival order. Returns the users that were not in the previous list. */
  render(waiting) {
    const before = new Set(this.users.map((u) => u.userId));
    this.users = waiting;
    const focused = document.activeElement?.closest?.('#waiting-list li')?.dataset.userId;
    this.list.replaceChildren(...waiting.map((user) => this.#item(user)));
    $('waiting-count').textContent = waiting.length ? `(${waiting.length})` : '';
    $('waiting-empty').hidden = waiting.length > 0;
    // Keyboard users keep their place: focus moves to the next user's Admit (or the list's heading area).
    if (focused) (this.list.querySelector('li button') ?? this.panel).focus?.();
    return waiting.filter((u) => !before.has(u.userId));
  }

  #item({ userId, name, since }) {
    const item = document.createElement('li');
    item.dataset.userId = userId;
    const who = document.createElement('span');
    who.className = 'waiting-name';
    who.textContent = name || userId;
    item.append(who);
    const at = new Date(since ?? NaN);
    if (!Number.isNaN(at.getTime())) {
      const time = document.createElement('span');
      time.className = 'muted';
      time.textContent = ` since ${at.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}`;
      item.append(time);
    }
    const admit = button('Admit', `Admit ${name || userId}`, 'primary small', () => this.actions.admit(userId));
    const deny = button('Deny', `Deny ${name || userId}`, 'small', () => this.actions.deny(userId));
    const actions = document.createElement('span');
    actions.className = 'waiting-actions';
    actions.append(admit, deny);
    item.append(actions);
    return item;
  }
}

function button(text, label, className, onclick) {
  const b = document.createElement('button');
  b.type = 'button';
  b.className = className;
  b.textContent = text;
  b.setAttribute('aria-label', label);
  b.onclick = () => {
    b.disabled = true; // one request per click; the next waiting_room_updated redraws the list
    onclick();
  };
  return b;
}
