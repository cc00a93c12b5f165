// The message box: Enter sends, Shift+Enter adds a line, grows with its text, shows the
// 4000-character limit near it, keeps a draft per room, and reports typing (true at most every
// 3 s while typing; false on send, blur, room change or after 4 s without a key). A notice above it
// tells why the assistant did not take a question (busy, asked too often).
// Files and location (issue #24): uploads start as files are attached (attach_bar.js); Send waits
// for them, then the message carries the done ones (its text may then be empty). "Share location"
// looks the position up (geo.js) and sends it with the box's text and finished files; a refusal
// (denied, unavailable, timed out) is said in the notice above the box.

import { $, el } from '../dom.js';
import { charCount } from '../format.js';
import { currentLocation } from '../geo.js';
import { AttachBar } from './attach_bar.js';

const MAX_CHARS = 4000;
const SHOW_COUNT_FROM = 3500;
const TYPING_EVERY = 3000;
const TYPING_IDLE = 4000;
const NOTICE_MS = 8000;
const ERROR_NOTICE_MS = 15000;

export class Composer {
  /**
   * onSend(roomId, text, {attachments, location}); onTyping(roomId, bool); uploads: an Uploads
   * (upload.js) whose onChange calls uploadsChanged(); locate(): a position (geo.js, injectable).
   */
  constructor({ onSend, onTyping, uploads, locate = () => currentLocation() }) {
    this.onSend = onSend;
    this.onTyping = onTyping; // (roomId, bool)
    this.uploads = uploads;
    this.locate = locate;
    this.locating = false;
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
    this.attach = new AttachBar({
      uploads, roomId: () => this.roomId, canAttach: () => !this.form.hidden, focusBox: () => this.focus(),
      button: $('#attach-btn'), input: $('#attach-input'), strip: $('#attach-strip'), zone: $('#conversation'), box: this.input,
    });
    this.locButton = $('#location-btn');
    this.locButton.addEventListener('click', () => this.shareLocation());
  }

  /** The uploads changed (`item`: only its progress, or its state): the strip and Send follow. */
  uploadsChanged(roomId, item = null) {
    if (roomId !== this.roomId) return;
    this.attach.render(item);
    if (!item || item.state !== 'uploading') this.update();
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
    this.attach.render();
    this.update();
  }

  focus() { this.input.focus(); }

  /** Shows `text` above the message box for a while (a polite status: read once). */
  notice(text, ms = NOTICE_MS) {
    clearTimeout(this.noticeTimer);
    const close = el('button', { class: 'icon-btn icon-btn-sm', text: '✕', attrs: { type: 'button', 'aria-label': 'Dismiss' }, on: { click: () => { this.clearNotice(); this.focus(); } } });
    this.noticeBox.replaceChildren(el('span', { class: 'composer-notice-text', text }), close);
    this.noticeTimer = setTimeout(() => this.clearNotice(), ms);
  }

  clearNotice() {
    clearTimeout(this.noticeTimer);
    this.noticeBox.replaceChildren();
  }

  /**
   * Sends the box's text with the room's finished uploads (and `location`). Waits (a notice) while
   * uploads run, unless it is a location: that goes now, the running uploads stay for later.
   */
  submit({ location = null } = {}) {
    const text = this.input.value;
    if (charCount(text) > MAX_CHARS || this.roomId === null) return;
    const busy = this.uploads.busy(this.roomId);
    if (busy && !location) {
      if (text.trim() !== '' || this.uploads.items(this.roomId).length) this.notice('Wait until the files are uploaded (or cancel them) to send.');
      return;
    }
    const files = busy ? [] : this.uploads.done(this.roomId);
    if (text.trim() === '' && files.length === 0 && !location) return;
    this.stopTyping();
    const attachments = busy ? [] : this.uploads.take(this.roomId);
    const extra = {};
    if (attachments.length) extra.attachments = attachments;
    if (location) extra.location = location;
    this.onSend(this.roomId, text.trim() === '' ? '' : text, extra);
    this.input.value = '';
    this.drafts.delete(this.roomId);
    this.update();
  }

  /** Looks the position up (the browser may ask for permission) and sends it. */
  async shareLocation() {
    if (this.locating || this.roomId === null) return;
    const roomId = this.roomId;
    this.locating = true;
    this.locButton.setAttribute('aria-busy', 'true');
    this.locButton.disabled = true;
    this.notice('Finding your location…', ERROR_NOTICE_MS);
    try {
      const location = await this.locate();
      if (this.roomId !== roomId) return; // moved to another room meanwhile: not sent there
      this.clearNotice();
      this.submit({ location });
    } catch (e) {
      if (this.roomId === roomId) this.notice(e.message || 'Your location could not be found.', ERROR_NOTICE_MS);
    } finally {
      this.locating = false;
      this.locButton.removeAttribute('aria-busy');
      this.locButton.disabled = false;
    }
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
    const files = this.roomId === null ? [] : this.uploads.items(this.roomId);
    const busy = files.some((i) => i.state === 'uploading');
    const ready = files.some((i) => i.state === 'done');
    this.button.disabled = over || busy || (this.input.value.trim() === '' && !ready);
    this.form.classList.toggle('has-files', files.length > 0);
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
