// Markdown of every message, rendered by markdown-it (npm; scripts/web-deps.sh copies its browser
// build to /vendor/markdown-it.min.js, which index.html loads before the app as a classic script:
// `window.markdownit`). People's messages get the basic set (emphasis, inline code, code blocks,
// lists, quotes, links: no headings, tables or rules); the assistant's replies the full set.
// The stored text is never changed: this is display only.
//
// Safety, in layers: markdown-it runs with html: false (raw HTML in the text is shown as text, never
// parsed), its default link check (no javascript:, vbscript:, file:, data: links) and images off
// (the CSP would block them anyway); its HTML output is then parsed into an inert document
// (DOMParser: no script runs, nothing loads) and copied node by node keeping only the elements and
// attributes below, so even a bug upstream cannot bring in a script, a style or an event handler.
// Links open in a new tab without a referrer. Without the vendor file (not installed), messages are
// plain text with their links (linkify.js, also used for a reply's text while it streams).

const ALLOWED = new Set([
  'P', 'BR', 'STRONG', 'EM', 'S', 'DEL', 'CODE', 'PRE', 'UL', 'OL', 'LI', 'A', 'BLOCKQUOTE', 'HR',
  'H1', 'H2', 'H3', 'H4', 'H5', 'H6', 'TABLE', 'THEAD', 'TBODY', 'TR', 'TH', 'TD',
]);
const ATTRS = { A: ['href', 'title'], OL: ['start'], CODE: ['class'] }; // no style: the CSP forbids inline styles
const SAFE_HREF = /^(?:https?:|mailto:|#)/iu;

const engines = {}; // 'full' | 'basic' → markdown-it instance, or null when not available
const BASIC_OFF = ['heading', 'lheading', 'table', 'hr'];

function md(kind = 'full') {
  if (engines[kind] === undefined) {
    const factory = globalThis.markdownit;
    engines[kind] = null;
    if (typeof factory === 'function') {
      try {
        const e = factory({ html: false, linkify: true, breaks: true, typographer: false });
        e.disable('image');
        if (kind === 'basic') e.disable(BASIC_OFF);
        engines[kind] = e;
      } catch { engines[kind] = null; }
    }
  }
  return engines[kind];
}

/** True when markdown-it is loaded (messages render as Markdown). */
export function markdownAvailable() { return md() !== null; }

/**
 * `text` (Markdown) as a DocumentFragment of safe elements, or null when markdown-it is not loaded
 * (the caller shows plain text). `basic`: the set for people's messages.
 */
export function renderMarkdown(text, { basic = false } = {}) {
  const engine = md(basic ? 'basic' : 'full');
  if (!engine) return null;
  let html;
  try { html = engine.render(String(text ?? '')); } catch { return null; }
  const doc = new DOMParser().parseFromString(`<body>${html}</body>`, 'text/html');
  const out = document.createDocumentFragment();
  copyChildren(doc.body, out);
  return out;
}

// Containers whose whitespace-only text (markdown-it's "\n" between blocks) is layout, not content:
// dropped, so a message's textContent is its text (no stray line breaks around paragraphs).
const BLOCK_PARENTS = new Set(['BODY', 'UL', 'OL', 'LI', 'BLOCKQUOTE', 'TABLE', 'THEAD', 'TBODY', 'TR']);

function copyChildren(from, to) {
  for (const n of from.childNodes) {
    if (n.nodeType === Node.TEXT_NODE) {
      if (!(BLOCK_PARENTS.has(from.tagName) && /^\s*$/u.test(n.data))) to.append(document.createTextNode(n.data));
      continue;
    }
    if (n.nodeType !== Node.ELEMENT_NODE) continue;
    if (!ALLOWED.has(n.tagName)) { copyChildren(n, to); continue; } // unknown element: its text only
    const e = document.createElement(n.tagName.toLowerCase());
    for (const name of ATTRS[n.tagName] ?? []) {
      const v = n.getAttribute(name);
      if (v === null) continue;
      if (name === 'href' && !SAFE_HREF.test(v.trim())) continue;
      if (name === 'class' && !/^language-[\w+#.-]{1,40}$/u.test(v)) continue;
      if (name === 'start' && !/^\d{1,9}$/u.test(v)) continue;
      e.setAttribute(name, v);
    }
    if (n.tagName === 'A') {
      if (!e.hasAttribute('href')) { copyChildren(n, to); continue; }
      e.setAttribute('target', '_blank');
      e.setAttribute('rel', 'noopener noreferrer nofollow');
    }
    copyChildren(n, e);
    to.append(e);
  }
}
