// The channel settings dialog (issue #23), opened from the open channel's header (⚙). The owner and
// admins edit the name, topic and privacy (Save changes: one PATCH /rooms/{id} with what changed),
// archive or unarchive, delete (after a confirmation) and manage members (channel_members.js);
// everyone else sees the same as read-only information. Any member can leave. It follows the store:
// a `room.updated` from someone else shows at once (fields the user is editing are kept), and the
// dialog closes when the room is gone (removed, deleted, left).

import { $ } from '../dom.js';
import { ChannelMembers } from './channel_members.js';

/** The changes between channel `room` and the form's values (empty object: nothing to save). */
export function settingsChanges(room, { name, topic, isPrivate }) {
  const out = {};
  const n = String(name ?? '').trim();
  const t = String(topic ?? '').trim();
  if (n !== '' && n !== room.name) out.name = n;
  if (t !== (room.topic ?? '')) out.topic = t;
  if (Boolean(isPrivate) !== Boolean(room.private)) out.private = Boolean(isPrivate);
  return out;
}

export class ChannelSettings {
  /**
   * store; api: channelMembers, updateChannel, inviteMember, removeMember, deleteChannel, searchUsers;
   * onLeave(roomId) → Promise (leaves and updates the store); onDeleted(room) (the store and the
   * notice); onError(text).
   */
  constructor({ store, api, onLeave, onDeleted, onError }) {
    Object.assign(this, { store, api, onLeave, onDeleted, onError });
    this.dialog = $('#settings-dialog');
    this.title = $('#settings-title');
    this.role = $('#settings-role');
    this.form = $('#settings-form');
    this.name = $('#settings-name');
    this.topic = $('#settings-topic');
    this.private = $('#settings-private');
    this.error = $('#settings-error');
    this.save = $('#settings-save');
    this.archive = $('#settings-archive');
    this.leave = $('#settings-leave');
    this.del = $('#settings-delete');
    this.confirm = $('#settings-confirm');
    this.roomId = null;
    this.dirty = false; // the user changed a field since it was last filled from the store
    this.saving = false;
    this.members = new ChannelMembers({
      store,
      search: (q, limit) => api.searchUsers(q, limit),
      invite: async (userId) => { await api.inviteMember(this.roomId, userId); await this.loadMembers(); },
      remove: async (userId) => { await api.removeMember(this.roomId, userId); await this.loadMembers(); },
      makeOwner: (userId) => this.patch({ owner: userId }).then(() => this.loadMembers()),
      onError,
    });

    this.dialog.querySelector('[data-close]').addEventListener('click', () => this.close());
    this.dialog.addEventListener('click', (e) => { if (e.target === this.dialog) this.close(); });
    this.dialog.addEventListener('close', () => { this.roomId = null; });
    for (const f of [this.name, this.topic, this.private]) f.addEventListener('input', () => { this.dirty = true; this.showError(''); });
    this.form.addEventListener('submit', (e) => { e.preventDefault(); this.submit(); });
    this.archive.addEventListener('click', () => {
      const room = this.room;
      if (room) this.patch({ archived: !room.archived }).catch((e) => this.showError(e.message));
    });
    this.leave.addEventListener('click', async () => {
      const id = this.roomId;
      try { await this.onLeave(id); this.close(); } catch { /* the toast said why */ }
    });
    this.del.addEventListener('click', () => this.askDelete());
    $('#settings-confirm-no').addEventListener('click', () => { this.confirm.hidden = true; this.del.focus(); });
    $('#settings-confirm-yes').addEventListener('click', () => this.doDelete());
    store.addEventListener('change', (e) => {
      if (this.roomId === null || !this.dialog.open) return;
      if (!this.store.rooms.has(this.roomId)) { this.close(); return; }
      if (e.detail.has('rooms') || e.detail.has('active')) this.render();
      else if (e.detail.has('users')) this.members.render();
    });
  }

  get room() { return this.roomId === null ? undefined : this.store.rooms.get(this.roomId); }

  get isOpen() { return this.dialog.open; }

