// Client state: the signed-in user, users (presence), rooms and their messages.
//
// Messages are kept per room, keyed by id and sorted by id: a message that arrives twice (live,
// resume replay, history page, ack) is stored once. Each room's store is contiguous from `floor`
// (the oldest id fetched by paging back from the newest) up to its newest id, so the newest id
// is always a correct `resume` cursor. Pending (optimistic) messages live apart, keyed by clientId.
// Edits and deletes (message.updated / message.deleted) change a loaded message in place (a deleted
// one stays as a tombstone {id, roomId, from, date, deleted: true}); they carry a position `seq` from
// the same per-room sequence as message ids, so the resume cursor is the max of both.
// Assistant replies (docs/protocol.md §2.7) stream in: `message.delta` grows a message with
// "streaming": true at code-point offsets, and its final copy wins (rules in stream.js). The bot
// user is known by role "bot" when the server names it, or as the author of such a reply.
// Changes are batched into one 'change' event per task, with the set of topics that changed:
// 'rooms', 'users', 'typing', 'active', 'room:<id>' (messages or pending of that room).
// Split by responsibility: optimistic sending in store_pending.js, typing in store_typing.js (both
// mixed into Store), read markers and unread counts in store_read.js, the edit/delete and reaction
// rules in message_change.js, threads (replies, kept apart from the room's list) in store_thread.js,
// the room's history horizon (reload, history.trimmed) in store_horizon.js.

import { applyDeltaTo, mergeStreaming } from './stream.js';
import { changed, withReaction } from './message_change.js';
import { pendingMethods } from './store_pending.js';
import { typingMethods } from './store_typing.js';
import { readMethods } from './store_read.js';
import { channelMethods } from './store_channel.js';
import { parentOf, threadMethods } from './store_thread.js';
import { horizonMethods } from './store_horizon.js';

export function roomKind(id) {
  if (id === '0') return 'general';
  return String(id).includes(':') ? 'dm' : 'channel';
}

export class Store extends EventTarget {
  constructor() {
    super();
    this.me = null;
    this.users = new Map(); // id → {id, username, online}
    this.bots = new Set(); // ids of bot users (the assistant)
    this.presenceScope = new Set(); // users whose presence the connection follows (presence.js)
    this.rooms = new Map(); // id → room (see addRoom)
    this.activeRoomId = '0';
    this.pending = new Map(); // clientId → {clientId, roomId, text, status, error, sentGen, createdAt}
    this.lastRead = {}; // roomId → id: the read markers (the server's, store_read.js)
    this.thread = null; // the thread open in the panel (store_thread.js)
    this.topics = new Set();
    this.typingTimer = null;
    this.gen = 0; // the live connection's generation (set by the app)
  }

  // --- change batching -------------------------------------------------------------------------

  touch(...topics) {
    const wasEmpty = this.topics.size === 0;
    for (const t of topics) this.topics.add(t);
    if (wasEmpty) {
      queueMicrotask(() => {
        const topics = this.topics;
        this.topics = new Set();
        this.dispatchEvent(new CustomEvent('change', { detail: topics }));
      });
    }
  }

  // --- session ---------------------------------------------------------------------------------

  setMe(me) {
    this.me = me ? { id: String(me.id), username: me.username, role: me.role } : null;
    this.users.clear();
    this.bots = new Set();
    this.presenceScope = new Set();
    this.rooms.clear();
    this.pending.clear();
    this.activeRoomId = '0';
    this.lastRead = {};
    this.thread = null;
    if (this.me) this.upsertUser({ id: this.me.id, username: this.me.username, online: true });
    this.touch('rooms', 'users', 'active');
  }

  // --- users -----------------------------------------------------------------------------------

  upsertUser(u) {
    if (!u || u.id === undefined) return;
    const id = String(u.id);
    if (u.role === 'bot') this.markBot(id);
    const cur = this.users.get(id);
    const next = {
      id,
      username: u.username ?? cur?.username ?? `user ${id}`,
      online: u.online ?? cur?.online ?? false,
      known: Boolean(u.username) || Boolean(cur?.known),
    };
    if (!cur || cur.username !== next.username || cur.online !== next.online || cur.known !== next.known) {
      this.users.set(id, next);
      this.touch('users', 'rooms');
    }
  }

