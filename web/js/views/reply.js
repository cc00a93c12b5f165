// How the assistant's replies look in the message list (messages.js builds the row around them):
// the bubble (plain text with a blinking cursor while the reply streams, Markdown once it is final),
// the Stop button while it streams, and the "Stopped" / error note of a reply that did not end
// normally (docs/protocol.md §2.7).
//
// Screen readers: the list is a polite live region that announces added rows. While a reply streams
// its growing text is aria-hidden and updated in place (never announced); the row says "Assistant is
// writing…" once. The final reply is a new row node, so it is announced once, whole.

import { el } from '../dom.js';
import { linkParts } from '../linkify.js';
import { renderMarkdown } from '../markdown.js';
import { replyErrorText } from '../stream.js';

/** A message's text as nodes: text nodes and <a> elements for its links (opened in a new tab). */
export function textNodes(text) {
  return linkParts(text).map((p) => (p.href
    ? el('a', { text: p.text, attrs: { href: p.href, target: '_blank', rel: 'noopener noreferrer nofollow' } })
    : document.createTextNode(p.text)));
}

/**
 * A person's message text as an element: basic Markdown with clickable links (markdown.js), or
 * plain text with its links when markdown-it is not loaded. The text itself is never changed.
 */
export function messageText(text) {
  const s = typeof text === 'string' ? text : '';
  const md = s === '' ? null : renderMarkdown(s, { basic: true });
  if (md) return el('div', { class: 'msg-text msg-md' }, md);
  return el('p', { class: 'msg-text' }, ...textNodes(s));
}

/** The bubble of a reply of the assistant. `title`: its full time. */
export function replyBubble(m, title) {
  const bubble = el('div', { class: 'msg-bubble msg-reply', attrs: { title } });
  if (m.streaming === true) {
    bubble.append(
      el('span', { class: 'visually-hidden', text: 'Writing a reply…' }),
      el('p', { class: 'msg-text msg-stream', attrs: { 'aria-hidden': 'true' } }),
      el('span', { class: 'stream-cursor', attrs: { 'aria-hidden': 'true' } }));
    fillStreamText(bubble, m.message);
    return bubble;
  }
  const text = typeof m.message === 'string' ? m.message : '';
  const md = text === '' ? null : renderMarkdown(text);
  if (md) bubble.append(el('div', { class: 'msg-text msg-md' }, md));
  else bubble.append(el('p', { class: 'msg-text' }, ...textNodes(text)));
  bubble.classList.toggle('msg-reply-empty', text === '');
  return bubble;
}

/** While a reply streams: puts its text so far into its row (in place: the row is not rebuilt). */
export function fillStreamText(node, text) {
  const p = node.querySelector('.msg-stream');
  if (!p || p.dataset.text === text) return;
  p.dataset.text = text;
  p.replaceChildren(...textNodes(text ?? ''));
}

/**
 * Under a reply: Stop while it streams (when `canStop`), else the note of how it ended (or null).
 * `stopping`: a stop was sent and its answer is awaited.
 */
export function replyFooter(m, { canStop, stopping, onStop }) {
  if (m.streaming === true) {
    if (!canStop) return null;
    return el('div', { class: 'msg-status msg-reply-bar' },
      el('button', {
        class: 'btn btn-ghost btn-sm msg-stop',
        text: stopping ? 'Stopping…' : 'Stop',
        attrs: { type: 'button', disabled: stopping, 'aria-label': stopping ? 'Stopping the reply' : 'Stop the reply' },
        on: { click: onStop },
      }));
  }
  if (m.error) {
    return el('div', { class: 'msg-status msg-reply-error', data: { error: m.error } },
      el('span', { class: 'msg-reply-mark', text: '⚠', attrs: { 'aria-hidden': 'true' } }),
      el('span', { text: replyErrorText(m.error) }));
  }
  if (m.stopped) {
    return el('div', { class: 'msg-status msg-reply-stopped' },
      el('span', { class: 'msg-reply-mark', text: '■', attrs: { 'aria-hidden': 'true' } }),
      el('span', { text: 'Stopped' }));
  }
  return null;
}

/** The small "Bot" badge next to the assistant's name. */
export function botBadge() {
  return el('span', { class: 'bot-badge', text: 'Bot', attrs: { title: 'AI assistant' } });
}
