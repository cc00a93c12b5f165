// Client state, channel settings (issue #23): a channel's topic, privacy, archived state and owner,
// from the room list (GET /rooms/{userId}), the settings (GET /rooms/{id}/members), a PATCH answer or
// a `room.updated` event; and who may change them. Methods of Store (mixed into its prototype by
// store.js). Pure functions below are tested without a browser (client-logic.test.mjs).

/** The settings of a channel row or event: only the fields it carries ({} for none). */
export function channelMeta(r) {
  const out = {};
  if (!r || typeof r !== 'object') return out;
  if (typeof r.name === 'string' && r.name !== '') out.name = r.name;
  if (typeof r.topic === 'string') out.topic = r.topic;
  if (typeof r.private === 'boolean') out.private = r.private;
  if (typeof r.archived === 'boolean') out.archived = r.archived;
  if (r.owner === null || typeof r.owner === 'string' || typeof r.owner === 'number') out.owner = r.owner === null ? null : String(r.owner);
  return out;
}

/** Owner or admin: may rename, archive, invite, remove, delete (moderators manage no channel). */
export function canManage(room, me) {
  if (!room || room.kind !== 'channel' || !me) return false;
  return me.role === 'admin' || (room.owner !== null && room.owner !== undefined && String(room.owner) === String(me.id));
}

/** The text of the notice after `room.removed` {reason}: removed by someone, or the channel deleted. */
export function removedText(name, reason) {
  return reason === 'deleted' ? `#${name} was deleted.` : `You were removed from #${name}.`;
}

export const channelMethods = {
  /** Applies the settings in `r` to channel `room` (not General, not a DM). True when something changed. */
  applyChannelMeta(room, r) {
    if (!room || room.kind !== 'channel') return false;
    const meta = channelMeta(r);
    let changed = false;
    for (const [k, v] of Object.entries(meta)) {
      if (room[k] !== v) { room[k] = v; changed = true; }
    }
    if (changed) this.touch('rooms', `room:${room.id}`); // not 'active': the open room stays as it is
    return changed;
  },

  /**
   * room.updated {roomId, name, topic, private, archived, owner, seq}: a positioned room event, so
   * its `seq` advances the resume cursor like an edit's. True when something changed.
   */
  applyRoomUpdate(d) {
    const room = d ? this.rooms.get(String(d.roomId ?? d.id)) : undefined;
    if (!room) return false;
    const seq = Number(d.seq);
    if (Number.isFinite(seq) && seq > room.seq) room.seq = seq;
    return this.applyChannelMeta(room, d);
  },

  /** The open channel (or `roomId`) is archived: read-only. */
  isArchived(roomId = this.activeRoomId) {
    return this.rooms.get(String(roomId))?.archived === true;
  },

  /** The signed-in user may manage channel `roomId`'s settings. */
  canManage(roomId = this.activeRoomId) {
    return canManage(this.rooms.get(String(roomId)), this.me);
  },
};