  /** `id` is a bot user (the assistant): its replies stream, its DM is listed first. */
  markBot(id) {
    id = String(id);
    if (this.bots.has(id) || id === this.me?.id) return;
    this.bots.add(id);
    this.touch('users', 'rooms');
  }

  isBot(id) { return this.bots.has(String(id)); }

  /** The users whose presence is followed live (their dots are current); others' may be stale. */
  setPresenceScope(ids) {
    const next = new Set(ids);
    if (next.size === this.presenceScope.size && [...next].every((id) => this.presenceScope.has(id))) return;
    this.presenceScope = next;
    this.touch('users');
  }

  userName(id) {
    const u = this.users.get(String(id));
    return u ? u.username : `user ${id}`;
  }

  unknownUserIds() {
    const ids = new Set();
    for (const room of [...this.rooms.values(), ...(this.thread ? [this.thread] : [])]) {
      for (const m of room.msgs.values()) {
        if (!this.users.get(String(m.from))?.known) ids.add(String(m.from));
        for (const users of Object.values(m.reactions ?? {})) for (const u of users) if (!this.users.get(String(u))?.known) ids.add(String(u));
      }
    }
    return [...ids];
  }

  // --- rooms -----------------------------------------------------------------------------------

  /** A room from a listing, a join or a new DM ({id, names} and, from GET /rooms, its read state). */
  addRoom(r) {
    const { names } = r;
    const id = String(r.id);
    const kind = roomKind(id);
    const list = Array.isArray(names) ? names.map(String) : [];
    let name = list[0] ?? id;
    let peerId = null;
    if (kind === 'general') name = 'General';
    if (kind === 'dm') {
      const ids = id.split(':');
      peerId = ids.find((x) => x !== this.me.id) ?? this.me.id;
      const mine = this.me.username.toLowerCase();
      name = list.find((n) => n.toLowerCase() !== mine) ?? list[0] ?? `user ${peerId}`;
      if (!this.users.get(peerId)?.known) this.upsertUser({ id: peerId, username: name });
    }
    const cur = this.rooms.get(id);
    if (cur) {
      if (cur.name !== name) { cur.name = name; this.touch('rooms', `room:${id}`); }
      this.applyListing(cur, r);
      this.applyChannelMeta(cur, { ...r, name: undefined });
      return cur;
    }
    const room = {
      id, kind, name, peerId,
      msgs: new Map(), ids: [],
      floor: null, hasMore: true, loaded: false, loading: false,
      seq: 0, // the newest position of an edit/delete event received live (see resumeCursor)
      early: new Map(), // id → change that arrived while a history page was being fetched
      typing: new Map(),
    };
    this.rooms.set(id, room);
    if (this.lastRead[id] === undefined) this.lastRead[id] = 0;
    this.applyListing(room, r);
    this.applyChannelMeta(room, { ...r, name: undefined }); // topic, private, archived, owner (store_channel.js)
    this.touch('rooms');
    return room;
  }

  removeRoom(id) {
    if (!this.rooms.delete(String(id))) return;
    for (const [cid, p] of this.pending) if (p.roomId === id) this.pending.delete(cid);
    if (this.thread?.roomId === String(id)) this.closeThread();
    if (this.activeRoomId === id) this.setActive('0');
    this.touch('rooms', 'active');
  }

  setActive(id) {
    if (!this.rooms.has(id)) id = '0';
    if (this.activeRoomId === id) return;
    if (this.thread && this.thread.roomId !== id) this.closeThread(); // a thread belongs to its room
    this.activeRoomId = id;
    this.touch('active', 'rooms', 'typing');
  }

  get activeRoom() { return this.rooms.get(this.activeRoomId); }

