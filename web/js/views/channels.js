// The "Channels" dialog: create a channel (public or private, with an optional topic), browse public
// channels (a page at a time, "Load more", search by name prefix), join or open one.

import { $, el } from '../dom.js';

const PAGE = 50;
const SEARCH_DELAY_MS = 250;

export class ChannelsDialog {
  /**
   * loadPublic({limit, after, q}) → Promise<{channels: [{id,name,members,joined}], next}>;
   * onCreate(name, {isPrivate, topic}), onJoin(id) → Promise; onOpen(id)
   */
  constructor({ loadPublic, onCreate, onJoin, onOpen }) {
    Object.assign(this, { loadPublic, onCreate, onJoin, onOpen });
    this.dialog = $('#channels-dialog');
    this.list = $('#public-channels');
    this.name = $('#channel-name');
    this.topic = $('#channel-topic');
    this.private = $('#channel-private');
    this.search = $('#channel-search');
    this.more = $('#public-more');
    this.next = null; // cursor of the next page (null: none)
    this.gen = 0; // answers of an older listing (search changed meanwhile) are dropped
    this.dialog.querySelector('[data-close]').addEventListener('click', () => this.close());
    this.dialog.addEventListener('click', (e) => { if (e.target === this.dialog) this.close(); });
    $('#create-channel').addEventListener('submit', (e) => { e.preventDefault(); this.create(); });
    this.search.addEventListener('input', () => {
      clearTimeout(this.searchTimer);
      this.searchTimer = setTimeout(() => this.refresh(), SEARCH_DELAY_MS);
    });
    this.more.addEventListener('click', () => this.loadMore());
  }

  async open() {
    if (!this.dialog.open) this.dialog.showModal();
    this.name.value = '';
    this.topic.value = '';
    this.private.checked = false;
    this.search.value = '';
    this.name.focus();
    await this.refresh();
  }

  close() { if (this.dialog.open) this.dialog.close(); }

  query() { return this.search.value.trim(); }

  /** The first page of the current search. */
  async refresh() {
    const gen = ++this.gen;
    this.next = null;
    this.more.hidden = true;
    this.list.setAttribute('aria-busy', 'true');
    this.list.replaceChildren(el('li', { class: 'public-empty', text: 'Loading…' }));
    const q = this.query();
    this.q = q; // the search the pages below belong to
    try {
      const page = await this.loadPublic({ limit: PAGE, q });
      if (gen !== this.gen) return;
      const empty = q ? `No channel starts with “${q}”.` : 'No channels yet. Create the first one above.';
      this.list.replaceChildren(...(page.channels.length ? page.channels.map((r) => this.item(r)) : [el('li', { class: 'public-empty', text: empty })]));
      this.setNext(page.next);
    } catch (e) {
      if (gen !== this.gen) return;
      this.list.replaceChildren(el('li', { class: 'public-empty', text: `Could not load channels: ${e.message}` }));
    } finally {
      if (gen === this.gen) this.list.setAttribute('aria-busy', 'false');
    }
  }

  /** Appends the next page (server order: by name, case-insensitively). */
  async loadMore() {
    if (!this.next) return;
    const gen = this.gen;
    this.more.disabled = true;
    try {
      const page = await this.loadPublic({ limit: PAGE, after: this.next, q: this.q });
      if (gen !== this.gen) return;
      this.list.append(...page.channels.map((r) => this.item(r)));
      this.setNext(page.next);
    } catch { /* the toast said why; the button stays for another try */ } finally {
      this.more.disabled = false;
    }
  }

  setNext(next) {
    this.next = next || null;
    this.more.hidden = !this.next;
  }

  item(r) {
    const btn = el('button', {
      class: r.joined ? 'btn btn-ghost btn-sm' : 'btn btn-primary btn-sm',
      text: r.joined ? 'Open' : 'Join',
      attrs: { type: 'button', 'aria-label': `${r.joined ? 'Open' : 'Join'} ${r.name}` },
    });
    btn.addEventListener('click', async () => {
      btn.disabled = true;
      try {
        if (!r.joined) await this.onJoin(r.id);
        this.close();
        this.onOpen(String(r.id));
      } catch { btn.disabled = false; }
    });
    const members = `${r.members} member${r.members === 1 ? '' : 's'}${typeof r.topic === 'string' && r.topic ? ` · ${r.topic}` : ''}`; // (a topic when the server lists it)
    return el('li', { class: 'public-item' },
      el('span', { class: 'room-hash', text: '#', attrs: { 'aria-hidden': 'true' } }),
      el('span', { class: 'public-text' }, el('span', { class: 'public-name', text: r.name }), el('span', { class: 'public-meta', text: members })),
      btn);
  }

  async create() {
    const name = this.name.value.trim();
    if (!name) { this.name.focus(); return; }
    try {
      const room = await this.onCreate(name, { isPrivate: this.private.checked, topic: this.topic.value.trim() });
      this.close();
      this.onOpen(String(room.id));
    } catch { this.name.focus(); }
  }
}
