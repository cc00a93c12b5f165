// The sidebar: channels (General first), direct messages (newest first) with unread badges and
// the newest message as a preview, and the people online among those whose presence the page
// follows (DM partners and the people of the room on screen: presence.js; click → direct message). Items are
// keyed and updated in place, so keyboard focus survives live updates. ArrowUp/ArrowDown/Home/End
// move between items. The assistant (a bot user) is listed first among direct messages with a
// "Bot" badge, also before its DM exists (a click creates it, like any DM), and not under People.
// A private channel shows a lock instead of "#", an archived one a dimmed name (issue #23).

import { $, el, KeyedNodes, reconcile } from '../dom.js';
import { badgeText, hueClass, initials } from '../format.js';
import { markdownText } from '../markdown.js';
import { attachmentSummary } from '../files.js';
import { botBadge } from './reply.js';
import { lockIcon } from './lock_icon.js';

export class Sidebar {
  constructor({ store, onOpen, onStartDm }) {
    this.store = store;
    this.onOpen = onOpen;
    this.onStartDm = onStartDm;
    this.channels = $('#channel-list');
    this.dms = $('#dm-list');
    this.people = $('#people-list');
    this.cache = new KeyedNodes();
    $('#room-nav').addEventListener('keydown', (e) => this.onKey(e));
  }

  render() {
    const s = this.store;
    reconcile(this.channels, s.sortedRooms('channel').map((r) => this.roomItem(r)));
    const dms = s.sortedRooms('dm');
    const items = dms.map((r) => this.roomItem(r));
    // Bots without a DM yet: listed first all the same.
    const withDm = new Set(dms.map((r) => r.peerId));
    const bots = [...s.bots].filter((id) => !withDm.has(id)).map((id) => this.botItem(s.users.get(id) ?? { id, username: s.userName(id) }));
    reconcile(this.dms, [...bots, ...items]);
    $('#dm-empty').hidden = items.length + bots.length > 0;
    const online = [...s.users.values()]
      .filter((u) => u.online && u.id !== s.me.id && s.presenceScope.has(u.id) && !s.isBot(u.id))
      .sort((a, b) => a.username.localeCompare(b.username));
    reconcile(this.people, online.map((u) => this.personItem(u)));
    $('#people-empty').hidden = online.length > 0;
    this.cache.sweep();
  }

  roomItem(room) {
    const s = this.store;
    const active = room.id === s.activeRoomId;
    const { n, more, mentions } = active ? { n: 0, more: false, mentions: 0 } : s.unread(room);
    const last = s.newest(room);
    // The preview is plain text: Markdown markers removed (the first 600 characters are plenty for 140).
    const text = last?.deleted ? 'Message deleted' : last?.streaming === true ? 'Writing…'
      : markdownText(String(last?.message ?? '').slice(0, 600)) || attachmentSummary(last); // files only: their names (#24)
    const preview = last ? `${last.from === s.me.id ? 'You: ' : room.kind === 'dm' ? '' : `${s.userName(last.from)}: `}${text}` : '';
    const peer = room.kind === 'dm' ? s.users.get(room.peerId) : null;
    const bot = room.kind === 'dm' && s.isBot(room.peerId);
    const online = bot || (peer ? peer.online : null);
    const sig = [room.name, active, n, more, mentions, preview, online, bot, room.private, room.archived].join('|');
    return this.cache.node(`r:${room.id}`, sig, () => {
      const icon = room.kind === 'dm'
        ? el('span', { class: `avatar avatar-sm ${bot ? 'avatar-bot' : hueClass(room.peerId)}`, text: bot ? '✦' : initials(room.name), attrs: { 'aria-hidden': 'true' } },
          el('span', { class: `dot ${online ? 'on' : 'off'}` }))
        : el('span', { class: 'room-hash', text: room.private ? null : '#', attrs: { 'aria-hidden': 'true', title: room.private ? 'Private channel' : false } }, room.private ? lockIcon() : null);
      const text = el('span', { class: 'room-text' },
        el('span', { class: 'room-name-row' }, el('span', { class: 'room-name', text: room.name }), bot ? botBadge() : null),
        room.kind === 'dm' ? el('span', { class: 'visually-hidden', text: online ? ', online' : ', offline' }) : null,
        room.muted ? el('span', { class: 'visually-hidden', text: ', muted' }) : null,
        room.private ? el('span', { class: 'visually-hidden', text: ', private' }) : null,
        room.archived ? el('span', { class: 'visually-hidden', text: ', archived' }) : null,
        preview ? el('span', { class: 'room-preview', text: preview.slice(0, 140) }) : null);
      const badge = n > 0
        ? el('span', { class: 'badge', attrs: { title: `${badgeText(n, more)} unread` } },
          el('span', { text: badgeText(n, more) }), el('span', { class: 'visually-hidden', text: ' unread' }))
        : null;
      const mention = mentions > 0
        ? el('span', { class: 'badge mention-badge', attrs: { title: `${mentions} mention${mentions === 1 ? '' : 's'}` } },
          el('span', { text: `@${mentions > 99 ? '99+' : mentions}` }), el('span', { class: 'visually-hidden', text: ' mentions' }))
        : null;
      const btn = el('button', {
        class: `room-btn${active ? ' active' : ''}${n > 0 ? ' has-unread' : ''}${room.muted ? ' muted' : ''}${room.archived ? ' archived' : ''}`,
        attrs: { type: 'button', 'aria-current': active ? 'page' : false },
        data: { roomId: room.id, nav: '' },
        on: { click: () => this.onOpen(room.id) },
      }, icon, text, mention, badge);
      return el('li', {}, btn);
    });
  }

