// The message list of the open room: grouped by sender, day separators, a "New messages"
// marker, pending/failed states, infinite scroll back (keeping the scroll position when older
// messages are prepended), and a "↓ N new messages" pill when the reader is scrolled up.
// Rows are keyed and reused, so an update never re-announces old messages (role="log").

import { el, reconcile } from '../dom.js';
import { dayKey, dayLabel, fullTime, hueClass, initials, shortTime, toDate } from '../format.js';

const GROUP_GAP_S = 5 * 60;
const NEAR_BOTTOM_PX = 80;
const LOAD_MORE_PX = 300;

export class MessageList {
  constructor({ store, scroller, list, status, pill, onLoadOlder, onRetry, onAtBottom }) {
    Object.assign(this, { store, scroller, list, status, pill, onLoadOlder, onRetry, onAtBottom });
    this.rows = new Map(); // key → {sig, node}
    this.roomId = null;
    this.markerAfter = null; // messages with id > this (from others) are "new" when the room opened
    this.unseen = 0; // messages from others appended while scrolled up
    this.lastKey = null;
    this.scroller.addEventListener('scroll', () => this.onScroll(), { passive: true });
    this.pill.addEventListener('click', () => this.scrollToBottom(true));
  }

  isAtBottom() {
    const s = this.scroller;
    return s.scrollHeight - s.scrollTop - s.clientHeight <= NEAR_BOTTOM_PX;
  }

  scrollToBottom(smooth = false) {
    const reduce = window.matchMedia('(prefers-reduced-motion: reduce)').matches;
    this.scroller.scrollTo({ top: this.scroller.scrollHeight, behavior: smooth && !reduce ? 'smooth' : 'auto' });
    this.unseen = 0;
    this.updatePill();
  }

  /** Opens a room: fresh rows, marker at the first unread message, scrolled to it or the bottom. */
  setRoom(roomId) {
    this.roomId = roomId;
    this.rows.clear();
    this.list.replaceChildren();
    this.unseen = 0;
    this.lastKey = null;
    const room = this.store.rooms.get(roomId);
    const lastRead = this.store.lastRead[roomId] ?? 0;
    this.markerAfter = room && room.loaded && this.store.unread(room).n > 0 ? lastRead : null;
    this.render({ opening: true });
  }

  render({ opening = false } = {}) {
    const room = this.store.rooms.get(this.roomId);
    if (!room) return;
    const wasAtBottom = opening || this.isAtBottom();
    const anchor = this.anchor();

    const rows = this.buildRows(room);
    const keys = new Set(rows.map((r) => r.key));
    for (const k of this.rows.keys()) if (!keys.has(k)) this.rows.delete(k);
    const nodes = rows.map((r) => this.node(r));
    const prevLast = this.lastKey;
    reconcile(this.list, nodes);
    this.lastKey = rows.length ? rows[rows.length - 1].key : null;

    // New rows at the end from other people, while the reader is up in the history → pill.
    if (!opening && prevLast !== null && this.lastKey !== prevLast && !wasAtBottom) {
      const i = rows.findIndex((r) => r.key === prevLast);
      for (const r of rows.slice(i + 1)) if (r.type === 'msg' && !r.own) this.unseen += 1;
    }
    this.renderStatus(room);

    if (opening) {
      const marker = this.list.querySelector('.new-marker');
      if (marker) marker.scrollIntoView({ block: 'center' });
      else this.scrollToBottom();
    } else if (wasAtBottom) {
      this.scrollToBottom();
    } else if (anchor) {
      // Keep what the reader looks at in place when rows were inserted above it.
      // (by key: the row's node is rebuilt when e.g. it stops starting a group)
      const node = this.rows.get(anchor.key)?.node;
      const delta = node && node.isConnected ? node.getBoundingClientRect().top - anchor.top : 0;
      if (delta) this.scroller.scrollTop += delta;
    }
    this.updatePill();
    this.maybeLoadMore(room);
    if (this.isAtBottom()) this.onAtBottom(room.id);
  }

  /**
   * The first message visible in the viewport, with its position (for scroll anchoring). Only
   * message rows: a day separator moves to the top when older messages of that day arrive.
   */
  anchor() {
    const top = this.scroller.getBoundingClientRect().top;
    for (const child of this.list.querySelectorAll('li.msg')) {
      const r = child.getBoundingClientRect();
      if (r.bottom > top) return { key: child.dataset.key, top: r.top };
    }
    return null;
  }

