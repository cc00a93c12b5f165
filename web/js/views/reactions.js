// Reactions on a message row of MessageList (messages.js; docs/protocol.md, reactions): a bar of
// chips under the message (the emoji and its count; mine highlighted; who reacted in the title; a
// click toggles my reaction) and a small picker of common emoji opened by the row's React action.
// `reactionMethods` is mixed into MessageList's prototype: it uses the list's `picking` (the
// message whose picker is open), `roomId`, `store`, `onReact`, `onError` and render().

import { el } from '../dom.js';

/** The picker's emoji (any emoji or :short_name: is accepted by the server; these are offered). */
export const PICKER_EMOJI = ['👍', '👎', '❤️', '😂', '😮', '😢', '🎉', '🙏', '👀', '🔥', '✅', '❌', '🚀', '💯', '🤔', '👏'];

/** The reactions of `m` as [emoji, [userId…]] in the server's order (first used first). */
export function reactionList(m) {
  return Object.entries(m.reactions ?? {}).filter(([, users]) => Array.isArray(users) && users.length > 0);
}

/**
 * Signature part of a row for its reactions, the names in their tooltips (looked up after the
 * reaction came) and its picker: messages.js rebuilds the row when it changes.
 */
export function reactionSig(m, picking, nameOf) {
  const names = reactionList(m).map(([, users]) => users.map(nameOf).join(',')).join(';');
  return `${JSON.stringify(m.reactions ?? null)}|${names}|${picking === m.id ? 'p' : ''}`;
}

export const reactionMethods = {
  /** The bar under message `m` (null without reactions). */
  reactionBar(m) {
    const list = reactionList(m);
    if (list.length === 0) return null;
    const me = this.store.me.id;
    const readOnly = this.store.isArchived(this.roomId); // an archived channel: the chips only show
    return el('div', { class: 'reactions', attrs: { role: 'group', 'aria-label': 'Reactions' } },
      ...list.map(([emoji, users]) => {
        const mine = users.includes(me);
        const names = users.map((u) => (u === me ? 'You' : this.store.userName(u))).join(', ');
        return el('button', {
          class: `reaction-chip${mine ? ' mine' : ''}`,
          attrs: { type: 'button', disabled: readOnly, title: `${names} reacted with ${emoji}`, 'aria-pressed': String(mine), 'aria-label': `${emoji} ${users.length}: ${names}` },
          data: { emoji },
          on: { click: () => this.react(m, emoji, !mine) },
        }, el('span', { class: 'reaction-emoji', text: emoji }), el('span', { class: 'reaction-count', text: String(users.length) }));
      }));
  },

  /** The emoji picker of message `m` (when it is the one `picking`). Escape closes it. */
  picker(m) {
    if (this.picking !== m.id || this.store.isArchived(this.roomId)) return null;
    const mine = new Set(reactionList(m).filter(([, users]) => users.includes(this.store.me.id)).map(([e]) => e));
    return el('div', {
      class: 'emoji-picker',
      attrs: { role: 'group', 'aria-label': 'Add a reaction' },
      on: { keydown: (e) => { if (e.key === 'Escape') { e.preventDefault(); e.stopPropagation(); this.togglePicker(m); } } },
    }, ...PICKER_EMOJI.map((emoji) => el('button', {
      class: `emoji-option${mine.has(emoji) ? ' mine' : ''}`,
      text: emoji,
      attrs: { type: 'button', title: emoji, 'aria-pressed': String(mine.has(emoji)) },
      on: { click: () => { this.picking = null; this.react(m, emoji, !mine.has(emoji)); } },
    })));
  },

  togglePicker(m) {
    this.picking = this.picking === m.id ? null : m.id;
    this.focusKey = `m:${m.id}`;
    this.render();
  },

  /** Sets (`on`) or removes my reaction `emoji` on `m`; the store shows it when the server accepted it. */
  react(m, emoji, on) {
    const roomId = this.roomId;
    this.render();
    this.onReact(roomId, m.id, emoji, on)
      .catch((e) => { if (e.status !== 401 && e.code !== 'muted') this.onError(`The reaction was not saved: ${e.message || 'error'}.`); })
      .finally(() => { if (this.roomId === roomId) this.render(); });
  },
};