  /** The assistant before its DM exists: a click creates the DM (POST /room) and opens it. */
  botItem(u) {
    const sig = `${u.username}`;
    return this.cache.node(`b:${u.id}`, sig, () => el('li', {}, el('button', {
      class: 'room-btn bot-btn',
      attrs: { type: 'button', title: `Ask ${u.username}, the AI assistant` },
      data: { userId: u.id, nav: '' },
      on: { click: () => this.onStartDm(u.id) },
    },
    el('span', { class: 'avatar avatar-sm avatar-bot', text: '✦', attrs: { 'aria-hidden': 'true' } }, el('span', { class: 'dot on' })),
    el('span', { class: 'room-text' },
      el('span', { class: 'room-name-row' }, el('span', { class: 'room-name', text: u.username }), botBadge()),
      el('span', { class: 'room-preview', text: 'AI assistant · ask anything' })))));
  }

  personItem(u) {
    const sig = `${u.username}|${u.online}`;
    return this.cache.node(`u:${u.id}`, sig, () => el('li', {}, el('button', {
      class: 'room-btn person-btn',
      attrs: { type: 'button', title: `Send a direct message to ${u.username}` },
      data: { userId: u.id, nav: '' },
      on: { click: () => this.onStartDm(u.id) },
    },
    el('span', { class: `avatar avatar-sm ${hueClass(u.id)}`, text: initials(u.username), attrs: { 'aria-hidden': 'true' } },
      el('span', { class: `dot ${u.online ? 'on' : 'off'}` })),
    el('span', { class: 'room-text' },
      el('span', { class: 'room-name', text: u.username }),
      el('span', { class: 'room-preview', text: u.online ? 'Online' : 'Offline' })))));
  }

  /** Focuses the active room's button (after opening the sidebar on a phone). */
  focusActive() {
    const b = $(`#room-nav [data-room-id="${CSS.escape(this.store.activeRoomId)}"]`);
    if (b) b.focus();
  }

  onKey(e) {
    if (!['ArrowDown', 'ArrowUp', 'Home', 'End'].includes(e.key)) return;
    const items = [...document.querySelectorAll('#room-nav [data-nav]')];
    const i = items.indexOf(document.activeElement);
    if (i < 0) return;
    e.preventDefault();
    let j = i;
    if (e.key === 'ArrowDown') j = Math.min(items.length - 1, i + 1);
    if (e.key === 'ArrowUp') j = Math.max(0, i - 1);
    if (e.key === 'Home') j = 0;
    if (e.key === 'End') j = items.length - 1;
    items[j].focus();
  }
}
