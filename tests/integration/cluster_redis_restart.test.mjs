// Redis with AOF (appendonly yes, appendfsync always: an acknowledged write is on disk) restarted
// under load while two senders (WS on node 1, HTTP on node 2) keep sending: every message
// acknowledged before the restart is in history afterwards (also after a SIGKILL of Redis); the
// nodes become ready again (time printed); clients (reconnecting with resume / Last-Event-ID when
// their connection was closed) end up with exactly the stored messages, once each, in order; live
// delivery works afterwards.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { cleanup, allMessages } from './lib/harness.mjs';
import { closeAllLive } from './lib/live.mjs';
import {
  startCluster, registerUsers, connectReceivers, LiveUser, Sender, runSenders, ackedIds, assertAllReceivedExactlyOnce,
  headId, readyStatus, redisPid, describeUsers, waitFor, sleep, secs,
} from './lib/cluster.mjs';

const T = { timeout: 90000 };
let redis;
let nodes;
let receivers;
let senders;
let stops = [];

after(async () => { for (const s of stops) s(); await closeAllLive(); await cleanup(); });

function fsyncAlways() {
  redis.cli('CONFIG', 'SET', 'appendfsync', 'always');
  assert.match(redis.cli('CONFIG', 'GET', 'appendfsync'), /always/);
  assert.match(redis.cli('CONFIG', 'GET', 'appendonly'), /yes/);
}

async function allReady() {
  const st = await Promise.all(nodes.map(readyStatus));
  return st.every((s) => s === 200);
}

/** Restarts Redis mid-load (kill: 'shutdown' | 'sigkill'); returns the measurements. */
async function restartUnderLoad(kill) {
  const baseline = await headId(receivers[0].client, '0');
  for (const s of senders) { s.acked = []; s.failed = []; s.attempted = []; }
  const run = runSenders(senders, { perSecond: 10, durationMs: 8000 });
  await sleep(2500);
  const tDown = performance.now();
  if (kill === 'shutdown') {
    try { redis.cli('SHUTDOWN'); } catch { /* the connection drops as Redis exits: expected */ }
  } else {
    process.kill(redisPid(redis), 'SIGKILL');
  }
  // Everything acknowledged up to now must survive.
  const ackedBefore = senders.flatMap((s) => s.acked.map((a) => ({ ...a })));
  await redis.stop(); // returns once the old process is gone and its port is closed
  await sleep(1500); // a real outage: the nodes notice (reconnect backoff, /readyz 503)
  const downStatus = await Promise.all(nodes.map(readyStatus));
  await redis.restart(); // same port, same dir
  const tUp = performance.now();
  fsyncAlways();
  let readyMs = null;
  try {
    await waitFor(allReady, { timeout: 15000, interval: 50, what: 'every node /readyz 200 after the Redis restart' });
    readyMs = performance.now() - tUp;
  } catch (e) { readyMs = e; }
  await run.done;
  // After the load: a last batch once everything is up, which every client must get live.
  await waitFor(allReady, { timeout: 5000, what: 'nodes ready' });
  const last = runSenders(senders, { perSecond: 10, durationMs: 1000 });
  await last.done;
  return { baseline, tDown, tUp, ackedBefore, readyMs, downStatus };
}

test('setup: Redis with AOF (appendfsync always), 3 nodes, WS and SSE receivers, 2 senders', T, async () => {
  ({ redis, nodes } = await startCluster({ n: 3, appendonly: true, prefix: 'rr' }));
  fsyncAlways();
  const [n1, n2, n3] = nodes;
  const cs = await registerUsers(nodes, 6, 'rr');
  const spots = [[n2, 'ws'], [n3, 'ws'], [n1, 'sse'], [n3, 'sse']];
  receivers = await connectReceivers(cs, spots);
  const su = new LiveUser(cs[4], 'sender-ws@n1');
  await su.connectWs(n1);
  senders = [new Sender({ kind: 'ws', user: su }), new Sender({ kind: 'http', client: cs[5], node: n2 })];
  for (const u of [...receivers, su]) if (u.kind === 'ws') await u.conn.ping();
  // A client whose connection is closed during the outage reconnects to the same node (bounded retries).
  stops = [...receivers, su].map((u) => u.autoReconnect((me) => me.node));
});

for (const kill of ['shutdown', 'sigkill']) {
  test(`Redis ${kill === 'shutdown' ? 'SHUTDOWN' : 'SIGKILL'} + restart under load: no acknowledged message lost; nodes ready again; clients complete`, T, async () => {
    const r = await restartUnderLoad(kill);
    const acked = ackedIds(senders);
    const failed = senders.flatMap((s) => s.failed);
    const history = (await allMessages(receivers[0].client, '0')).filter((m) => m.id > r.baseline).reverse();
    const historyIds = history.map((m) => m.id);
    const stored = new Set(historyIds);
    const lostBefore = r.ackedBefore.filter((a) => !stored.has(a.id));
    const lostAll = acked.filter((id) => !stored.has(id));
    const attempted = new Set(senders.flatMap((s) => s.attempted));
    const strangers = history.filter((m) => !attempted.has(m.message));
    console.log(`Redis ${kill}: nodes ready ${typeof r.readyMs === 'number' ? `${secs(r.readyMs)} s after Redis was up again` : 'NOT within 15 s'} `
      + `(${secs(r.tUp - r.tDown)} s Redis down); ${r.ackedBefore.length} acked before the restart, ${acked.length} acked in all, `
      + `${failed.length} refused during the outage (${[...new Set(failed.map((f) => f.why.slice(0, 40)))].join(' | ')}), `
      + `${history.length} stored (${history.length - acked.length} stored without an ack)`);
    assert.deepEqual(r.downStatus, [503, 503, 503], '/readyz of every node while Redis is down');
    assert.ok(r.ackedBefore.length >= 30, `${r.ackedBefore.length} messages acked before the restart`);
    assert.deepEqual(lostBefore, [], 'messages acknowledged before the restart missing from history');
    assert.deepEqual(lostAll, [], 'acknowledged messages missing from history');
    assert.deepEqual(strangers, [], 'history holds only messages the senders sent');
    assert.equal(typeof r.readyMs, 'number', `nodes not ready again: ${r.readyMs?.message}`);
    assert.ok(acked.length > r.ackedBefore.length + 20, 'sends succeed again after the restart');
    const lag = await assertAllReceivedExactlyOnce([...receivers, senders[0].user], '0', historyIds,
      { timeoutMs: 10000, after: r.baseline, what: `Redis ${kill}` });
    console.log(`Redis ${kill}: clients ${[...receivers, senders[0].user].map((u) => `${u.label} ${u.conns.length - 1} reconnect(s)`).join(', ')}; `
      + `all ${historyIds.length} stored messages delivered exactly once, complete ${lag.toFixed(0)} ms after the last ack`);
    if (process.env.CLUSTER_VERBOSE) console.log(describeUsers(receivers));
  });
}

test('shutdown: SIGTERM → exit 0 for every node', T, async () => {
  for (const s of stops) s();
  await closeAllLive();
  for (const n of nodes) await n.stop();
  await redis.stop();
});
