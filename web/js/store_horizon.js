// Client state, a room's history horizon (docs/protocol.md §2.4, Horizon): history retention removes
// old messages; a replay from below what is left starts with `reload`, and a connection live in the
// room hears `history.trimmed` when a trim removes messages. Methods of Store (mixed into its prototype by
// store.js).

export const horizonMethods = {
  /**
   * reload {roomId, horizon} (docs/protocol.md §2.4): the server no longer holds the room's events
   * between our cursor and `horizon` (history retention, or the event log's cap), so what we hold
   * may show messages that are gone and miss their changes. Empties the room's messages and moves
   * its cursor to the horizon (the events after it follow on the connection); the caller loads the
   * newest page again. Returns the room, or null when it is not ours.
   */
  resetRoom(roomId, horizon) {
    const room = this.rooms.get(String(roomId));
    if (!room) return null;
    room.msgs.clear();
    room.ids.length = 0;
    room.early.clear();
    room.floor = null;
    room.hasMore = true;
    room.loaded = false;
    if (Number.isFinite(horizon) && horizon > room.seq) room.seq = horizon;
    this.touch(`room:${room.id}`, 'rooms');
    return room;
  },

  /**
   * history.trimmed {roomId, upto}: retention removed the room's messages with ids up to `upto`
   * (their replies, files and changes with them). Drops what we hold up to it; when that reached our
   * oldest message, there is nothing older left to page back to. The resume cursor is unchanged
   * (the trim is not a position of the room). Returns whether something went.
   */
  trimRoom(roomId, upto) {
    const room = this.rooms.get(String(roomId));
    const last = Number(upto);
    if (!room || !Number.isFinite(last)) return false;
    let n = 0;
    while (n < room.ids.length && room.ids[n] <= last) n += 1;
    if (n === 0) return false;
    for (const id of room.ids.splice(0, n)) room.msgs.delete(id);
    room.floor = room.ids.length ? room.ids[0] : null;
    room.hasMore = false;
    this.touch(`room:${room.id}`, 'rooms');
    return true;
  },
};
