// The thread panel (issue #22): beside the room on a wide screen, over it on a narrow one (CSS). A
// labelled region ("Thread") with the parent message at the top, its replies oldest first below
// ("Load older replies" pages back), and its own composer (Enter sends the reply, Shift+Enter adds a
// line; a draft per thread). Replies are rows like the room's (the same row builder, actions and
// reactions as messages.js: React, Edit, Delete, the inline editor and confirmation); the parent
// row too. The state is the store's open thread (store_thread.js); the app opens and closes it.
// Files (issue #24): its composer attaches them as the room's does (attach_bar.js: the button, a drop
// onto the panel, a pasted image), kept per thread; a reply may then have no text. "Share location"
// sends the position (geo.js) as a reply with the box's text; a refusal is said above the box.

import { $, el, reconcile } from '../dom.js';
import { charCount, shortTime, toDate } from '../format.js';
import { MessageRows } from './message_rows.js';
import { actionMethods, autosize } from './message_actions.js';
import { AttachBar } from './attach_bar.js';
import { currentLocation } from '../geo.js';
import { MessageList } from './messages.js';
import { reactionMethods } from './reactions.js';
import { replyCountText } from '../store_thread.js';

const MAX_CHARS = 4000;
const NEAR_BOTTOM_PX = 80;
const PAGE = 50;

