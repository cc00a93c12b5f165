// The audit log (GET /admin/audit, newest first): a refresh adds the entries newer than the top one,
// "Load more" appends older pages.
import { $, el, fmtUntil, request } from './util.js';

function details(e) {
  const parts = [];
  if (e.role) parts.push(`role ${e.role}`);
  if (e.reason) parts.push(`reason: ${e.reason}`);
  if (e.action === 'ban' || e.action === 'mute') parts.push(fmtUntil(e.until));
  if (e.roomName) parts.push(`#${e.roomName}`);
  else if (e.roomId) parts.push(`room ${e.roomId}`);
  if (Array.isArray(e.fields) && e.fields.length) parts.push(`changed ${e.fields.join(', ')}`);
  if (e.messageId) parts.push(`message ${e.messageId}`);
  return parts.join(' · ');
}

function row(e) {
  const tr = el('tr');
  tr.dataset.id = e.id;
  tr.append(
    el('td', null, new Date(e.ts).toLocaleString()), el('td', null, e.actorName || e.actor),
    el('td', 'c-action', e.action), el('td', 'c-target', e.targetName || e.target || (e.roomName ? `#${e.roomName}` : '–')), el('td', 'c-details', details(e)),
  );
  return tr;
}

export function auditView(hooks) {
  const tbody = $('audit');
  const more = $('audit-more');
  let next = null;
  let started = false;

  function showEmpty() { $('audit-empty').hidden = tbody.children.length !== 0; }

  async function page(before) {
    const r = await request('GET', `/admin/audit?limit=50${before ? `&before=${encodeURIComponent(before)}` : ''}`);
    if (r.status === 401 || r.status === 403) { hooks.denied(r.status); return null; }
    return r.ok ? r.data : null;
  }

  more.addEventListener('click', async () => {
    if (!next) return;
    const data = await page(next);
    if (!data) return;
    const have = new Set([...tbody.children].map((tr) => tr.dataset.id));
    tbody.append(...data.entries.filter((e) => !have.has(e.id)).map(row));
    next = data.next;
    more.hidden = next === null;
    showEmpty();
  });

  return {
    async refresh() {
      const data = await page(null);
      if (!data) return;
      const have = new Set([...tbody.children].map((tr) => tr.dataset.id));
      const fresh = data.entries.filter((e) => !have.has(e.id));
      if (!started) {
        started = true;
        next = data.next;
        more.hidden = next === null;
      }
      // entries are newest first: the new ones go above the rows shown
      if (fresh.length) tbody.prepend(...fresh.map(row));
      showEmpty();
    },
  };
}
