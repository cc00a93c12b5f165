// Integration test harness: real redis-server, real chatnode, real HTTP over loopback.
//
// Every process started here is registered and killed by cleanup() (call it from after()), with
// SIGKILL as the last resort, and also on process exit. Every wait is bounded.

import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import assert from 'node:assert/strict';

const HOST = '127.0.0.1';
const live = new Set(); // child processes still running
const tmpDirs = new Set();
const usedPorts = new Set();

process.on('exit', () => {
  for (const p of live) {
    try { p.kill('SIGKILL'); } catch { /* already gone */ }
  }
});

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A unique, valid username (2–32 of A-Z a-z 0-9 _ . -). */
export function uniqueName(prefix = 'u') {
  return `${prefix}_${randomBytes(4).toString('hex')}`.slice(0, 32);
}

export function sha256hex(s) {
  return createHash('sha256').update(s).digest('hex');
}

export function makeTmpDir(tag = 'chat-it') {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), `${tag}-`));
  tmpDirs.add(d);
  return d;
}

/** A free loopback port: listen on 0, read the port, close. Never hands out the same port twice. */
export async function freePort() {
  for (let i = 0; i < 50; i++) {
    const port = await new Promise((resolve, reject) => {
      const srv = net.createServer();
      srv.unref();
      srv.on('error', reject);
      srv.listen(0, HOST, () => {
        const { port } = srv.address();
        srv.close(() => resolve(port));
      });
    });
    if (!usedPorts.has(port)) {
      usedPorts.add(port);
      return port;
    }
  }
  throw new Error('freePort: could not find an unused port');
}

/** Polls fn() until it returns a truthy value; throws with `what` after `timeout` ms. */
export async function waitFor(fn, { timeout = 5000, interval = 100, what = 'condition' } = {}) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
      last = v;
    } catch (e) {
      last = e;
    }
    if (Date.now() >= deadline) {
      throw new Error(`timed out after ${timeout} ms waiting for ${what}; last: ${last instanceof Error ? last.message : JSON.stringify(last)}`);
    }
    await sleep(interval);
  }
}

function tail(s, n = 4000) {
  return s.length > n ? `…${s.slice(-n)}` : s;
}

/** Spawns a child, captures its output, registers it for cleanup. */
function spawnTracked(cmd, args, opts) {
  const proc = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
  const out = { stdout: '', stderr: '' };
  proc.stdout.setEncoding('utf8');
  proc.stderr.setEncoding('utf8');
  proc.stdout.on('data', (d) => { out.stdout += d; });
  proc.stderr.on('data', (d) => { out.stderr += d; });
  live.add(proc);
  const exited = new Promise((resolve) => {
    proc.on('error', (err) => { out.stderr += `\n[spawn error] ${err.message}`; });
    proc.on('close', (code, signal) => { live.delete(proc); resolve({ code, signal }); });
  });
  return { proc, out, exited };
}

/** Waits for a tracked child to exit; SIGKILL after `timeout` ms. Returns {code, signal, killed}. */
async function waitExit(proc, exited, timeout) {
  if (proc.exitCode !== null || proc.signalCode !== null) return { ...(await exited), killed: false };
  let timer;
  const res = await Promise.race([
    exited.then((r) => ({ ...r, killed: false })),
    new Promise((resolve) => { timer = setTimeout(() => resolve(null), timeout); }),
  ]);
  clearTimeout(timer);
  if (res) return res;
  try { proc.kill('SIGKILL'); } catch { /* gone */ }
  const r = await Promise.race([exited, sleep(5000).then(() => ({ code: null, signal: 'SIGKILL?' }))]);
  return { ...r, killed: true };
}

// ---------------------------------------------------------------------------------------------
// Redis

