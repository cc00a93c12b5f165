// Uploads waiting to be sent with a message (issue #24), per scope (a room's composer: its id; a
// thread's: `t:<roomId>:<parentId>`; the upload goes to the room either way): each file is uploaded at once
// (POST /room/{id}/files, the raw body, its name in X-File-Name) with XMLHttpRequest for its upload
// progress. An upload is 'uploading' (loaded / total bytes), then 'done' (the server's file: {id,
// name, size, type, width?, height?, url}) or 'failed' (a sentence for the user). Cancel aborts it
// and removes it. A message takes the done ones (take); failed ones stay to be read and dismissed.
// Once the whole body is sent, the answer is awaited for at most ANSWER_TIMEOUT_MS (then aborted:
// failed, "no answer"); the upload itself has no time limit (a slow link may take long).
// No DOM: the transport is injected (a new XMLHttpRequest per upload), so node tests drive it.

import { MAX_ATTACHMENTS, MAX_UPLOAD_BYTES, precheckText, uploadErrorText } from './files.js';

let seq = 0;
const ANSWER_TIMEOUT_MS = 30000;

export class Uploads {
  /**
   * onChange(scope, item|null): called after every change (item: the one whose progress moved or
   * state changed; null: items added or removed). createXhr(): a new XMLHttpRequest.
   */
  constructor({ onChange = () => {}, createXhr = () => new XMLHttpRequest(), maxBytes = MAX_UPLOAD_BYTES, maxFiles = MAX_ATTACHMENTS, answerTimeoutMs = ANSWER_TIMEOUT_MS } = {}) {
    Object.assign(this, { onChange, createXhr, maxBytes, maxFiles, answerTimeoutMs });
    this.rooms = new Map(); // scope → [item]
  }

  /** The uploads of `scope`, in the order they were added. */
  items(scope) { return this.rooms.get(scope) ?? []; }

  /** Uploads are still running in `scope` (a message waits for them). */
  busy(scope) { return this.items(scope).some((i) => i.state === 'uploading'); }

  /** The files ready to go with the next message of `scope`. */
  done(scope) { return this.items(scope).filter((i) => i.state === 'done').map((i) => i.file); }

  /**
   * Starts uploading `files` (File or Blob objects with a name; `names[i]` overrides one) to `roomId`,
   * for the composer `scope` (default: the room's). A file over the limit or empty, or beyond
   * MAX_ATTACHMENTS for a message, fails at once (no upload).
   */
  add(roomId, files, names = [], scope = roomId) {
    const list = [...this.items(scope)];
    [...files].forEach((f, k) => {
      const name = String(names[k] ?? f.name ?? 'file');
      const item = { key: `u${++seq}`, roomId, scope, name, size: Number(f.size) || 0, state: 'uploading', loaded: 0, total: Number(f.size) || 0, error: null, file: null, xhr: null };
      const kept = list.filter((i) => i.state !== 'failed').length;
      const refused = kept >= this.maxFiles ? `At most ${this.maxFiles} files per message` : precheckText(item.size, this.maxBytes);
      list.push(item);
      if (refused) { item.state = 'failed'; item.error = refused; return; }
      this.start(item, f);
    });
    this.rooms.set(scope, list);
    this.onChange(scope, null);
  }

