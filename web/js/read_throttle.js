// Read markers to the server at most one per room per interval: the first at once, then the newest
// one that came in meanwhile when the interval ends (docs/protocol.md §2.8: the server takes 60
// markers per 10 s per user, and reading a busy room would otherwise send one per message).

export class ReadThrottle {
  /**
   * send(roomId, id) writes one marker; every: the interval in ms. setTimer / clearTimer default to
   * setTimeout / clearTimeout (tests pass their own clock).
   */
  constructor({ send, every = 1500, setTimer = (fn, ms) => setTimeout(fn, ms), clearTimer = (h) => clearTimeout(h) }) {
    this.send = send;
    this.every = every;
    this.setTimer = setTimer; // called as a method: the browser's setTimeout must not be stored bare
    this.clearTimer = clearTimer;
    this.rooms = new Map(); // roomId → {id: the newest marker not sent yet (null: none), timer}
  }

  /** The room is read up to `id`: sent now, or when the room's interval ends (the newest wins). */
  push(roomId, id) {
    const r = this.rooms.get(roomId);
    if (r) { r.id = id; return; }
    this.send(roomId, id);
    const entry = { id: null, timer: null };
    const flush = () => {
      if (entry.id === null) { this.rooms.delete(roomId); return; }
      const next = entry.id;
      entry.id = null;
      entry.timer = this.setTimer(flush, this.every);
      this.send(roomId, next);
    };
    entry.timer = this.setTimer(flush, this.every);
    this.rooms.set(roomId, entry);
  }

  /** Drops every marker not sent yet (sign-out: they belong to the session that ended). */
  clear() {
    for (const r of this.rooms.values()) this.clearTimer(r.timer);
    this.rooms.clear();
  }
}
