// The message list of the open room: grouped by sender, day separators, a "New messages"
// marker, pending/failed states, infinite scroll back (keeping the scroll position when older
// messages are prepended), and a "↓ N new messages" pill when the reader is scrolled up.
// Rows are keyed and reused, so an update never re-announces old messages (role="log").
// Messages have hover (and focus) actions (message_actions.js): React (a small emoji picker), and on
// own messages Edit (inline editor) and Delete (with an inline confirmation); an admin can also
// delete other people's messages. Reactions show as chips under the message (reactions.js). Edited messages show
// "(edited)" (its tooltip: when); deleted ones are tombstones "This message was deleted".
// Every message is rendered as basic Markdown with raw HTML off (reply.js messageText: markdown-it;
// links open in a new tab with rel="noopener noreferrer"). The assistant's replies (a "Bot" badge)
// stream in with a cursor and a Stop button (plain text until final); a streaming row is updated in
// place, not rebuilt.
// Threads (issue #22): a top-level message offers "Reply in thread"; a parent shows its reply count
// ("3 replies · last reply 10:42") under it, a button that opens the thread panel (thread.js).
// Replies are never in this list (the store keeps them apart).
// Files and a location (issue #24) show under the text (attachments.js); a message with only those
// has no (empty) bubble. An edit keeps them; a tombstone shows none.

import { el, reconcile } from '../dom.js';
import { fullTime, hueClass, initials, shortTime } from '../format.js';
import { MessageRows } from './message_rows.js';
import { actionMethods, autosize } from './message_actions.js';
import { reactionMethods, reactionSig } from './reactions.js';
import { botBadge, fillStreamText, messageText, replyBubble, replyFooter } from './reply.js';
import { replyCountText } from '../store_thread.js';
import { attachmentSig } from '../files.js';
import { attachmentBlock } from './attachments.js';

const NEAR_BOTTOM_PX = 80;
const LOAD_MORE_PX = 300;

export class MessageList {
  /**
   * onEdit(roomId, id, text), onDelete(roomId, id) and onReact(roomId, id, emoji, on) return promises that reject with an Error
   * whose message is for the user; onError(text) shows one (a toast). onThread(roomId, id) opens
   * the thread of message `id`.
   */
  constructor({ store, scroller, list, status, pill, onLoadOlder, onRetry, onAtBottom, onEdit, onDelete, onReact, onStop, onError, onThread }) {
    Object.assign(this, { store, scroller, list, status, pill, onLoadOlder, onRetry, onAtBottom, onEdit, onDelete, onReact, onStop, onError, onThread });
    this.picking = null; // id of the message whose emoji picker is open
    this.stopping = new Set(); // `${roomId}:${id}` of replies whose stop waits for the server
    this.rows = new Map(); // key → {sig, node}
    this.editing = null; // {roomId, id, draft, saving, error}: the message being edited
    this.confirming = null; // id of the message whose delete waits for a confirmation
    this.deleting = new Set(); // `${roomId}:${id}` of deletes waiting for the server
    this.focusKey = null; // row to move the focus into after the next render
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
    this.editing = null;
    this.confirming = null;
    this.picking = null;
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
    // A message deleted (or gone) meanwhile can no longer be edited or deleted.
    const gone = (id) => { const m = room.msgs.get(id); return !m || m.deleted; };
    if (this.editing && gone(this.editing.id)) this.editing = null;
    if (this.confirming !== null && gone(this.confirming)) this.confirming = null;
    if (this.picking !== null && gone(this.picking)) this.picking = null;

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
    const input = this.list.querySelector('.msg-edit-input');
    if (input) autosize(input);
    this.restoreFocus();
  }

  /** Moves the focus into the row `focusKey`: its editor, its confirmation, or its actions. */
  restoreFocus() {
    const key = this.focusKey;
    this.focusKey = null;
    const node = key ? this.rows.get(key)?.node : null;
    if (!node || !node.isConnected) return;
    const target = node.querySelector('.emoji-picker button') ?? node.querySelector('.msg-edit-input, .msg-confirm [data-cancel], .msg-actions button');
    if (!target) return;
    target.focus({ preventScroll: true });
    if (target.tagName === 'TEXTAREA') target.setSelectionRange(target.value.length, target.value.length);
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
    const list = new MessageRows(me);
    const rows = list.rows;
    const push = (m, extra, marker) => list.push(m, extra, marker);
    let markerDone = this.markerAfter === null;
    for (const id of room.ids) {
      const m = room.msgs.get(id);
      const marker = !markerDone && id > this.markerAfter && String(m.from) !== me;
      if (marker) markerDone = true;
      push(m, { key: `m:${id}`, status: 'sent' }, marker);
    }
    // A DM: "Seen" under our newest message once the other participant has read up to it.
    const newest = room.ids.length ? room.msgs.get(room.ids[room.ids.length - 1]) : null;
    if (room.kind === 'dm' && newest && String(newest.from) === me && !newest.deleted && (room.peerRead ?? 0) >= newest.id) {
      rows.push({ type: 'seen', key: 'seen', label: 'Seen' });
    }
    for (const p of this.store.pendingOf(room.id)) {
      push({ from: me, date: Math.floor(p.createdAt / 1000), message: p.text, attachments: p.attachments, location: p.location }, { key: `p:${p.clientId}`, status: p.status, error: p.error, clientId: p.clientId });
    }
    return rows;
  }

