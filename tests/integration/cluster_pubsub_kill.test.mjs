// `CLIENT KILL TYPE pubsub` (every node's subscriber connection) while a sender on node 1 sends
// steadily: the nodes resubscribe and catch up from storage; clients on nodes 2 and 3 (and 1) get
// every message exactly once, in order, without reconnecting. The last kill comes right before the
// last few messages, so a node that only recovers on the *next* live message would miss the tail.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { cleanup } from './lib/harness.mjs';
import { closeAllLive } from './lib/live.mjs';
import {
  startCluster, registerUsers, LiveUser, Sender, runSenders, ackedIds, assertAllReceivedExactlyOnce,
  headId, historyIds, describeUsers, sleep,
} from './lib/cluster.mjs';

const T = { timeout: 60000 };
let redis;
let nodes;
let receivers;
let sender;

after(async () => { await closeAllLive(); await cleanup(); });

function killPubsub() {
  const t0 = performance.now();
  const out = redis.cli('CLIENT', 'KILL', 'TYPE', 'pubsub');
  return { killed: Number(out), ms: performance.now() - t0 };
}

test('setup: 3 nodes; WS + SSE receivers on every node; WS sender on node 1', T, async () => {
  ({ redis, nodes } = await startCluster({ n: 3, prefix: 'psk' }));
  const cs = await registerUsers(nodes, 7, 'p');
  receivers = [];
  for (let i = 0; i < 6; i++) {
    const node = nodes[i % 3];
    const u = new LiveUser(cs[i], `r${i}@n${(i % 3) + 1}`);
    if (i >= 3) await u.connectSse(node); else await u.connectWs(node);
    receivers.push(u);
  }
  const su = new LiveUser(cs[6], 'sender@n1');
  await su.connectWs(nodes[0]);
  sender = new Sender({ kind: 'ws', user: su });
  for (const u of [...receivers, su]) if (u.kind === 'ws') await u.conn.ping();
  const subs = redis.cli('CLIENT', 'LIST', 'TYPE', 'pubsub').split('\n').filter((l) => l.trim() !== '');
  assert.ok(subs.length >= 3, `every node has a subscriber connection (CLIENT LIST TYPE pubsub: ${subs.length})`);
});

test('CLIENT KILL TYPE pubsub twice mid-stream: every client gets every message exactly once, in order', T, async () => {
  const baseline = await headId(sender.user.client, '0');
  const run = runSenders([sender], { perSecond: 20, durationMs: 6000 });
  const kills = [];
  await sleep(1500);
  kills.push(killPubsub());
  await sleep(2000);
  kills.push(killPubsub());
  await run.done;
  // Tail: kill, then at once 3 more messages, then silence.
  kills.push(killPubsub());
  for (let i = 0; i < 3; i++) sender.sendOne();
  await sender.settle();
  console.log(`CLIENT KILL TYPE pubsub: ${kills.map((k) => `${k.killed} subscriber connection(s) killed`).join('; ')}`);
  for (const k of kills) assert.ok(k.killed >= 3, `CLIENT KILL killed ${k.killed} pubsub connection(s): expected one per node (3)`);

  assert.deepEqual(sender.failed, [], 'every send acknowledged (storage was never down)');
  const acked = ackedIds([sender]);
  assert.ok(acked.length >= 100, `${acked.length} messages acked`);
  assert.deepEqual(await historyIds(sender.user.client, '0', baseline), acked, 'history = acked');
  const lag = await assertAllReceivedExactlyOnce([...receivers, sender.user], '0', acked, { timeoutMs: 10000, after: baseline, what: 'pubsub kill' });
  console.log(`pubsub kill: ${acked.length} messages, ${receivers.length + 1} connections complete ${lag.toFixed(0)} ms after the last ack`);
  for (const u of [...receivers, sender.user]) {
    assert.equal(u.conns.length, 1);
    assert.equal(u.ended, false, `${u.label}: the connection must stay open (${describeUsers([u])})`);
  }
  // The subscribers are back.
  const subs = redis.cli('CLIENT', 'LIST', 'TYPE', 'pubsub').split('\n').filter((l) => l.trim() !== '');
  assert.ok(subs.length >= 3, `every node resubscribed (CLIENT LIST TYPE pubsub: ${subs.length})`);
});

test('after the kills, live delivery is still immediate (no gap_wait / storage round per message)', T, async () => {
  const from = receivers.map((u) => u.conn.mark());
  const lat = [];
  for (let i = 0; i < 10; i++) {
    const t0 = performance.now();
    await sender.sendOne();
    const { id } = sender.acked.at(-1);
    await Promise.all(receivers.map((u, k) => u.conn.waitFor((e) => e.type === 'message' && e.data?.id === id, 5000, { from: from[k], what: `message ${id}` })));
    lat.push(performance.now() - t0);
  }
  lat.sort((a, b) => a - b);
  console.log(`send→all 6 receivers after the kills: median ${lat[5].toFixed(1)} ms, max ${lat[9].toFixed(1)} ms`);
  assert.ok(lat[5] < 500, `median latency ${lat[5].toFixed(0)} ms`);
});

test('shutdown: SIGTERM → exit 0 for every node', T, async () => {
  await closeAllLive();
  for (const n of nodes) await n.stop();
  await redis.stop();
});
