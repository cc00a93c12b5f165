// Redis Sentinel failover (issue #26), with real processes on loopback: a redis-server master, its
// replica and three sentinels; two nodes started with --redis-sentinels, --redis-master-name and
// --redis-min-replicas-acked 1; WS and SSE receivers on both nodes and a sender on each. The master is
// SIGKILLed mid-load: the sentinels promote the replica; both nodes serve again within 10 s (/readyz);
// every acked message is in history and reaches every receiver exactly once, in order; messages
// refused meanwhile were refused with a retryable error; the metrics show the failover. The old
// master comes back, the sentinels make it the new master's replica, and WAIT is satisfied again.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { cleanup, allMessages, startNode, internal } from './lib/harness.mjs';
import { startRedis, startSentinel } from './lib/redis.mjs';
import { closeAllLive } from './lib/live.mjs';
import {
  registerUsers, connectReceivers, LiveUser, Sender, runSenders, ackedIds, assertAllReceivedExactlyOnce, headId, readyStatus,
  waitFor, sleep, secs,
} from './lib/cluster.mjs';

const T = { timeout: 120000 };
const NAME = 'chatm';
let master;
let replica;
let sentinels;
let nodes;
let receivers;
let senders;
let stops = [];

after(async () => { for (const s of stops) s(); await closeAllLive(); await cleanup(); });

const sentinelInfo = (s) => {
  const lines = s.cli('SENTINEL', 'master', NAME).split('\n');
  const info = {};
  for (let i = 0; i + 1 < lines.length; i += 2) info[lines[i]] = lines[i + 1];
  return info;
};

async function metric(node, name) {
  const text = (await internal(node, '/metrics')).text;
  const m = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : null;
}

const allReady = async () => (await Promise.all(nodes.map(readyStatus))).every((s) => s === 200);

test('setup: master + replica + 3 sentinels; 2 nodes that find the master through the sentinels', T, async () => {
  master = await startRedis();
  replica = await startRedis({ replicaOf: master.port });
  await waitFor(() => /master_link_status:up/.test(replica.cli('INFO', 'replication')),
    { timeout: 10000, what: 'the replica in sync' });
  sentinels = [];
  for (let i = 0; i < 3; i++) sentinels.push(await startSentinel({ masterPort: master.port, name: NAME }));
  // A failover needs the sentinels to know each other and the replica (hello messages, every 2 s).
  await waitFor(() => sentinels.every((s) => {
    const info = sentinelInfo(s);
    return info['num-other-sentinels'] === '2' && info['num-slaves'] === '1';
  }), { timeout: 20000, interval: 200, what: 'the sentinels to discover each other and the replica' });

  const list = sentinels.map((s) => s.address).join(',');
  const tag = `sen-${process.pid}`;
  // --redis-url names a port where no Redis runs: only the sentinels can lead the nodes to the master.
  nodes = await Promise.all([1, 2].map((i) => startNode({
    redisUrl: 'redis://127.0.0.1:1/0', serverId: `${tag}-${i}`,
    args: ['--redis-sentinels', list, '--redis-master-name', NAME, '--redis-min-replicas-acked', '1',
      '--redis-replica-ack-timeout-ms', '300'],
  })));
  const [n1, n2] = nodes;
  const cs = await registerUsers(nodes, 6, 'sen');
  const spots = [[n1, 'ws'], [n2, 'ws'], [n1, 'sse'], [n2, 'sse']];
  receivers = await connectReceivers(cs, spots);
  const su = new LiveUser(cs[4], 'sender-ws@n1');
  await su.connectWs(n1);
  senders = [new Sender({ kind: 'ws', user: su }), new Sender({ kind: 'http', client: cs[5], node: n2 })];
  stops = [...receivers, su].map((u) => u.autoReconnect((me) => me.node));
  // The nodes talk to the master (command, files and subscriber connections each), and their writes
  // reach the replica (WAIT 1 is satisfied).
  const clients = Number(/connected_clients:(\d+)/.exec(master.cli('INFO', 'clients'))[1]);
  assert.ok(clients >= 6, `${clients} clients on the master`);
  const res = await cs[5].on(n2).post('/room/0/messages', { message: 'before the failover' });
  assert.equal(res.status, 201, JSON.stringify(res.json));
  await waitFor(() => replica.cli('ZCARD', 'room:0') !== '0', { timeout: 5000, what: 'the message on the replica' });
});