  buildRows(room) {
    const me = this.store.me.id;
    const rows = [];
    let prev = null; // {from, date}: the previous message, while it groups with the next
    let curDay = null;
    const push = (m, extra, marker = false) => {
      const d = toDate(m.date);
      const day = dayKey(d);
      if (curDay !== day) {
        rows.push({ type: 'day', key: `d:${day}`, label: dayLabel(d) });
        curDay = day;
        prev = null;
      }
      if (marker) {
        rows.push({ type: 'marker', key: 'new-marker' });
        prev = null;
      }
      const from = String(m.from);
      const start = !prev || prev.from !== from || Number(m.date) - prev.date > GROUP_GAP_S;
      rows.push({ type: 'msg', m, d, from, start, own: from === me, ...extra });
      prev = { from, date: Number(m.date) };
    };
    let markerDone = this.markerAfter === null;
    for (const id of room.ids) {
      const m = room.msgs.get(id);
      const marker = !markerDone && id > this.markerAfter && String(m.from) !== me;
      if (marker) markerDone = true;
      push(m, { key: `m:${id}`, status: 'sent' }, marker);
    }
    for (const p of this.store.pendingOf(room.id)) {
      push({ from: me, date: Math.floor(p.createdAt / 1000), message: p.text }, { key: `p:${p.clientId}`, status: p.status, error: p.error, clientId: p.clientId });
    }
    return rows;
  }

  node(r) {
    const sig = r.type === 'msg'
      ? `${r.start}|${r.status}|${r.error}|${this.store.userName(r.from)}|${r.m.message}|${r.m.date}`
      : r.label || r.key;
    const cached = this.rows.get(r.key);
    if (cached && cached.sig === sig) return cached.node;
    const node = r.type === 'day' ? dayRow(r) : r.type === 'marker' ? markerRow() : this.msgRow(r);
    node.dataset.key = r.key;
    this.rows.set(r.key, { sig, node });
    return node;
  }

  msgRow(r) {
    const name = r.own ? 'You' : this.store.userName(r.from);
    const cls = ['msg', r.own ? 'own' : 'other', r.start ? 'start' : 'cont', r.status !== 'sent' ? r.status : ''].filter(Boolean).join(' ');
    const time = el('time', { class: 'msg-time', text: shortTime(r.d), attrs: { datetime: r.d.toISOString(), title: fullTime(r.d) } });
    const main = el('div', { class: 'msg-main' });
    if (r.start) {
      main.append(el('div', { class: 'msg-meta' }, el('span', { class: 'msg-author', text: name }), time));
    } else {
      main.append(el('span', { class: 'visually-hidden', text: `${name}, ${shortTime(r.d)}: ` }));
    }
    main.append(el('div', { class: 'msg-bubble', attrs: { title: fullTime(r.d) } }, el('p', { class: 'msg-text', text: r.m.message })));
    if (r.status === 'pending') main.append(el('div', { class: 'msg-status', text: 'Sending…' }));
    if (r.status === 'failed') {
      main.append(el('div', { class: 'msg-status msg-failed' },
        el('span', { text: `Not sent: ${r.error || 'error'}.` }),
        el('button', { class: 'btn-link', text: 'Retry', attrs: { type: 'button' }, on: { click: () => this.onRetry(r.clientId) } })));
    }
    const avatar = !r.own && r.start
      ? el('span', { class: `avatar ${hueClass(r.from)}`, text: initials(name), attrs: { 'aria-hidden': 'true' } })
      : el('span', { class: 'avatar-gap', attrs: { 'aria-hidden': 'true' } });
    const data = r.status === 'sent' ? { id: r.m.id, from: r.from } : { clientId: r.clientId, from: r.from };
    return el('li', { class: cls, data }, r.own ? null : avatar, main);
  }

  renderStatus(room) {
    let text = '';
    if (room.loading) text = 'Loading earlier messages…';
    else if (!room.hasMore) text = room.ids.length ? `This is the beginning of ${room.kind === 'dm' ? `your conversation with ${room.name}` : room.name}.` : 'No messages yet. Say hello!';
    if (this.status.dataset.text === text && this.status.childElementCount === (room.hasMore && !room.loading ? 1 : 0)) return;
    this.status.dataset.text = text;
    if (room.hasMore && !room.loading && room.loaded) {
      this.status.replaceChildren(el('button', { class: 'btn-link', text: 'Load earlier messages', attrs: { type: 'button' }, on: { click: () => this.onLoadOlder(room.id) } }));
    } else {
      this.status.replaceChildren(text ? el('span', { text }) : '');
    }
  }

  maybeLoadMore(room) {
    if (room.loading || !room.hasMore || !room.loaded) return;
    if (this.scroller.scrollTop < LOAD_MORE_PX || this.scroller.scrollHeight <= this.scroller.clientHeight) this.onLoadOlder(room.id);
  }

  onScroll() {
    const room = this.store.rooms.get(this.roomId);
    if (!room) return;
    if (this.isAtBottom()) {
      if (this.unseen) { this.unseen = 0; this.updatePill(); }
      this.onAtBottom(room.id);
    }
    this.maybeLoadMore(room);
  }

  updatePill() {
    const show = this.unseen > 0 && !this.isAtBottom();
    this.pill.hidden = !show;
    if (show) this.pill.textContent = `↓ ${this.unseen} new message${this.unseen === 1 ? '' : 's'}`;
  }
}

function dayRow(r) {
  return el('li', { class: 'day-sep', attrs: { role: 'separator' } }, el('span', { text: r.label }));
}

function markerRow() {
  return el('li', { class: 'new-marker', attrs: { role: 'separator' } }, el('span', { text: 'New messages' }));
}

