// The hearth-call web client: sign in with a token, start or answer calls, hold them. This file wires the pieces:
// api.js (REST), signaling.js (Socket.IO), call.js (one call: media + peer connections), and the views.
import { Api, devToken, devTokensAvailable } from './api.js';
import { Call } from './call.js';
import { CallView } from './call-view.js';
import { joinErrorMessage } from './errors.js';
import { LobbyView } from './lobby.js';
import { Signaling } from './signaling.js';

const TOKEN_KEY = 'hearth-call.token'; // per tab, so two tabs can be two different users

// The live state. Module-private on purpose: it holds the token (through api and signaling), so nothing puts it on
// `window` where any script in the page could read it.
const app = { signaling: null, api: null, call: null, user: null };

// One call at a time: true from a click on Call / Join / Accept (or a #call= link) until that call has joined or
// failed. Another request meanwhile is ignored (its buttons are disabled), so one socket never builds two calls.
let joining = false;

// --- messages ------------------------------------------------------------------------------------------------------

const notice = document.getElementById('notice');
let noticeTimer;

function notify(message, kind = 'info') {
  clearTimeout(noticeTimer);
  document.getElementById('notice-text').textContent = message;
  notice.className = `notice ${kind}`;
  notice.setAttribute('role', kind === 'error' ? 'alert' : 'status');
  notice.hidden = false;
  if (kind !== 'error') noticeTimer = setTimeout(clearNotice, 8000);
}

function clearNotice() {
  notice.hidden = true;
}
document.getElementById('notice-close').onclick = clearNotice;

// --- views ---------------------------------------------------------------------------------------------------------

const callView = new CallView({
  toggleMic: () => app.call?.toggleMic(),
  toggleCamera: () => app.call?.toggleCamera(),
  toggleScreen: () => app.call?.toggleScreen(),
  lock: () => app.call?.toggleLock(),
  leave: () => app.call?.leave(),
  end: () => app.call?.end(),
});

const lobby = new LobbyView({
  signIn,
  demoSignIn,
  signOut: () => signOut(null),
  startCall,
  joinCall: enterCall,
  refreshHistory,
  accept: (invitation) => enterCall(invitation.sessionId),
  decline: (invitation) =>
    app.signaling.request('decline_call', { sessionId: invitation.sessionId }).catch((err) => notify(err.message, 'error')),
});

// --- signing in and out --------------------------------------------------------------------------------------------

// One sign-in at a time: a second submit while the first is pending would open a second socket.
let signingIn = false;

async function signIn(token) {
  if (signingIn || app.signaling) return;
  signingIn = true;
  try {
    app.signaling = await Signaling.connect(token, linkedCall());
  } catch (err) {
    sessionStorage.removeItem(TOKEN_KEY);
    lobby.showSignIn({ demo: await devTokensAvailable() });
    return notify(`Sign-in failed: ${err.message}`, 'error');
  } finally {
    signingIn = false;
  }
  sessionStorage.setItem(TOKEN_KEY, token);
  app.api = new Api(token);
  app.user = app.signaling.user;
  listen(app.signaling);
  clearNotice();
  lobby.showLobby(app.user);
  refreshHistory();
  joinLinkedCall();
}

// A link to a call (#call=<sessionId>) joins it; the page keeps that link while in a call, so a reload rejoins.
function joinLinkedCall() {
  const linked = linkedCall();
  if (linked && app.api) enterCall(linked);
}

function linkedCall() {
  const linked = /^#call=(.+)$/.exec(location.hash)?.[1];
  return linked ? decodeURIComponent(linked) : null;
}
window.addEventListener('hashchange', joinLinkedCall);

async function demoSignIn(userId, name) {
  try {
    const { token } = await devToken(userId, name);
    await signIn(token);
  } catch (err) {
    notify(`Could not get a demo token: ${err.message}`, 'error');
  }
}

