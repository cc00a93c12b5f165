// The rows of a message list (the room's and a thread's): a day divider before each new day, then the
// messages, each marked as the start of a group when its author changes or more than five minutes
// passed since the previous one; a marker row (the "new" line) starts a group too.

import { dayKey, dayLabel, toDate } from '../format.js';

const GROUP_GAP_S = 5 * 60;

export class MessageRows {
  /** `me`: my user id (rows of my messages are `own`). */
  constructor(me) {
    this.me = me;
    this.rows = [];
    this.prev = null; // {from, date}: the previous message, while it groups with the next
    this.day = null;
  }

  /** Appends message `m` ({from, date, …}) with `extra` row fields, after the marker row if `marker`. */
  push(m, extra, marker = false) {
    const d = toDate(m.date);
    const day = dayKey(d);
    if (this.day !== day) {
      this.rows.push({ type: 'day', key: `d:${day}`, label: dayLabel(d) });
      this.day = day;
      this.prev = null;
    }
    if (marker) {
      this.rows.push({ type: 'marker', key: 'new-marker' });
      this.prev = null;
    }
    const from = String(m.from);
    const start = !this.prev || this.prev.from !== from || Number(m.date) - this.prev.date > GROUP_GAP_S;
    this.rows.push({ type: 'msg', m, d, from, start, own: from === this.me, ...extra });
    this.prev = { from, date: Number(m.date) };
  }
}
