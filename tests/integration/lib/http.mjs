// HTTP against a node: one-shot requests (no keep-alive), the chat_session cookie (parse it,
// build the Cookie header), a per-user Client that keeps it, error/status assertions, and API
// flows (register, login, a room's whole history).

import http from 'node:http';
import assert from 'node:assert/strict';
import { HOST, uniqueName } from './common.mjs';

/**
 * One HTTP request on a fresh connection (no keep-alive, so nothing is reused across tests).
 * body: object → JSON; string/Buffer → sent as is (set contentType yourself, or null for none).
 */
export function request(port, method, urlPath, { headers = {}, body, contentType, timeout = 10000 } = {}) {
  return new Promise((resolve, reject) => {
    const h = { ...headers };
    let payload;
    if (body !== undefined) {
      payload = Buffer.isBuffer(body) ? body : typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.from(JSON.stringify(body), 'utf8');
      const ct = contentType === undefined ? 'application/json' : contentType;
      if (ct !== null && !Object.keys(h).some((k) => k.toLowerCase() === 'content-type')) h['Content-Type'] = ct;
      h['Content-Length'] = String(payload.length);
    }
    const t0 = performance.now();
    const req = http.request({ host: HOST, port, method, path: urlPath, headers: h, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json;
        if (text !== '') { try { json = JSON.parse(text); } catch { json = undefined; } }
        resolve({ status: res.statusCode, headers: res.headers, text, json, ms: performance.now() - t0 });
      });
      res.on('error', reject);
    });
    req.setTimeout(timeout, () => req.destroy(new Error(`${method} ${urlPath} on port ${port}: no answer within ${timeout} ms`)));
    req.on('error', reject);
    if (payload) req.write(payload);
    req.end();
  });
}

/** GET on the node's internal port (/livez, /readyz, /metrics). */
export function internal(node, urlPath, opts = {}) {
  return request(node.internalPort, 'GET', urlPath, opts);
}

/** Parses chat_session out of Set-Cookie: {value, attrs:{lowercase name: value|true}, raw} or null. */
export function sessionCookie(res) {
  const sc = res.headers['set-cookie'] || [];
  for (const raw of sc) {
    const parts = raw.split(';').map((s) => s.trim());
    const [name, ...rest] = parts[0].split('=');
    if (name !== 'chat_session') continue;
    const attrs = {};
    for (const p of parts.slice(1)) {
      const i = p.indexOf('=');
      if (i < 0) attrs[p.toLowerCase()] = true;
      else attrs[p.slice(0, i).toLowerCase()] = p.slice(i + 1);
    }
    return { value: rest.join('='), attrs, raw };
  }
  return null;
}

/** An HTTP client for one user: keeps the chat_session cookie (or sends it as a Bearer token). */
export class Client {
  constructor(node, { bearer = false, token = null, port } = {}) {
    this.node = node;
    this.port = port ?? node.port;
    this.bearer = bearer;
    this.token = token;
    this.user = null;
  }

  authHeaders() {
    if (!this.token) return {};
    return this.bearer ? { Authorization: `Bearer ${this.token}` } : { Cookie: `chat_session=${this.token}` };
  }

  async request(method, urlPath, opts = {}) {
    const res = await request(this.port, method, urlPath, { ...opts, headers: { ...this.authHeaders(), ...(opts.headers || {}) } });
    const c = sessionCookie(res);
    if (c) {
      const cleared = c.value === '' || c.attrs['max-age'] === '0' || (c.attrs.expires && Date.parse(c.attrs.expires) < Date.now());
      this.token = cleared ? null : c.value;
    }
    return res;
  }

  get(urlPath, opts) { return this.request('GET', urlPath, opts); }
  post(urlPath, body, opts = {}) { return this.request('POST', urlPath, { ...opts, body }); }

  /** The same user's session, on another node (sessions live in Redis). */
  on(otherNode, { bearer = this.bearer } = {}) {
    const c = new Client(otherNode, { bearer, token: this.token });
    c.user = this.user;
    return c;
  }
}

export function api(node, opts) { return new Client(node, opts); }

/** Cookie header for a harness Client (or a raw token). */
export function cookieHeader(clientOrToken) {
  const token = typeof clientOrToken === 'string' ? clientOrToken : clientOrToken.token;
  return { Cookie: `chat_session=${token}` };
}

/** Asserts an error answer: status, {"error": code, "message": non-empty string}. */
export function assertError(res, status, code, what = '') {
  const ctx = `${what} → ${res.status} ${res.text.slice(0, 300)}`;
  assert.equal(res.status, status, `status ${ctx}`);
  assert.ok(res.json && typeof res.json === 'object' && !Array.isArray(res.json), `error body must be a JSON object: ${ctx}`);
  if (Array.isArray(code)) assert.ok(code.includes(res.json.error), `error code one of ${code.join('|')}: ${ctx}`);
  else assert.equal(res.json.error, code, `error code: ${ctx}`);
  assert.equal(typeof res.json.message, 'string', `error.message must be a string: ${ctx}`);
  assert.ok(res.json.message.length > 0, `error.message must not be empty: ${ctx}`);
}

export function assertStatus(res, status, what = '') {
  assert.equal(res.status, status, `${what}: expected ${status}, got ${res.status} ${res.text.slice(0, 400)}`);
}

/** POSTs credentials to /register or /login; asserts `status` and a session cookie. */
async function signIn(node, verb, status, username, password, opts) {
  const c = new Client(node, opts);
  const res = await c.post(`/${verb}`, { username, password });
  assertStatus(res, status, `${verb} ${username}`);
  assert.ok(c.token, `${verb} ${username}: no chat_session cookie`);
  c.user = res.json;
  c.password = password;
  return c;
}

/** Registers a user; asserts 201. Returns a Client holding the session, with .user set. */
export function register(node, username = uniqueName(), password = 'password123', opts = {}) {
  return signIn(node, 'register', 201, username, password, opts);
}

/** Logs a user in; asserts 200. Returns a Client holding the new session. */
export function login(node, username, password = 'password123', opts = {}) {
  return signIn(node, 'login', 200, username, password, opts);
}

/** Walks a room's whole history with the cursor API (newest first). */
export async function allMessages(client, roomId, { limit = 100, max = 100000 } = {}) {
  const out = [];
  let before = null;
  for (;;) {
    const q = before === null ? `limit=${limit}` : `before=${before}&limit=${limit}`;
    const res = await client.get(`/room/${encodeURIComponent(roomId)}/messages?${q}`);
    assertStatus(res, 200, `history of ${roomId} (${q})`);
    assert.ok(Array.isArray(res.json), `history must be an array: ${res.text.slice(0, 200)}`);
    if (res.json.length === 0) return out;
    out.push(...res.json);
    const last = res.json[res.json.length - 1].id;
    assert.ok(before === null || last < before, `cursor did not move: before=${before}, last=${last}`);
    before = last;
    if (out.length > max) throw new Error(`history of ${roomId} longer than ${max}`);
  }
}
