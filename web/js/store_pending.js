// Client state, optimistic sending: messages shown before the server confirmed them, keyed by
// clientId (store.pending); settled by their ack, failed, retried, or reconciled with their copy
// from the server. Methods of Store (mixed into its prototype by store.js). A reply in a thread
// (store_thread.js) is pending with its `parentId`: shown in its thread, never in the room's list.
// A message with files or a location (issue #24) is pending with them (`attachments`: the uploaded
// files' metadata, `location`), shown at once and kept on the local copy its ack leaves.

export const pendingMethods = {
  addPending(roomId, text, clientId, parentId = null, { attachments, location } = {}) {
    const p = { clientId, roomId, text, status: 'pending', error: null, sentGen: null, createdAt: Date.now() };
    if (parentId !== null && parentId !== undefined) p.parentId = Number(parentId);
    if (Array.isArray(attachments) && attachments.length) p.attachments = attachments;
    if (location) p.location = location;
    this.pending.set(clientId, p);
    this.touch(`room:${roomId}`);
    return p;
  },

  /** The pending messages of the room's list, or (with `parentId`) of that thread. */
  pendingOf(roomId, parentId = null) {
    const want = parentId === null || parentId === undefined ? null : Number(parentId);
    return [...this.pending.values()].filter((p) => p.roomId === roomId && (p.parentId ?? null) === want);
  },

  /** ack {clientId, id, roomId}: the pending message becomes the stored one. */
  ack({ clientId, id, roomId }) {
    const p = this.pending.get(clientId);
    if (!p) return;
    this.pending.delete(clientId);
    const rid = String(roomId ?? p.roomId);
    // A reply goes to its thread when that is open (else it is only counted on its parent).
    const room = p.parentId !== undefined ? this.threadOf(rid, p.parentId) : this.rooms.get(rid);
    if (room && !room.msgs.has(Number(id))) {
      const m = { id, roomId: rid, from: this.me.id, date: Math.floor(Date.now() / 1000), message: p.text, local: true };
      if (p.parentId !== undefined) m.parentId = p.parentId;
      if (p.attachments) m.attachments = p.attachments;
      if (p.location) m.location = p.location;
      this.insert(room, m);
    }
    this.touch(`room:${p.roomId}`, 'rooms');
  },

  fail(clientId, message) {
    const p = this.pending.get(clientId);
    if (!p || p.status === 'failed') return;
    p.status = 'failed';
    p.error = message || 'Not sent';
    this.touch(`room:${p.roomId}`);
  },

  /** Retry: same entry (same place in the list), new clientId. */
  renew(clientId, newClientId) {
    const p = this.pending.get(clientId);
    if (!p) return null;
    this.pending.delete(clientId);
    const q = { ...p, clientId: newClientId, status: 'pending', error: null, sentGen: null, createdAt: Date.now() };
    this.pending.set(newClientId, q);
    this.touch(`room:${p.roomId}`);
    return q;
  },

  /**
   * One of my messages arrived without its ack (the connection it was sent on died before the
   * ack): settle the matching pending entry sent on an earlier connection instead of showing
   * the text twice.
   */
  reconcileOwn(room, m) {
    for (const p of this.pending.values()) {
      if (p.roomId === room.id && p.text === m.message && (p.parentId ?? null) === (m.parentId === undefined || m.parentId === null ? null : Number(m.parentId))
        && sameFiles(p, m) && p.sentGen !== null && p.sentGen < this.gen) {
        this.pending.delete(p.clientId);
        return;
      }
    }
  },
};

/** The pending message `p` and message `m` carry the same files (by id) and location (or none). */
function sameFiles(p, m) {
  const ids = (list) => (Array.isArray(list) ? list.map((a) => String(a?.id)).join(',') : '');
  const at = (l) => (l ? `${Number(l.lat)},${Number(l.lon)}` : '');
  return ids(p.attachments) === ids(m.attachments) && at(p.location) === at(m.location);
}
