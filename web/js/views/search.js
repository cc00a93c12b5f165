// Message search (issue #22, GET /search): the header's search box and its results panel. Enter
// (or a pause in typing) searches; each result shows its room (a DM by the other person's name), its
// author, its time and its text (Markdown markers removed) with the words searched for marked.
// "More results" asks for the next page (before=<next>); a refused query (400, e.g. only one-letter
// words) shows the server's message in the panel. Escape (or a click elsewhere) closes the panel.
// A click on a result opens its room, pages back through its history until the message is loaded
// (the client's own paging, so the room's store stays contiguous; at most MAX_PAGES pages), scrolls
// it into view and highlights it for FLASH_MS. A thread reply: its parent, then the thread panel
// opens and the reply is highlighted there (when it is among the replies the panel loads).
// User text only ever goes into text nodes (el(): textContent), never innerHTML.

import { $, el } from '../dom.js';
import { dayLabel, shortTime, toDate } from '../format.js';
import { markdownText } from '../markdown.js';
import { attachmentSummary } from '../files.js';

const DELAY_MS = 400;
const PAGE = 20;
const EMPTY_PAGES = 5; // pages with no result fetched in a row before asking the user ("More results")
const MAX_PAGES = 40; // history pages loaded to reach a result (40 × 50 messages)
const JUMP_TIMEOUT_MS = 15000;
const FLASH_MS = 2000;
const SNIPPET = 240; // characters of text shown around the first match

/**
 * The words of `text` as the server cuts them (storage/lua_search.hpp): runs of ASCII letters and
 * digits and of non-ASCII characters, ASCII lower-cased, cut to 32 bytes; one-byte words left out.
 * searchKey(word): the word's index key (its UTF-8 bytes as a binary string; null when too short).
 */
const WORD = /[A-Za-z0-9\u0080-\u{10FFFF}]+/gu;
const utf8 = new TextEncoder();
export function searchKey(word) {
  const bytes = utf8.encode(word.replace(/[A-Z]/g, (c) => c.toLowerCase()));
  return bytes.length < 2 ? null : String.fromCharCode(...bytes.subarray(0, 32));
}
/** The keys of the words of query `q` (a Set). */
export function searchWords(q) {
  return new Set([...String(q).matchAll(WORD)].map((m) => searchKey(m[0])).filter(Boolean));
}

/**
 * `text` as nodes: text nodes, and <mark> around each word whose key is in `words`. Long texts are
 * cut to about SNIPPET characters around the first marked word.
 */
export function highlighted(text, words) {
  const parts = [];
  let at = 0;
  let first = -1;
  for (const m of text.matchAll(WORD)) {
    if (!words.has(searchKey(m[0]))) continue;
    if (first < 0) first = m.index;
    if (m.index > at) parts.push({ t: text.slice(at, m.index) });
    parts.push({ t: m[0], mark: true });
    at = m.index + m[0].length;
  }
  if (at < text.length) parts.push({ t: text.slice(at) });
  let from = 0;
  let to = text.length;
  if (text.length > SNIPPET) {
    from = Math.max(0, Math.min(first < 0 ? 0 : first - 60, text.length - SNIPPET));
    to = from + SNIPPET;
  }
  const nodes = [];
  let pos = 0;
  for (const p of parts) {
    const a = Math.max(pos, from);
    const b = Math.min(pos + p.t.length, to);
    if (b > a) {
      const s = p.t.slice(a - pos, b - pos);
      nodes.push(p.mark ? el('mark', { text: s }) : document.createTextNode(s));
    }
    pos += p.t.length;
  }
  if (from > 0) nodes.unshift(document.createTextNode('…'));
  if (to < text.length) nodes.push(document.createTextNode('…'));
  return nodes;
}

const sleep = (ms) => new Promise((r) => { setTimeout(r, ms); });

