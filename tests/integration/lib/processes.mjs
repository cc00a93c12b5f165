// Resources that tests must give back: child processes, temp dirs and loopback ports.
//
// Every process started here is registered and killed by cleanup() (call it from after()), with
// SIGKILL as the last resort, and also on process exit. Every wait is bounded.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { HOST, sleep } from './common.mjs';

const live = new Set(); // child processes still running
const tmpDirs = new Set();
const usedPorts = new Set();
const cleanupHooks = [];

process.on('exit', () => {
  for (const p of live) {
    try { p.kill('SIGKILL'); } catch { /* already gone */ }
  }
});

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

/** Spawns a child, captures its output, registers it for cleanup. */
export function spawnTracked(cmd, args, opts) {
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
export async function waitExit(proc, exited, timeout) {
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

/** Registers fn to run at the end of every cleanup(), after the temp dirs are removed (resets caches). */
export function onCleanup(fn) {
  cleanupHooks.push(fn);
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
  for (const fn of cleanupHooks) fn();
}
