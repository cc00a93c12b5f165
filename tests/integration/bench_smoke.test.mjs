// The load generator (bench/, docs/benchmarks.md) against a real node: a short send run must
// count every delivery (delivered = expected, acked = sent) and sample the server; an idle run
// reports RSS per connection; bad options and non-loopback targets exit 2. Keeps chatbench honest
// between benchmark sessions. Not a timing test: only counts are asserted.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { startRedis, startNode, cleanup, chatnodeBin } from './lib/harness.mjs';

const T = { timeout: 120000 };
let redis;
let node;

after(async () => { await cleanup(); });

/** chatbench of the same build as chatnode (CHATBENCH_BIN overrides). */
function chatbenchBin() {
  const bin = process.env.CHATBENCH_BIN ?? path.join(path.dirname(chatnodeBin()), '..', 'bench', 'chatbench');
  if (!fs.existsSync(bin)) throw new Error(`chatbench not found at ${bin} (build the chatbench target or set CHATBENCH_BIN)`);
  return bin;
}

/** Runs chatbench; resolves {code, results (JSON lines of stdout), stderr}. */
function runBench(args, timeoutMs = 90000) {
  return new Promise((resolve, reject) => {
    const p = spawn(chatbenchBin(), args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { err += d; });
    const timer = setTimeout(() => { p.kill('SIGKILL'); reject(new Error(`chatbench ran over ${timeoutMs} ms\n${err}`)); }, timeoutMs);
    p.on('exit', (code) => {
      clearTimeout(timer);
      const results = out.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l));
      resolve({ code, results, stderr: err });
    });
  });
}

test('setup: redis and one node (cheap bcrypt for bench users)', T, async () => {
  redis = await startRedis();
  node = await startNode({ redisUrl: redis.url, args: ['--bcrypt-cost', '4', '--log-level', 'warn'] });
});

test('send: 20 connections in rooms of 10, 4 senders at 40 msg/s for 2 s → delivered = expected = 10 × sent, acked = sent, no errors, server sampled', T, async () => {
  const r = await runBench(['--nodes', `127.0.0.1:${node.port}`, '--users', '20', '--connections', '20',
    '--room-size', '10', '--senders', '4', '--rate', '40', '--duration', '2', '--warmup', '1', '--mode', 'send',
    '--pids', String(node.proc.pid), '--prefix', 'smoke', '--max-seconds', '60']);
  assert.equal(r.code, 0, `chatbench exit code\n${r.stderr}`);
  assert.equal(r.results.length, 1, 'one result line');
  const s = r.results[0];
  assert.equal(s.mode, 'send');
  assert.equal(s.connections, 20);
  assert.equal(s.rooms, 2);
  assert.ok(s.sent >= 40, `sent ${s.sent} messages in the 2 s window`);
  assert.equal(s.acked, s.sent, 'every sent message acked');
  assert.equal(s.expected, s.sent * 10, 'expected = sent × room size');
  assert.equal(s.delivered, s.expected, 'every delivery counted');
  assert.deepEqual(s.errors, { rate_limited: 0, overloaded: 0, other: 0, closed: 0, connect_failed: 0 });
  for (const k of ['p50', 'p90', 'p99', 'max']) assert.ok(s.latency_ms[k] > 0, `latency ${k} measured`);
  assert.equal(s.servers.length, 1);
  assert.equal(s.servers[0].pid, node.proc.pid);
  assert.ok(s.servers[0].rss_kb > 0, 'server RSS sampled');
  assert.equal(typeof s.bench_cpu_percent, 'number', 'the load generator reports its own CPU');
});

test('send without batch mode (--no-batch): the same counts over plain /ws', T, async () => {
  const r = await runBench(['--nodes', `127.0.0.1:${node.port}`, '--users', '20', '--connections', '20',
    '--room-size', '10', '--senders', '2', '--rate', '20', '--duration', '1', '--warmup', '1', '--mode', 'send',
    '--no-batch', '--prefix', 'smoke', '--max-seconds', '60']);
  assert.equal(r.code, 0, r.stderr);
  const s = r.results[0];
  assert.ok(s.sent > 0);
  assert.equal(s.delivered, s.expected);
  assert.equal(s.delivered, s.sent * 10);
});

