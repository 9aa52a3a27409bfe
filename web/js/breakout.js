// Breakout rooms (docs/call-controls.md, "Breakout rooms") from the local user's side:
// - who is in which room: the open rooms' userIds (breakout_rooms_opened, or call_session_joined's breakoutRooms
//   after a reload or a reconnect), hosts' visits (breakout_room_changed; after a reload the session document's
//   `visits`), null = the main call. Call (call.js, regroup) keeps connections with the members of our room only;
//   the server relays only within a room;
// - for everyone: a banner with our room's name and the closing countdown (breakout_rooms_closing, counted down
//   here), and announcements in a live region;
// - for hosts of a group call: "Breakout rooms" in the toolbar opens a panel: the number of rooms, at random or by
//   hand (a room for each participant), an optional duration, Open; while open, the rooms with Join, Back to main
//   call, and Close rooms after a countdown.
// The server enforces every rule; a refusal is shown in the notice.

const $ = (id) => document.getElementById(id);

export class Breakout {
  /** call: the Call (regroup(), members(), controls.isHost, session, closed); signaling; api; notify; nameOf. */
  constructor({ call, signaling, api, notify, nameOf }) {
    Object.assign(this, { call, signaling, api, notify, nameOf });
    this.sessionId = call.sessionId;
    this.me = signaling.user.userId;
    this.rooms = []; // [{roomId, name, userIds}] while rooms are open
    this.visits = new Map(); // userId -> roomId (null: the main call): hosts away from their assigned room
    this.unsure = new Set(); // hosts whose visits we do not know yet (after a join, until the session document)
    this.endsAt = null; // Date, a duration's end
    this.closingAt = null; // ms since the epoch, while closing
    this.timer = null;
    this.el = {
      toggle: $('breakout-toggle'), panel: $('breakout-panel'), form: $('breakout-form'), count: $('breakout-count'),
      people: $('breakout-people'), duration: $('breakout-duration'), running: $('breakout-running'),
      list: $('breakout-rooms'), main: $('breakout-main'), countdown: $('breakout-countdown-input'),
      close: $('breakout-close'), banner: $('breakout-banner'), where: $('breakout-where'),
      left: $('breakout-left'), announce: $('breakout-announce'),
    };
    const el = this.el;
    el.toggle.onclick = () => this.#setPanelOpen(el.panel.hidden);
    el.form.onsubmit = (e) => {
      e.preventDefault();
      this.#openRooms();
    };
    el.form.onchange = (e) => {
      if (e.target === el.count || e.target.name === 'breakout-assign') this.#renderPeople();
    };
    el.count.oninput = () => this.#renderPeople();
    el.main.onclick = () => this.#request('join_breakout_room', { roomId: null });
    el.close.onclick = () => {
      const seconds = Math.min(300, Math.max(0, Math.round(Number(el.countdown.value) || 0)));
      this.#request('close_breakout_rooms', { countdownSeconds: seconds });
    };
    el.panel.addEventListener('keydown', (e) => {
      if (e.key !== 'Escape') return;
      this.#setPanelOpen(false);
      el.toggle.focus();
    });
  }

  get isOpen() {
    return this.rooms.length > 0;
  }

  /** The room of `userId` (null: the main call, or no rooms open). */
  roomOf(userId) {
    if (!this.isOpen) return null;
    if (this.visits.has(userId)) return this.visits.get(userId);
    return this.rooms.find((r) => r.userIds.includes(userId))?.roomId ?? null;
  }

  get myRoom() {
    return this.roomOf(this.me);
  }

  /** The name of our breakout room, or null in the main call. */
  get myRoomName() {
    const id = this.myRoom;
    return id ? (this.rooms.find((r) => r.roomId === id)?.name ?? null) : null;
  }

  /** Whether we connect to `userId`: they are in our room. */
  allows(userId) {
    return this.roomOf(userId) === this.myRoom;
  }

  /**
   * Whether to take a relayed message from `userId`: from our room, or from a host whose visit we do not know yet
   * (the server relays within a room only, so a host who offers just after our join is in our room).
   */
  acceptsFrom(userId) {
    return this.allows(userId) || this.unsure.has(userId);
  }

