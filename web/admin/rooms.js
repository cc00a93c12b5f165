// The Channels table (GET /admin/rooms): every channel, public and private, with owner, members,
// messages, last activity, visibility and state. Admins archive / unarchive (PATCH /rooms/{id}) and
// delete (DELETE /rooms/{id}, after a confirmation); moderators see the table without actions.
import { $, actionRunner, el, errorText, fmt, fmtAgo, setText, showResult } from './util.js';
import { LiveTable } from './live_table.js';

export function roomsTable(me, hooks) {
  const result = $('rooms-result');

  const act = actionRunner(result, () => hooks.changed());

  function create() {
    const tr = el('tr');
    const c = {
      name: el('span', 'name'), topic: el('span', 'sub'), owner: el('td', 'c-owner'),
      members: el('td', 'num c-members'), messages: el('td', 'num c-messages'), last: el('td', 'c-last'),
      visibility: el('td', 'c-visibility'), state: el('td', 'c-state'), actions: el('div', 'action-buttons'),
    };
    if (me.role === 'admin') {
      const btn = (cls, text, fn) => {
        const b = el('button', `btn btn-ghost btn-sm ${cls}`, text);
        b.type = 'button';
        b.addEventListener('click', () => fn(tr.row));
        return b;
      };
      const url = (r) => `/rooms/${encodeURIComponent(r.id)}`;
      c.archive = btn('act-archive', 'Archive', (r) => act('PATCH', url(r), { archived: true }, () => `#${r.name} is archived (read-only).`));
      c.unarchive = btn('act-unarchive', 'Unarchive', (r) => act('PATCH', url(r), { archived: false }, () => `#${r.name} is active again.`));
      c.del = btn('act-delete', 'Delete', (r) => {
        // eslint-disable-next-line no-alert
        if (!window.confirm(`Delete #${r.name} with all its messages? This cannot be undone.`)) return;
        act('DELETE', url(r), undefined, () => `#${r.name} was deleted.`);
      });
      c.del.classList.add('btn-danger-text');
      c.actions.append(c.archive, c.unarchive, c.del);
    }
    tr.append(el('td', null, null, c.name, c.topic), c.owner, c.members, c.messages, c.last, c.visibility, c.state,
      el('td', 'actions admin-only', null, c.actions));
    tr.cells_ = c;
    return tr;
  }

  function update(tr, row) {
    const c = tr.cells_;
    setText(c.name, `#${row.name}`);
    setText(c.topic, row.topic || '');
    c.topic.hidden = !row.topic;
    setText(c.owner, row.owner === null ? '–' : (row.ownerName ?? `id ${row.owner}`));
    setText(c.members, fmt(row.members));
    setText(c.messages, fmt(row.messages));
    setText(c.last, fmtAgo(row.lastActivity));
    c.last.title = row.lastActivity ? new Date(row.lastActivity).toLocaleString() : 'no messages yet';
    setText(c.visibility, row.private ? 'private' : 'public');
    setText(c.state, row.archived ? 'archived' : 'active');
    c.state.className = `c-state ${row.archived ? 'is-archived' : ''}`;
    if (c.archive) {
      c.archive.setAttribute('aria-label', `Archive #${row.name}`);
      c.unarchive.setAttribute('aria-label', `Unarchive #${row.name}`);
      c.del.setAttribute('aria-label', `Delete #${row.name}`);
      c.archive.hidden = row.archived;
      c.unarchive.hidden = !row.archived;
    }
  }

  return new LiveTable({
    url: '/admin/rooms', list: 'rooms', tbody: $('rooms'), more: $('rooms-more'), empty: $('rooms-empty'),
    search: $('rooms-q'), create, update, onDenied: hooks.denied,
    onError: (r) => showResult(result, false, `Channels unavailable: ${errorText(r)}`),
  });
}
