// People: the "New message" dialog (find anyone by a username prefix, online or not, as you type,
// and open the direct message with them) and the member list of the open room (who is in it, who
// is online). Both list people as rows {id, username, online, role} from the server
// (GET /users/search, GET /room/{id}/members); a click on someone opens the DM.

import { $, el } from '../dom.js';
import { hueClass, initials } from '../format.js';
import { botBadge } from './reply.js';

const SEARCH_DELAY_MS = 200;
const SEARCH_LIMIT = 20;

/** One person as a button: avatar with the online dot, name, "Online" / "Offline". */
function personButton(u, { me, onPick }) {
  const self = u.id === me;
  return el('li', { class: 'public-item person-row' },
    el('button', {
      class: 'room-btn person-btn',
      attrs: { type: 'button', disabled: self, title: self ? 'You' : `Send a direct message to ${u.username}` },
      data: { userId: u.id, online: u.online ? '1' : '0' },
      on: { click: () => onPick(u) },
    },
    el('span', { class: `avatar avatar-sm ${u.role === 'bot' ? 'avatar-bot' : hueClass(u.id)}`, text: u.role === 'bot' ? '✦' : initials(u.username), attrs: { 'aria-hidden': 'true' } },
      el('span', { class: `dot ${u.online ? 'on' : 'off'}` })),
    el('span', { class: 'room-text' },
      el('span', { class: 'room-name-row' }, el('span', { class: 'room-name', text: self ? `${u.username} (you)` : u.username }), u.role === 'bot' ? botBadge() : null),
      el('span', { class: 'room-preview', text: u.online ? 'Online' : 'Offline' }))));
}

/** Opens a dialog and wires its close button and backdrop click. */
function wireDialog(dialog) {
  dialog.querySelector('[data-close]').addEventListener('click', () => dialog.close());
  dialog.addEventListener('click', (e) => { if (e.target === dialog) dialog.close(); });
}

export class NewMessageDialog {
  /** search(q, limit) → Promise<{users}>; onPick(user) → Promise (opens the DM); me() → my id. */
  constructor({ search, onPick, me }) {
    Object.assign(this, { searchUsers: search, onPick, me });
    this.dialog = $('#people-dialog');
    this.input = $('#people-search');
    this.list = $('#people-results');
    this.gen = 0; // answers to an older query are dropped
    wireDialog(this.dialog);
    this.input.addEventListener('input', () => {
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.refresh(), SEARCH_DELAY_MS);
    });
    this.input.addEventListener('keydown', (e) => {
      if (e.key !== 'Enter') return;
      e.preventDefault();
      this.list.querySelector('button:not([disabled])')?.click();
    });
  }

  open() {
    if (!this.dialog.open) this.dialog.showModal();
    this.input.value = '';
    this.gen += 1;
    this.list.replaceChildren(el('li', { class: 'public-empty', text: 'Type the beginning of a username.' }));
    this.input.focus();
  }

  close() { if (this.dialog.open) this.dialog.close(); }

  async refresh() {
    const gen = ++this.gen;
    const q = this.input.value.trim();
    if (!q) {
      this.list.replaceChildren(el('li', { class: 'public-empty', text: 'Type the beginning of a username.' }));
      return;
    }
    this.list.setAttribute('aria-busy', 'true');
    try {
      const { users } = await this.searchUsers(q, SEARCH_LIMIT);
      if (gen !== this.gen) return;
      const pick = (u) => this.pick(u);
      this.list.replaceChildren(...(users.length
        ? users.map((u) => personButton(u, { me: this.me(), onPick: pick }))
        : [el('li', { class: 'public-empty', text: `Nobody’s name starts with “${q}”.` })]));
    } catch (e) {
      if (gen !== this.gen) return;
      this.list.replaceChildren(el('li', { class: 'public-empty', text: `Could not search: ${e.message}` }));
    } finally {
      if (gen === this.gen) this.list.setAttribute('aria-busy', 'false');
    }
  }

  async pick(u) {
    try {
      await this.onPick(u);
      this.close();
    } catch { /* the toast said why; the dialog stays */ }
  }
}

export class MembersDialog {
  /** load(roomId) → Promise<{members, count, everyone}>; onPick(user) → Promise; me() → my id. */
  constructor({ load, onPick, me }) {
    Object.assign(this, { load, onPick, me });
    this.dialog = $('#members-dialog');
    this.list = $('#members-list');
    this.title = $('#members-dialog-title');
    this.note = $('#members-note');
    wireDialog(this.dialog);
  }

  async open(room) {
    if (!this.dialog.open) this.dialog.showModal();
    this.title.textContent = room.kind === 'dm' ? 'People in this conversation' : `Members of ${room.kind === 'channel' ? '#' : ''}${room.name}`;
    this.note.textContent = '';
    this.list.setAttribute('aria-busy', 'true');
    this.list.replaceChildren(el('li', { class: 'public-empty', text: 'Loading…' }));
    try {
      const r = await this.load(room.id);
      const rows = [...r.members].sort((a, b) => Number(b.online) - Number(a.online) || a.username.localeCompare(b.username));
      const online = rows.filter((u) => u.online).length;
      this.note.textContent = r.everyone
        ? `Everyone (${r.count}) is in this room; ${online} online now.`
        : `${r.count} member${r.count === 1 ? '' : 's'}, ${online} online${rows.length < r.count ? ` (${rows.length} shown)` : ''}.`;
      const pick = async (u) => { await this.onPick(u); this.dialog.close(); };
      this.list.replaceChildren(...rows.map((u) => personButton(u, { me: this.me(), onPick: (x) => pick(x).catch(() => {}) })));
    } catch (e) {
      this.list.replaceChildren(el('li', { class: 'public-empty', text: `Could not load the members: ${e.message}` }));
    } finally {
      this.list.setAttribute('aria-busy', 'false');
    }
  }
}