export class SearchView {
  /**
   * api: {searchMessages({q, before, limit}), users(ids)}; openRoom(id); loadOlder(roomId) →
   * Promise (one more history page); openThread(roomId, parentId); onError(text) (a toast).
   */
  constructor({ store, api, openRoom, loadOlder, openThread, onError }) {
    Object.assign(this, { store, api, openRoom, loadOlder, openThread, onError });
    this.form = $('#search-form');
    this.input = $('#search-input');
    this.panel = $('#search-panel');
    this.status = $('#search-status');
    this.list = $('#search-results');
    this.more = $('#search-more');
    this.gen = 0; // answers to an older query are dropped
    this.q = '';
    this.next = null;
    this.input.addEventListener('input', () => {
      clearTimeout(this.timer);
      if (!this.input.value.trim()) { this.close(); return; }
      this.timer = setTimeout(() => this.run(), DELAY_MS);
    });
    this.form.addEventListener('submit', (e) => { e.preventDefault(); clearTimeout(this.timer); this.run(); });
    this.more.addEventListener('click', () => this.page(this.gen));
    $('#search-close').addEventListener('click', () => { this.close(); this.input.focus(); });
    const onKey = (e) => this.onKey(e);
    this.input.addEventListener('keydown', onKey);
    this.panel.addEventListener('keydown', onKey);
    // Signed out: nothing of this search stays on screen for the next user.
    store.addEventListener('change', () => {
      if (store.me || (!this.isOpen && !this.input.value)) return;
      this.close();
      this.input.value = '';
      this.list.replaceChildren();
    });
    document.addEventListener('mousedown', (e) => {
      if (!this.panel.hidden && !this.panel.contains(e.target) && !this.form.contains(e.target)) this.close();
    });
  }

  get isOpen() { return !this.panel.hidden; }

  close() {
    this.gen += 1;
    clearTimeout(this.timer);
    this.panel.hidden = true;
  }

  onKey(e) {
    if (e.key === 'Escape' && this.isOpen) {
      e.preventDefault();
      e.stopPropagation();
      this.close();
      this.input.focus();
      return;
    }
    if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp') return;
    const items = [...this.panel.querySelectorAll('.search-hit, #search-more:not([hidden])')];
    if (!this.isOpen || items.length === 0) return;
    e.preventDefault();
    const i = items.indexOf(document.activeElement);
    if (e.key === 'ArrowDown') items[Math.min(items.length - 1, i + 1)].focus();
    else if (i <= 0) this.input.focus();
    else items[i - 1].focus();
  }

  /** A new search for the box's text: the first page. */
  run() {
    const q = this.input.value.trim();
    if (!q) { this.close(); return; }
    const gen = ++this.gen;
    this.q = q;
    this.next = null;
    this.words = searchWords(q);
    this.panel.hidden = false;
    this.list.replaceChildren();
    this.more.hidden = true;
    this.setStatus('Searching…');
    this.page(gen, true);
  }

  setStatus(text, error = false) {
    this.status.textContent = text;
    this.status.classList.toggle('search-error', error);
  }

  /** Fetches pages until one brings results (at most EMPTY_PAGES), appends them. */
  async page(gen, first = false) {
    if (gen !== this.gen || (!first && this.next === null)) return;
    const refocus = !first && document.activeElement === this.more; // (disabling it drops the focus)
    this.more.disabled = true;
    this.list.setAttribute('aria-busy', 'true');
    try {
      let found = [];
      for (let i = 0; i < EMPTY_PAGES && found.length === 0; i++) {
        const r = await this.api.searchMessages({ q: this.q, before: first && i === 0 ? undefined : this.next ?? undefined, limit: PAGE });
        if (gen !== this.gen) return;
        found = Array.isArray(r.results) ? r.results : [];
        this.next = r.next ?? null;
        if (this.next === null) break;
      }
      const items = found.map((m) => this.item(m));
      this.list.append(...items);
      const n = this.list.childElementCount;
      if (n === 0) this.setStatus(this.next === null ? 'No messages found' : 'No messages found so far');
      else this.setStatus(`${n}${this.next === null ? '' : '+'} message${n === 1 ? '' : 's'} found`);
      this.more.hidden = this.next === null;
      // The focus on the first new result (else the last one): the button may be hidden now.
      if (refocus) (items[0] ?? this.list.lastElementChild)?.querySelector('button')?.focus();
      this.nameAuthors(found, gen);
    } catch (e) {
      if (gen !== this.gen) return;
      if (e.status === 400) this.setStatus(e.message, true);
      else this.setStatus(`Could not search: ${e.message}`, true);
      this.more.hidden = true;
    } finally {
      if (gen === this.gen) { this.more.disabled = false; this.list.setAttribute('aria-busy', 'false'); }
    }
  }

  roomName(roomId) {
    const room = this.store.rooms.get(String(roomId));
    if (!room) return 'Unknown room';
    return room.kind === 'channel' ? `#${room.name}` : room.name;
  }