  /** call_session_joined: the open round and our room; the others' visits come with the session document. */
  joined(data) {
    if (!('breakoutRooms' in data)) return;
    const open = data.breakoutRooms;
    const before = this.myRoom;
    this.#setRooms(open?.rooms ?? [], open?.endsAt);
    if (!this.isOpen) this.closingAt = null;
    const mine = data.breakoutRoomId ?? null;
    if (this.isOpen && mine !== this.roomOf(this.me)) this.visits.set(this.me, mine);
    const hosts = (data.participants ?? []).filter((p) => p.role === 'host' || p.role === 'cohost');
    this.unsure = new Set(this.isOpen ? hosts.map((p) => p.userId) : []);
    this.#render();
    if (before !== this.myRoom) this.#announce(this.#whereText());
    if (!this.isOpen) return;
    const asked = this.rooms;
    this.api.session(this.sessionId).then(({ session }) => {
      if (this.call.closed || this.rooms !== asked || !session.breakoutRooms) return; // a newer event knows better
      for (const v of session.breakoutRooms.visits ?? []) if (v.userId !== this.me) this.visits.set(v.userId, v.roomId || null);
      this.unsure.clear();
      this.#render();
      this.call.regroup();
    }).catch((err) => console.warn('session:', err.message));
  }

  /** breakout_rooms_opened */
  opened({ rooms, endsAt }) {
    this.#setRooms(rooms ?? [], endsAt);
    this.closingAt = null;
    this.unsure.clear();
    clearInterval(this.timer);
    this.#render();
    this.#announce(this.#whereText());
    this.call.regroup();
  }

  /** breakout_room_assigned: our room (opened names it too); its members' names. */
  assigned({ roomId, name, participants }) {
    if (!this.rooms.some((r) => r.roomId === roomId))
      this.rooms.push({ roomId, name, userIds: (participants ?? []).map((p) => p.userId) });
    this.#render();
    this.call.regroup();
  }

  /** breakout_room_changed: a host visits a room (roomId null: back in the main call). */
  changed({ userId, roomId }) {
    if (!this.isOpen) return;
    this.visits.set(userId, roomId ?? null);
    this.unsure.delete(userId);
    this.#render();
    if (userId === this.me) this.#announce(this.#whereText());
    this.call.regroup();
  }

  /** breakout_rooms_closing: the countdown, counted down here. */
  closing({ secondsLeft }) {
    if (!this.isOpen) return;
    const seconds = Math.max(0, Number(secondsLeft) || 0);
    this.closingAt = Date.now() + seconds * 1000;
    clearInterval(this.timer);
    this.timer = setInterval(() => this.#renderBanner(), 250);
    this.#render();
    this.#announce(`Breakout rooms close in ${seconds} ${seconds === 1 ? 'second' : 'seconds'}.`);
  }

  /** breakout_rooms_closed: everyone is back in the main call. */
  closed() {
    const was = this.isOpen;
    this.rooms = [];
    this.visits.clear();
    this.unsure.clear();
    this.endsAt = this.closingAt = null;
    clearInterval(this.timer);
    this.#render();
    if (was) this.#announce('Breakout rooms closed. You are back in the main call.');
    this.call.regroup();
  }

  /** Roles changed, or the members did: the host's control and panel. */
  render() {
    this.#render();
  }

  /** The call is over: nothing shown, no timer. */
  close() {
    clearInterval(this.timer);
    this.rooms = [];
    this.visits.clear();
    this.endsAt = this.closingAt = null;
    this.el.banner.hidden = true;
    this.el.toggle.hidden = true;
    this.el.panel.hidden = true;
    this.el.toggle.setAttribute('aria-expanded', 'false');
    this.el.announce.textContent = '';
    this.peopleKey = null;
  }

  // --- host actions ------------------------------------------------------------------------------------------------

  #openRooms() {
    const { count, duration } = this.el;
    const n = Math.round(Number(count.value));
    const body = {};
    if (this.#byHand) {
      body.rooms = Array.from({ length: n }, (_, i) => ({ name: `Room ${i + 1}`, userIds: [] }));
      for (const select of this.el.people.querySelectorAll('select')) {
        const i = Number(select.value);
        if (i >= 1 && i <= n) body.rooms[i - 1].userIds.push(select.dataset.userId);
      }
    } else {
      Object.assign(body, { count: n, random: true });
    }
    const minutes = Number(duration.value);
    if (duration.value !== '' && minutes > 0) body.durationSeconds = Math.round(minutes * 60);
    this.#request('open_breakout_rooms', body);
  }