/** Sends PING over a raw socket; resolves true on +PONG. */
function redisPing(port, timeout = 500) {
  return new Promise((resolve) => {
    const s = net.connect({ host: HOST, port });
    let buf = '';
    const done = (v) => { s.destroy(); resolve(v); };
    s.setTimeout(timeout, () => done(false));
    s.on('error', () => done(false));
    s.on('connect', () => s.write('PING\r\n'));
    s.on('data', (d) => { buf += d; if (buf.includes('\r\n')) done(buf.startsWith('+PONG')); });
  });
}

/**
 * Starts a private redis-server on a free loopback port.
 * appendonly: true keeps data across stop()/restart() (AOF in a tmp dir).
 */
export async function startRedis({ appendonly = false } = {}) {
  const port = await freePort();
  const dir = makeTmpDir('chat-redis');
  const args = [
    '--port', String(port), '--bind', HOST, '--dir', dir, '--save', '',
    '--appendonly', appendonly ? 'yes' : 'no', '--daemonize', 'no', '--logfile', '',
  ];
  let cur = null;
  const logs = [];

  async function launch() {
    const t = spawnTracked('redis-server', args, {});
    cur = t;
    logs.push(t.out);
    try {
      await waitFor(async () => {
        if (t.proc.exitCode !== null) throw new Error(`redis-server exited with ${t.proc.exitCode}`);
        return redisPing(port);
      }, { timeout: 10000, interval: 50, what: `redis-server on port ${port}` });
    } catch (e) {
      throw new Error(`${e.message}\n--- redis stdout ---\n${tail(t.out.stdout)}\n--- redis stderr ---\n${tail(t.out.stderr)}`);
    }
  }

  await launch();

  const redis = {
    port,
    dir,
    url: `redis://${HOST}:${port}/0`,
    get running() { return cur !== null && cur.proc.exitCode === null && cur.proc.signalCode === null; },
    /** Graceful stop (SIGTERM: Redis flushes the AOF). */
    async stop() {
      if (!cur) return;
      const t = cur;
      cur = null;
      t.proc.kill('SIGTERM');
      const r = await waitExit(t.proc, t.exited, 10000);
      assert.ok(!r.killed, 'redis-server did not stop within 10 s of SIGTERM');
      // The port must be closed before we report "stopped".
      await waitFor(async () => !(await redisPing(port, 200)), { timeout: 3000, what: 'redis port to close' });
    },
    /** Starts redis-server again on the same port and directory. */
    async restart() {
      if (cur) await redis.stop();
      await launch();
    },
    /** redis-cli -p PORT ...args → trimmed stdout (throws on a non-zero exit). */
    cli(...cliArgs) {
      const r = spawnSync('redis-cli', ['-h', HOST, '-p', String(port), ...cliArgs.map(String)], { encoding: 'utf8', timeout: 10000 });
      if (r.error) throw r.error;
      if (r.status !== 0) throw new Error(`redis-cli ${cliArgs.join(' ')} failed (${r.status}): ${r.stderr}`);
      return r.stdout.replace(/\n$/, '');
    },
    logs() { return logs.map((o) => o.stdout + o.stderr).join('\n'); },
  };
  return redis;
}

// ---------------------------------------------------------------------------------------------
// chatnode

export function chatnodeBin() {
  const bin = process.env.CHATNODE_BIN;
  if (!bin) {
    throw new Error('CHATNODE_BIN is not set: point it at the chatnode binary, e.g. CHATNODE_BIN=build/asan/app/chatnode node --test tests/integration/');
  }
  if (!fs.existsSync(bin)) throw new Error(`CHATNODE_BIN=${bin} does not exist (build it first)`);
  try { fs.accessSync(bin, fs.constants.X_OK); } catch { throw new Error(`CHATNODE_BIN=${bin} is not executable`); }
  return path.resolve(bin);
}

let defaultWebRoot = null;
function webRoot() {
  if (process.env.CHAT_WEB_ROOT) return process.env.CHAT_WEB_ROOT;
  if (!defaultWebRoot) {
    defaultWebRoot = makeTmpDir('chat-web');
    fs.writeFileSync(path.join(defaultWebRoot, 'index.html'), '<!doctype html><title>chat</title>\n');
  }
  return defaultWebRoot;
}

