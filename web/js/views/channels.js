// The "Channels" dialog: create a channel, browse public channels, join or open one.

import { $, el } from '../dom.js';

export class ChannelsDialog {
  /** loadPublic() → Promise<[{id,name,members,joined}]>; onCreate(name), onJoin(id) → Promise; onOpen(id) */
  constructor({ loadPublic, onCreate, onJoin, onOpen }) {
    Object.assign(this, { loadPublic, onCreate, onJoin, onOpen });
    this.dialog = $('#channels-dialog');
    this.list = $('#public-channels');
    this.name = $('#channel-name');
    this.dialog.querySelector('[data-close]').addEventListener('click', () => this.close());
    this.dialog.addEventListener('click', (e) => { if (e.target === this.dialog) this.close(); });
    $('#create-channel').addEventListener('submit', (e) => { e.preventDefault(); this.create(); });
  }

  async open() {
    if (!this.dialog.open) this.dialog.showModal();
    this.name.value = '';
    this.name.focus();
    await this.refresh();
  }

  close() { if (this.dialog.open) this.dialog.close(); }

  async refresh() {
    this.list.setAttribute('aria-busy', 'true');
    this.list.replaceChildren(el('li', { class: 'public-empty', text: 'Loading…' }));
    try {
      const rooms = await this.loadPublic();
      rooms.sort((a, b) => a.name.localeCompare(b.name));
      this.list.replaceChildren(...(rooms.length ? rooms.map((r) => this.item(r)) : [el('li', { class: 'public-empty', text: 'No channels yet. Create the first one above.' })]));
    } catch (e) {
      this.list.replaceChildren(el('li', { class: 'public-empty', text: `Could not load channels: ${e.message}` }));
    } finally {
      this.list.setAttribute('aria-busy', 'false');
    }
  }

  item(r) {
    const btn = el('button', {
      class: r.joined ? 'btn btn-ghost btn-sm' : 'btn btn-primary btn-sm',
      text: r.joined ? 'Open' : 'Join',
      attrs: { type: 'button', 'aria-label': `${r.joined ? 'Open' : 'Join'} ${r.name}` },
    });
    btn.addEventListener('click', async () => {
      btn.disabled = true;
      try {
        if (!r.joined) await this.onJoin(r.id);
        this.close();
        this.onOpen(String(r.id));
      } catch { btn.disabled = false; }
    });
    const members = `${r.members} member${r.members === 1 ? '' : 's'}`;
    return el('li', { class: 'public-item' },
      el('span', { class: 'room-hash', text: '#', attrs: { 'aria-hidden': 'true' } }),
      el('span', { class: 'public-text' }, el('span', { class: 'public-name', text: r.name }), el('span', { class: 'public-meta', text: members })),
      btn);
  }

  async create() {
    const name = this.name.value.trim();
    if (!name) { this.name.focus(); return; }
    try {
      const room = await this.onCreate(name);
      this.close();
      this.onOpen(String(room.id));
    } catch { this.name.focus(); }
  }
}