test('send as Socket.IO clients (--socketio): the same counts over /socket.io/, acks included; --text-bytes pads the texts', T, async () => {
  const r = await runBench(['--nodes', `127.0.0.1:${node.port}`, '--users', '20', '--connections', '20',
    '--room-size', '10', '--senders', '2', '--rate', '20', '--duration', '1', '--warmup', '1', '--mode', 'send',
    '--socketio', '--text-bytes', '60', '--prefix', 'smoke', '--max-seconds', '60']);
  assert.equal(r.code, 0, r.stderr);
  const s = r.results[0];
  assert.ok(s.sent > 0);
  assert.equal(s.acked, s.sent);
  assert.equal(s.delivered, s.expected);
  assert.equal(s.delivered, s.sent * 10);
  const bad = await runBench(['--nodes', `127.0.0.1:${node.port}`, '--socketio', '--presence-watch', '3']);
  assert.equal(bad.code, 2, 'the tutorial protocol has no presence.watch');
});

test('sweep: a step over the p99 limit runs once more with --sweep-retries 1, then the sweep stops with nothing passed', T, async () => {
  // A limit no step can meet (1 µs): both attempts at the first rate fail, so the sweep reports
  // two steps at 20 msg/s, best_rate 0 and one retried step.
  const r = await runBench(['--nodes', `127.0.0.1:${node.port}`, '--users', '20', '--connections', '20',
    '--room-size', '10', '--senders', '2', '--rate', '20', '--duration', '1', '--warmup', '1', '--mode', 'sweep',
    '--p99-limit-ms', '0.001', '--sweep-retries', '1', '--prefix', 'smoke', '--max-seconds', '60']);
  assert.equal(r.code, 0, r.stderr);
  const steps = r.results.filter((x) => x.mode !== 'sweep_summary');
  const summary = r.results.find((x) => x.mode === 'sweep_summary');
  assert.deepEqual(steps.map((x) => x.target_rate), [20, 20], 'the failing rate was tried twice, no higher one');
  assert.ok(summary, 'a sweep_summary line');
  assert.equal(summary.best_rate, 0);
  assert.equal(summary.retried_steps, 1);
  assert.equal(summary.stop_reason, 'p99 over limit');
});

test('storm with the web client\'s presence protocol: 40 connections, measured from the first; presence frames per connection reported and small', T, async () => {
  const r = await runBench(['--nodes', `127.0.0.1:${node.port}`, '--users', '40', '--connections', '40',
    '--room-size', '10', '--senders', '4', '--rate', '40', '--duration', '2', '--mode', 'storm', '--presence-watch', '3',
    '--pids', String(node.proc.pid), '--prefix', 'smokestorm', '--max-seconds', '60']);
  assert.equal(r.code, 0, `chatbench exit code\n${r.stderr}`);
  const s = r.results[0];
  assert.equal(s.mode, 'storm');
  assert.equal(s.connections, 40);
  assert.equal(typeof s.connect_s, 'number');
  assert.ok(s.sent > 0 && s.acked === s.sent, `sent ${s.sent}, acked ${s.acked}`);
  assert.ok(s.delivered > 0, 'deliveries measured');
  assert.deepEqual(s.errors, { rate_limited: 0, overloaded: 0, other: 0, closed: 0, connect_failed: 0 });
  // One snapshot and at most the three partners' user.connected each.
  assert.ok(s.presence.events >= 40, `every connection got its snapshot (${s.presence.events})`);
  assert.ok(s.presence.max_per_connection <= 4, `presence frames per connection: max ${s.presence.max_per_connection}`);
});

test('idle: 100 connections on two source addresses → rss_per_connection_kb reported', T, async () => {
  const r = await runBench(['--nodes', `127.0.0.1:${node.port}`, '--users', '10', '--connections', '100',
    '--general', '--mode', 'idle', '--duration', '1', '--source-addresses', '127.0.0.2,127.0.0.3',
    '--pids', String(node.proc.pid), '--prefix', 'smokeidle', '--max-seconds', '60']);
  assert.equal(r.code, 0, r.stderr);
  const s = r.results[0];
  assert.equal(s.mode, 'idle');
  assert.equal(s.errors.connect_failed, 0);
  assert.equal(typeof s.servers[0].rss_per_connection_kb, 'number');
});

test('bad input: unknown option, bad value and a non-loopback node each exit 2 with a message', T, async () => {
  for (const [args, what] of [
    [['--bogus', '1'], /bogus/],
    [['--rate', 'fast'], /rate/],
    [['--nodes', '10.1.2.3:80'], /loopback/],
  ]) {
    const r = await runBench(args, 10000);
    assert.equal(r.code, 2, `${args.join(' ')} → exit 2\n${r.stderr}`);
    assert.match(r.stderr, what);
  }
});

test('shutdown: SIGTERM → exit 0', T, async () => {
  await node.stop();
});
