// The chatnode binary under test (CHATNODE_BIN): locate it, run it to completion (--help, bad
// options), or start a node on free loopback ports and wait until it is ready. Processes are
// tracked by lib/processes.mjs.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { HOST, tail, waitFor } from './common.mjs';
import { freePort, makeTmpDir, onCleanup, spawnTracked, waitExit } from './processes.mjs';
import { internal } from './http.mjs';

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
// cleanup() removes the temp dir: make the next node create a fresh one.
onCleanup(() => { defaultWebRoot = null; });

/** Runs chatnode with the given arguments and waits for it to exit (for --help / bad options). */
export async function runChatnode(args, { timeout = 10000, env = {} } = {}) {
  const bin = chatnodeBin();
  const t = spawnTracked(bin, args, { env: { ...process.env, ...env } });
  const r = await waitExit(t.proc, t.exited, timeout);
  return { ...r, stdout: t.out.stdout, stderr: t.out.stderr, output: t.out.stdout + t.out.stderr };
}

let nodeSeq = 0;

/**
 * Starts chatnode on free loopback ports (or on `port` / `internalPort`: a node restarted where it
 * was). Waits for /readyz 200 (or only /livez 200 with waitReady: false) for at most 20 s; on
 * failure the error carries the node's output.
 * Permissive rate limits by default (tests that test limits pass their own).
 */
export async function startNode({ redisUrl, args = [], env = {}, waitReady = true, serverId, port: fixedPort, internalPort: fixedInternal } = {}) {
  const bin = chatnodeBin();
  const port = fixedPort ?? await freePort();
  const internalPort = fixedInternal ?? await freePort();
  const id = serverId ?? `test-${process.pid}-${++nodeSeq}`;
  const has = (opt) => args.includes(opt);
  const argv = [
    '--bind', HOST, '--port', String(port), '--internal-port', String(internalPort),
    '--redis-url', redisUrl, '--server-id', id, '--web-root', webRoot(), '--log-level', 'info',
  ];
  if (!has('--login-attempts-per-minute')) argv.push('--login-attempts-per-minute', '100000');
  if (!has('--login-failures-per-address-per-minute')) argv.push('--login-failures-per-address-per-minute', '100000');
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