  item(m) {
    const d = toDate(m.date);
    const author = el('span', { class: 'search-author', text: this.store.userName(m.from), data: { userId: String(m.from) } });
    const btn = el('button', {
      class: 'search-hit',
      attrs: { type: 'button' },
      data: { roomId: String(m.roomId), id: String(m.id) },
      on: { click: () => { this.close(); this.jump(m); } },
    },
    el('span', { class: 'search-meta' },
      el('span', { class: 'search-room', text: this.roomName(m.roomId) }),
      author,
      m.parentId !== undefined && m.parentId !== null ? el('span', { class: 'search-thread', text: 'in a thread' }) : null,
      el('time', { class: 'search-time', text: `${dayLabel(d)} ${shortTime(d)}`, attrs: { datetime: d.toISOString() } })),
    el('span', { class: 'search-text' }, ...highlighted(markdownText(String(m.message ?? '')), this.words)),
    attachmentSummary(m) ? el('span', { class: 'search-files', text: attachmentSummary(m) }) : null); // files, location (#24)
    return el('li', { class: 'search-item' }, btn);
  }

  /** Authors the page does not know yet: their names (GET /users), then the rows updated. */
  async nameAuthors(found, gen) {
    const ids = [...new Set(found.map((m) => String(m.from)))].filter((id) => !this.store.users.get(id)?.known).slice(0, 100);
    if (ids.length === 0) return;
    try {
      const users = await this.api.users(ids);
      for (const u of Object.values(users || {})) this.store.upsertUser({ id: u.id, username: u.username });
    } catch { return; /* "user N" stays */ }
    if (gen !== this.gen) return;
    for (const span of this.list.querySelectorAll('.search-author')) span.textContent = this.store.userName(span.dataset.userId);
  }

  /** Opens the room of result `m` and shows the message (a thread reply: its parent, then the reply in its thread). */
  async jump(m) {
    const roomId = String(m.roomId);
    const id = Number(m.parentId ?? m.id);
    const room = this.store.rooms.get(roomId);
    if (!room || !Number.isFinite(id)) { this.onError('You are no longer in that room.'); return; }
    this.openRoom(roomId);
    const deadline = Date.now() + JUMP_TIMEOUT_MS;
    let pages = 0;
    for (;;) {
      if (this.store.rooms.get(roomId) !== room || this.store.activeRoomId !== roomId) return; // left, or moved on
      if (Date.now() > deadline) break;
      if (room.loading || !room.loaded) { await sleep(50); continue; }
      if (room.msgs.has(id) || !room.hasMore || room.floor === null || room.floor <= id || pages >= MAX_PAGES) break;
      pages += 1;
      await this.loadOlder(roomId);
    }
    await sleep(0); // the store's change (a microtask) has rendered the rows
    const row = messageRow('#messages', id);
    if (!row || room.msgs.get(id)?.deleted) {
      this.onError(room.msgs.has(id) ? 'That message was deleted.' : 'That message is too far back to show here.');
      return;
    }
    row.scrollIntoView({ block: 'center' });
    flash('#messages', id);
    if (m.parentId === undefined || m.parentId === null || !this.openThread) return;
    this.openThread(roomId, id);
    const reply = Number(m.id);
    for (let i = 0; i < 100 && this.store.thread?.parentId === id; i++) { // ≤ 5 s
      const r = messageRow('#thread-replies', reply);
      if (r) { r.scrollIntoView({ block: 'center' }); flash('#thread-replies', reply); return; }
      if (this.store.thread.loaded && !this.store.thread.loading && !this.store.thread.msgs.has(reply) && i > 0) return; // an older reply: not paged to
      await sleep(50);
    }
  }
}

const messageRow = (list, id) => $(`${list} li.msg[data-id="${id}"]`);

/** Highlights message `id` of `list` (a selector) for FLASH_MS, also when its row is rebuilt meanwhile. */
const observers = new Map(); // list selector → its MutationObserver
function flash(list, id) {
  const mark = () => messageRow(list, id)?.classList.add('search-flash');
  const node = $(list);
  node.querySelectorAll('.search-flash').forEach((n) => n.classList.remove('search-flash'));
  mark();
  observers.get(list)?.disconnect();
  const obs = new MutationObserver(mark);
  obs.observe(node, { childList: true });
  observers.set(list, obs);
  setTimeout(() => {
    obs.disconnect();
    if (observers.get(list) !== obs) return;
    observers.delete(list);
    node.querySelectorAll('.search-flash').forEach((n) => n.classList.remove('search-flash'));
  }, FLASH_MS);
}
