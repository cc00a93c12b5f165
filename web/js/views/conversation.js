// The open room's header (name, a lock when private, the topic or who it is with / presence, Mute,
// channel settings, Leave) and the typing line, plus the phone layout's sidebar drawer.

import { $, el } from '../dom.js';
import { typingText } from '../format.js';
import { lockIcon } from './lock_icon.js';

export class ConversationHeader {
  constructor({ store, onLeave, onMute, onSettings }) {
    this.store = store;
    this.settings = $('#room-settings');
    this.settings.addEventListener('click', () => onSettings(this.store.activeRoomId));
    this.mute = $('#room-mute');
    this.mute.addEventListener('click', () => {
      const room = this.store.activeRoom;
      if (room) onMute(room.id, !room.muted);
    });
    this.title = $('#room-title');
    this.sub = $('#room-subtitle');
    this.leave = $('#leave-room');
    this.typing = $('#typing');
    this.leave.addEventListener('click', () => onLeave(this.store.activeRoomId));
  }

  render() {
    const room = this.store.activeRoom;
    if (!room) return;
    const isDm = room.kind === 'dm';
    if (room.private) {
      this.title.replaceChildren(el('span', { class: 'room-lock', attrs: { 'aria-hidden': 'true' } }, lockIcon()), ` ${room.name}`,
        el('span', { class: 'visually-hidden', text: ' (private channel)' }));
    } else this.title.textContent = isDm ? room.name : `# ${room.name}`;
    let sub = '';
    if (room.kind === 'general') sub = 'Everyone is here';
    else if (room.kind === 'channel') sub = `${room.archived ? 'Archived · ' : ''}${room.topic || (room.private ? 'Private channel' : 'Channel')}`;
    else if (this.store.isBot(room.peerId)) sub = 'AI assistant · replies may be wrong';
    else {
      const peer = this.store.users.get(room.peerId);
      sub = peer && peer.online ? 'Online' : 'Offline';
    }
    this.sub.textContent = sub;
    this.sub.className = `conv-sub${isDm ? (sub === 'Offline' ? ' offline' : ' online') : ' topic'}`;
    this.sub.title = room.kind === 'channel' && room.topic ? room.topic : '';
    this.settings.hidden = room.kind !== 'channel';
    this.leave.hidden = room.kind !== 'channel';
    this.mute.textContent = room.muted ? 'Unmute' : 'Mute';
    this.mute.setAttribute('aria-pressed', room.muted ? 'true' : 'false');
    this.leave.textContent = `Leave ${room.name.length > 20 ? 'channel' : `#${room.name}`}`;
  }

  renderTyping() {
    const text = typingText(this.store.typingNames(this.store.activeRoomId));
    if (this.typing.textContent !== text) this.typing.textContent = text;
  }
}

export class Drawer {
  constructor() {
    this.app = $('#app-view');
    this.openBtn = $('#sidebar-open');
    this.scrim = $('#scrim');
    this.openBtn.addEventListener('click', () => this.open());
    $('#sidebar-close').addEventListener('click', () => this.close());
    this.scrim.addEventListener('click', () => this.close());
    document.addEventListener('keydown', (e) => { if (e.key === 'Escape' && this.isOpen) this.close(); });
  }

  get isOpen() { return this.app.classList.contains('drawer-open'); }

  open() {
    this.app.classList.add('drawer-open');
    this.scrim.hidden = false;
    this.openBtn.setAttribute('aria-expanded', 'true');
    const active = $('#room-nav .room-btn.active') || $('#room-nav .room-btn');
    if (active) active.focus();
  }

  close() {
    if (!this.isOpen) return;
    this.app.classList.remove('drawer-open');
    this.scrim.hidden = true;
    this.openBtn.setAttribute('aria-expanded', 'false');
  }
}
