// A private, real redis-server per test file: start on a free loopback port, stop, restart on the
// same port and directory, redis-cli access. Processes are tracked by lib/processes.mjs.

import { spawnSync } from 'node:child_process';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { HOST, tail, waitFor } from './common.mjs';
import { freePort, makeTmpDir, spawnTracked, waitExit } from './processes.mjs';

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

/** Waits until the tracked process `t` answers PING on `port`; on failure the error carries its output. */
async function waitAnswering(t, port, what) {
  try {
    await waitFor(async () => {
      if (t.proc.exitCode !== null) throw new Error(`${what} exited with ${t.proc.exitCode}`);
      return redisPing(port);
    }, { timeout: 10000, interval: 50, what: `${what} on port ${port}` });
  } catch (e) {
    throw new Error(`${e.message}\n--- ${what} stdout ---\n${tail(t.out.stdout)}\n--- ${what} stderr ---\n${tail(t.out.stderr)}`);
  }
}

/**
 * Starts a private redis-server on a free loopback port.
 * appendonly: true keeps data across stop()/restart() (AOF in a tmp dir).
 * replicaOf: a port on loopback: start as that server's replica.
 */
export async function startRedis({ appendonly = false, replicaOf = null } = {}) {
  const port = await freePort();
  const dir = makeTmpDir('chat-redis');
  const args = [
    '--port', String(port), '--bind', HOST, '--dir', dir, '--save', '',
    '--appendonly', appendonly ? 'yes' : 'no', '--daemonize', 'no', '--logfile', '',
    ...(replicaOf ? ['--replicaof', HOST, String(replicaOf)] : []),
  ];
  let cur = null;
  const logs = [];

  async function launch() {
    const t = spawnTracked('redis-server', args, {});
    cur = t;
    logs.push(t.out);
    await waitAnswering(t, port, 'redis-server');
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
    /** The running process (to SIGKILL it), or null. */
    get proc() { return cur?.proc ?? null; },
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

/**
 * Starts a redis-sentinel (redis-server --sentinel: no extra package) on a free loopback port that
 * monitors the master at HOST:masterPort as `name` with `quorum`, declares it down after
 * `downAfterMs` and lets a failover take at most `failoverTimeoutMs`.
 */
export async function startSentinel({ masterPort, name, quorum = 2, downAfterMs = 1000, failoverTimeoutMs = 5000 }) {
  const port = await freePort();
  const dir = makeTmpDir('chat-sentinel');
  const conf = path.join(dir, 'sentinel.conf'); // the sentinel rewrites it: a file of its own
  fs.writeFileSync(conf, [
    `port ${port}`, `bind ${HOST}`, 'daemonize no', `dir ${dir}`, 'logfile ""',
    `sentinel monitor ${name} ${HOST} ${masterPort} ${quorum}`,
    `sentinel down-after-milliseconds ${name} ${downAfterMs}`,
    `sentinel failover-timeout ${name} ${failoverTimeoutMs}`,
    `sentinel parallel-syncs ${name} 1`, '',
  ].join('\n'));
  const t = spawnTracked('redis-server', [conf, '--sentinel'], {});
  await waitAnswering(t, port, 'redis-sentinel');
  return {
    port,
    address: `${HOST}:${port}`,
    proc: t.proc,
    cli(...cliArgs) {
      const r = spawnSync('redis-cli', ['-h', HOST, '-p', String(port), ...cliArgs.map(String)], { encoding: 'utf8', timeout: 10000 });
      if (r.error) throw r.error;
      if (r.status !== 0) throw new Error(`redis-cli ${cliArgs.join(' ')} failed (${r.status}): ${r.stderr}`);
      return r.stdout.replace(/\n$/, '');
    },
    logs() { return t.out.stdout + t.out.stderr; },
  };
}
