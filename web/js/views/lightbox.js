// The full-size view of an image attachment (issue #24): a modal <dialog> made once, with the
// image, its name, a download link and a close button. Escape (the dialog's cancel), the close
// button or a click on the backdrop closes it; the focus goes back to the preview that opened it.

import { el } from '../dom.js';
import { formatSize } from '../files.js';

let dialog = null;
let opener = null;

function build() {
  const img = el('img', { class: 'lightbox-img', attrs: { alt: '' } });
  const name = el('span', { class: 'lightbox-name' });
  const link = el('a', { class: 'btn btn-ghost btn-sm', text: 'Download' });
  const close = el('button', {
    class: 'icon-btn lightbox-close', text: '✕',
    attrs: { type: 'button', 'aria-label': 'Close image', title: 'Close (Esc)' },
    on: { click: () => dialog.close() },
  });
  dialog = el('dialog', { class: 'lightbox', attrs: { 'aria-label': 'Image' } },
    el('div', { class: 'lightbox-bar' }, name, link, close),
    el('div', { class: 'lightbox-body' }, img));
  // A click outside the image and the bar (on the backdrop or the empty body) closes it.
  dialog.addEventListener('click', (e) => { if (e.target === dialog || e.target.classList.contains('lightbox-body')) dialog.close(); });
  dialog.addEventListener('close', () => {
    img.removeAttribute('src');
    if (opener && opener.isConnected) opener.focus();
    opener = null;
  });
  document.body.append(dialog);
  return { img, name, link };
}

/** Opens attachment `a` ({url, name, size, width, height}) full size; `from`: the element to refocus. */
export function openImage(a, from = null) {
  const parts = dialog ? { img: dialog.querySelector('.lightbox-img'), name: dialog.querySelector('.lightbox-name'), link: dialog.querySelector('.btn') } : build();
  const name = String(a.name ?? 'image');
  opener = from;
  parts.img.setAttribute('src', a.url);
  parts.img.setAttribute('alt', name);
  for (const k of ['width', 'height']) {
    if (Number(a[k]) > 0) parts.img.setAttribute(k, String(a[k]));
    else parts.img.removeAttribute(k);
  }
  parts.name.textContent = `${name} · ${formatSize(a.size)}`;
  parts.link.setAttribute('href', a.url);
  parts.link.setAttribute('download', name);
  parts.link.setAttribute('aria-label', `Download ${name}`);
  dialog.setAttribute('aria-label', `Image ${name}`);
  if (!dialog.open) dialog.showModal();
  dialog.querySelector('.lightbox-close').focus();
}
