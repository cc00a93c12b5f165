// A composer's files (issue #24; the room's and the thread's): the attach button (a file picker,
// several files), files dropped onto its area, and an image pasted into its box all start uploading
// at once (upload.js). The strip above the box lists its uploads: name, size, a progress bar while
// uploading, the reason when refused, and a × that cancels (aborts) or removes one. Rows are keyed
// and progress is written in place, so the keyboard focus stays on a row's button meanwhile.

import { el, reconcile } from '../dom.js';
import { formatSize, pastedName } from '../files.js';
import { percent } from '../upload.js';
import { icon } from './icons.js';

export class AttachBar {
  /**
   * uploads: an Uploads; roomId(): the room the files go to (null: none); scope(): the composer's
   * key in `uploads` (the room id, or a thread's); canAttach(): the box takes messages (not
   * archived); focusBox(): the focus back to the message box. The elements: button, input (a file
   * input), strip (a list), zone (where files may be dropped; it gets `drop-target` meanwhile), box.
   */
  constructor({ uploads, roomId, scope = roomId, canAttach, focusBox, button, input, strip, zone, box }) {
    Object.assign(this, { uploads, roomId, scope, canAttach, focusBox, button, input, strip, zone });
    this.rows = new Map(); // key → {sig, node}
    this.dragDepth = 0;

    this.button.addEventListener('click', () => this.input.click());
    this.input.addEventListener('change', () => {
      if (this.input.files?.length) this.add([...this.input.files]);
      this.input.value = ''; // the same file can be picked again
    });
    box.addEventListener('paste', (e) => this.onPaste(e));
    const hasFiles = (e) => [...(e.dataTransfer?.types ?? [])].includes('Files');
    this.zone.addEventListener('dragenter', (e) => {
      if (!hasFiles(e) || !this.accepting()) return;
      e.preventDefault();
      this.dragDepth += 1;
      this.zone.classList.add('drop-target');
    });
    this.zone.addEventListener('dragover', (e) => {
      if (!hasFiles(e) || !this.accepting()) return;
      e.preventDefault();
      e.dataTransfer.dropEffect = 'copy';
    });
    this.zone.addEventListener('dragleave', () => {
      this.dragDepth = Math.max(0, this.dragDepth - 1);
      if (this.dragDepth === 0) this.zone.classList.remove('drop-target');
    });
    this.zone.addEventListener('drop', (e) => {
      this.dragDepth = 0;
      this.zone.classList.remove('drop-target');
      if (!hasFiles(e)) return;
      e.preventDefault(); // never let the browser navigate to the file
      if (this.accepting() && e.dataTransfer.files.length) this.add([...e.dataTransfer.files]);
    });
  }

  accepting() { return this.roomId() !== null && this.canAttach(); }

  /** Starts uploading `files` to the open room (`pasted` images without a real name get one). */
  add(files, pasted = false) {
    const roomId = this.roomId();
    if (roomId === null || !this.canAttach()) return;
    this.uploads.add(roomId, files, files.map((f) => (pasted && f.type?.startsWith('image/') ? pastedName(f.name, f.type) : f.name)), this.scope());
  }

  /** An image in the clipboard is attached; pasted text stays text. */
  onPaste(e) {
    const files = [...(e.clipboardData?.files ?? [])];
    if (!files.length || !this.accepting()) return;
    if ((e.clipboardData.getData('text/plain') ?? '') === '') e.preventDefault(); // only a file: no text to paste
    this.add(files, true);
  }

  /** The strip of this composer; `item` alone: only its progress moved (written in place). */
  render(item = null) {
    const scope = this.roomId() === null ? null : this.scope();
    if (item && item.state === 'uploading' && item.scope === scope) {
      const node = this.rows.get(item.key)?.node;
      if (node) { fillProgress(node, item); return; }
    }
    const items = scope === null ? [] : this.uploads.items(scope);
    const keys = new Set(items.map((i) => i.key));
    const focusedKey = [...this.rows].find(([, r]) => r.node.contains(document.activeElement))?.[0] ?? null;
    for (const k of this.rows.keys()) if (!keys.has(k)) this.rows.delete(k);
    reconcile(this.strip, items.map((i) => this.row(i)));
    this.strip.hidden = items.length === 0;
    // A row whose button had the focus was removed: the next row's button, else the message box.
    if (focusedKey && !keys.has(focusedKey)) {
      const next = this.strip.querySelector('.att-pending-x');
      if (next) next.focus(); else this.focusBox();
    }
  }

  row(i) {
    const sig = `${i.state}|${i.error}|${i.file?.url}`;
    const cached = this.rows.get(i.key);
    if (cached && cached.sig === sig) {
      if (i.state === 'uploading') fillProgress(cached.node, i);
      return cached.node;
    }
    const refocus = cached?.node.contains(document.activeElement);
    const image = i.file ? i.file.type?.startsWith('image/') : /\.(png|jpe?g|gif|webp)$/i.test(i.name);
    const thumb = i.state === 'done' && image && i.file?.url
      ? el('img', { class: 'att-pending-thumb', attrs: { src: i.file.url, alt: '', width: 32, height: 32 } })
      : icon(image ? 'image' : 'file', 'att-pending-icon');
    const label = i.state === 'uploading' ? `Cancel the upload of ${i.name}` : `Remove ${i.name}`;
    const node = el('li', { class: `att-pending att-${i.state}`, data: { key: i.key } },
      thumb,
      el('span', { class: 'att-pending-text' },
        el('span', { class: 'att-pending-name', text: i.name, attrs: { title: i.name } }),
        i.state === 'failed'
          ? el('span', { class: 'att-pending-error', text: i.error, attrs: { role: 'alert' } })
          : el('span', { class: 'att-pending-size', text: formatSize(i.size) })),
      i.state === 'uploading' ? el('progress', { class: 'att-progress', attrs: { max: 100, value: percent(i), 'aria-label': `Uploading ${i.name}` } }) : null,
      i.state === 'uploading' ? el('span', { class: 'att-pending-pct', text: i.sent ? 'Saving…' : `${percent(i)} %`, attrs: { 'aria-hidden': 'true' } }) : null,
      i.state === 'done' ? el('span', { class: 'att-pending-ok', text: 'Ready', attrs: { 'aria-label': `${i.name} uploaded` } }) : null,
      el('button', {
        class: 'icon-btn icon-btn-sm att-pending-x', text: '×',
        attrs: { type: 'button', 'aria-label': label, title: label },
        on: { click: () => this.uploads.cancel(i.key) },
      }));
    this.rows.set(i.key, { sig, node });
    if (refocus) queueMicrotask(() => node.querySelector('.att-pending-x')?.focus());
    return node;
  }
}

function fillProgress(node, item) {
  const p = percent(item);
  const bar = node.querySelector('progress');
  if (bar && Number(bar.value) !== p) bar.value = p;
  const pct = node.querySelector('.att-pending-pct');
  const text = item.sent ? 'Saving…' : `${p} %`; // the body is out; the server's answer is awaited
  if (pct && pct.textContent !== text) pct.textContent = text;
}
