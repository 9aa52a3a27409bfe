// The chat panel of the call view: the messages in seq order (pending ones last), the recipient selector and the
// input (Enter sends, Shift+Enter starts a new line). Text is only ever set as text. It renders and reports; Chat
// (chat.js) decides. The list is a live region (role="log"), so screen readers announce new messages.
import { chatLength, MAX_CHAT_CHARS } from './chat.js';

const $ = (id) => document.getElementById(id);

export class ChatPanel {
  constructor() {
    this.list = $('chat-messages');
    this.empty = $('chat-empty');
    this.input = $('chat-input');
    this.to = $('chat-to');
    this.count = $('chat-count');
    this.onSend = () => null; // set by Chat: (text, to) -> error sentence or null
    $('chat-form').onsubmit = (e) => {
      e.preventDefault();
      this.#submit();
    };
    this.input.onkeydown = (e) => {
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        this.#submit();
      }
    };
    this.input.oninput = () => this.#renderCount();
  }

  /** Empties the panel for a new call. */
  reset() {
    this.list.replaceChildren();
    this.input.value = '';
    this.setRecipients([], { waitingRoom: false });
    this.#renderCount();
    this.#renderEmpty();
  }

  /** The recipient choices: everyone, each of `members` ({userId, name}), and for hosts the waiting room. */
  setRecipients(members, { waitingRoom }) {
    const chosen = this.to.value;
    const options = [new Option('Everyone', '')];
    for (const { userId, name } of members) options.push(new Option(`${name} (direct)`, `user:${userId}`));
    if (waitingRoom) options.push(new Option('The waiting room', 'waiting-room'));
    this.to.replaceChildren(...options);
    this.to.value = options.some((o) => o.value === chosen) ? chosen : '';
  }

  /** A message with its seq, in seq order before the pending ones. */
  show(message, label) {
    const item = messageItem(message.text, message.timestamp, label);
    item.dataset.seq = message.seq;
    const later = [...this.list.children].find((li) => !li.dataset.seq || Number(li.dataset.seq) > message.seq);
    this.list.insertBefore(item, later ?? null);
    this.#renderEmpty();
    this.#scroll();
  }

  /** A message of ours not acknowledged yet, at the end. */
  showPending(message, label) {
    const item = messageItem(message.text, null, label);
    item.dataset.clientId = message.clientMessageId;
    item.classList.add('pending');
    item.querySelector('.chat-state').textContent = 'sending…';
    this.list.append(item);
    this.#renderEmpty();
    this.#scroll();
  }

  removePending(clientMessageId) {
    this.#pendingItem(clientMessageId)?.remove();
  }

  showFailed(clientMessageId, reason) {
    const item = this.#pendingItem(clientMessageId);
    if (!item) return;
    item.classList.replace('pending', 'failed');
    item.querySelector('.chat-state').textContent = `not sent: ${reason}`;
  }

  #submit() {
    const text = this.input.value;
    const choice = this.to.value;
    const to = choice === 'waiting-room' ? { waitingRoom: true } : choice ? { userId: choice.slice('user:'.length) } : {};
    const error = this.onSend(text, to);
    if (error) {
      this.count.textContent = error;
      return;
    }
    this.input.value = '';
    this.#renderCount();
  }

  #pendingItem(clientMessageId) {
    return [...this.list.querySelectorAll('li.pending, li.failed')].find((li) => li.dataset.clientId === clientMessageId);
  }

  #renderCount() {
    const n = chatLength(this.input.value);
    this.count.textContent = `${n} / ${MAX_CHAT_CHARS} characters`;
    this.count.classList.toggle('over', n > MAX_CHAT_CHARS);
  }

  #renderEmpty() {
    this.empty.hidden = this.list.children.length > 0;
  }

  #scroll() {
    this.list.scrollTop = this.list.scrollHeight;
  }
}

/** One message as a list item: sender, time, direct mark, text (textContent only). Also for the waiting screen. */
export function messageItem(text, timestamp, { from, mine, direct }) {
  const item = document.createElement('li');
  item.className = 'chat-message';
  item.classList.toggle('mine', mine);
  item.classList.toggle('direct', Boolean(direct));
  const meta = document.createElement('div');
  meta.className = 'chat-meta';
  const sender = document.createElement('strong');
  sender.className = 'chat-from';
  sender.textContent = from;
  meta.append(sender);
  const at = new Date(timestamp ?? NaN);
  if (!Number.isNaN(at.getTime())) {
    const time = document.createElement('time');
    time.dateTime = at.toISOString();
    time.textContent = at.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
    meta.append(' ', time);
  }
  if (direct) {
    const mark = document.createElement('span');
    mark.className = 'chat-direct';
    mark.textContent = direct;
    meta.append(' ', mark);
  }
  const state = document.createElement('span');
  state.className = 'chat-state';
  meta.append(' ', state);
  const body = document.createElement('p');
  body.className = 'chat-text';
  body.textContent = text;
  item.append(meta, body);
  return item;
}
