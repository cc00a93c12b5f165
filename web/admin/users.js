// The Users table (GET /admin/users): role, presence, last seen, created, ban and mutes, with the
// actions of protocol §1.1 by row: role (admins only), ban / unban, mute / unmute everywhere,
// disconnect. Ban and mute ask for a reason / duration in a dialog outside the table, so a live
// refresh never disturbs it.
import { $, actionRunner, el, errorText, fmtAgo, fmtUntil, setText, showResult } from './util.js';
import { LiveTable } from './live_table.js';

const ROLES = ['user', 'moderator', 'admin'];

/** What a moderator may act on: users (and the bot); an admin on anyone but themselves. */
function mayAct(me, row) {
  if (row.id === me.id) return false;
  return me.role === 'admin' || row.role === 'user' || row.role === 'bot';
}

function moderationText(row) {
  const parts = [];
  if (row.banned) parts.push(`banned ${fmtUntil(row.banned.until)}${row.banned.reason ? `: ${row.banned.reason}` : ''}`);
  const everywhere = row.muted.find((m) => m.roomId === null);
  if (everywhere) parts.push(`muted everywhere ${fmtUntil(everywhere.until)}`);
  const rooms = row.muted.filter((m) => m.roomId !== null).length;
  if (rooms) parts.push(`muted in ${rooms} room${rooms === 1 ? '' : 's'}`);
  return parts.join(' · ');
}

export function usersTable(me, hooks) {
  const result = $('users-result');
  const dialog = $('act-dialog');
  let pending = null; // the dialog's action: {kind: 'ban'|'mute', row}

  const act = actionRunner(result, () => hooks.changed());

  function openDialog(kind, row) {
    pending = { kind, row };
    setText($('act-title'), kind === 'ban' ? `Ban ${row.username}` : `Mute ${row.username} everywhere`);
    setText($('act-confirm'), kind === 'ban' ? 'Ban' : 'Mute');
    $('act-reason-field').hidden = kind !== 'ban';
    $('act-reason').value = '';
    dialog.showModal();
    (kind === 'ban' ? $('act-reason') : $('act-duration')).focus();
  }

  $('act-cancel').addEventListener('click', () => { pending = null; dialog.close(); });
  $('act-form').addEventListener('submit', (e) => {
    e.preventDefault();
    dialog.close();
    if (!pending) return;
    const { kind, row } = pending;
    pending = null;
    const duration = $('act-duration').value;
    const until = duration ? Date.now() + Number(duration) : null;
    const base = `/admin/users/${encodeURIComponent(row.id)}`;
    if (kind === 'ban') {
      act('POST', `${base}/ban`, { reason: $('act-reason').value.trim(), until }, () => `${row.username} is banned ${fmtUntil(until)}.`);
    } else {
      act('POST', `${base}/mute`, { until }, () => `${row.username} is muted everywhere ${fmtUntil(until)}.`);
    }
  });

  function create(row) {
    const tr = el('tr');
    const c = {
      name: el('span', 'name'), id: el('span', 'sub'),
      role: el('td', 'c-role'), status: el('td', 'c-online'), seen: el('td', 'c-seen'), created: el('td', 'c-created'),
      mod: el('td', 'c-mod'), actions: el('div', 'action-buttons'),
    };
    const btn = (cls, text, fn) => {
      const b = el('button', `btn btn-ghost btn-sm ${cls}`, text);
      b.type = 'button';
      b.addEventListener('click', () => fn(tr.row));
      return b;
    };
    const base = (r) => `/admin/users/${encodeURIComponent(r.id)}`;
    c.ban = btn('act-ban', 'Ban…', (r) => openDialog('ban', r));
    c.unban = btn('act-unban', 'Unban', (r) => act('DELETE', `${base(r)}/ban`, undefined, () => `${r.username} is no longer banned.`));
    c.mute = btn('act-mute', 'Mute…', (r) => openDialog('mute', r));
    c.unmute = btn('act-unmute', 'Unmute', (r) => act('DELETE', `${base(r)}/mute`, undefined, () => `${r.username} is no longer muted everywhere.`));
    c.kick = btn('act-kick', 'Disconnect', (r) => act('POST', `${base(r)}/disconnect`, undefined, () => `${r.username} was disconnected on every node.`));
    c.actions.append(c.ban, c.unban, c.mute, c.unmute, c.kick);
    if (me.role === 'admin') {
      c.select = el('select', 'role-select');
      c.select.setAttribute('aria-label', 'Role');
      for (const r of ROLES) c.select.append(el('option', null, r));
      c.select.addEventListener('change', async () => {
        const r = tr.row;
        const role = c.select.value;
        c.select.dataset.pending = '1';
        const ok = await act('PUT', `${base(r)}/role`, { role }, (u) => `${u?.username ?? r.username} is now ${u?.role ?? role}.`);
        delete c.select.dataset.pending;
        if (!ok) c.select.value = r.role;
      });
      c.roleText = el('span');
      c.role.append(c.select, c.roleText);
    } else {
      c.roleText = el('span');
      c.role.append(c.roleText);
    }
    tr.append(el('td', null, null, c.name, c.id), c.role, c.status, c.seen, c.created, c.mod, el('td', 'actions', null, c.actions));
    tr.cells_ = c;
    return tr;
  }

  function update(tr, row) {
    const c = tr.cells_;
    setText(c.name, row.username);
    setText(c.id, `id ${row.id}`);
    // the role: a select for admins (not for the bot, nor for themselves), else text
    const editable = c.select && row.role !== 'bot' && row.id !== me.id;
    if (c.select) {
      c.select.hidden = !editable;
      if (editable && !c.select.dataset.pending && document.activeElement !== c.select && c.select.value !== row.role) c.select.value = row.role;
    }
    c.roleText.hidden = !!editable;
    setText(c.roleText, row.role);
    setText(c.status, row.online ? 'online' : 'offline');
    c.status.className = `c-online ${row.online ? 'is-online' : 'is-offline'}`;
    setText(c.seen, row.online ? 'now' : fmtAgo(row.lastSeen));
    c.seen.title = row.lastSeen ? new Date(row.lastSeen).toLocaleString() : '';
    setText(c.created, fmtAgo(row.created));
    c.created.title = row.created ? new Date(row.created).toLocaleString() : 'before sign-up times were kept';
    setText(c.mod, moderationText(row) || '–');
    for (const [b, verb] of [[c.ban, 'Ban'], [c.unban, 'Unban'], [c.mute, 'Mute'], [c.unmute, 'Unmute'], [c.kick, 'Disconnect']]) {
      b.setAttribute('aria-label', `${verb} ${row.username}`);
    }
    if (c.select) c.select.setAttribute('aria-label', `Role of ${row.username}`);
    const allowed = mayAct(me, row);
    const mutedEverywhere = row.muted.some((m) => m.roomId === null);
    c.ban.hidden = !allowed || !!row.banned;
    c.unban.hidden = !allowed || !row.banned;
    c.mute.hidden = !allowed || mutedEverywhere;
    c.unmute.hidden = !allowed || !mutedEverywhere;
    c.kick.hidden = !allowed || !row.online;
  }

  return new LiveTable({
    url: '/admin/users', list: 'users', tbody: $('users'), more: $('users-more'), empty: $('users-empty'),
    search: $('users-q'), create, update, onDenied: hooks.denied,
    onError: (r) => showResult(result, false, `Users unavailable: ${errorText(r)}`),
  });
}
