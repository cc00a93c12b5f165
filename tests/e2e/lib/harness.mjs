// E2E harness: a private redis-server and real chatnode processes on free loopback ports.
// (Own copy of the ideas in tests/integration/lib/harness.mjs; nothing is imported across folders.)
//
// Every process started here is tracked; cleanup() (call it from after()) stops them all
// (SIGTERM, then SIGKILL) and removes temp dirs; a process 'exit' hook SIGKILLs leftovers.
// Every wait is bounded.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';

export const HOST = '127.0.0.1';
const here = path.dirname(fileURLToPath(import.meta.url));
export const REPO = path.resolve(here, '../../..');
export const WEB_ROOT = process.env.CHAT_WEB_ROOT || path.join(REPO, 'web');

const live = new Set();
const tmpDirs = new Set();
const usedPorts = new Set();

process.on('exit', () => {
  for (const p of live) { try { p.kill('SIGKILL'); } catch { /* gone */ } }
});

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function uniqueName(prefix = 'u') {
  return `${prefix}_${randomBytes(3).toString('hex')}`.slice(0, 32);
}

export function makeTmpDir(tag) {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), `${tag}-`));
  tmpDirs.add(d);
  return d;
}

export async function freePort() {
  for (let i = 0; i < 50; i++) {
    const port = await new Promise((resolve, reject) => {
      const srv = net.createServer();
      srv.unref();
      srv.on('error', reject);
      srv.listen(0, HOST, () => { const { port: p } = srv.address(); srv.close(() => resolve(p)); });
    });
    if (!usedPorts.has(port)) { usedPorts.add(port); return port; }
  }
  throw new Error('freePort: no unused port found');
}

/** Polls fn() until truthy; throws after `timeout` ms naming `what`. */
export async function waitFor(fn, { timeout = 5000, interval = 100, what = 'condition' } = {}) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    try { const v = await fn(); if (v) return v; last = v; } catch (e) { last = e; }
    if (Date.now() >= deadline) {
      throw new Error(`timed out after ${timeout} ms waiting for ${what}; last: ${last instanceof Error ? last.message : JSON.stringify(last)}`);
    }
    await sleep(interval);
  }
}

const tail = (s, n = 3000) => (s.length > n ? `…${s.slice(-n)}` : s);