test('kill -9 of the master under load: promoted replica, nodes ready within 10 s, no acked message lost, exactly once', T, async () => {
  const baseline = await headId(receivers[0].client, '0');
  const changesBefore = await Promise.all(nodes.map((n) => metric(n, 'chatnode_redis_master_changes_total')));
  const run = runSenders(senders, { perSecond: 10, durationMs: 9000 });
  await sleep(2500);
  const ackedBefore = senders.flatMap((s) => s.acked.map((a) => a.id));
  const tKill = performance.now();
  master.proc.kill('SIGKILL');
  // The nodes lose the master at once; they serve again once the sentinels promoted the replica.
  let readyMs = null;
  try {
    await waitFor(async () => (await Promise.all(nodes.map(readyStatus))).some((s) => s !== 200),
      { timeout: 3000, interval: 20, what: 'a node to report the outage on /readyz' });
    await waitFor(allReady, { timeout: 10000, interval: 50, what: 'both nodes ready after the failover' });
    readyMs = performance.now() - tKill;
  } catch (e) { readyMs = e; }
  const promoted = replica.cli('ROLE').split('\n')[0];
  await run.done;
  // The old master returns; the sentinels make it a replica of the new one, and WAIT 1 holds again.
  await master.restart();
  await waitFor(() => /role:slave/.test(master.cli('INFO', 'replication')) && /master_link_status:up/.test(master.cli('INFO', 'replication')),
    { timeout: 20000, interval: 200, what: 'the old master to rejoin as a replica' });
  const last = runSenders(senders, { perSecond: 10, durationMs: 1000 });
  await last.done;

  const acked = ackedIds(senders);
  const failed = senders.flatMap((s) => s.failed);
  const history = (await allMessages(receivers[0].client, '0')).filter((m) => m.id > baseline).reverse();
  const historyIds = history.map((m) => m.id);
  const stored = new Set(historyIds);
  const lost = acked.filter((id) => !stored.has(id));
  const changes = await Promise.all(nodes.map((n) => metric(n, 'chatnode_redis_master_changes_total')));
  const notReplicated = await Promise.all(nodes.map((n) => metric(n, 'chatnode_messages_not_replicated_total')));
  console.log(`sentinel failover: nodes ready ${typeof readyMs === 'number' ? `${secs(readyMs)} s after the kill` : 'NOT within 10 s'}; `
    + `replica now ${promoted}; ${ackedBefore.length} acked before the kill, ${acked.length} in all, ${failed.length} refused `
    + `(${[...new Set(failed.map((f) => f.why.slice(0, 40)))].join(' | ')}), ${history.length} stored; `
    + `master changes ${changes.join('/')}, not replicated ${notReplicated.join('/')}`);
  assert.equal(promoted, 'master', 'the sentinels promoted the replica');
  assert.equal(typeof readyMs, 'number', `nodes not ready again: ${readyMs?.message}`);
  assert.ok(readyMs < 10000, `ready ${readyMs} ms after the kill`);
  assert.ok(ackedBefore.length >= 30, `${ackedBefore.length} messages acked before the kill`);
  assert.deepEqual(lost, [], 'acknowledged messages missing from history after the failover');
  for (const f of failed) assert.match(f.why, /error (unavailable|not_replicated|overloaded)|HTTP 503|ws not open/, 'a refusal is retryable');
  assert.ok(acked.length > ackedBefore.length + 10, 'sends succeed again after the failover');
  for (let i = 0; i < nodes.length; i++) assert.ok(changes[i] > changesBefore[i], `node ${i + 1} counted the master change`);
  await assertAllReceivedExactlyOnce([...receivers, senders[0].user], '0', historyIds,
    { timeoutMs: 10000, after: baseline, what: 'sentinel failover' });
});

test('shutdown: SIGTERM → exit 0 for both nodes', T, async () => {
  for (const s of stops) s();
  await closeAllLive();
  for (const n of nodes) await n.stop();
});