export class ThreadPanel {
  /**
   * fetchReplies(roomId, parentId, before, limit) → a page of replies, newest first (GET …/replies),
   * onLoadError(e) shows why it failed; onSend(roomId, parentId, text) sends a reply; onClosed()
   * after the panel closed with the focus in it; Escape closes it unless `busy()` (the key is for
   * something else, e.g. a dialog); onAtEnd() when the newest reply is on screen; onRetry, onEdit,
   * onDelete, onReact, onStop, onError as for the room's MessageList. onSend gets a 4th argument,
   * {attachments, location}, when files or a position go with the reply; `uploads` (upload.js) calls
   * uploadsChanged(); locate(): a position (geo.js, injectable).
   */
  constructor({ store, fetchReplies, onLoadError, onSend, onClosed, onAtEnd, busy, onRetry, onEdit, onDelete, onReact, onStop, onError, uploads, locate = () => currentLocation() }) {
    Object.assign(this, { store, fetchReplies, onLoadError, onSend, onClosed, onAtEnd, onRetry, onEdit, onDelete, onReact, onStop, onError, uploads, locate });
    this.app = $('#app-view');
    this.panel = $('#thread-panel');
    this.sub = $('#thread-sub');
    this.scroller = $('#thread-scroller');
    this.parentList = $('#thread-parent');
    this.countLine = $('#thread-count');
    this.status = $('#thread-status');
    this.list = $('#thread-replies');
    this.form = $('#thread-composer');
    this.input = $('#thread-input');
    this.button = $('#thread-send');
    this.note = $('#thread-note');
    this.noticeBox = $('#thread-notice');
    this.locating = false;
    this.rows = new Map(); // key → {sig, node} (as in MessageList)
    this.editing = null;
    this.confirming = null;
    this.deleting = new Set();
    this.stopping = new Set();
    this.picking = null;
    this.focusKey = null;
    this.roomId = null;
    this.parentId = null;
    this.drafts = new Map(); // `${roomId}:${parentId}` → text
    this.atEnd = true; // the reader is at the newest reply (kept there as replies arrive)
    this.keep = null; // distance from the bottom to keep while an older page is prepended

    $('#thread-close').addEventListener('click', () => this.close());
    this.form.addEventListener('submit', (e) => { e.preventDefault(); this.submit(); });
    this.input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing && !e.altKey && !e.ctrlKey && !e.metaKey) {
        e.preventDefault();
        this.submit();
      }
    });
    this.input.addEventListener('input', () => this.update());
    this.attachButton = $('#thread-attach-btn');
    this.attach = new AttachBar({
      uploads, roomId: () => this.roomId, scope: () => this.scope(), canAttach: () => !this.input.disabled, focusBox: () => this.focus(),
      button: this.attachButton, input: $('#thread-attach-input'), strip: $('#thread-attach-strip'), zone: this.panel, box: this.input,
    });
    this.locButton = $('#thread-location-btn');
    this.locButton.addEventListener('click', () => this.shareLocation());
    this.scroller.addEventListener('scroll', () => {
      this.atEnd = this.isAtBottom();
      if (this.atEnd && this.store.thread?.loaded) this.onAtEnd();
    }, { passive: true });
    // Escape closes the thread, after an editor, a picker or a confirmation had its turn (they stop
    // it), unless it was for the phone's drawer or a dialog (`busy()` before any handler ran).
    let wasBusy = false;
    document.addEventListener('keydown', () => { wasBusy = busy(); }, true);
    document.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' && !e.defaultPrevented && this.isOpen && !wasBusy) this.close();
    });
  }

  get isOpen() { return this.roomId !== null; }

  /** This thread's key for its uploads. */
  scope() { return `t:${this.roomId}:${this.parentId}`; }

  /** The uploads changed (`item`: only its progress, or its state): the strip and Send follow. */
  uploadsChanged(scope, item = null) {
    if (this.roomId === null || scope !== this.scope()) return;
    this.attach.render(item);
    if (!item || item.state !== 'uploading') this.update();
  }

  isAtBottom() {
    const s = this.scroller;
    return s.scrollHeight - s.scrollTop - s.clientHeight <= NEAR_BOTTOM_PX;
  }

  /** Opens the thread of message `id` of `roomId`: its newest replies, the focus in its composer. */
  open(roomId, id) {
    const t = this.store.openThread(roomId, id);
    if (!t.loaded && !t.loading) this.loadOlder();
    this.sync();
    this.focus();
  }

  /** Closes the panel (the focus goes back to the room, `onClosed`, when it was in it). */
  close() {
    const inside = this.panel.contains(document.activeElement);
    this.store.closeThread();
    this.sync();
    if (inside || document.activeElement === document.body) this.onClosed();
  }

  /** The open thread's first page of replies, or the page before its oldest one. */
  async loadOlder() {
    const t = this.store.thread;
    if (!t || t.loading || (t.loaded && !t.hasMore)) return;
    t.loading = true;
    this.store.touch('thread');
    try {
      const page = await this.fetchReplies(t.roomId, t.parentId, t.loaded ? t.floor : undefined, PAGE);
      t.loading = false;
      this.store.addThreadHistory(t.roomId, t.parentId, page, PAGE);
    } catch (e) {
      t.loading = false;
      this.store.touch('thread');
      if (this.store.thread === t) this.onLoadError(e);
    }
  }

  /** Follows the store's open thread: shows, switches or hides the panel. True when it changed. */
  sync() {
    const t = this.store.thread;
    if (t && t.roomId === this.roomId && t.parentId === this.parentId) return false;
    this.saveDraft();
    this.notice(''); // (a location lookup's word was about the thread left)
    this.editing = null;
    this.confirming = null;
    this.picking = null;
    this.rows.clear();
    this.parentList.replaceChildren();
    this.list.replaceChildren();
    this.keep = null;
    this.atEnd = true;
    this.roomId = t ? t.roomId : null;
    this.parentId = t ? t.parentId : null;
    this.panel.hidden = !t;
    this.app.classList.toggle('thread-open', Boolean(t));
    this.attach.render();
    if (t) {
      this.input.value = this.drafts.get(`${this.roomId}:${this.parentId}`) ?? '';
      this.render();
    }
    return true;
  }

  focus() { this.input.focus(); }

  saveDraft() {
    if (this.roomId === null) return;
    const key = `${this.roomId}:${this.parentId}`;
    if (this.input.value) this.drafts.set(key, this.input.value);
    else this.drafts.delete(key);
  }

  render() {
    const t = this.store.thread;
    if (!t || t.roomId !== this.roomId || t.parentId !== this.parentId) return;
    const room = this.store.rooms.get(t.roomId);
    const parent = this.store.threadParent();
    const atEnd = this.atEnd;
    const gone = (id) => { const m = this.store.findMessage(t.roomId, id); return !m || m.deleted; };
    if (this.editing && gone(this.editing.id)) this.editing = null;
    if (this.confirming !== null && gone(this.confirming)) this.confirming = null;
    if (this.picking !== null && gone(this.picking)) this.picking = null;

    this.sub.textContent = room ? (room.kind === 'dm' ? room.name : `#${room.name}`) : '';
    const rows = this.buildRows(t, parent);
    const keys = new Set(rows.map((r) => r.key));
    for (const k of this.rows.keys()) if (!keys.has(k)) this.rows.delete(k);
    const nodes = rows.map((r) => this.node(r));
    reconcile(this.parentList, parent ? nodes.slice(0, 1) : [el('li', { class: 'thread-missing', text: 'The message of this thread is not loaded.' })]);
    reconcile(this.list, parent ? nodes.slice(1) : nodes);

    const count = parent ? replyCountText(parent, shortTime) : '';
    if (this.countLine.textContent !== count) this.countLine.textContent = count;
    this.countLine.hidden = count === '';
    this.renderStatus(t);
    this.renderComposer(parent);

    if (this.keep !== null && !t.loading) {
      this.scroller.scrollTop = this.scroller.scrollHeight - this.keep; // older replies were prepended
      this.keep = null;
    } else if (atEnd && t.loaded) {
      this.scroller.scrollTop = this.scroller.scrollHeight;
      this.atEnd = true;
    }
    if (t.loaded && this.isAtBottom()) this.onAtEnd();
    const input = this.list.querySelector('.msg-edit-input') ?? this.parentList.querySelector('.msg-edit-input');
    if (input) autosize(input);
    this.restoreFocus();
  }

  /** The parent row, then the replies (day separators, grouped by sender), then pending replies. */
  buildRows(t, parent) {
    const me = this.store.me.id;
    const list = new MessageRows(me);
    const rows = list.rows;
    if (parent) {
      rows.push({ type: 'msg', m: parent, d: toDate(parent.date), from: String(parent.from), start: true, own: String(parent.from) === me, key: `m:${parent.id}`, status: 'sent' });
    }
    const push = (m, extra) => list.push(m, extra);
    for (const id of t.ids) push(t.msgs.get(id), { key: `m:${id}`, status: 'sent' });
    for (const p of this.store.pendingOf(t.roomId, t.parentId)) {
      push({ from: me, date: Math.floor(p.createdAt / 1000), message: p.text, attachments: p.attachments, location: p.location }, { key: `p:${p.clientId}`, status: p.status, error: p.error, clientId: p.clientId });
    }
    return rows;
  }

  renderStatus(t) {
    let text = '';
    if (t.loading) text = 'Loading replies…';
    else if (t.loaded && !t.hasMore && t.ids.length === 0) text = 'No replies yet. Start the thread!';
    const button = t.loaded && t.hasMore && !t.loading;
    const sig = `${text}|${button}`;
    if (this.status.dataset.sig === sig) return;
    this.status.dataset.sig = sig;
    if (button) {
      this.status.replaceChildren(el('button', {
        class: 'btn-link', text: 'Load older replies', attrs: { type: 'button' },
        on: { click: () => { this.keep = this.scroller.scrollHeight - this.scroller.scrollTop; this.loadOlder(); } },
      }));
    } else {
      this.status.replaceChildren(text ? el('span', { text }) : '');
    }
  }

  /** A deleted (or missing) parent, or an archived channel, takes no new replies: the composer says so. */
  renderComposer(parent) {
    const archived = this.store.isArchived(this.roomId);
    const closed = !parent || parent.deleted === true || archived;
    this.input.disabled = closed;
    this.attachButton.disabled = closed;
    this.locButton.disabled = closed || this.locating;
    this.note.textContent = archived ? 'This channel is archived: the thread takes no new replies.'
      : closed ? 'This message was deleted: the thread takes no new replies.' : '';
    this.note.hidden = !closed;
    this.update();
  }

  update() {
    const n = charCount(this.input.value);
    this.input.setAttribute('aria-invalid', n > MAX_CHARS ? 'true' : 'false');
    const files = this.roomId === null ? [] : this.uploads.items(this.scope());
    const busy = files.some((i) => i.state === 'uploading');
    const ready = files.some((i) => i.state === 'done');
    this.button.disabled = this.input.disabled || n > MAX_CHARS || busy || (this.input.value.trim() === '' && !ready);
    this.input.style.height = 'auto';
    this.input.style.height = `${this.input.scrollHeight + 2}px`;
  }

  submit({ location = null } = {}) {
    const text = this.input.value;
    if (this.input.disabled || charCount(text) > MAX_CHARS || this.roomId === null) return;
    const busy = this.uploads.busy(this.scope());
    if (busy && !location) return;
    if (text.trim() === '' && this.uploads.done(this.scope()).length === 0 && !location) return;
    this.atEnd = true; // show my reply
    const attachments = busy ? [] : this.uploads.take(this.scope()); // (a location does not wait for files)
    const extra = {};
    if (attachments.length) extra.attachments = attachments;
    if (location) extra.location = location;
    this.onSend(this.roomId, this.parentId, text.trim() === '' ? '' : text, extra);
    this.input.value = '';
    this.drafts.delete(`${this.roomId}:${this.parentId}`);
    this.update();
  }

  /** Looks the position up (the browser may ask for permission) and sends it as a reply. */
  async shareLocation() {
    if (this.locating || this.roomId === null || this.input.disabled) return;
    const key = this.scope();
    this.locating = true;
    this.locButton.setAttribute('aria-busy', 'true');
    this.locButton.disabled = true;
    this.notice('Finding your location…');
    try {
      const location = await this.locate();
      if (this.roomId === null || this.scope() !== key) return; // another thread meanwhile: not sent there
      this.notice('');
      this.submit({ location });
    } catch (e) {
      if (this.roomId !== null && this.scope() === key) this.notice(e.message || 'Your location could not be found.');
    } finally {
      this.locating = false;
      this.locButton.removeAttribute('aria-busy');
      this.locButton.disabled = this.input.disabled;
    }
  }

  /** The line above the thread's box (empty: none). */
  notice(text) {
    this.noticeBox.textContent = text;
  }
}

// Rows are built as in the room's list: the same builder, state, actions and reactions.
const shared = MessageList.prototype;
Object.assign(ThreadPanel.prototype, actionMethods, reactionMethods, {
  node: shared.node, msgRow: shared.msgRow, rowState: shared.rowState, canStop: shared.canStop, stop: shared.stop,
  restoreFocus: shared.restoreFocus,
});
