// Everything outside a call: the sign-in forms, the "start a call" form, the call history and the ringing dialog.
// It only renders and reports what the user did through `actions`; app.js decides.
import { callTitle } from './call.js';

const $ = (id) => document.getElementById(id);

export class LobbyView {
  /**
   * actions: {signIn(token), demoSignIn(userId, name), signOut(), startCall(request), joinCall(sessionId),
   * refreshHistory(), accept(invitation), decline(invitation)}
   */
  constructor(actions) {
    this.actions = actions;
    this.invitation = null;
    this.joining = false;
    this.dialog = $('ring-dialog');

    $('token-form').onsubmit = (e) => {
      e.preventDefault();
      actions.signIn($('token-input').value.trim());
    };
    $('demo-form').onsubmit = (e) => {
      e.preventDefault();
      actions.demoSignIn($('demo-user').value.trim(), $('demo-name').value.trim());
    };
    $('sign-out').onclick = () => actions.signOut();
    $('call-type').onchange = () => {
      $('therapy-field').hidden = $('call-type').value !== 'therapy';
      $('therapy-id').required = !$('therapy-field').hidden;
      $('waiting-room').checked = $('call-type').value === 'therapy'; // the server's default for each type
    };
    $('start-form').onsubmit = (e) => {
      e.preventDefault();
      actions.startCall(this.#callRequest());
    };
    $('refresh-history').onclick = () => actions.refreshHistory();
    $('ring-accept').onclick = () => this.#answer(actions.accept);
    $('ring-decline').onclick = () => this.#answer(actions.decline);
    this.dialog.oncancel = () => (this.invitation = null); // Escape: stop ringing; the call stays in the history
  }

  showSignIn({ demo }) {
    $('loading').hidden = true;
    $('whoami').hidden = true;
    $('lobby-view').hidden = true;
    $('demo-form').hidden = !demo;
    $('sign-in-view').hidden = false;
  }

  showLobby(user) {
    $('loading').hidden = true;
    $('sign-in-view').hidden = true;
    $('token-input').value = ''; // the page keeps the token in sessionStorage only, not in a hidden form
    $('whoami-name').textContent = user.name;
    $('whoami-id').textContent = `(${user.userId})`;
    $('whoami').hidden = false;
    $('lobby-view').hidden = false;
  }

  /**
   * While a call is being joined, the buttons that would start or join another (Call, Join, Accept) are disabled:
   * one call at a time. The body's `data-joining` attribute says so too (for styles and tests).
   */
  setJoining(joining) {
    this.joining = joining;
    document.body.toggleAttribute('data-joining', joining);
    for (const button of document.querySelectorAll('#start-form button[type=submit], #history-list button, #ring-accept'))
      button.disabled = joining;
  }

  /** Hides the lobby while a call is on screen. */
  hide() {
    $('lobby-view').hidden = true;
  }

  renderHistory(sessions, myUserId) {
    const items = sessions.map((s) => this.#historyItem(s, myUserId));
    if (items.length === 0) items.push(element('li', { className: 'muted' }, 'No calls yet.'));
    $('history-list').replaceChildren(...items);
  }

  /** Shows the ringing dialog for a call_invitation payload. */
  ring(invitation) {
    this.invitation = invitation;
    const kind = { 'one-to-one': 'a call', group: 'a group call', therapy: 'a therapy session' }[invitation.sessionType];
    const title = invitation.metadata?.title ? ` “${invitation.metadata.title}”` : '';
    $('ring-text').textContent = `${invitation.initiator.name} invites you to ${kind ?? 'a call'}${title}.`;
    if (!this.dialog.open) this.dialog.showModal();
  }

  /** Closes the ringing dialog if it is for `sessionId`; returns whether it was. */
  stopRinging(sessionId) {
    if (this.invitation?.sessionId !== sessionId) return false;
    this.invitation = null;
    this.dialog.close();
    return true;
  }

  #answer(action) {
    const invitation = this.invitation;
    this.invitation = null;
    this.dialog.close();
    if (invitation) action(invitation);
  }

  #callRequest() {
    const sessionType = $('call-type').value;
    const request = {
      sessionType,
      participants: $('invitees').value.split(/[\s,]+/).filter(Boolean),
      callSettings: { allowScreenShare: $('allow-screen-share').checked, waitingRoom: $('waiting-room').checked },
    };
    const title = $('call-title').value.trim();
    if (title) request.metadata = { title };
    if (sessionType === 'therapy') request.therapySessionId = $('therapy-id').value.trim();
    return request;
  }

  #historyItem(session, myUserId) {
    const when = new Date(session.createdAt).toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' });
    const details = [when];
    if (session.duration > 0) details.push(formatDuration(session.duration));
    if (session.endReason) details.push(session.endReason.replaceAll('_', ' '));
    const item = element('li', {},
      element('div', { className: 'history-main' },
        element('strong', {}, callTitle(session, myUserId)),
        element('span', { className: `status status-${session.status}` }, session.status)),
      element('div', { className: 'muted' }, details.join(' · ')));
    if (session.status !== 'ended') {
      const join = element('button', { type: 'button', className: 'primary small' }, 'Join');
      join.setAttribute('aria-label', `Join ${callTitle(session, myUserId)}`);
      join.disabled = this.joining;
      join.onclick = () => this.actions.joinCall(session.sessionId);
      item.append(join);
    }
    return item;
  }
}

function element(tag, props, ...children) {
  const el = Object.assign(document.createElement(tag), props);
  el.append(...children);
  return el;
}

function formatDuration(seconds) {
  const m = Math.floor(seconds / 60);
  const s = String(seconds % 60).padStart(2, '0');
  return `${m}:${s}`;
}
