// SIGTERM drain of one node under load (senders on the other nodes keep going): its WS clients get
// close 1012 and reconnect to another node with `resume`, its SSE clients get the `reconnect` event
// and reconnect with Last-Event-ID. Nothing lost, nothing twice; the node exits 0 within its drain
// timeout (--drain-timeout 10s); the drain time is printed. Users moved elsewhere stay online.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { cleanup, request } from './lib/harness.mjs';
import { closeAllLive } from './lib/live.mjs';
import {
  startCluster, registerUsers, LiveUser, Sender, runSenders, ackedIds, assertAllReceivedExactlyOnce,
  headId, historyIds, onlineIds, describeUsers, sleep, secs,
} from './lib/cluster.mjs';

const T = { timeout: 60000 };
const DRAIN_TIMEOUT_MS = 10000;
let redis;
let nodes; // node 2 (index 1) is drained
let movers; // clients of node 2: 8 WS + 3 SSE
let stayers; // receivers on nodes 1 and 3
let senders;

after(async () => { await closeAllLive(); await cleanup(); });

test('setup: 3 nodes (node 2 with --drain-timeout 10s); 11 clients on node 2, receivers and senders on nodes 1, 3', T, async () => {
  ({ redis, nodes } = await startCluster({ n: 3, prefix: 'drain', perNodeArgs: { 1: ['--drain-timeout', '10s'] } }));
  const [n1, n2, n3] = nodes;
  const cs = await registerUsers(nodes, 17, 'dr');
  movers = [];
  for (let i = 0; i < 11; i++) {
    const u = new LiveUser(cs[i], `mover${i}`);
    if (i >= 8) await u.connectSse(n2); else await u.connectWs(n2);
    movers.push(u);
  }
  stayers = [];
  for (let i = 11; i < 15; i++) {
    const node = i % 2 ? n1 : n3;
    const u = new LiveUser(cs[i], `stayer${i}@${node === n1 ? 'n1' : 'n3'}`);
    if (i >= 13) await u.connectSse(node); else await u.connectWs(node);
    stayers.push(u);
  }
  const s1 = new LiveUser(cs[15], 'sender@n1');
  await s1.connectWs(n1);
  senders = [new Sender({ kind: 'ws', user: s1 }), new Sender({ kind: 'http', client: cs[16], node: n3 })];
  for (const u of [...movers, ...stayers, s1]) if (u.kind === 'ws') await u.conn.ping();
});

test('SIGTERM node 2 under load: 1012 / reconnect event, clients resume on nodes 1 and 3, nothing lost or twice, exit 0 within the drain timeout', T, async () => {
  const [n1, n2, n3] = nodes;
  const baseline = await headId(stayers[0].client, '0');
  const run = runSenders(senders, { perSecond: 25, durationMs: 7000 });
  await sleep(2000);
  const ends = [];
  const stops = movers.map((u, i) => u.autoReconnect(() => (i % 2 === 0 ? n1 : n3), {
    baseline: { 0: baseline },
    onEnd: (mu, info) => ends.push({ user: mu, info, ms: performance.now() - tTerm }),
  }));
  const tTerm = performance.now();
  n2.proc.kill('SIGTERM');
  const exit = await new Promise((resolve) => {
    const timer = setTimeout(() => resolve(null), DRAIN_TIMEOUT_MS + 5000);
    n2.proc.once('exit', (code, signal) => { clearTimeout(timer); resolve({ code, signal, ms: performance.now() - tTerm }); });
  });
  await run.done;
  for (const s of stops) s();
  const drainMs = exit?.ms;
  console.log(`drain: node exited ${exit ? `with code ${exit.code} after ${secs(drainMs)} s` : 'NOT within 15 s'} (--drain-timeout 10s)`);
  console.log(`clients told to leave: ${ends.length}/${movers.length}, first after ${ends.length ? ends[0].ms.toFixed(0) : '-'} ms, last after ${ends.length ? ends.at(-1).ms.toFixed(0) : '-'} ms; `
    + `reconnect ${movers.map((u) => u.reconnects.map((r) => `${r.ms.toFixed(0)}`).join('+')).join(', ')} ms`);
  assert.ok(exit, `node 2 did not exit within ${DRAIN_TIMEOUT_MS + 5000} ms of SIGTERM\n${n2.output()}`);
  assert.equal(exit.code, 0, `node 2 exit code (signal ${exit.signal})\n${n2.output()}`);
  assert.ok(drainMs <= DRAIN_TIMEOUT_MS + 1000, `drain took ${secs(drainMs)} s (drain timeout 10 s)`);

  assert.deepEqual(senders.flatMap((s) => s.failed), [], 'senders on nodes 1 and 3: every send acknowledged');
  const acked = ackedIds(senders);
  assert.ok(acked.length >= 300, `${acked.length} messages acked (expected ~350)`);
  assert.deepEqual(await historyIds(stayers[0].client, '0', baseline), acked, 'history = acked');

  for (const u of movers) {
    const first = u.conns[0];
    if (first.kind === 'ws') {
      assert.equal(first.conn.closeInfo?.code, 1012, `${u.label}: close code (${JSON.stringify(first.conn.closeInfo)})`);
    } else {
      const rc = first.conn.ofType('reconnect');
      assert.equal(rc.length, 1, `${u.label}: one SSE reconnect event (${first.conn.ended})`);
      assert.deepEqual(rc[0].data, { reason: 'drain' });
    }
    assert.equal(u.conns.length, 2, `${u.label} reconnected once: ${describeUsers([u])} ${u.reconnectErrors ?? ''}`);
  }
  const lag = await assertAllReceivedExactlyOnce([...movers, ...stayers, senders[0].user], '0', acked,
    { timeoutMs: 10000, after: baseline, what: 'drain' });
  console.log(`drain under load: ${acked.length} messages (2 × 25/s × 7 s), ${movers.length} clients moved (8 WS, 3 SSE), all complete ${lag.toFixed(0)} ms after the last ack`);
  await sleep(2500); // past the 2 s offline grace
  const online = await onlineIds(stayers[0].client);
  for (const u of movers) assert.ok(online.has(u.id), `${u.label} online after moving`);
  // The drained node's port is closed.
  await assert.rejects(request(n2.port, 'GET', '/me', { timeout: 2000 }), 'drained node no longer listens');
});

test('shutdown: SIGTERM → exit 0 for the remaining nodes', T, async () => {
  await closeAllLive();
  await nodes[0].stop();
  await nodes[2].stop();
  await redis.stop();
});
