// The call screen: a grid of video tiles (the local one first) with names and state badges, and the controls.
// It only renders; Call decides. Tile state lives in data attributes (data-audio="off", data-video="off",
// data-screen="on", data-connection="reconnecting", data-quality="good"), which the CSS turns into badges.
// data-quality is the participant's level as the server scores it (connection_quality_changed), on every tile
// including ours; the detail line under a remote tile is what we measure of that link ourselves.
// Hosts get a menu on each remote tile (its items come from CallControls, host-controls.js, when it opens).
import { levelLabel, QUALITY_LEVELS } from './quality.js';
import { describe } from './stats.js';

export class CallView {
  /** actions: {toggleMic, toggleCamera, toggleScreen, lock, leave, end}, each called on its button's click. */
  constructor(actions) {
    this.root = document.getElementById('call-view');
    this.tiles = document.getElementById('tiles');
    this.template = document.getElementById('tile-template');
    this.status = document.getElementById('call-status');
    this.hint = document.getElementById('call-hint');
    this.levels = new Map(); // userId -> {level, mos}: a level can arrive before the tile
    this.moderationHint = document.getElementById('moderation-hint');
    this.tileMenu = () => null; // userId -> {label, items: [{text, label, run, danger?}]} or null (no menu)
    this.buttons = {
      mic: document.getElementById('toggle-mic'),
      camera: document.getElementById('toggle-camera'),
      screen: document.getElementById('toggle-screen'),
      leave: document.getElementById('leave-call'),
      end: document.getElementById('end-call'),
      lock: document.getElementById('lock-call'),
    };
    this.buttons.mic.onclick = () => actions.toggleMic();
    this.buttons.camera.onclick = () => actions.toggleCamera();
    this.buttons.screen.onclick = () => actions.toggleScreen();
    this.buttons.leave.onclick = () => actions.leave();
    this.buttons.end.onclick = () => actions.end();
    this.buttons.lock.onclick = () => actions.lock();
    this.tiles.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') this.#closeMenus({ focus: true });
    });
  }

  /** title: heading; canEnd: show "End for everyone"; canShare: show "Share screen". */
  open({ title, canEnd, canShare }) {
    document.getElementById('call-heading').textContent = title;
    this.buttons.end.hidden = !canEnd;
    this.buttons.screen.hidden = !canShare;
    this.tiles.replaceChildren();
    this.levels.clear();
    this.setBottleneck(false);
    this.setStatus('');
    this.root.hidden = false;
  }

  /** Hides the call while we wait to be admitted (the tiles stay), and shows it again. */
  setVisible(visible) {
    this.root.hidden = !visible;
  }

  close() {
    for (const video of this.tiles.querySelectorAll('video')) video.srcObject = null;
    this.tiles.replaceChildren();
    this.levels.clear();
    this.setBottleneck(false);
    this.setModerationHint('');
    this.setLock({ visible: false, locked: false });
    this.root.hidden = true;
  }

  setStatus(text) {
    this.status.textContent = text;
  }

  /**
   * Reflects the local media state on the buttons; hasCamera/hasMic false disables what cannot work, and so does a
   * host's lock (audioLocked, videoLocked), which the button then names.
   */
  setControls({ audio, video, screen, hasMic, hasCamera, audioLocked = false, videoLocked = false }) {
    const { mic, camera, screen: share } = this.buttons;
    mic.textContent = audioLocked ? 'Muted by host' : audio ? 'Mute' : 'Unmute';
    mic.classList.toggle('off', !audio);
    mic.disabled = !hasMic || audioLocked;
    camera.textContent = videoLocked ? 'Video off by host' : video ? 'Stop video' : 'Start video';
    camera.classList.toggle('off', !video);
    camera.disabled = !hasCamera || videoLocked;
    share.textContent = screen ? 'Stop sharing' : 'Share screen';
    share.classList.toggle('active', screen);
  }

  /** Adds the tile of `userId` (once); local tiles are muted and mirrored. */
  addTile(userId, name, { local = false } = {}) {
    if (this.#tile(userId)) return this.setName(userId, name);
    const tile = this.template.content.firstElementChild.cloneNode(true);
    tile.dataset.userId = userId;
    tile.classList.toggle('local', local);
    const video = tile.querySelector('video');
    video.muted = local;
    if (local) this.tiles.prepend(tile);
    else this.tiles.append(tile);
    this.setName(userId, name, local);
    this.#renderLevel(userId);
    if (!local) this.#renderMenu(tile);
    this.#layout();
  }

  removeTile(userId) {
    const tile = this.#tile(userId);
    if (!tile) return;
    tile.querySelector('video').srcObject = null;
    tile.remove();
    this.levels.delete(userId);
    this.#layout();
  }

  setName(userId, name, local = false) {
    const tile = this.#tile(userId);
    if (!tile) return;
    tile.querySelector('.name').textContent = local ? `${name} (you)` : name;
    tile.querySelector('.avatar').textContent = initials(name);
    tile.setAttribute('aria-label', local ? `You (${name})` : name);
  }

  setStream(userId, stream) {
    const video = this.#tile(userId)?.querySelector('video');
    if (!video || video.srcObject === stream) return;
    video.srcObject = stream;
    // Autoplay with sound can be refused (no user gesture yet): play muted and offer a button.
    video.play().catch(() => {
      if (video.muted) return;
      video.muted = true;
      video.play().catch(() => {});
      const button = this.#tile(userId)?.querySelector('.play-sound');
      if (button) {
        button.hidden = false;
        button.onclick = () => {
          video.muted = false;
          button.hidden = true;
        };
      }
    });
  }

  /** media: {hasAudio, hasVideo, isScreenSharing} as media_state_changed carries them. */
  setMedia(userId, { hasAudio, hasVideo, isScreenSharing }) {
    const tile = this.#tile(userId);
    if (!tile) return;
    tile.dataset.audio = hasAudio ? 'on' : 'off';
    tile.dataset.video = hasVideo || isScreenSharing ? 'on' : 'off';
    tile.dataset.screen = isScreenSharing ? 'on' : 'off';
  }

  setConnection(userId, state) {
    const tile = this.#tile(userId);
    if (tile) tile.dataset.connection = state;
  }

  /** The detail line of a remote tile: what we measure of the link (stats.js sample). */
  setQuality(userId, sample) {
    const line = this.#tile(userId)?.querySelector('.quality');
    if (!line) return;
    const text = describe(sample);
    line.hidden = !text;
    line.textContent = text;
    line.title = `Measured here: ${text}`;
  }

  /** The participant's level (excellent, good, fair, poor, lost) and MOS from connection_quality_changed. */
  setLevel(userId, level, mos) {
    if (!QUALITY_LEVELS.includes(level)) return;
    this.levels.set(userId, { level, mos });
    this.#renderLevel(userId);
  }

  /** Hosts: Lock call / Unlock call. */
  setLock({ visible, locked }) {
    const lock = this.buttons.lock;
    lock.hidden = !visible;
    lock.textContent = locked ? 'Unlock call' : 'Lock call';
    lock.setAttribute('aria-pressed', String(locked));
    lock.title = locked ? 'Nobody new can join. Unlock to let people in again.' : 'Let nobody new join';
  }

  setCanEnd(canEnd) {
    this.buttons.end.hidden = !canEnd;
  }

  /** "Muted by host." and the like, under the title; empty hides it. */
  setModerationHint(text) {
    this.moderationHint.textContent = text;
    this.moderationHint.hidden = !text;
  }

  /** menuOf(userId): the host menu of a remote tile, or null; asked again by refreshTileMenus and on opening. */
  setTileMenu(menuOf) {
    this.tileMenu = menuOf;
    this.refreshTileMenus();
  }

  refreshTileMenus() {
    for (const tile of this.tiles.querySelectorAll('.tile:not(.local)')) this.#renderMenu(tile);
  }

  /** Shows or hides the hint that our own uplink is the call's bottleneck. */
  setBottleneck(isMe) {
    this.hint.hidden = !isMe;
  }

  #renderLevel(userId) {
    const tile = this.#tile(userId);
    const known = this.levels.get(userId);
    if (!tile || !known) return;
    const indicator = tile.querySelector('.level');
    tile.dataset.quality = known.level;
    indicator.hidden = false;
    const label = levelLabel(known.level);
    indicator.setAttribute('aria-label', label);
    indicator.title = Number.isFinite(known.mos) ? `${label} (MOS ${known.mos.toFixed(1)})` : label;
  }

  // The menu's toggle (shown when there is a menu), and its items when open.
  #renderMenu(tile) {
    const menu = this.tileMenu(tile.dataset.userId);
    const box = tile.querySelector('.tile-menu');
    const toggle = box.querySelector('.tile-menu-toggle');
    const items = box.querySelector('.tile-menu-items');
    box.hidden = !menu;
    if (!menu) return this.#setMenuOpen(tile, false);
    toggle.setAttribute('aria-label', menu.label);
    toggle.title = menu.label;
    items.id ||= `tile-menu-${crypto.randomUUID()}`;
    toggle.setAttribute('aria-controls', items.id);
    toggle.onclick = () => this.#setMenuOpen(tile, toggle.getAttribute('aria-expanded') !== 'true');
    if (toggle.getAttribute('aria-expanded') === 'true') this.#fillMenu(tile, menu);
  }

  #setMenuOpen(tile, open) {
    if (open) this.#closeMenus({ focus: false });
    const toggle = tile.querySelector('.tile-menu-toggle');
    const items = tile.querySelector('.tile-menu-items');
    toggle.setAttribute('aria-expanded', String(open));
    items.hidden = !open;
    tile.classList.toggle('menu-open', open);
    if (!open) return items.replaceChildren();
    const menu = this.tileMenu(tile.dataset.userId);
    if (!menu) return this.#setMenuOpen(tile, false);
    this.#fillMenu(tile, menu);
    items.querySelector('button')?.focus();
  }

  #fillMenu(tile, menu) {
    const buttons = menu.items.map(({ text, label, run, danger }) => {
      const b = document.createElement('button');
      b.type = 'button';
      b.className = danger ? 'small danger' : 'small';
      b.textContent = text;
      b.setAttribute('aria-label', label);
      b.onclick = () => {
        this.#setMenuOpen(tile, false);
        tile.querySelector('.tile-menu-toggle').focus();
        run();
      };
      return b;
    });
    tile.querySelector('.tile-menu-items').replaceChildren(...buttons);
  }

  #closeMenus({ focus }) {
    for (const tile of this.tiles.querySelectorAll('.tile.menu-open')) {
      this.#setMenuOpen(tile, false);
      if (focus) tile.querySelector('.tile-menu-toggle').focus();
    }
  }

  #tile(userId) {
    return this.tiles.querySelector(`[data-user-id="${CSS.escape(userId)}"]`);
  }

  #layout() {
    this.tiles.dataset.count = this.tiles.children.length;
  }
}

function initials(name) {
  return name.split(/\s+/).filter(Boolean).slice(0, 2).map((w) => w[0].toUpperCase()).join('') || '?';
}