  node(r) {
    // A streaming reply's text is not in its signature: it is filled in place (no re-announcement).
    const streaming = r.type === 'msg' && r.m.streaming === true;
    const sig = r.type === 'msg'
      ? `${r.start}|${r.status}|${r.error}|${this.store.userName(r.from)}|${this.store.isBot(r.from)}|${streaming ? '…' : r.m.message}|${r.m.date}|${r.m.edited}|${r.m.streaming}|${r.m.stopped}|${r.m.error}|${this.rowState(r)}|${reactionSig(r.m, this.picking, (u) => this.store.userName(u))}|${r.m.replies}|${r.m.lastReplyAt}|${r.m.moderated}|${attachmentSig(r.m)}`
      : r.label || r.key;
    const cached = this.rows.get(r.key);
    if (cached && cached.sig === sig) {
      if (streaming) fillStreamText(cached.node, r.m.message);
      return cached.node;
    }
    // A rebuilt row keeps the keyboard focus (e.g. the editor, when the message changed meanwhile).
    if (cached && cached.node.contains(document.activeElement)) this.focusKey = r.key;
    const node = r.type === 'day' ? dayRow(r) : r.type === 'marker' ? markerRow() : r.type === 'seen' ? seenRow() : this.msgRow(r);
    node.dataset.key = r.key;
    this.rows.set(r.key, { sig, node });
    return node;
  }

  /**
   * What a sent message row shows besides its text: 'x' tombstone, 'e:…' editor, 'd' deleting,
   * 'c' delete confirmation, 'a:<edit><delete><archived>' the actions it offers (1 = yes; archived:
   * a read-only channel, no React nor Reply).
   */
  rowState(r) {
    if (r.status !== 'sent') return '';
    const m = r.m;
    if (m.deleted) return 'x';
    if (this.editing && this.editing.id === m.id) return `e:${this.editing.saving}:${this.editing.error}`;
    if (this.deleting.has(`${this.roomId}:${m.id}`)) return 'd';
    if (m.streaming === true) return `s:${this.canStop(r) ? 1 : 0}${this.stopping.has(`${this.roomId}:${m.id}`) ? 1 : 0}`;
    if (this.confirming === m.id) return 'c';
    // An archived channel (issue #23) is read-only: no edit, no reaction, no reply; admins, moderators
    // and the channel's owner (or an admin: canManage) still delete anyone's message.
    const archived = this.store.isArchived(this.roomId);
    const canEdit = r.own && typeof m.message === 'string' && !archived;
    const role = this.store.me.role;
    const canDelete = (r.own && !archived) || role === 'admin' || role === 'moderator' || this.store.canManage(this.roomId);
    return `a:${canEdit ? 1 : 0}${canDelete ? 1 : 0}${archived ? 1 : 0}`;
  }

  /**
   * Whether I may stop reply `r` (§2.7): in a DM with the bot, always; elsewhere an admin, or the
   * author of the message just before it (who asked, as far as the page knows; the server decides).
   */
  canStop(r) {
    const room = this.store.rooms.get(this.roomId);
    if (!room || room.kind === 'dm' || this.store.me.role === 'admin') return Boolean(room);
    const i = room.ids.indexOf(r.m.id);
    const prev = i > 0 ? room.msgs.get(room.ids[i - 1]) : null;
    return Boolean(prev && String(prev.from) === this.store.me.id);
  }

  stop(m) {
    const roomId = this.roomId;
    const key = `${roomId}:${m.id}`;
    if (this.stopping.has(key)) return;
    this.stopping.add(key);
    this.render();
    this.onStop(roomId, m.id)
      .catch((e) => { if (e.status !== 401 && e.code !== 'not_found') this.onError(`The reply was not stopped: ${e.message || 'error'}.`); })
      .finally(() => {
        this.stopping.delete(key);
        if (this.roomId === roomId) this.render();
      });
  }