  /** Rooms in sidebar order: General, channels by name, DMs by newest activity (the assistant's first). */
  sortedRooms(kind) {
    const list = [...this.rooms.values()].filter((r) => (kind === 'channel' ? r.kind !== 'dm' : r.kind === kind));
    if (kind === 'dm') {
      // The assistant's DM first, then by newest activity.
      return list.sort((a, b) => (this.isBot(b.peerId) - this.isBot(a.peerId))
        || (this.lastId(b) ?? 0) - (this.lastId(a) ?? 0) || a.name.localeCompare(b.name));
    }
    return list.sort((a, b) => (a.kind === 'general' ? -1 : b.kind === 'general' ? 1 : a.name.localeCompare(b.name)));
  }

  // --- messages --------------------------------------------------------------------------------

  lastId(room) { return room.ids.length ? room.ids[room.ids.length - 1] : null; }
  newest(room) { const id = this.lastId(room); return id === null ? null : room.msgs.get(id); }

  /** Inserts one message; false when its id is already there (a duplicate). */
  insert(room, m) {
    const id = Number(m.id);
    if (!Number.isFinite(id)) return false;
    if (m.streaming !== undefined && m.from !== undefined) this.markBot(m.from); // only bot replies carry it
    const existing = room.msgs.get(id);
    if (existing) {
      if (existing.streaming === true) {
        // A reply being written: a copy with more text, or its final copy.
        const next = mergeStreaming(existing, m);
        if (next) { room.msgs.set(id, next); this.touch(`room:${room.id}`, 'rooms'); }
      } else if (existing.local) room.msgs.set(id, { ...m, id, from: String(m.from) }); // server copy wins
      else if (m.deleted || m.edited !== undefined) {
        // A copy in a newer state (history or a resume replay show the current one).
        const next = changed(existing, m, Boolean(m.deleted));
        if (next) { room.msgs.set(id, next); this.touch(`room:${room.id}`, 'rooms'); }
      }
      return false;
    }
    room.msgs.set(id, { ...m, id, from: String(m.from) });
    const ids = room.ids;
    if (ids.length === 0 || id > ids[ids.length - 1]) ids.push(id);
    else {
      let lo = 0;
      let hi = ids.length;
      while (lo < hi) { const mid = (lo + hi) >> 1; if (ids[mid] < id) lo = mid + 1; else hi = mid; }
      ids.splice(lo, 0, id);
    }
    if (!this.users.has(String(m.from))) this.upsertUser({ id: m.from });
    return true;
  }

  /** A live (or resumed) message event (a reply goes to its thread). Returns true when it was new. */
  receive(m) {
    if (parentOf(m) !== null) return this.receiveReply(m);
    const room = this.rooms.get(String(m.roomId));
    if (!room) return false;
    const fresh = this.insert(room, m);
    if (fresh) {
      if (String(m.from) === this.me.id) this.reconcileOwn(room, m);
      room.typing.delete(String(m.from));
      this.touch(`room:${room.id}`, 'rooms', 'typing');
    }
    return fresh;
  }

  /** A page of history (newest first, as the API returns it). */
  addHistory(roomId, page, limit, { initial = false } = {}) {
    const room = this.rooms.get(roomId);
    if (!room) return;
    for (const m of page) this.insert(room, m);
    if (page.length) {
      const oldest = Number(page[page.length - 1].id);
      room.floor = room.floor === null ? oldest : Math.min(room.floor, oldest);
    }
    // Changes that arrived while this page was on its way: apply those to messages it brought.
    for (const c of room.early.values()) this.applyChange(room, c.d, c.deleted);
    room.early.clear();
    if (page.length < limit) room.hasMore = false;
    if (initial && room.listed && room.listed.top === null) room.listed.top = this.lastId(room) ?? 0;
    room.loaded = true;
    this.touch(`room:${roomId}`, 'rooms');
  }

  /**
   * The resume frame: the last position seen per room we have a contiguous store for: the max of
   * the newest message id and the newest edit/delete event position (`seq`) received live.
   */
  resumeCursor() {
    const out = {};
    for (const r of this.rooms.values()) {
      if (!r.loaded) continue;
      out[r.id] = Math.max(this.lastId(r) ?? 0, r.seq);
    }
    return out;
  }

  // --- edits and deletes -----------------------------------------------------------------------

