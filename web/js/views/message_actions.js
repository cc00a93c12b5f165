// The actions of a message row of MessageList (messages.js), mixed into its prototype: the hover
// toolbar (React, Reply in thread, Edit, Delete), the inline editor (Enter saves, Escape cancels, Shift+Enter adds a
// line; the composer's 4000-character / not-blank rules) and the delete confirmation. The methods
// use the list's state (`editing`, `confirming`, `deleting`, `focusKey`) and its render().

import { el } from '../dom.js';
import { charCount } from '../format.js';

const MAX_CHARS = 4000;
const SHOW_COUNT_FROM = 3500;

export const actionMethods = {
  /**
   * The row's hover actions: React (any message), Reply in thread (a top-level message, in a list
   * that opens threads: `onThread`), Edit and Delete (state 'a:<edit><delete><archived>'; an archived
   * channel offers only Delete, to admins, moderators and the channel's owner).
   */
  actions(r, state) {
    const button = (text, cls, click, attrs = {}) => el('button', { class: `msg-action ${cls}`, text, attrs: { type: 'button', ...attrs }, on: { click } });
    const archived = state[4] === '1'; // a read-only channel: only a moderator's Delete
    if (archived && state[3] !== '1') return null;
    return el('div', { class: 'msg-actions' },
      archived ? null : button('React', 'msg-action-react', () => this.togglePicker(r.m), { 'aria-haspopup': 'true', 'aria-expanded': String(this.picking === r.m.id) }),
      !archived && this.onThread && (r.m.parentId === undefined || r.m.parentId === null) && r.m.streaming !== true
        ? button('Reply in thread', 'msg-action-thread', () => this.onThread(this.roomId, r.m.id)) : null,
      state[2] === '1' ? button('Edit', '', () => this.startEdit(r.m)) : null,
      state[3] === '1' ? button('Delete', 'msg-action-danger', () => this.askDelete(r.m)) : null);
  },

  // --- edit ------------------------------------------------------------------------------------

  startEdit(m) {
    this.editing = { roomId: this.roomId, id: m.id, draft: m.message, saving: false, error: null };
    this.confirming = null;
    this.focusKey = `m:${m.id}`;
    this.render();
  },

  cancelEdit() {
    const st = this.editing;
    if (!st) return;
    this.editing = null;
    if (this.rows.get(`m:${st.id}`)?.node.contains(document.activeElement)) this.focusKey = `m:${st.id}`;
    this.render();
  },

  saveEdit() {
    const st = this.editing;
    if (!st || st.saving) return;
    const text = st.draft;
    if (text.trim() === '' || charCount(text) > MAX_CHARS) return;
    const cur = this.store.findMessage(st.roomId, st.id); // the room's list or the open thread
    if (!cur || cur.deleted || text === cur.message) { this.cancelEdit(); return; } // nothing to change
    st.saving = true;
    st.error = null;
    this.focusKey = `m:${st.id}`;
    this.render();
    this.onEdit(st.roomId, st.id, text).then(() => {
      if (this.editing !== st) return;
      this.editing = null;
      if (this.rows.get(`m:${st.id}`)?.node.contains(document.activeElement)) this.focusKey = `m:${st.id}`;
      this.render();
    }, (e) => {
      if (this.editing !== st) return;
      st.saving = false;
      st.error = `Not saved: ${e.message || 'error'}.`;
      this.focusKey = `m:${st.id}`;
      this.render();
    });
  },

  /** The inline editor of `this.editing` (its draft survives a rebuild of the row). */
  editor() {
    const st = this.editing;
    const input = el('textarea', { class: 'msg-edit-input', attrs: { rows: '1', 'aria-label': 'Edit message' } });
    input.value = st.draft;
    input.readOnly = st.saving;
    const count = el('span', { class: 'msg-edit-count', attrs: { 'aria-live': 'polite' } });
    const save = el('button', { class: 'btn btn-primary btn-sm', text: st.saving ? 'Saving…' : 'Save', attrs: { type: 'submit' } });
    const cancel = el('button', { class: 'btn btn-ghost btn-sm', text: 'Cancel', attrs: { type: 'button' }, on: { click: () => this.cancelEdit() } });
    const update = () => {
      st.draft = input.value;
      const n = charCount(input.value);
      const over = n > MAX_CHARS;
      count.hidden = n < SHOW_COUNT_FROM;
      count.textContent = over
        ? `${(n - MAX_CHARS).toLocaleString()} character${n - MAX_CHARS === 1 ? '' : 's'} over the ${MAX_CHARS.toLocaleString()} limit`
        : `${n.toLocaleString()} / ${MAX_CHARS.toLocaleString()}`;
      count.classList.toggle('over', over);
      input.setAttribute('aria-invalid', over ? 'true' : 'false');
      save.disabled = st.saving || over || input.value.trim() === '';
      if (input.isConnected) autosize(input);
    };
    input.addEventListener('input', update);
    input.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') {
        e.preventDefault();
        e.stopPropagation();
        this.cancelEdit();
      } else if (e.key === 'Enter' && !e.shiftKey && !e.isComposing && !e.altKey && !e.ctrlKey && !e.metaKey) {
        e.preventDefault();
        this.saveEdit();
      }
    });
    update();
    return el('form', { class: 'msg-editor', attrs: { novalidate: true }, on: { submit: (e) => { e.preventDefault(); this.saveEdit(); } } },
      input,
      st.error ? el('p', { class: 'msg-edit-error', text: st.error, attrs: { role: 'alert' } }) : null,
      el('div', { class: 'msg-edit-bar' },
        el('span', { class: 'msg-edit-help', text: 'Enter to save · Shift+Enter for a new line · Esc to cancel' }),
        count, cancel, save));
  },

  // --- delete ----------------------------------------------------------------------------------

  askDelete(m) {
    if (this.editing && this.editing.id === m.id) this.editing = null;
    this.confirming = m.id;
    this.focusKey = `m:${m.id}`;
    this.render();
  },

  cancelDelete() {
    const id = this.confirming;
    this.confirming = null;
    if (id !== null && this.rows.get(`m:${id}`)?.node.contains(document.activeElement)) this.focusKey = `m:${id}`;
    this.render();
  },

  confirmDelete() {
    const id = this.confirming;
    if (id === null) return;
    const roomId = this.roomId;
    const key = `${roomId}:${id}`;
    this.confirming = null;
    this.deleting.add(key);
    this.render();
    this.onDelete(roomId, id)
      .catch((e) => { if (e.status !== 401) this.onError(`The message was not deleted: ${e.message || 'error'}.`); })
      .finally(() => {
        this.deleting.delete(key);
        if (this.roomId === roomId) this.render();
      });
  },

  confirmBox() {
    return el('div', {
      class: 'msg-confirm',
      attrs: { role: 'group', 'aria-label': 'Delete this message?' },
      on: { keydown: (e) => { if (e.key === 'Escape') { e.preventDefault(); e.stopPropagation(); this.cancelDelete(); } } },
    },
    el('span', { text: 'Delete this message?' }),
    el('button', { class: 'btn btn-danger btn-sm', text: 'Delete', attrs: { type: 'button' }, on: { click: () => this.confirmDelete() } }),
    el('button', { class: 'btn btn-ghost btn-sm', text: 'Cancel', attrs: { type: 'button' }, data: { cancel: '' }, on: { click: () => this.cancelDelete() } }));
  }
};

/** Grows a textarea with its text (up to its CSS max-height; CSSOM writes are allowed by the CSP). */
export function autosize(input) {
  input.style.height = 'auto';
  input.style.height = `${input.scrollHeight + 2}px`;
}