async function signOut(message) {
  const { signaling, call } = app;
  if (!signaling) return; // already signed out (several events can report the same loss)
  Object.assign(app, { signaling: null, api: null, call: null, user: null });
  sessionStorage.removeItem(TOKEN_KEY);
  await call?.leave();
  signaling.close();
  lobby.showSignIn({ demo: await devTokensAvailable() });
  if (message) notify(message, 'error');
}

// Events outside a call: invitations, calls ending while they ring, the connection itself.
function listen(signaling) {
  signaling.on('call_invitation', (invitation) => {
    lobby.ring(invitation);
    refreshHistory();
  });
  signaling.on('call_ended', ({ sessionId }) => {
    if (lobby.stopRinging(sessionId)) notify('The call you were invited to has ended.');
    refreshHistory();
  });
  signaling.on('disconnect', (reason) => {
    // The server closed this socket itself (it does not when it restarts): socket.io-client will not reconnect.
    if (reason === 'io server disconnect') signOut('Signed out: the server closed the connection.');
    else if (reason !== 'io client disconnect' && !app.call) notify('Connection lost, reconnecting…');
  });
  signaling.on('connect', () => !app.call && clearNotice());
  signaling.on('connect_error', (err) => {
    // The server refused the token (expired?): socket.io-client does not retry that.
    if (!signaling.socket.active) signOut(`Signed out: ${err.message}`);
  });
}

// --- calls ---------------------------------------------------------------------------------------------------------

async function oneCallAtATime(task) {
  if (joining) return;
  joining = true;
  lobby.setJoining(true);
  try {
    await task();
  } finally {
    joining = false;
    lobby.setJoining(false);
  }
}

function startCall(request) {
  return oneCallAtATime(async () => {
    let sessionId;
    try {
      ({ sessionId } = await app.api.initiate(request));
    } catch (err) {
      return notify(`Could not start the call: ${err.message}`, 'error');
    }
    await openCall(sessionId);
  });
}

function enterCall(sessionId) {
  return oneCallAtATime(() => openCall(sessionId));
}

// Leaves the current call (if another) and joins this one. Only through oneCallAtATime.
async function openCall(sessionId) {
  if (app.call?.sessionId === sessionId) return;
  await app.call?.leave();
  const { signaling, api } = app;
  if (!signaling) return; // signed out meanwhile
  lobby.hide();
  let session, iceServers;
  try {
    ({ session } = await api.session(sessionId));
    ({ iceServers } = await api.join(sessionId)); // 403 not invited, 409 full, 410 ended
  } catch (err) {
    if (app.signaling !== signaling) return;
    setCallLink(null);
    lobby.showLobby(app.user);
    return notify(joinErrorMessage(err), 'error');
  }
  if (app.signaling !== signaling) return; // signed out while asking
  await signaling.placeWith(sessionId); // with the call's other members: its relays stay on one thread of one node
  if (app.signaling !== signaling) return;
  const call = new Call({
    signaling, api, session, iceServers, view: callView, notify,
    onClosed: (message, kind) => {
      if (app.call !== call) return;
      app.call = null;
      setCallLink(null);
      if (app.user) lobby.showLobby(app.user);
      if (message) notify(message, kind);
      refreshHistory();
    },
  });
  app.call = call;
  setCallLink(sessionId);
  await call.start().catch(() => {}); // a failed join closes the call and reports through onClosed
}

function setCallLink(sessionId) {
  history.replaceState(null, '', sessionId ? `#call=${encodeURIComponent(sessionId)}` : location.pathname);
  app.signaling?.setCall(sessionId); // a reconnection lands with the call's other members
}

async function refreshHistory() {
  if (!app.api) return;
  try {
    const { sessions } = await app.api.history({ limit: 10 });
    lobby.renderHistory(sessions, app.user.userId);
  } catch (err) {
    console.warn('history:', err.message);
  }
}

// --- start ---------------------------------------------------------------------------------------------------------

const saved = sessionStorage.getItem(TOKEN_KEY);
if (saved) signIn(saved);
else lobby.showSignIn({ demo: await devTokensAvailable() });
