// A message's files and location as nodes (issue #24), under its text (or alone: no empty bubble).
// Images (image/*) are previews: <img> with the file's width and height as attributes and its
// fitted width through the CSSOM, so the box is reserved before the bytes arrive (no layout jump;
// CSS: max-width 100 %, height auto); lazy-loaded; a click (or Enter) opens the full-size view
// (lightbox.js). Other files are a card: name, size, a download link. A location is a card with its
// coordinates, accuracy, label and a link to OpenStreetMap (no map tiles are loaded here).

import { el } from '../dom.js';
import {
  accuracyText, attachmentsOf, coordsText, fitBox, formatSize, isImage, locationOf, osmLink,
} from '../files.js';
import { icon } from './icons.js';
import { openImage } from './lightbox.js';

/** The files and location block of message `m`, or null when it has neither. */
export function attachmentBlock(m) {
  const files = attachmentsOf(m);
  const loc = locationOf(m);
  if (!files.length && !loc) return null;
  const images = files.filter(isImage);
  const others = files.filter((a) => !isImage(a));
  return el('div', { class: 'msg-attachments' },
    images.length ? el('div', { class: 'att-images' }, ...images.map(imagePreview)) : null,
    ...others.map(fileCard),
    loc ? locationCard(loc) : null);
}

/** An image preview: a button around the lazy <img>, its box reserved from the metadata. */
export function imagePreview(a) {
  const name = String(a.name ?? 'image');
  const box = fitBox(a.width, a.height);
  const img = el('img', {
    class: 'att-img',
    attrs: { src: a.url, alt: name, loading: 'lazy', decoding: 'async', width: box ? a.width : null, height: box ? a.height : null },
  });
  if (box) img.style.width = `${box.width}px`; // CSSOM (allowed by the CSP); height follows the ratio
  else img.classList.add('att-img-unsized');
  return el('button', {
    class: 'att-image',
    attrs: { type: 'button', 'aria-label': `View image ${name} (${formatSize(a.size)}) full size`, title: name },
    data: { fileId: String(a.id) },
    on: { click: (e) => { e.stopPropagation(); openImage(a, e.currentTarget); } },
  }, img);
}

/** A file that is not an image: its name, size and a download link. */
export function fileCard(a) {
  const name = String(a.name ?? 'file');
  const size = formatSize(a.size);
  return el('div', { class: 'att-file', data: { fileId: String(a.id) } },
    icon('file', 'att-file-icon'),
    el('span', { class: 'att-file-text' },
      el('a', { class: 'att-file-name', text: name, attrs: { href: a.url, download: name, title: name } }),
      el('span', { class: 'att-file-size', text: size })),
    el('a', {
      class: 'btn btn-ghost btn-sm att-download', text: 'Download',
      attrs: { href: a.url, download: name, 'aria-label': `Download ${name} (${size})` },
    }));
}

/** A shared location: coordinates, ± accuracy, its label, and the OpenStreetMap link. */
export function locationCard(l) {
  const acc = accuracyText(l.accuracy);
  return el('div', { class: 'att-location', attrs: { role: 'group', 'aria-label': 'Shared location' } },
    icon('pin', 'att-loc-icon'),
    el('span', { class: 'att-loc-text' },
      l.label ? el('span', { class: 'att-loc-label', text: l.label }) : null,
      el('span', { class: 'att-loc-coords', text: coordsText(l) }),
      acc ? el('span', { class: 'att-loc-acc', text: acc, attrs: { title: 'Accuracy of the position' } }) : null,
      el('a', {
        class: 'att-loc-link', text: 'Open in OpenStreetMap',
        attrs: { href: osmLink(l.lat, l.lon), target: '_blank', rel: 'noopener noreferrer' },
      })));
}
