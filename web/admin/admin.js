// Admin page (admins and moderators): who is signed in (GET /me), then, every few seconds while the
// page is visible, the cluster's nodes (admins only: GET /admin/stats), the Users and Channels tables
// and the audit log. Everything renders with textContent only (CSP, no HTML injection).
import { $, request } from './util.js';
import { renderStats } from './stats.js';
import { usersTable } from './users.js';
import { roomsTable } from './rooms.js';
import { auditView } from './audit.js';

const REFRESH_MS = 3000;

let timer = null;
let denied = false;

function setStatus(text, isError = false) {
  const s = $('status');
  s.textContent = text;
  s.classList.toggle('is-error', isError);
}

function deny(status) {
  denied = true;
  clearInterval(timer);
  $('main').hidden = true;
  $('denied').hidden = false;
  if (status === 403) {
    $('denied-title').textContent = 'Administrators and moderators only';
    $('denied-text').textContent = 'Your account has neither the admin nor the moderator role.';
  }
  setStatus(status === 403 ? 'forbidden' : 'signed out', true);
}

async function refreshStats() {
  const r = await request('GET', '/admin/stats');
  if (r.status === 401 || r.status === 403) return deny(r.status);
  if (!r.ok) return setStatus(`stats unavailable (HTTP ${r.status}); retrying…`, true);
  renderStats(r.data);
}

async function start() {
  const me = await request('GET', '/me');
  if (me.status === 401) return deny(401);
  if (!me.ok) {
    setStatus('connection lost; retrying…', true);
    setTimeout(start, REFRESH_MS);
    return;
  }
  const user = me.data;
  if (user.role !== 'admin' && user.role !== 'moderator') return deny(403);
  document.body.classList.toggle('is-admin', user.role === 'admin');
  document.body.classList.toggle('is-moderator', user.role === 'moderator');
  $('whoami').textContent = `Signed in as ${user.username} (${user.role}).`;
  $('cluster').hidden = user.role !== 'admin';
  $('denied').hidden = true;
  $('main').hidden = false;

  let users;
  let rooms;
  let audit;
  let running = false;
  let again = false; // a tick asked for while one runs (after an action): one more right after it
  const tick = async () => {
    if (denied || document.visibilityState !== 'visible') return;
    if (running) { again = true; return; }
    running = true;
    try {
      const work = [users.refresh(), rooms.refresh(), audit.refresh()];
      if (user.role === 'admin') work.push(refreshStats());
      await Promise.all(work);
      if (!denied) setStatus(`updated ${new Date().toLocaleTimeString()}`);
    } finally {
      running = false;
    }
    if (again) { again = false; tick(); }
  };
  // after an action: the tables and the audit log at once
  const hooks = { denied: deny, changed: () => { setTimeout(tick, 0); } };
  users = usersTable(user, hooks);
  rooms = roomsTable(user, hooks);
  audit = auditView(hooks);
  await tick();
  timer = setInterval(tick, REFRESH_MS);
  document.addEventListener('visibilitychange', () => { if (document.visibilityState === 'visible') tick(); });
}

start();
