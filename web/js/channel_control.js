// Channel management on the page (issue #23, docs/protocol.md): the live events `room.updated`
// (name, topic, privacy, archived, owner: sidebar, header and settings follow through the store) and
// `room.removed` (the room leaves the sidebar; when it was open, General opens and a notice says why),
// the settings of a channel that arrived by `room.joined` (an invitation: fetched once, for its lock
// and topic), the refusal `archived` (the channel was archived meanwhile: it becomes read-only here
// too; the refused message stays in the list as failed, with Retry), and the archived channel's
// read-only view: the message box replaced by a notice.

import { $ } from './dom.js';
import { removedText } from './store_channel.js';
import { ChannelSettings } from './views/channel_settings.js';

export class ChannelControl {
  /**
   * store, live, api; notify(text) shows a short notice (a toast); onLeave(roomId) → Promise leaves
   * the channel (the app's Leave); onError(text) shows why an action failed.
   */
  constructor({ store, live, api, notify, onLeave, onError }) {
    Object.assign(this, { store, live, api, notify });
    this.composer = $('#composer');
    this.notice = $('#archived-notice');
    this.fetched = new Set(); // channels whose settings are being fetched after room.joined
    this.settings = new ChannelSettings({
      store, api, onLeave, onError,
      onDeleted: (room) => { // (unless its room.removed came first and did the same)
        if (!this.store.rooms.has(room.id)) return;
        this.store.removeRoom(room.id);
        this.notify(removedText(room.name, 'deleted'));
      },
    });
    store.addEventListener('change', (e) => {
      if (e.detail.has('active') || e.detail.has('rooms')) this.renderComposer();
    });
    live.addEventListener('event', (e) => this.onEvent(e.detail.type, e.detail.data));
  }

  /** Opens the settings of channel `roomId`. */
  open(roomId) { return this.settings.open(roomId); }

  onEvent(type, data) {
    if (!this.store.me || !data) return;
    switch (type) {
      case 'room.updated': this.store.applyRoomUpdate(data); break;
      case 'room.removed': this.removed(String(data.roomId ?? data.id), data.reason); break;
      case 'room.joined': queueMicrotask(() => this.joined(String(data.id ?? data.roomId))); break; // after the app added it
      case 'error':
        if (data.code === 'archived') this.refused(data.roomId ?? this.store.pending.get(data.clientId)?.roomId);
        break;
      default: break;
    }
  }

  /** room.removed {roomId, reason}: gone from the sidebar; a notice when the user was looking at it. */
  removed(roomId, reason) {
    const room = this.store.rooms.get(roomId);
    if (!room) return; // already gone (we left or deleted it here)
    const wasOpen = this.store.activeRoomId === roomId;
    this.store.removeRoom(roomId); // an open room: General opens
    if (wasOpen || reason === 'deleted' || reason === 'removed') this.notify(removedText(room.name, reason));
  }

  /** A channel that came by room.joined has no settings yet (an invitation to a private one): fetch them once. */
  async joined(roomId) {
    const room = this.store.rooms.get(roomId);
    if (!room || room.kind !== 'channel' || room.private !== undefined || this.fetched.has(roomId)) return;
    this.fetched.add(roomId);
    try {
      const r = await this.api.channelMembers(roomId);
      const cur = this.store.rooms.get(roomId);
      if (cur) this.store.applyChannelMeta(cur, r);
    } catch { /* shown without lock and topic until the next listing */ } finally {
      this.fetched.delete(roomId); // (a later invitation, after a removal, fetches again)
    }
  }

  /** A refusal `archived` (the error frame may name no room: then the open one). */
  refused(roomId) {
    const room = this.store.rooms.get(String(roomId ?? this.store.activeRoomId));
    if (room && room.kind === 'channel') this.store.applyChannelMeta(room, { archived: true });
  }

  /** The open channel archived: the notice instead of the message box (its draft is kept); a renamed one's placeholder. */
  renderComposer() {
    const room = this.store.activeRoom;
    const input = $('#composer-input');
    if (room?.kind === 'channel' && input.placeholder !== `Message #${room.name}`) input.placeholder = `Message #${room.name}`; // renamed
    const archived = this.store.isArchived();
    if (this.composer.hidden === archived) return;
    this.composer.hidden = archived;
    this.notice.hidden = !archived;
  }
}