  /**
   * message.updated {id, roomId, message, edited, seq}. Idempotent: an update for a message that is
   * not loaded is ignored, a repeated or older one changes nothing, a deleted message stays deleted.
   * `cursor`: the event came in order on the live connection, so its `seq` advances the resume
   * cursor (false for the copy applied from an ack or an HTTP answer). True when something changed.
   */
  applyUpdate(d, { cursor = true } = {}) { return this.receiveChange(d, false, cursor); }

  /** message.deleted {id, roomId, seq}: the message becomes a tombstone. Same rules as applyUpdate. */
  applyDelete(d, { cursor = true } = {}) { return this.receiveChange(d, true, cursor); }

  /**
   * reaction {roomId, id, emoji, userId, on, seq}: the user joins (on) or leaves the emoji's list in
   * the message's `reactions` {emoji: [userId…]}. Idempotent (a set); `seq` advances the resume
   * cursor as an edit's does (`cursor` as in applyUpdate). True when something changed.
   */
  applyReaction(d, { cursor = true } = {}) {
    const room = d ? this.rooms.get(String(d.roomId)) : undefined;
    if (!room) return false;
    const seq = Number(d.seq);
    if (cursor && Number.isFinite(seq) && seq > room.seq) room.seq = seq;
    const holder = this.holderOf(room.id, d.id); // the room's list or the open thread
    const cur = holder?.msgs.get(Number(d.id));
    const next = cur && !cur.deleted ? withReaction(cur, String(d.emoji), String(d.userId), d.on === true) : null;
    if (!next) return false;
    holder.msgs.set(cur.id, next);
    this.touch(`room:${room.id}`, 'rooms');
    return true;
  }

  receiveChange(d, deleted, cursor) {
    const room = d ? this.rooms.get(String(d.roomId)) : undefined;
    if (!room) return false;
    const seq = Number(d.seq);
    if (cursor && Number.isFinite(seq) && seq > room.seq) room.seq = seq;
    const id = Number(d.id);
    // A reply deleted, or edited (its whole row, with its mentions): the mention badge (store_thread.js).
    if (deleted || d.from !== undefined) this.noteReplyMention(room, d, deleted);
    const target = this.changeTarget(room, d); // the room's list or the open thread (store_thread.js)
    if (!target || target.wait) {
      // Not loaded: ignored, unless a page that may bring it is being fetched.
      const early = target?.wait.early;
      if (early && Number.isFinite(id) && early.size < 1000) {
        const prev = early.get(id);
        if (!prev?.deleted) early.set(id, { d, deleted });
      }
      return false;
    }
    return this.applyChange(target, d, deleted);
  }

  applyChange(room, d, deleted) {
    const id = Number(d.id);
    const cur = room.msgs.get(id);
    const next = cur ? changed(cur, d, deleted) : null;
    if (!next) return false;
    room.msgs.set(id, next);
    this.touch(`room:${room.id}`, 'rooms');
    return true;
  }

  // --- streamed replies ------------------------------------------------------------------------

  /**
   * message.delta {roomId, id, offset, text}: 'append' (the text grew), 'dup' (nothing new),
   * 'gap' (deltas were missed: reload the message), 'ignored' (unknown or no longer streaming).
   */
  applyDelta(d) {
    const room = d ? this.rooms.get(String(d.roomId)) : undefined;
    if (!room) return 'ignored';
    const id = Number(d.id);
    const holder = this.holderOf(room.id, id) ?? room;
    const { result, next } = applyDeltaTo(holder.msgs.get(id), d);
    if (result === 'append') {
      holder.msgs.set(id, next);
      this.touch(`room:${room.id}`, 'rooms');
    }
    return result;
  }

  /** A reloaded copy of one message (after a gap): applied like any other copy. */
  refreshMessage(m) {
    const holder = m ? this.holderOf(m.roomId, m.id) : null;
    if (holder) this.insert(holder, m);
  }

  /** Message `id` of `roomId` is a reply still being written. */
  isStreaming(roomId, id) {
    return this.findMessage(roomId, id)?.streaming === true;
  }
}

Object.assign(Store.prototype, pendingMethods, typingMethods, readMethods, threadMethods, channelMethods, horizonMethods);

export { changed, withReaction };
