// Desktop notifications (issue #22, docs/protocol.md §2.11): a direct message, or a message that
// @mentions you, while the tab is hidden, in a room you have not muted. The browser is asked for
// permission only when the user presses "Enable notifications" (never on load). One notification per
// room at a time (the newest replaces the older); clicking it opens the room.

import { markdownText } from './markdown.js';
import { attachmentSummary } from './files.js';

/** True when message `m` of room `room` should notify the signed-in user (pure: client-logic tests). */
export function shouldNotify(store, room, m) {
  if (!room || room.muted || !store.me || !m || m.streaming === true) return false;
  if (String(m.from) === store.me.id) return false;
  return room.kind === 'dm' || store.mentionsMe(m);
}

export class Notifier {
  /** `button`: the "Enable notifications" button (shown while the permission is still to be asked). */
  constructor({ store, button, onOpen }) {
    this.store = store;
    this.button = button;
    this.onOpen = onOpen;
    this.button.addEventListener('click', () => this.enable());
    this.update();
  }

  get supported() { return typeof window.Notification === 'function'; }

  update() {
    this.button.hidden = !this.supported || window.Notification.permission !== 'default';
  }

  async enable() {
    if (!this.supported) return;
    try { await window.Notification.requestPermission(); } catch { /* refused or unsupported */ }
    this.update();
  }

  /** A live `message` event, after the store took it. */
  onMessage(m) {
    if (!this.supported || window.Notification.permission !== 'granted' || !document.hidden) return;
    const room = this.store.rooms.get(String(m?.roomId));
    if (!shouldNotify(this.store, room, m)) return;
    const author = this.store.users.get(String(m.from))?.username ?? 'Someone';
    const title = room.kind === 'dm' ? author : `${author} in #${room.name}`;
    const body = (markdownText(String(m.message ?? '').slice(0, 600)) || attachmentSummary(m)).slice(0, 200);
    try {
      const n = new window.Notification(title, { body, tag: `room:${room.id}` });
      n.onclick = () => { window.focus(); this.onOpen(room.id); n.close(); };
    } catch { /* a browser that only notifies from a service worker */ }
  }
}