  /** Opens the dialog for channel `roomId` (General and DMs have no settings). */
  async open(roomId) {
    const room = this.store.rooms.get(String(roomId));
    if (!room || room.kind !== 'channel') return;
    this.roomId = room.id;
    this.dirty = false;
    this.confirm.hidden = true;
    this.showError('');
    this.members.reset();
    this.render();
    if (!this.dialog.open) this.dialog.showModal();
    (this.store.canManage(room.id) ? this.name : this.dialog.querySelector('[data-close]')).focus();
    await this.loadMembers();
  }

  close() { if (this.dialog.open) this.dialog.close(); }

  /** GET /rooms/{id}/members: the member list and the channel's settings (also into the store). */
  async loadMembers() {
    const id = this.roomId;
    try {
      const r = await this.api.channelMembers(id);
      if (id !== this.roomId) return;
      const room = this.store.rooms.get(id);
      if (room) this.store.applyChannelMeta(room, r);
      this.members.set(r);
      this.render();
    } catch (e) {
      if (id === this.roomId) this.members.failed(e);
    }
  }

  /** Shows the room's current settings; a field the user is editing keeps its text. */
  render() {
    const room = this.room;
    if (!room) return;
    const manage = this.store.canManage(room.id);
    const mine = room.owner !== null && room.owner !== undefined && String(room.owner) === this.store.me.id;
    this.title.textContent = `#${room.name}`;
    this.role.textContent = `${room.private ? 'Private channel' : 'Public channel'}${room.archived ? ' · archived (read-only)' : ''}. ${
      mine ? 'You own it.' : manage ? 'You manage it as an admin.' : 'Only its owner and admins can change these settings.'}`;
    if (!this.dirty) { // (assigned only when different: the caret stays where it is)
      if (this.name.value !== room.name) this.name.value = room.name;
      if (this.topic.value !== (room.topic ?? '')) this.topic.value = room.topic ?? '';
      this.private.checked = room.private === true;
    }
    this.name.readOnly = !manage;
    this.topic.readOnly = !manage;
    this.private.disabled = !manage;
    this.save.parentElement.hidden = !manage;
    this.save.disabled = this.saving;
    this.archive.hidden = !manage;
    this.archive.textContent = room.archived ? 'Unarchive channel' : 'Archive channel';
    this.del.hidden = !manage;
    if (!manage) this.confirm.hidden = true;
    this.members.render(manage, room.owner ?? null);
  }

  showError(text) {
    this.error.textContent = text;
    this.error.hidden = !text;
  }

  /** PATCH /rooms/{id} with `changes`; the answer goes into the store (its room.updated follows). */
  async patch(changes) {
    const id = this.roomId;
    const r = await this.api.updateChannel(id, changes);
    this.store.applyRoomUpdate({ ...r, roomId: id, seq: undefined }); // the event's seq moves the cursor
    return r;
  }

  async submit() {
    const room = this.room;
    if (!room || this.saving || !this.store.canManage(room.id)) return;
    const changes = settingsChanges(room, { name: this.name.value, topic: this.topic.value, isPrivate: this.private.checked });
    if (this.name.value.trim() === '') { this.showError('A channel needs a name.'); this.name.focus(); return; }
    if (Object.keys(changes).length === 0) { this.dirty = false; this.render(); return; }
    this.saving = true;
    this.render();
    try {
      await this.patch(changes);
      this.dirty = false;
      this.showError('');
    } catch (e) {
      this.showError(e.status === 409 ? `“${changes.name ?? room.name}” is taken: choose another name.` : e.message);
    } finally {
      this.saving = false;
      this.render();
    }
  }

  askDelete() {
    const room = this.room;
    if (!room) return;
    $('#settings-confirm-text').textContent = `Delete #${room.name} and all its messages for everyone? This cannot be undone.`;
    this.confirm.hidden = false;
    $('#settings-confirm-no').focus();
  }

  async doDelete() {
    const room = this.room;
    if (!room) return;
    try {
      await this.api.deleteChannel(room.id);
      this.close();
      this.onDeleted(room);
    } catch (e) {
      this.confirm.hidden = true;
      this.showError(e.message);
    }
  }
}