/** Runs chatnode with the given arguments and waits for it to exit (for --help / bad options). */
export async function runChatnode(args, { timeout = 10000, env = {} } = {}) {
  const bin = chatnodeBin();
  const t = spawnTracked(bin, args, { env: { ...process.env, ...env } });
  const r = await waitExit(t.proc, t.exited, timeout);
  return { ...r, stdout: t.out.stdout, stderr: t.out.stderr, output: t.out.stdout + t.out.stderr };
}

let nodeSeq = 0;

/**
 * Starts chatnode on free loopback ports. Waits for /readyz 200 (or only /livez 200 with
 * waitReady: false) for at most 20 s; on failure the error carries the node's output.
 * Permissive rate limits by default (tests that test limits pass their own).
 */
export async function startNode({ redisUrl, args = [], env = {}, waitReady = true, serverId } = {}) {
  const bin = chatnodeBin();
  const port = await freePort();
  const internalPort = await freePort();
  const id = serverId ?? `test-${process.pid}-${++nodeSeq}`;
  const has = (opt) => args.includes(opt);
  const argv = [
    '--bind', HOST, '--port', String(port), '--internal-port', String(internalPort),
    '--redis-url', redisUrl, '--server-id', id, '--web-root', webRoot(), '--log-level', 'info',
  ];
  if (!has('--login-attempts-per-minute')) argv.push('--login-attempts-per-minute', '100000');
  if (!has('--messages-per-10s')) argv.push('--messages-per-10s', '100000');
  argv.push(...args);
  const t = spawnTracked(bin, argv, { env: { ...process.env, ...env } });

  const node = {
    port,
    internalPort,
    serverId: id,
    argv,
    proc: t.proc,
    get stdout() { return t.out.stdout; },
    get stderr() { return t.out.stderr; },
    get alive() { return t.proc.exitCode === null && t.proc.signalCode === null; },
    output() {
      return `--- chatnode ${argv.join(' ')} ---\n--- stdout ---\n${tail(t.out.stdout)}\n--- stderr ---\n${tail(t.out.stderr)}`;
    },
    /** stdout lines parsed as JSON (throws on a line that is not JSON). */
    logLines() {
      return t.out.stdout.split('\n').filter((l) => l.trim() !== '').map((l) => {
        try { return JSON.parse(l); } catch { throw new Error(`log line is not JSON: ${l.slice(0, 300)}`); }
      });
    },
    /** SIGTERM and assert a clean exit 0 (ASan/LSan reports make the code non-zero: shown). */
    async stop({ timeout = 15000 } = {}) {
      if (!node.alive) {
        const r = await t.exited;
        assert.fail(`chatnode had already exited (code ${r.code}, signal ${r.signal}) before stop()\n${node.output()}`);
      }
      t.proc.kill('SIGTERM');
      const r = await waitExit(t.proc, t.exited, timeout);
      if (r.killed) assert.fail(`chatnode did not exit within ${timeout} ms of SIGTERM (killed with SIGKILL)\n${node.output()}`);
      if (r.code !== 0) assert.fail(`chatnode exited with code ${r.code}, signal ${r.signal} after SIGTERM (expected 0)\n${node.output()}`);
      // UBSan reports do not change the exit code: look for sanitizer reports in the output.
      const report = /runtime error:|ERROR: (Address|Leak|Thread|UndefinedBehavior)Sanitizer/.exec(t.out.stderr + t.out.stdout);
      if (report) assert.fail(`chatnode printed a sanitizer report (${report[0]})\n${node.output()}`);
      return r;
    },
    async kill() {
      if (!node.alive) return;
      t.proc.kill('SIGKILL');
      await waitExit(t.proc, t.exited, 5000);
    },
  };

  try {
    const probe = waitReady ? '/readyz' : '/livez';
    await waitFor(async () => {
      if (!node.alive) throw new Error(`chatnode exited early (code ${t.proc.exitCode}, signal ${t.proc.signalCode})`);
      const r = await internal(node, probe, { timeout: 1000 });
      return r.status === 200;
    }, { timeout: 20000, interval: 100, what: `chatnode ${probe} = 200` });
  } catch (e) {
    const out = node.output();
    await node.kill();
    throw new Error(`${e.message}\n${out}`);
  }
  return node;
}