  msgRow(r) {
    const name = r.own ? 'You' : this.store.userName(r.from);
    const bot = !r.own && this.store.isBot(r.from);
    const state = this.rowState(r);
    const cls = ['msg', r.own ? 'own' : 'other', r.start ? 'start' : 'cont', r.status !== 'sent' ? r.status : '',
      state === 'x' ? 'deleted' : '', state.startsWith('e:') ? 'editing' : '', bot ? 'bot' : '',
      r.m.streaming === true ? 'streaming' : '', !r.own && this.store.mentionsMe(r.m) ? 'mentioned' : ''].filter(Boolean).join(' ');
    const time = el('time', { class: 'msg-time', text: shortTime(r.d), attrs: { datetime: r.d.toISOString(), title: fullTime(r.d) } });
    const main = el('div', { class: 'msg-main' });
    if (r.start) {
      main.append(el('div', { class: 'msg-meta' }, el('span', { class: 'msg-author', text: name }), bot ? botBadge() : null, time));
    } else {
      main.append(el('span', { class: 'visually-hidden', text: `${name}, ${shortTime(r.d)}: ` }));
    }
    if (state === 'x') {
      main.append(el('div', { class: 'msg-bubble msg-tombstone', attrs: { title: fullTime(r.d) } },
        el('p', { class: 'msg-text', text: r.m.moderated ? 'This message was removed by a moderator' : 'This message was deleted' })));
    } else if (state.startsWith('e:')) {
      main.append(this.editor());
      const files = attachmentBlock(r.m);
      if (files) main.append(files);
    } else if (bot && (r.m.streaming !== undefined || typeof r.m.message === 'string')) {
      main.append(replyBubble(r.m, fullTime(r.d)));
      const foot = replyFooter(r.m, { canStop: state[2] === '1', stopping: state[3] === '1', onStop: () => this.stop(r.m) });
      if (foot) main.append(foot);
    } else {
      const edited = r.m.edited ? new Date(Number(r.m.edited)) : null; // unix ms
      const files = attachmentBlock(r.m);
      if (!files || (typeof r.m.message === 'string' && r.m.message.trim() !== '')) {
        main.append(el('div', { class: 'msg-bubble', attrs: { title: fullTime(r.d) } },
          messageText(r.m.message),
          edited ? el('span', { class: 'msg-edited', text: '(edited)', attrs: { title: `Edited ${fullTime(edited)}` } }) : null));
      }
      if (files) main.append(files);
    }
    if (r.status === 'sent' && state !== 'x' && !state.startsWith('e:')) main.append(...[this.reactionBar(r.m), this.picker(r.m)].filter(Boolean));
    const count = this.onThread && r.status === 'sent' && !state.startsWith('e:') ? replyCountText(r.m, shortTime) : '';
    if (count) {
      main.append(el('button', {
        class: 'btn-link thread-link', text: count,
        attrs: { type: 'button', title: 'Open the thread' },
        on: { click: () => this.onThread(this.roomId, r.m.id) },
      }));
    }
    if (state === 'd') main.append(el('div', { class: 'msg-status', text: 'Deleting…' }));
    if (state === 'c') main.append(this.confirmBox());
    if (r.status === 'pending') main.append(el('div', { class: 'msg-status', text: 'Sending…' }));
    if (r.status === 'failed') {
      main.append(el('div', { class: 'msg-status msg-failed' },
        el('span', { text: `Not sent: ${r.error || 'error'}.` }),
        el('button', { class: 'btn-link', text: 'Retry', attrs: { type: 'button' }, on: { click: () => this.onRetry(r.clientId) } })));
    }
    const avatar = !r.own && r.start
      ? el('span', { class: `avatar ${bot ? 'avatar-bot' : hueClass(r.from)}`, text: bot ? '✦' : initials(name), attrs: { 'aria-hidden': 'true' } })
      : el('span', { class: 'avatar-gap', attrs: { 'aria-hidden': 'true' } });
    const data = r.status === 'sent' ? { id: r.m.id, from: r.from } : { clientId: r.clientId, from: r.from };
    const actions = state.startsWith('a:') ? this.actions(r, state) : null;
    const li = el('li', { class: cls, data }, r.own ? actions : avatar, main, r.own ? null : actions);
    // Without hover (touch), a tap on the bubble shows the actions (CSS); a plain view state.
    if (actions) (main.querySelector('.msg-bubble') ?? main.querySelector('.msg-attachments'))?.addEventListener('click', () => li.classList.toggle('actions-open'));
    return li;
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

function seenRow() {
  return el('li', { class: 'seen-row', attrs: { 'aria-label': 'Seen by the other person' } }, el('span', { text: 'Seen' }));
}

function markerRow() {
  return el('li', { class: 'new-marker', attrs: { role: 'separator' } }, el('span', { text: 'New messages' }));
}

Object.assign(MessageList.prototype, actionMethods, reactionMethods);
