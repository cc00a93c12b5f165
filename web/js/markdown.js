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

// --- plain text (the sidebar's preview) ----------------------------------------------------------

// Placeholders for text kept as is (code, escaped characters): private-use characters around an index.
const KEEP_OPEN = '\uE000';
const KEEP_CLOSE = '\uE001';
const KEPT = /\uE000(\d+)\uE001/gu;
const FENCE = /^ {0,3}(`{3,}|~{3,})/u;
const NOT_WORD = '(?<![\\p{L}\\p{N}_])';
const NOT_WORD_AFTER = '(?![\\p{L}\\p{N}_])';
const INLINE = [
  [/!\[([^\]\n]*)\]\([^)\s]*(?:\s+"[^"\n]*")?\)/gu, '$1'], // image → its alt text
  [/\[([^\]\n]+)\]\([^)\s]*(?:\s+"[^"\n]*")?\)/gu, '$1'], // [text](url) → text
  [/<((?:https?|mailto):[^>\s]+)>/gu, '$1'], // <https://…> → the address
  [/\*\*(?=\S)([\s\S]*?\S)\*\*/gu, '$1'],
  [new RegExp(`${NOT_WORD}__(?=\\S)([\\s\\S]*?\\S)__${NOT_WORD_AFTER}`, 'gu'), '$1'],
  [/~~(?=\S)([\s\S]*?\S)~~/gu, '$1'],
  [/\*(?=\S)([\s\S]*?\S)\*/gu, '$1'],
  [new RegExp(`${NOT_WORD}_(?=\\S)([\\s\\S]*?\\S)_${NOT_WORD_AFTER}`, 'gu'), '$1'], // snake_case stays
];

/**
 * `text` (Markdown) as one line of plain text with the Markdown markers removed: emphasis, code
 * (its text kept as is), links and images (their text), headings, quotes, bullets, rules, code fences
 * and backslash escapes; line breaks become spaces. For previews: no HTML, no DOM, never throws.
 */
export function markdownText(text) {
  const kept = [];
  const keep = (s) => `${KEEP_OPEN}${kept.push(s) - 1}${KEEP_CLOSE}`;
  const lines = [];
  let fence = null; // the open fence's marker
  for (const line of String(text ?? '').replace(/[\uE000\uE001]/gu, '').split(/\r?\n/u)) {
    const f = FENCE.exec(line);
    if (fence !== null) {
      if (f && f[1][0] === fence[0] && f[1].length >= fence.length && line.trim() === f[1]) fence = null;
      else lines.push(keep(line));
      continue;
    }
    if (f) { fence = f[1]; continue; }
    if (/^ {0,3}(?:([-*_])(?:[ \t]*\1){2,}|=+)[ \t]*$/u.test(line)) continue; // a rule or a heading's underline
    lines.push(line
      .replace(/^(?: {0,3}>[ \t]?)+/u, '') // quotes
      .replace(/^ {0,3}#{1,6}(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/u, '$1') // headings (and their closing #s)
      .replace(/^[ \t]*[-*+][ \t]+(?:\[[ xX]\][ \t]+)?/u, '')); // bullets, task boxes
  }
  let s = lines.join('\n')
    .replace(/(`+)(?!`)([\s\S]*?[^`])\1(?!`)/gu, (_, _ticks, code) => keep(code.replace(/^ (.*) $/su, '$1'))) // code spans
    .replace(/\\([!-/:-@[-`{-~])/gu, (_, c) => keep(c)); // escapes
  for (const [re, to] of INLINE) s = s.replace(re, to);
  for (let i = 0; i < 3 && KEPT.test(s); i++) s = s.replace(KEPT, (_, n) => kept[Number(n)] ?? ''); // nested: at most 3 deep
  return s.replace(/\s+/gu, ' ').trim();
}