/** Kills everything still running (SIGTERM, then SIGKILL) and removes temp dirs. For after(). */
export async function cleanup() {
  const procs = [...live];
  for (const p of procs) { try { p.kill('SIGTERM'); } catch { /* gone */ } }
  const deadline = Date.now() + 5000;
  while (live.size > 0 && Date.now() < deadline) await sleep(50);
  for (const p of [...live]) { try { p.kill('SIGKILL'); } catch { /* gone */ } }
  const deadline2 = Date.now() + 3000;
  while (live.size > 0 && Date.now() < deadline2) await sleep(50);
  for (const d of tmpDirs) { try { fs.rmSync(d, { recursive: true, force: true }); } catch { /* ignore */ } }
  tmpDirs.clear();
  defaultWebRoot = null;
}

// ---------------------------------------------------------------------------------------------
// HTTP

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

/** Registers a user; asserts 201. Returns a Client holding the session, with .user set. */
export async function register(node, username = uniqueName(), password = 'password123', opts = {}) {
  const c = new Client(node, opts);
  const res = await c.post('/register', { username, password });
  assertStatus(res, 201, `register ${username}`);
  assert.ok(c.token, `register ${username}: no chat_session cookie`);
  c.user = res.json;
  c.password = password;
  return c;
}

/** Logs a user in; asserts 200. Returns a Client holding the new session. */
export async function login(node, username, password = 'password123', opts = {}) {
  const c = new Client(node, opts);
  const res = await c.post('/login', { username, password });
  assertStatus(res, 200, `login ${username}`);
  assert.ok(c.token, `login ${username}: no chat_session cookie`);
  c.user = res.json;
  c.password = password;
  return c;
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

// ---------------------------------------------------------------------------------------------
// Raw sockets

/**
 * Writes raw bytes to the port and collects whatever comes back until the server closes the
 * connection or `timeout` ms pass. Returns {text, status, closed, error}.
 */
export function raw(port, bytes, { timeout = 3000, halfClose = false } = {}) {
  return new Promise((resolve) => {
    const s = net.connect({ host: HOST, port });
    const chunks = [];
    let closed = false;
    let error = null;
    let timer;
    const finish = () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString('latin1');
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(text);
      resolve({ text, status: m ? Number(m[1]) : null, closed, error });
      s.destroy();
    };
    timer = setTimeout(finish, timeout);
    s.on('data', (d) => chunks.push(d));
    s.on('error', (e) => { error = e.code || e.message; });
    s.on('close', () => { closed = true; finish(); });
    s.on('end', () => { closed = true; });
    s.on('connect', () => {
      s.write(bytes, () => { if (halfClose) s.end(); });
    });
  });
}

/** Body of a raw HTTP response (after the blank line), parsed as JSON if possible. */
export function rawJson(rawRes) {
  const i = rawRes.text.indexOf('\r\n\r\n');
  if (i < 0) return undefined;
  let body = rawRes.text.slice(i + 4);
  if (/\r\ntransfer-encoding:\s*chunked/i.test(rawRes.text.slice(0, i))) {
    // minimal de-chunking
    let out = '';
    let rest = body;
    for (;;) {
      const j = rest.indexOf('\r\n');
      if (j < 0) break;
      const n = parseInt(rest.slice(0, j), 16);
      if (!n) break;
      out += rest.slice(j + 2, j + 2 + n);
      rest = rest.slice(j + 2 + n + 2);
    }
    body = out;
  }
  try { return JSON.parse(Buffer.from(body, 'latin1').toString('utf8')); } catch { return undefined; }
}