  get #byHand() {
    return this.el.form.elements['breakout-assign'].value === 'hand';
  }

  #request(event, body) {
    return this.signaling.request(event, { sessionId: this.sessionId, ...body }).catch((err) => this.notify(err.message, 'error'));
  }

  // --- rendering ---------------------------------------------------------------------------------------------------

  #render() {
    if (this.call.closed) return;
    const canHost = this.call.controls.isHost && this.call.session.sessionType === 'group';
    this.el.toggle.hidden = !canHost;
    if (!canHost) this.#setPanelOpen(false);
    this.el.form.hidden = this.isOpen;
    this.el.running.hidden = !this.isOpen;
    if (this.isOpen) this.#renderRooms();
    else if (!this.el.panel.hidden) this.#renderPeople();
    this.#renderBanner();
  }

  #setPanelOpen(open) {
    this.el.panel.hidden = !open;
    this.el.toggle.setAttribute('aria-expanded', String(open));
    if (!open) return;
    this.#render();
    (this.isOpen ? this.el.list.querySelector('button:not([disabled])') ?? this.el.main : this.el.count).focus();
  }

  // By hand: a select of room for each member of the call (us included), keeping the choices made so far.
  #renderPeople() {
    const people = this.el.people;
    people.hidden = !this.#byHand;
    if (people.hidden) return;
    const n = Math.min(8, Math.max(1, Math.round(Number(this.el.count.value) || 1)));
    const members = this.call.members();
    const key = JSON.stringify([n, members]);
    if (key === this.peopleKey) return; // unchanged: keep the selects (and the focus)
    this.peopleKey = key;
    const chosen = new Map([...people.querySelectorAll('select')].map((s) => [s.dataset.userId, s.value]));
    const rows = members.map(({ userId, name }) => {
      const id = `breakout-user-${crypto.randomUUID()}`;
      const label = document.createElement('label');
      label.htmlFor = id;
      label.textContent = userId === this.me ? `${name} (you)` : name;
      const select = document.createElement('select');
      select.id = id;
      select.dataset.userId = userId;
      select.append(new Option('Main call', '0'));
      for (let i = 1; i <= n; i++) select.append(new Option(`Room ${i}`, String(i)));
      const before = Number(chosen.get(userId) ?? 0);
      select.value = String(before <= n ? before : 0);
      const row = document.createElement('div');
      row.className = 'breakout-person';
      row.append(label, select);
      return row;
    });
    people.replaceChildren(...rows);
  }

  // Open: each room with its members and Join; Back to main call when we are in a room.
  #renderRooms() {
    const mine = this.myRoom;
    const items = this.rooms.map((room) => {
      const li = document.createElement('li');
      const name = document.createElement('span');
      name.className = 'waiting-name';
      name.textContent = room.name;
      const members = this.call.members().filter((m) => this.roomOf(m.userId) === room.roomId);
      const who = document.createElement('span');
      who.className = 'muted';
      who.textContent = members.length ? members.map((m) => (m.userId === this.me ? 'you' : m.name)).join(', ') : 'nobody';
      const join = document.createElement('button');
      join.type = 'button';
      join.className = 'small';
      join.textContent = mine === room.roomId ? 'Here' : 'Join';
      join.setAttribute('aria-label', mine === room.roomId ? `You are in ${room.name}` : `Join ${room.name}`);
      join.disabled = mine === room.roomId;
      join.onclick = () => this.#request('join_breakout_room', { roomId: room.roomId });
      const actions = document.createElement('span');
      actions.className = 'waiting-actions';
      actions.append(join);
      li.append(name, who, actions);
      return li;
    });
    this.el.list.replaceChildren(...items);
    this.el.main.disabled = mine === null;
  }

  #renderBanner() {
    const { banner, where, left } = this.el;
    banner.hidden = !this.isOpen;
    if (!this.isOpen) return;
    where.textContent = this.#whereText();
    if (this.closingAt !== null) {
      const seconds = Math.max(0, Math.ceil((this.closingAt - Date.now()) / 1000));
      left.textContent = `Breakout rooms close in ${seconds} s.`;
    } else if (this.endsAt) {
      left.textContent = `Rooms close at ${this.endsAt.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}.`;
    } else {
      left.textContent = '';
    }
  }

  #whereText() {
    if (!this.isOpen) return 'You are in the main call.';
    const name = this.myRoomName;
    return name ? `You are in the breakout room ${name}.` : 'Breakout rooms are open; you are in the main call.';
  }

  #announce(text) {
    this.el.announce.textContent = text;
  }

  #setRooms(rooms, endsAt) {
    this.rooms = rooms.map((r) => ({ roomId: r.roomId, name: r.name, userIds: [...(r.userIds ?? [])] }));
    this.visits.clear();
    this.endsAt = endsAt ? new Date(endsAt) : null;
    if (!this.isOpen) clearInterval(this.timer);
  }
}
