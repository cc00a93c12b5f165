// The members part of the channel settings dialog (issue #23): who is in the channel (online dot,
// the owner marked, "(you)"), and for the owner or an admin: Remove and "Make owner" per member, and
// Invite (find people by a username prefix, GET /users/search; POST /rooms/{id}/members). The rows
// come from GET /rooms/{id}/members; a dot is the live presence when the page follows that person
// (presence.js), else the listing's.

import { $, el } from '../dom.js';
import { hueClass, initials } from '../format.js';

const SEARCH_DELAY_MS = 200;
const SEARCH_LIMIT = 10;

/** Members in display order: the owner first, then online before offline, then by name. */
export function sortMembers(members, owner) {
  return [...members].sort((a, b) => (String(b.id) === String(owner)) - (String(a.id) === String(owner))
    || Number(Boolean(b.online)) - Number(Boolean(a.online)) || String(a.username).localeCompare(String(b.username)));
}

export class ChannelMembers {
  /**
   * store; search(q, limit) → {users}; invite(userId), remove(userId), makeOwner(userId) → Promise
   * (for the room the dialog shows; they reload the list); onError(text).
   */
  constructor({ store, search, invite, remove, makeOwner, onError }) {
    Object.assign(this, { store, search, invite, remove, makeOwner, onError });
    this.list = $('#settings-members');
    this.note = $('#settings-members-note');
    this.inviteBox = $('#invite-box');
    this.input = $('#invite-search');
    this.results = $('#invite-results');
    this.rows = []; // the last listing's members
    this.owner = null;
    this.manage = false;
    this.busy = new Set(); // user ids with an action on its way
    this.gen = 0;
    this.input.addEventListener('input', () => {
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.find(), SEARCH_DELAY_MS);
    });
    this.input.addEventListener('keydown', (e) => {
      if (e.key !== 'Enter') return;
      e.preventDefault();
      this.results.querySelector('button:not([disabled])')?.click();
    });
  }

  /** A new room in the dialog: empty search, "Loading…". */
  reset() {
    this.sig = null;
    this.rows = [];
    this.owner = null;
    this.busy.clear();
    this.input.value = '';
    this.results.replaceChildren();
    this.gen += 1;
    this.note.textContent = '';
    this.list.setAttribute('aria-busy', 'true');
    this.list.replaceChildren(el('li', { class: 'public-empty', text: 'Loading…' }));
  }

  failed(e) {
    this.list.setAttribute('aria-busy', 'false');
    this.list.replaceChildren(el('li', { class: 'public-empty', text: `Could not load the members: ${e.message}` }));
  }

  /** The listing {members, count, owner} arrived. */
  set(r) {
    this.rows = Array.isArray(r.members) ? r.members.map((u) => ({ ...u, id: String(u.id) })) : [];
    this.count = Number(r.count) || this.rows.length;
    this.owner = r.owner === null || r.owner === undefined ? null : String(r.owner);
    this.list.setAttribute('aria-busy', 'false');
    this.render();
  }

  /** `manage`: the signed-in user may invite and remove (owner or admin). */
  render(manage = this.manage, owner = this.owner) {
    this.manage = manage;
    this.owner = owner;
    this.inviteBox.hidden = !manage;
    if (this.list.getAttribute('aria-busy') === 'true') return;
    const me = this.store.me?.id;
    const online = (u) => (this.store.presenceScope.has(u.id) ? this.store.users.get(u.id)?.online ?? u.online : u.online) === true;
    const rows = sortMembers(this.rows.map((u) => ({ ...u, online: online(u) })), owner);
    // Rebuilt only when something shown changed (the store changes with every message: focus stays).
    const sig = JSON.stringify([manage, owner, this.count, rows.map((u) => [u.id, u.username, u.online]), [...this.busy]]);
    if (sig === this.sig && this.list.querySelector('.member-row')) return;
    this.sig = sig;
    const on = rows.filter((u) => u.online).length;
    this.note.textContent = `${this.count} member${this.count === 1 ? '' : 's'}, ${on} online${rows.length < this.count ? ` (${rows.length} shown)` : ''}.`;
    this.list.replaceChildren(...rows.map((u) => this.row(u, me)));
  }

  row(u, me) {
    const self = u.id === me;
    const isOwner = this.owner !== null && u.id === this.owner;
    const busy = this.busy.has(u.id);
    const act = (text, fn, cls = 'btn btn-ghost btn-sm') => el('button', {
      class: cls, text, attrs: { type: 'button', disabled: busy, 'aria-label': `${text} ${u.username}` },
      on: { click: () => this.run(u.id, fn) },
    });
    return el('li', { class: 'member-row', data: { userId: u.id, online: u.online ? '1' : '0', owner: isOwner ? '1' : '0' } },
      el('span', { class: `avatar avatar-sm ${hueClass(u.id)}`, text: initials(u.username), attrs: { 'aria-hidden': 'true' } },
        el('span', { class: `dot ${u.online ? 'on' : 'off'}` })),
      el('span', { class: 'room-text' },
        el('span', { class: 'member-name' }, el('span', { text: self ? `${u.username} (you)` : u.username }),
          isOwner ? el('span', { class: 'owner-badge', text: 'Owner' }) : null),
        el('span', { class: 'member-meta', text: u.online ? 'Online' : 'Offline' })),
      this.manage && !isOwner && !self && u.role !== 'bot' ? act('Make owner', () => this.makeOwner(u.id)) : null,
      this.manage && !isOwner && !self ? act('Remove', () => this.remove(u.id), 'btn btn-danger btn-sm') : null);
  }

  async run(userId, fn) {
    this.busy.add(userId);
    this.render();
    try { await fn(); } catch (e) { if (e?.status !== 401) this.onError(e?.message || 'The change was not saved.'); }
    this.busy.delete(userId);
    this.render();
  }

  /** The invite search: people whose name starts with the text; members are marked, not offered. */
  async find() {
    const gen = ++this.gen;
    const q = this.input.value.trim();
    if (!q) { this.results.replaceChildren(); return; }
    this.results.setAttribute('aria-busy', 'true');
    try {
      const { users } = await this.search(q, SEARCH_LIMIT);
      if (gen !== this.gen) return;
      const members = new Set(this.rows.map((u) => u.id));
      this.results.replaceChildren(...(users.length
        ? users.map((u) => this.candidate({ ...u, id: String(u.id) }, members.has(String(u.id))))
        : [el('li', { class: 'public-empty', text: `Nobody’s name starts with “${q}”.` })]));
    } catch (e) {
      if (gen === this.gen) this.results.replaceChildren(el('li', { class: 'public-empty', text: `Could not search: ${e.message}` }));
    } finally {
      if (gen === this.gen) this.results.setAttribute('aria-busy', 'false');
    }
  }

  candidate(u, member) {
    const btn = el('button', {
      class: member ? 'btn btn-ghost btn-sm' : 'btn btn-primary btn-sm',
      text: member ? 'Member' : 'Invite',
      attrs: { type: 'button', disabled: member, 'aria-label': member ? `${u.username} is a member` : `Invite ${u.username}` },
    });
    btn.addEventListener('click', async () => {
      btn.disabled = true;
      try {
        await this.invite(u.id);
        this.input.value = '';
        this.results.replaceChildren();
        this.input.focus();
      } catch (e) {
        btn.disabled = false;
        if (e?.status !== 401) this.onError(e?.message || 'The invitation was not sent.');
      }
    });
    return el('li', { class: 'member-row' },
      el('span', { class: `avatar avatar-sm ${hueClass(u.id)}`, text: initials(u.username), attrs: { 'aria-hidden': 'true' } },
        el('span', { class: `dot ${u.online ? 'on' : 'off'}` })),
      el('span', { class: 'room-text' }, el('span', { class: 'member-name', text: u.username }),
        el('span', { class: 'member-meta', text: u.online ? 'Online' : 'Offline' })),
      btn);
  }
}
