// Links in message text: the parts of a text, each either plain text or a link. Pure (no DOM), so
// the rules are tested without a browser; the view turns link parts into <a> elements and text
// parts into text nodes (never HTML).
//
// Linked: http:// and https:// URLs, and www.-names (as https://). Never other schemes
// (javascript:, data:, mailto: stay text). Trailing sentence punctuation is not part of a URL,
// nor is a closing parenthesis or bracket without its opening one inside the URL.

const URL_START = /\b(?:https?:\/\/|www\.)/giu;
const TRAILING = /[.,;:!?'"]+$/u;
const MAX_URL = 2048;

/** The end of the URL that starts at `start` (exclusive): up to the first whitespace or < > " */
function urlEnd(text, start) {
  let end = start;
  while (end < text.length && end - start < MAX_URL && !/[\s<>"`]/u.test(text[end])) end += 1;
  return end;
}

/** Drops trailing punctuation and unbalanced closing brackets. */
function trimUrl(url) {
  let u = url;
  for (;;) {
    const before = u;
    u = u.replace(TRAILING, '');
    for (const [open, close] of [['(', ')'], ['[', ']'], ['{', '}']]) {
      if (u.endsWith(close) && u.split(open).length < u.split(close).length) u = u.slice(0, -1);
    }
    if (u === before) return u;
  }
}

/**
 * Splits `text` into [{text}] and [{text, href}] parts, in order; joined, the parts' texts are
 * exactly `text`.
 */
export function linkParts(text) {
  const s = String(text ?? '');
  const parts = [];
  let last = 0;
  URL_START.lastIndex = 0;
  for (let m = URL_START.exec(s); m; m = URL_START.exec(s)) {
    const start = m.index;
    const url = trimUrl(s.slice(start, urlEnd(s, start)));
    const www = /^www\./iu.test(url);
    const scheme = /^https?:\/\//iu.test(url);
    // A bare scheme or "www." alone is not a link (trimming may have eaten the prefix's end); nor is
    // a host-less "https://".
    const rest = www ? url.slice(4) : url.replace(/^https?:\/\//iu, '');
    if ((!www && !scheme) || !/^[\p{L}\p{N}]/u.test(rest) || (www && !rest.includes('.'))) {
      URL_START.lastIndex = start + m[0].length;
      continue;
    }
    if (start > last) parts.push({ text: s.slice(last, start) });
    parts.push({ text: url, href: www ? `https://${url}` : url });
    last = start + url.length;
    URL_START.lastIndex = last;
  }
  if (last < s.length || parts.length === 0) parts.push({ text: s.slice(last) });
  return parts;
}
