// Set-up of the rolling-restart test: users, channels and clients, all through the ingress (HTTP
// with a chosen loopback source address, so that every client has its own address to be logged).

import http from 'node:http';
import { HOST } from '../../integration/lib/common.mjs';
import { sessionCookie } from '../../integration/lib/http.mjs';

/** One request through the ingress: {status, json, text, headers}. */
export function api(port, method, path, { token, body, localAddress, headers = {}, timeout = 15000 } = {}) {
  const payload = body === undefined ? null : Buffer.from(JSON.stringify(body));
  const h = { ...headers };
  if (token) h.Cookie = `chat_session=${token}`;
  if (payload) { h['Content-Type'] = 'application/json'; h['Content-Length'] = payload.length; }
  return new Promise((resolve, reject) => {
    const req = http.request({ host: HOST, port, method, path, headers: h, agent: false, localAddress }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { text += c; });
      res.on('end', () => {
        let json;
        try { json = text ? JSON.parse(text) : undefined; } catch { json = undefined; }
        resolve({ status: res.statusCode, headers: res.headers, text, json });
      });
      res.on('error', reject);
    });
    req.setTimeout(timeout, () => req.destroy(new Error(`${method} ${path}: no answer within ${timeout} ms`)));
    req.on('error', reject);
    req.end(payload ?? undefined);
  });
}

/** Runs fn(item, i) over items with at most `n` in flight; resolves with the results in order. */
export async function pool(items, n, fn) {
  const out = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  }));
  return out;
}

/** The loopback source address of client i (127.0.0.2 … 127.0.0.9; nginx itself is 127.0.0.1). */
export const sourceAddress = (i) => `127.0.0.${2 + (i % 8)}`;

/**
 * Registers `count` users through the ingress (each from its client's source address, with a
 * forged X-Forwarded-For the node must not believe). Returns [{id, username, token, addr}].
 */
export async function registerUsers(port, count, prefix) {
  return pool(Array.from({ length: count }, (_, i) => i), 12, async (i) => {
    const username = `${prefix}${i}`;
    const addr = sourceAddress(i);
    const res = await api(port, 'POST', '/register', {
      body: { username, password: 'rolling-pass-1' }, localAddress: addr,
      headers: { 'X-Forwarded-For': '203.0.113.7' },
    });
    if (res.status !== 201) throw new Error(`register ${username}: ${res.status} ${res.text.slice(0, 200)}`);
    const cookie = sessionCookie(res);
    if (!cookie) throw new Error(`register ${username}: no session cookie`);
    return { id: res.json.id, username, token: cookie.value, addr };
  });
}

/** Channel r is created by user r and joined by every user u with u % rooms === r. Returns the ids. */
export async function makeRooms(port, users, rooms, prefix) {
  const ids = await pool(Array.from({ length: rooms }, (_, r) => r), 4, async (r) => {
    const res = await api(port, 'POST', '/rooms', { token: users[r].token, body: { name: `${prefix}-room-${r}` }, localAddress: users[r].addr });
    if (res.status !== 201) throw new Error(`create room ${r}: ${res.status} ${res.text.slice(0, 200)}`);
    return String(res.json.id);
  });
  await pool(users.slice(rooms), 12, async (u, k) => {
    const i = k + rooms;
    const res = await api(port, 'POST', `/rooms/${encodeURIComponent(ids[i % rooms])}/join`, { token: u.token, localAddress: u.addr });
    if (res.status !== 200) throw new Error(`join ${u.username}: ${res.status} ${res.text.slice(0, 200)}`);
  });
  return ids;
}

/** Every id of a room's history (cursor paging through the ingress). */
export async function historyIds(port, token, roomId) {
  const ids = new Set();
  let before = null;
  for (let page = 0; page < 10000; page++) {
    const q = before === null ? 'limit=100' : `before=${before}&limit=100`;
    const res = await api(port, 'GET', `/room/${encodeURIComponent(roomId)}/messages?${q}`, { token });
    if (res.status !== 200) throw new Error(`history of ${roomId}: ${res.status} ${res.text.slice(0, 200)}`);
    if (!res.json.length) return ids;
    for (const m of res.json) ids.add(m.id);
    before = res.json.at(-1).id;
  }
  throw new Error(`history of ${roomId}: too long`);
}