function spawnTracked(cmd, args) {
  const proc = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
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

async function waitExit(t, timeout) {
  if (t.proc.exitCode !== null || t.proc.signalCode !== null) return { ...(await t.exited), killed: false };
  let timer;
  const r = await Promise.race([
    t.exited.then((x) => ({ ...x, killed: false })),
    new Promise((resolve) => { timer = setTimeout(() => resolve(null), timeout); }),
  ]);
  clearTimeout(timer);
  if (r) return r;
  try { t.proc.kill('SIGKILL'); } catch { /* gone */ }
  return { ...(await Promise.race([t.exited, sleep(5000).then(() => ({ code: null, signal: 'SIGKILL?' }))])), killed: true };
}

function tcpProbe(port, payload, expect, timeout = 500) {
  return new Promise((resolve) => {
    const s = net.connect({ host: HOST, port });
    let buf = '';
    const done = (v) => { s.destroy(); resolve(v); };
    s.setTimeout(timeout, () => done(false));
    s.on('error', () => done(false));
    s.on('connect', () => s.write(payload));
    s.on('data', (d) => { buf += d; if (expect(buf) !== undefined) done(expect(buf)); });
  });
}

/** GET http://127.0.0.1:port/path → status (0 when unreachable). */
export async function httpStatus(port, urlPath, timeout = 1000) {
  try {
    const res = await fetch(`http://${HOST}:${port}${urlPath}`, { signal: AbortSignal.timeout(timeout) });
    await res.arrayBuffer();
    return res.status;
  } catch { return 0; }
}

export async function startRedis() {
  const port = await freePort();
  const dir = makeTmpDir('e2e-redis');
  const t = spawnTracked('redis-server', ['--port', String(port), '--bind', HOST, '--dir', dir, '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--logfile', '']);
  try {
    await waitFor(async () => {
      if (t.proc.exitCode !== null) throw new Error(`redis-server exited with ${t.proc.exitCode}`);
      return tcpProbe(port, 'PING\r\n', (b) => (b.includes('\r\n') ? b.startsWith('+PONG') : undefined));
    }, { timeout: 10000, interval: 50, what: `redis-server on ${port}` });
  } catch (e) {
    throw new Error(`${e.message}\n${tail(t.out.stdout + t.out.stderr)}`);
  }
  return {
    port,
    url: `redis://${HOST}:${port}/0`,
    async stop() { t.proc.kill('SIGTERM'); await waitExit(t, 10000); },
  };
}

export function chatnodeBin() {
  const bin = process.env.CHATNODE_BIN;
  if (!bin) throw new Error('CHATNODE_BIN is not set: e.g. CHATNODE_BIN=build/release/app/chatnode node --test tests/e2e/');
  if (!fs.existsSync(bin)) throw new Error(`CHATNODE_BIN=${bin} does not exist (build it first)`);
  return path.resolve(bin);
}

/**
 * Starts chatnode (free ports unless given) and waits ≤ 20 s for /readyz 200.
 * node.kill() = SIGKILL; node.restart() starts it again on the same ports; node.stop() = SIGTERM
 * and asserts exit code 0.
 */
export async function startNode({ redisUrl, serverId, port, internalPort, args = [] }) {
  const bin = chatnodeBin();
  port = port ?? await freePort();
  internalPort = internalPort ?? await freePort();
  const argv = [
    '--bind', HOST, '--port', String(port), '--internal-port', String(internalPort),
    '--redis-url', redisUrl, '--server-id', serverId, '--web-root', WEB_ROOT,
    '--messages-per-10s', '1000', '--login-attempts-per-minute', '100000', '--log-level', 'warn',
    ...args,
  ];
  let t = null;
  const node = {
    port,
    internalPort,
    serverId,
    url: `http://${HOST}:${port}`,
    get alive() { return t !== null && t.proc.exitCode === null && t.proc.signalCode === null; },
    output() { return `--- chatnode ${argv.join(' ')}\n--- stdout\n${tail(t?.out.stdout ?? '')}\n--- stderr\n${tail(t?.out.stderr ?? '')}`; },
    async launch() {
      t = spawnTracked(bin, argv);
      try {
        await waitFor(async () => {
          if (!node.alive) throw new Error(`chatnode exited early (code ${t.proc.exitCode}, signal ${t.proc.signalCode})`);
          return (await httpStatus(internalPort, '/readyz')) === 200;
        }, { timeout: 20000, interval: 100, what: `chatnode ${serverId} /readyz = 200` });
      } catch (e) {
        const out = node.output();
        await node.kill();
        throw new Error(`${e.message}\n${out}`);
      }
    },
    async kill() {
      if (!node.alive) return;
      t.proc.kill('SIGKILL');
      await waitExit(t, 5000);
    },
    async restart() {
      await node.kill();
      await node.launch();
    },
    async stop(timeout = 15000) {
      assert.ok(node.alive, `chatnode ${serverId} was not running before stop()\n${node.output()}`);
      t.proc.kill('SIGTERM');
      const r = await waitExit(t, timeout);
      assert.ok(!r.killed, `chatnode ${serverId} did not exit within ${timeout} ms of SIGTERM\n${node.output()}`);
      assert.equal(r.code, 0, `chatnode ${serverId} exit code after SIGTERM\n${node.output()}`);
    },
  };
  await node.launch();
  return node;
}

/** A private Redis and `count` nodes sharing it. */
export async function startCluster(count = 2) {
  const redis = await startRedis();
  const nodes = [];
  for (let i = 1; i <= count; i++) nodes.push(await startNode({ redisUrl: redis.url, serverId: `e2e-${i}` }));
  return { redis, nodes };
}

/** Stops every tracked process (SIGTERM, then SIGKILL) and removes temp dirs. */
export async function cleanup() {
  for (const p of [...live]) { try { p.kill('SIGTERM'); } catch { /* gone */ } }
  const deadline = Date.now() + 5000;
  while (live.size > 0 && Date.now() < deadline) await sleep(50);
  for (const p of [...live]) { try { p.kill('SIGKILL'); } catch { /* gone */ } }
  const d2 = Date.now() + 3000;
  while (live.size > 0 && Date.now() < d2) await sleep(50);
  for (const d of tmpDirs) { try { fs.rmSync(d, { recursive: true, force: true }); } catch { /* ignore */ } }
  tmpDirs.clear();
}

// --- HTTP API (seeding data without a browser) ---------------------------------------------------

/** A user's API session (Bearer token from the register/login cookie). */
export async function apiRegister(node, username, password = 'password123') {
  const res = await fetch(`${node.url}/register`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username, password }),
  });
  assert.equal(res.status, 201, `register ${username}: ${res.status} ${await res.clone().text()}`);
  const user = await res.json();
  const cookie = (res.headers.getSetCookie?.() ?? [res.headers.get('set-cookie')]).find((c) => c && c.startsWith('chat_session='));
  const token = cookie.split(';')[0].split('=')[1];
  return { user, token, password };
}

export async function apiCall(port, token, method, urlPath, body) {
  const res = await fetch(`http://${HOST}:${port}${urlPath}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
    body: body !== undefined ? JSON.stringify(body) : undefined,
    signal: AbortSignal.timeout(10000),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null };
}

export async function apiSend(port, token, roomId, message) {
  const r = await apiCall(port, token, 'POST', `/room/${encodeURIComponent(roomId)}/messages`, { message });
  assert.equal(r.status, 201, `send to ${roomId}: ${r.status} ${JSON.stringify(r.json)}`);
  return r.json;
}
