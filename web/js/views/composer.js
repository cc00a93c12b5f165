// The message box: Enter sends, Shift+Enter adds a line, grows with its text, shows the
// 4000-character limit near it, keeps a draft per room, and reports typing (true at most every
// 3 s while typing; false on send, blur, room change or after 4 s without a key). A notice above it
// tells why the assistant did not take a question (busy, asked too often).

import { $, el } from '../dom.js';
import { charCount } from '../format.js';

const MAX_CHARS = 4000;
const SHOW_COUNT_FROM = 3500;
const TYPING_EVERY = 3000;
const TYPING_IDLE = 4000;
const NOTICE_MS = 8000;

export class Composer {
  constructor({ onSend, onTyping }) {
    this.onSend = onSend;
    this.onTyping = onTyping; // (roomId, bool)
    this.form = $('#composer');
    this.input = $('#composer-input');
    this.count = $('#composer-count');
    this.button = $('#send');
    this.noticeBox = $('#composer-notice'); // a live region kept in the page (empty: no height)
    this.noticeTimer = null;
    this.roomId = null;
    this.drafts = new Map();
    this.typingSentAt = 0;
    this.typingOn = false;
    this.idleTimer = null;

    this.form.addEventListener('submit', (e) => { e.preventDefault(); this.submit(); });
    this.input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing && !e.altKey && !e.ctrlKey && !e.metaKey) {
        e.preventDefault();
        this.submit();
      }
    });
    this.input.addEventListener('input', () => { this.update(); this.typed(); });
    this.input.addEventListener('blur', () => this.stopTyping());
  }

  setRoom(roomId, label) {
    if (this.roomId !== null) {
      this.stopTyping();
      this.drafts.set(this.roomId, this.input.value);
    }
    this.roomId = roomId;
    this.clearNotice();
    this.input.value = this.drafts.get(roomId) || '';
    this.input.placeholder = `Message ${label}`;
    this.update();
  }

  focus() { this.input.focus(); }

  /** Shows `text` above the message box for a while (a polite status: read once). */
  notice(text) {
    clearTimeout(this.noticeTimer);
    const close = el('button', { class: 'icon-btn icon-btn-sm', text: '✕', attrs: { type: 'button', 'aria-label': 'Dismiss' }, on: { click: () => { this.clearNotice(); this.focus(); } } });
    this.noticeBox.replaceChildren(el('span', { class: 'composer-notice-text', text }), close);
    this.noticeTimer = setTimeout(() => this.clearNotice(), NOTICE_MS);
  }

  clearNotice() {
    clearTimeout(this.noticeTimer);
    this.noticeBox.replaceChildren();
  }

  submit() {
    const text = this.input.value;
    if (text.trim() === '' || charCount(text) > MAX_CHARS) return;
    this.stopTyping();
    this.onSend(this.roomId, text);
    this.input.value = '';
    this.drafts.delete(this.roomId);
    this.update();
  }

  update() {
    const n = charCount(this.input.value);
    const over = n > MAX_CHARS;
    this.count.hidden = n < SHOW_COUNT_FROM;
    this.count.textContent = over
      ? `${(n - MAX_CHARS).toLocaleString()} character${n - MAX_CHARS === 1 ? '' : 's'} over the ${MAX_CHARS.toLocaleString()} limit`
      : `${n.toLocaleString()} / ${MAX_CHARS.toLocaleString()}`;
    this.count.classList.toggle('over', over);
    this.input.setAttribute('aria-invalid', over ? 'true' : 'false');
    this.button.disabled = over || this.input.value.trim() === '';
    // Grow with the text up to the CSS max-height (CSSOM writes are allowed by the CSP).
    this.input.style.height = 'auto';
    this.input.style.height = `${this.input.scrollHeight + 2}px`;
  }

  typed() {
    clearTimeout(this.idleTimer);
    if (this.input.value.trim() === '') { this.stopTyping(); return; }
    const now = Date.now();
    if (!this.typingOn || now - this.typingSentAt >= TYPING_EVERY) {
      this.typingOn = true;
      this.typingSentAt = now;
      this.onTyping(this.roomId, true);
    }
    this.idleTimer = setTimeout(() => this.stopTyping(), TYPING_IDLE);
  }

  stopTyping() {
    clearTimeout(this.idleTimer);
    if (!this.typingOn) return;
    this.typingOn = false;
    this.typingSentAt = 0;
    this.onTyping(this.roomId, false);
  }
}