  start(item, body) {
    const xhr = this.createXhr();
    item.xhr = xhr;
    xhr.open('POST', `/room/${encodeURIComponent(item.roomId)}/files`);
    xhr.setRequestHeader('X-File-Name', encodeURIComponent(item.name));
    xhr.setRequestHeader('Accept', 'application/json');
    if (body.type) xhr.setRequestHeader('Content-Type', body.type);
    else xhr.setRequestHeader('Content-Type', 'application/octet-stream');
    xhr.upload.onprogress = (e) => {
      if (item.state !== 'uploading') return;
      item.loaded = e.loaded;
      if (e.lengthComputable && e.total > 0) item.total = e.total;
      this.onChange(item.scope, item);
    };
    xhr.upload.onload = () => {
      if (item.state !== 'uploading') return;
      item.loaded = item.total;
      item.sent = true; // the body is out: the server stores it now
      this.onChange(item.scope, item);
      item.timer = setTimeout(() => {
        if (item.state !== 'uploading') return;
        try { xhr.abort(); } catch { /* gone */ }
        this.fail(item, { status: 0, code: 'timeout' });
      }, this.answerTimeoutMs);
    };
    xhr.onload = () => this.finish(item, xhr);
    xhr.onerror = () => this.fail(item, { status: 0, code: 'network' });
    xhr.ontimeout = () => this.fail(item, { status: 0, code: 'network' });
    xhr.send(body);
  }

  finish(item, xhr) {
    if (item.state !== 'uploading') return;
    clearTimeout(item.timer);
    let json = null;
    try { json = JSON.parse(xhr.responseText || 'null'); } catch { json = null; }
    if (xhr.status === 201 || xhr.status === 200) {
      if (json && json.id !== undefined && typeof json.url === 'string') {
        item.state = 'done';
        item.loaded = item.total;
        item.file = json;
        item.xhr = null;
        this.onChange(item.scope, item);
        return;
      }
      this.fail(item, { status: xhr.status, message: 'The server sent an unreadable answer' });
      return;
    }
    // {"error": {"code", "message"}} (files API) or {"error": code, "message"} (the rest of the API).
    const e = json && typeof json === 'object' ? json.error : null;
    const code = typeof e === 'string' ? e : e?.code;
    const message = (e && typeof e === 'object' ? e.message : null) ?? json?.message ?? null;
    this.fail(item, { status: xhr.status, code, message, retryAfter: Number(xhr.getResponseHeader?.('Retry-After')) || undefined });
  }

  fail(item, err) {
    if (item.state !== 'uploading') return;
    clearTimeout(item.timer);
    item.state = 'failed';
    item.error = uploadErrorText(err, this.maxBytes);
    item.status = err.status;
    item.xhr = null;
    this.onChange(item.scope, item);
  }

  /** Cancels (aborts) or dismisses upload `key`: it is gone. */
  cancel(key) {
    for (const [scope, list] of this.rooms) {
      const item = list.find((i) => i.key === key);
      if (!item) continue;
      const wasUploading = item.state === 'uploading';
      item.state = 'cancelled';
      clearTimeout(item.timer);
      if (wasUploading && item.xhr) { try { item.xhr.abort(); } catch { /* gone */ } }
      item.xhr = null;
      this.set(scope, list.filter((i) => i !== item));
      return true;
    }
    return false;
  }

  /** The done files of `scope` for a message; they leave the list (failed ones stay). */
  take(scope) {
    const list = this.items(scope);
    const files = list.filter((i) => i.state === 'done').map((i) => i.file);
    if (files.length) this.set(scope, list.filter((i) => i.state !== 'done'));
    return files;
  }

  /** The rooms that have uploads (in any scope). */
  roomIds() { return new Set([...this.rooms.values()].flat().map((i) => i.roomId)); }

  /** Signed out (no `roomId`), or the room is gone: its uploads (every scope) aborted, nothing kept. */
  clear(roomId = null) {
    for (const [id, list] of this.rooms) {
      if (roomId !== null && !list.some((i) => i.roomId === roomId)) continue;
      for (const i of list) {
        clearTimeout(i.timer);
        if (i.state === 'uploading' && i.xhr) { i.state = 'cancelled'; try { i.xhr.abort(); } catch { /* gone */ } }
      }
      this.set(id, []);
    }
  }

  set(scope, list) {
    if (list.length) this.rooms.set(scope, list);
    else this.rooms.delete(scope);
    this.onChange(scope, null);
  }
}

/** The percentage of an upload (0–100, whole). */
export const percent = (item) => (item.total > 0 ? Math.min(100, Math.floor((item.loaded / item.total) * 100)) : 0);
