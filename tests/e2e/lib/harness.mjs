// E2E harness: a private redis-server and real chatnode processes on free loopback ports.
//
// The process layer is shared with the integration suite, imported from tests/integration/lib/
// (one implementation of tracked processes, ports, waits and Redis, so a fix to one reaches both):
//   common.mjs     HOST, sleep, waitFor, uniqueName, tail
//   processes.mjs  makeTmpDir, freePort, spawnTracked, waitExit, cleanup, the process 'exit' hook
//   redis.mjs      startRedis
// Those three modules import only Node built-ins, so this suite needs nothing installed in
// tests/integration/ (its node_modules is not required). Kept here, because they are e2e-specific:
// REPO/WEB_ROOT (the real web/ client), chatnodeBin, startNode (launch/kill/restart/stop on the
// same ports), startCluster, httpStatus and the HTTP API helpers used to seed data.
//
// Every process started here goes through the shared spawnTracked, so the shared cleanup() (call it
// from after()) stops them all (SIGTERM, then SIGKILL) and removes temp dirs, and the shared
// process 'exit' hook SIGKILLs leftovers. Every wait is bounded.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { HOST, sleep, tail, uniqueName, waitFor } from '../../integration/lib/common.mjs';
import { cleanup, freePort, makeTmpDir, spawnTracked, waitExit } from '../../integration/lib/processes.mjs';
import { startRedis } from '../../integration/lib/redis.mjs';

// Re-exported unchanged for the e2e tests and lib/browser.mjs, lib/proxy.mjs (see the modules
// above for their JSDoc): HOST, sleep, waitFor(fn, {timeout, interval, what}), uniqueName(prefix),
// makeTmpDir(tag), freePort(), cleanup() (for after()), startRedis() → {port, url, stop(), ...}.
export { HOST, sleep, uniqueName, waitFor, makeTmpDir, freePort, cleanup, startRedis };

const here = path.dirname(fileURLToPath(import.meta.url));
/** The repository root. */
export const REPO = path.resolve(here, '../../..');
/** The web client served by every node: CHAT_WEB_ROOT, else the repository's web/. */
export const WEB_ROOT = process.env.CHAT_WEB_ROOT || path.join(REPO, 'web');

/** Process output in error messages: the last 3000 characters. */
const outTail = (s) => tail(s, 3000);

/** GET http://127.0.0.1:port/path → status (0 when unreachable). */
export async function httpStatus(port, urlPath, timeout = 1000) {
  try {
    const res = await fetch(`http://${HOST}:${port}${urlPath}`, { signal: AbortSignal.timeout(timeout) });
    await res.arrayBuffer();
    return res.status;
  } catch { return 0; }
}

/** The chatnode binary under test: CHATNODE_BIN (absolute path; throws when unset or missing). */
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
    '--messages-per-10s', '1000', '--login-attempts-per-minute', '100000',
    '--login-failures-per-address-per-minute', '100000', '--log-level', 'warn',
    ...args,
  ];
  let t = null;
  const node = {
    port,
    internalPort,
    serverId,
    url: `http://${HOST}:${port}`,
    get alive() { return t !== null && t.proc.exitCode === null && t.proc.signalCode === null; },
    output() { return `--- chatnode ${argv.join(' ')}\n--- stdout\n${outTail(t?.out.stdout ?? '')}\n--- stderr\n${outTail(t?.out.stderr ?? '')}`; },
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
      await waitExit(t.proc, t.exited, 5000);
    },
    async restart() {
      await node.kill();
      await node.launch();
    },
    async stop(timeout = 15000) {
      assert.ok(node.alive, `chatnode ${serverId} was not running before stop()\n${node.output()}`);
      t.proc.kill('SIGTERM');
      const r = await waitExit(t.proc, t.exited, timeout);
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

/** An API request with the session token → { status, json } (10 s timeout). */
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

/** Sends a message to a room over the API; asserts 201 and returns the response JSON. */
export async function apiSend(port, token, roomId, message) {
  const r = await apiCall(port, token, 'POST', `/room/${encodeURIComponent(roomId)}/messages`, { message });
  assert.equal(r.status, 201, `send to ${roomId}: ${r.status} ${JSON.stringify(r.json)}`);
  return r.json;
}
