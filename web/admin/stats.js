// The cluster's nodes (GET /admin/stats; admins only): totals, the node table and errors by kind.
// Messages per second come from successive samples of each node's counters.
import { $, fmt } from './util.js';

let previous = new Map(); // node id → last sample {sampledAt, persisted, delivered, errors}

function cell(text, cls) {
  const td = document.createElement('td');
  td.textContent = text;
  if (cls) td.className = cls;
  return td;
}

function fmtRate(n) { return Number.isFinite(n) ? n.toFixed(n >= 10 ? 0 : 1) : '–'; }
function errorTotal(errors) { return Object.values(errors || {}).reduce((a, b) => a + b, 0); }

function uptime(startedAt, now) {
  if (!startedAt) return '–';
  let s = Math.max(0, Math.floor((now - startedAt) / 1000));
  const d = Math.floor(s / 86400); s -= d * 86400;
  const h = Math.floor(s / 3600); s -= h * 3600;
  const m = Math.floor(s / 60); s -= m * 60;
  if (d) return `${d}d ${h}h`;
  if (h) return `${h}h ${m}m`;
  return m ? `${m}m ${s}s` : `${s}s`;
}

/** Per-second rate of `key` between the previous and this sample of a node (NaN when unknown). */
function rate(prev, node, pick) {
  if (!prev || !node.sampledAt || node.sampledAt <= prev.sampledAt) return prev?.rates?.[pick.name] ?? NaN;
  const delta = pick(node) - pick(prev.node);
  return delta < 0 ? NaN : delta / ((node.sampledAt - prev.sampledAt) / 1000);
}

const persisted = (n) => n.messages.persisted;
const delivered = (n) => n.messages.delivered;
const errorsOf = (n) => errorTotal(n.errors);

/** Renders one /admin/stats answer. */
export function renderStats(stats) {
  const tbody = $('nodes');
  const errBody = $('errors');
  const rows = [];
  const errRows = [];
  const next = new Map();
  let alive = 0; let conns = 0; let rooms = 0; let msgRate = 0; let errRate = 0; let haveRate = false;
  for (const node of stats.nodes) {
    const prev = previous.get(node.id);
    const rates = {
      persisted: rate(prev, node, persisted),
      delivered: rate(prev, node, delivered),
      errorsOf: rate(prev, node, errorsOf),
    };
    next.set(node.id, { sampledAt: node.sampledAt, node, rates });
    if (node.alive) {
      alive += 1;
      conns += node.connections.ws + node.connections.sse;
      rooms += node.rooms;
      if (Number.isFinite(rates.persisted)) { msgRate += rates.persisted; haveRate = true; }
      if (Number.isFinite(rates.errorsOf)) errRate += rates.errorsOf;
    }
    const tr = document.createElement('tr');
    const state = document.createElement('span');
    state.className = `state ${node.alive ? 'state-alive' : 'state-dead'}`;
    state.textContent = node.alive ? 'alive' : 'not responding';
    const stateCell = document.createElement('td');
    stateCell.append(state);
    tr.append(
      cell(node.id), stateCell,
      cell(fmt(node.connections.ws), 'num'), cell(fmt(node.connections.sse), 'num'),
      cell(fmt(node.rooms), 'num'), cell(fmt(node.presence), 'num'),
      cell(fmt(node.messages.persisted), 'num'),
      cell(fmtRate(rates.persisted), 'num'), cell(fmtRate(rates.delivered), 'num'),
      cell(fmt(errorTotal(node.errors)), 'num'),
      cell(node.version || '–'), cell(uptime(node.startedAt, stats.generatedAt)),
    );
    rows.push(tr);
    for (const [kind, total] of Object.entries(node.errors || {}).sort((a, b) => b[1] - a[1])) {
      const before = prev?.node?.errors?.[kind] ?? total;
      const er = document.createElement('tr');
      er.append(cell(node.id), cell(kind), cell(fmt(total), 'num'), cell(fmt(Math.max(0, total - before)), 'num'));
      errRows.push(er);
    }
  }
  previous = next;
  tbody.replaceChildren(...rows);
  errBody.replaceChildren(...errRows);
  $('errors-table').hidden = errRows.length === 0;
  $('errors-empty').hidden = errRows.length !== 0;
  $('t-nodes').textContent = fmt(alive);
  $('t-conns').textContent = fmt(conns);
  $('t-online').textContent = fmt(stats.onlineUsers);
  $('t-users').textContent = fmt(stats.totalUsers);
  $('t-rooms').textContent = fmt(rooms);
  $('t-channels').textContent = fmt(stats.channels);
  $('t-rate').textContent = haveRate ? fmtRate(msgRate) : '–';
  $('t-errrate').textContent = haveRate ? fmtRate(errRate) : '–';
}

