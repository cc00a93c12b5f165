// Threads (issue #22), mixed into Store: a message may be a reply in the thread of a top-level
// message of the same room (its parent, `parentId`). Replies never enter the room's list (room.ids /
// room.msgs): they are kept only for the one thread open in the panel (`store.thread`), loaded with
// GET …/messages/{parentId}/replies and kept current by the live events that carry a `parentId`.
// The parent's row carries `replies` (live replies) and `lastReplyAt` (unix ms): its message.updated
// (sent after every new or deleted reply) updates the count line (message_change.js).
// Replies share the room's one order: a reply's id (and its events' `seq`) advance the room's resume
// cursor even when its thread is not open, so a resume replays exactly what was missed after it.
// Replies do not count as unread, but their @mentions count in the room's mention badge until the
// read marker passes them (store_read.js): `room.replyMentions` holds the ids of the replies known
// here that mention the user.
// Topics: 'thread' (opened, closed, loaded); changes of its messages touch `room:<roomId>`.

/** A reply's parent id (a positive integer), or null for a top-level message. */
export function parentOf(m) {
  const p = Number(m?.parentId);
  return Number.isInteger(p) && p > 0 ? p : null;
}

/** "3 replies · last reply 10:42" (the time formatted by `fmt` from unix ms); '' without replies. */
export function replyCountText(m, fmt) {
  const n = Number(m?.replies);
  if (!Number.isFinite(n) || n <= 0) return '';
  const last = Number(m.lastReplyAt);
  const when = Number.isFinite(last) && last > 0 ? ` · last reply ${fmt(new Date(last))}` : '';
  return `${n} ${n === 1 ? 'reply' : 'replies'}${when}`;
}

export const threadMethods = {
  /** Opens the thread of message `parentId` of `roomId` (closing another one). */
  openThread(roomId, parentId) {
    roomId = String(roomId);
    parentId = Number(parentId);
    if (this.thread && this.thread.roomId === roomId && this.thread.parentId === parentId) return this.thread;
    this.thread = {
      id: roomId, roomId, parentId, // `id`: changes made by insert()/applyChange() touch room:<roomId>
      msgs: new Map(), ids: [], floor: null, hasMore: true, loaded: false, loading: false,
      early: new Map(), // id → change that arrived while a page of replies was being fetched
      typing: new Map(),
    };
    this.touch('thread', `room:${roomId}`);
    return this.thread;
  },

  closeThread() {
    if (!this.thread) return;
    const { roomId } = this.thread;
    this.thread = null;
    this.touch('thread', `room:${roomId}`);
  },

  /** The open thread when it is the one of `parentId` in `roomId` (any of that room when omitted). */
  threadOf(roomId, parentId = undefined) {
    const t = this.thread;
    if (!t || t.roomId !== String(roomId)) return null;
    return parentId === undefined || parentId === null || t.parentId === Number(parentId) ? t : null;
  },

  /** The open thread's parent message (null when not loaded). */
  threadParent() {
    const t = this.thread;
    return t ? this.rooms.get(t.roomId)?.msgs.get(t.parentId) ?? null : null;
  },

  /** The room's message list, or the open thread of that room, that holds message `id` (else null). */
  holderOf(roomId, id) {
    const room = this.rooms.get(String(roomId));
    if (!room) return null;
    if (room.msgs.has(Number(id))) return room;
    const t = this.threadOf(roomId);
    return t && t.msgs.has(Number(id)) ? t : null;
  },

  /** Message `id` of `roomId` from its list or the open thread. */
  findMessage(roomId, id) {
    return this.holderOf(roomId, id)?.msgs.get(Number(id)) ?? null;
  },

  /**
   * A live (or resumed) reply: into the open thread when it is its parent's, never into the room's
   * list. Its id advances the room's resume cursor. True when it was new in the open thread.
   */
  receiveReply(m) {
    const room = this.rooms.get(String(m.roomId));
    if (!room) return false;
    const id = Number(m.id);
    if (Number.isFinite(id) && id > room.seq) room.seq = id;
    this.noteReplyMention(room, m, false);
    const t = this.threadOf(room.id, parentOf(m));
    if (!t) return false;
    const fresh = this.insert(t, m);
    if (fresh) {
      if (String(m.from) === this.me.id) this.reconcileOwn(room, m);
      this.touch('thread', `room:${room.id}`);
    }
    return fresh;
  },

  /** A page of replies (newest first, as the API returns it) for the open thread. */
  addThreadHistory(roomId, parentId, page, limit) {
    const t = this.threadOf(roomId, parentId);
    if (!t) return;
    const room = this.rooms.get(t.roomId);
    for (const m of page) {
      this.insert(t, m);
      if (room) this.noteReplyMention(room, m, Boolean(m.deleted));
    }
    if (page.length) {
      const oldest = Number(page[page.length - 1].id);
      t.floor = t.floor === null ? oldest : Math.min(t.floor, oldest);
    }
    for (const c of t.early.values()) this.applyChange(t, c.d, c.deleted);
    t.early.clear();
    if (page.length < limit) t.hasMore = false;
    t.loaded = true;
    this.touch('thread', `room:${t.roomId}`);
  },

  /**
   * Keeps `room.replyMentions` current for reply `m` (a copy, an edit with its `mentions`, or a
   * deletion): the ids of replies from others that @mention the user. Touches 'rooms' on a change.
   */
  noteReplyMention(room, m, deleted) {
    const id = Number(m?.id);
    if (!Number.isFinite(id) || parentOf(m) === null) return;
    const set = room.replyMentions ?? (room.replyMentions = new Set());
    const on = !deleted && !m.deleted && String(m.from) !== this.me.id && this.mentionsMe(m);
    if (on === set.has(id)) return;
    if (on) set.add(id); else set.delete(id);
    this.touch('rooms');
  },

  /**
   * Where an edit or delete of message `d.id` goes: the room's list or the open thread that holds
   * it; {wait: holder} while a page that may bring it is being fetched (kept in holder.early);
   * else null (not loaded: ignored). A reply's change carries its `parentId`.
   */
  changeTarget(room, d) {
    const id = Number(d.id);
    if (room.msgs.has(id)) return room;
    const t = this.threadOf(room.id);
    if (t && t.msgs.has(id)) return t;
    const parent = parentOf(d);
    if (parent === null) return room.loading ? { wait: room } : null;
    return t && t.parentId === parent && t.loading ? { wait: t } : null;
  },
};
