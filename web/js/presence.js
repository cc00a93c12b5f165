// Presence that scales with what the page shows (docs/protocol.md §2.3, `presence.watch`): the
// connection (`/ws?presence=watch`) gets presence only for the users named here: every DM partner
// (their dots in the sidebar and the conversation header) and the people of the room on screen as
// the page knows them (authors of its loaded messages, newest first), at most MAX_WATCH. The set is
// sent again after every (re)connect (after `resume`) and whenever it changes (navigation, a new
// DM, new authors); the server answers with a `presence` snapshot of the users it adds.

export const MAX_WATCH = 500; // the server's limit per presence.watch
const ROOM_PEOPLE = 100; // most authors of the room on screen
const DEBOUNCE_MS = 250;
const RETRY_MS = 5000; // storage could not answer: ask again

/**
 * The users whose presence the page shows: DM partners (newest DM first), then the authors of the
 * active room's loaded messages (newest first, at most `roomPeople`), never me; at most `max`.
 * @returns {string[]}
 */
export function watchSet(store, { max = MAX_WATCH, roomPeople = ROOM_PEOPLE } = {}) {
  if (!store.me) return [];
  const out = new Set();
  const add = (id) => { if (id !== undefined && id !== null && String(id) !== store.me.id && out.size < max) out.add(String(id)); };
  for (const r of store.sortedRooms('dm')) add(r.peerId);
  const room = store.activeRoom;
  if (room && room.kind !== 'dm') {
    const authors = new Set();
    for (let i = room.ids.length - 1; i >= 0 && authors.size < roomPeople; i -= 1) {
      const m = room.msgs.get(room.ids[i]);
      if (m && m.from !== undefined && m.from !== 'info') authors.add(String(m.from));
    }
    for (const id of authors) add(id);
  }
  return [...out];
}

export class PresenceWatch {
  /** @param {{store: object, live: {send: (frame: object) => boolean}}} o */
  constructor({ store, live }) {
    this.store = store;
    this.live = live;
    this.sent = null; // the set the server holds for this connection (null: nothing sent yet)
    this.timer = null;
  }

  /** The watch set changed maybe: send it soon (debounced) when it differs from what was sent. */
  soon() {
    if (this.timer) return;
    this.timer = setTimeout(() => { this.timer = null; this.send(false); }, DEBOUNCE_MS);
  }

  /** A new connection (after its resume): the server watches nobody yet. */
  connected() {
    this.sent = null;
    clearTimeout(this.timer);
    this.timer = null;
    this.send(true);
  }

  /** The server could not read the snapshot: ask again for everything later. */
  failed() {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => { this.timer = null; this.sent = null; this.send(true); }, RETRY_MS);
  }

  stop() {
    clearTimeout(this.timer);
    this.timer = null;
    this.sent = null;
    this.store.setPresenceScope([]);
  }

  send(force) {
    const users = watchSet(this.store);
    this.store.setPresenceScope(users);
    const key = [...users].sort().join(',');
    if (!force && key === this.sent) return;
    if (this.live.send({ type: 'presence.watch', users, clientId: 'presence' })) this.sent = key;
  }
}
