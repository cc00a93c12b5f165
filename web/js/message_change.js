// How an edit, a delete, a reply's final copy or a reaction changes a loaded message (pure; store.js applies it).

/**
 * The message `cur` after a change (message.updated data, a copy of the message, or a deletion),
 * or null when the change is not newer than what `cur` shows. A deletion is final (only a deleted
 * parent's reply count still changes). Between two
 * edits the higher position `seq` wins (an equal one is re-applied: the event after the ack's local
 * copy brings the server's `edited` time); without positions, the later `edited` time.
 */
export function changed(cur, d, deleted) {
  const seq = Number(d.seq);
  if (cur.deleted) {
    // The deleter's own page took its ack first: the event adds that a moderator removed it (issue #23).
    if (deleted) return d.moderated === true && !cur.moderated ? { ...cur, moderated: true } : null;
    return threadChange(cur, d, seq);
  }
  if (deleted) {
    // A deleted reply keeps its place in its thread; a deleted parent its thread (issue #22).
    const t = { id: cur.id, roomId: cur.roomId, from: cur.from, date: cur.date, deleted: true, ...(Number.isFinite(seq) ? { seq } : {}) };
    for (const k of ['parentId', 'replies', 'lastReplyAt']) if (cur[k] !== undefined) t[k] = cur[k];
    if (d.moderated === true) t.moderated = true; // removed by an admin or moderator (issue #23)
    return t;
  }
  if (typeof d.message !== 'string') return null;
  if (Number.isFinite(seq) && Number.isFinite(cur.seq)) {
    if (seq < cur.seq) return null;
  } else if (Number(d.edited ?? 0) < Number(cur.edited ?? 0)) {
    return null;
  }
  const edited = d.edited ?? cur.edited;
  const nextSeq = Number.isFinite(seq) ? seq : cur.seq;
  // An assistant reply's state (§2.7): its final message.updated ends the streaming.
  const stream = {};
  for (const k of ['streaming', 'stopped', 'error']) if (d[k] !== undefined) stream[k] = d[k];
  // A thread's parent (issue #22): a whole row (an event or a copy from the server, with `from` and
  // `date`) carries `replies` and `lastReplyAt`, absent when it has none; a local change (the text
  // of an acked edit) leaves them as they are.
  const whole = d.from !== undefined && d.date !== undefined;
  const thread = whole ? { replies: d.replies, lastReplyAt: d.lastReplyAt } : {};
  const same = Object.entries({ ...stream, ...thread }).every(([k, v]) => cur[k] === v);
  if (cur.message === d.message && cur.edited === edited && cur.seq === nextSeq && same) return null;
  const next = { ...cur, message: d.message, edited, ...stream, ...thread };
  if (nextSeq !== undefined) next.seq = nextSeq;
  for (const k of ['replies', 'lastReplyAt']) if (next[k] === undefined) delete next[k];
  return next;
}

/**
 * A deleted parent's thread stays readable (issue #22): a whole row of it (`from`, `date`; e.g. its
 * message.updated after a reply was deleted) still changes its `replies` / `lastReplyAt`, never
 * anything else. Null when nothing changes.
 */
function threadChange(cur, d, seq) {
  if (d.from === undefined || d.date === undefined) return null;
  if (Number.isFinite(seq) && Number.isFinite(cur.seq) && seq < cur.seq) return null;
  if (cur.replies === d.replies && cur.lastReplyAt === d.lastReplyAt) return null;
  const next = { ...cur, replies: d.replies, lastReplyAt: d.lastReplyAt };
  if (Number.isFinite(seq)) next.seq = seq;
  for (const k of ['replies', 'lastReplyAt']) if (next[k] === undefined) delete next[k];
  return next;
}

/** The message `m` with `userId` added to (on) or removed from emoji's reactions; null when unchanged. */
export function withReaction(m, emoji, userId, on) {
  const users = (m.reactions?.[emoji] ?? []).map(String);
  if (users.includes(userId) === on) return null;
  const reactions = { ...(m.reactions ?? {}) };
  if (on) reactions[emoji] = [...users, userId];
  else if (users.length > 1) reactions[emoji] = users.filter((u) => u !== userId);
  else delete reactions[emoji];
  const next = { ...m, reactions };
  if (Object.keys(reactions).length === 0) delete next.reactions;
  return next;
}
