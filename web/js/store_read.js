// Read state (docs/protocol.md §2.8), mixed into Store: the server keeps each user's read marker per
// room. GET /rooms/{userId} brings lastRead, unread, mentions (and peerRead in a DM); the client
// moves its marker with `read` frames (Store emits 'read' {roomId, id}; the app sends it), and the
// `read` events of the user's other tabs and devices, and of a DM's other participant, keep both
// markers current. Counts come from the messages loaded here when they reach back to the marker,
// else from the server's count at listing time plus what arrived since. Replies in threads are
// never unread, but those that @mention the user count as mentions (room.replyMentions, kept by
// store_thread.js) until the marker passes them: reading an open thread to its end moves it there.

export const readMethods = {
  /** The listing's read state of a room (addRoom): markers only move forward. */
  applyListing(room, r) {
    if (typeof r?.muted === 'boolean') room.muted = r.muted; // (per-room mute, kept by the server)
    const last = Number(r?.lastRead);
    if (!Number.isFinite(last)) return;
    this.lastRead[room.id] = Math.max(this.lastRead[room.id] ?? 0, last);
    room.listed = { lastRead: last, unread: Number(r.unread) || 0, mentions: Number(r.mentions) || 0, top: room.listed?.top ?? null };
    const peer = Number(r.peerRead);
    if (Number.isFinite(peer)) room.peerRead = Math.max(room.peerRead ?? 0, peer);
  },

  /** The user (un)muted a room (here, or `room.muted` from another tab or device). */
  setMuted(roomId, muted) {
    const room = this.rooms.get(String(roomId));
    if (!room || room.muted === Boolean(muted)) return;
    room.muted = Boolean(muted);
    this.touch('rooms', 'active');
  },

  /** True when message `m` @mentions the signed-in user. */
  mentionsMe(m) {
    return Array.isArray(m?.mentions) && m.mentions.some((u) => String(u) === this.me.id);
  },

  /**
   * {n, more, mentions}: messages from others after the marker (`more`: there may be older ones
   * not loaded) and how many of them mention the user.
   */
  unread(room) {
    const last = this.lastRead[room.id] ?? 0;
    const count = (after) => {
      let n = 0;
      let mentions = 0;
      for (let i = room.ids.length - 1; i >= 0 && room.ids[i] > after; i--) {
        const m = room.msgs.get(room.ids[i]);
        if (String(m.from) !== this.me.id && !m.deleted) {
          n++;
          if (this.mentionsMe(m)) mentions++;
        }
      }
      return { n, mentions };
    };
    const replyMentions = (after) => [...(room.replyMentions ?? [])].filter((id) => id > after).length;
    const local = count(last);
    local.mentions += replyMentions(last);
    const partial = room.hasMore && (room.floor === null || room.floor > last);
    const l = room.listed;
    if (partial && l && last <= l.lastRead) {
      // The loaded messages do not reach back to the marker: the server's count when the room was
      // listed, plus what arrived after the first page.
      const since = l.top === null ? { n: 0, mentions: 0 } : count(Math.max(l.top, last));
      if (l.top !== null) since.mentions += replyMentions(Math.max(l.top, last));
      return { n: Math.max(local.n, l.unread + since.n), more: false, mentions: Math.max(local.mentions, l.mentions + since.mentions) };
    }
    return { n: local.n, more: partial && local.n > 0, mentions: local.mentions };
  },

  /**
   * The room is read up to its newest message (or up to `upTo`, the newest reply of its open thread
   * read to its end, when that is newer): moves the marker and asks the app to tell the server.
   */
  markRead(roomId, upTo = 0) {
    const room = this.rooms.get(roomId);
    if (!room) return;
    const id = Math.max(this.lastId(room) ?? 0, Number(upTo) || 0);
    if (id <= 0 || (this.lastRead[roomId] ?? 0) >= id) return;
    this.lastRead[roomId] = id;
    this.dispatchEvent(new CustomEvent('read', { detail: { roomId, id } }));
    this.touch('rooms');
  },

  /** read {roomId, userId, id}: another tab or device of ours read a room, or a DM's partner read it. */
  applyRead(d) {
    const room = d ? this.rooms.get(String(d.roomId)) : undefined;
    const id = Number(d?.id);
    if (!room || !Number.isFinite(id)) return;
    const seq = Number(d.seq);
    if (Number.isFinite(seq) && seq > room.seq) room.seq = seq; // the resume cursor, as for edits
    if (String(d.userId) === this.me.id) {
      if ((this.lastRead[room.id] ?? 0) >= id) return;
      this.lastRead[room.id] = id;
      this.touch('rooms', `room:${room.id}`);
    } else if (room.kind === 'dm' && id > (room.peerRead ?? 0)) {
      room.peerRead = id;
      this.touch(`room:${room.id}`);
    }
  },
};
