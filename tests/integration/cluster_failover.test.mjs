// kill -9 of a node while two senders on the other nodes keep sending (10 msgs/s each for 8 s):
// the killed node's WS clients reconnect to another node with `resume`, its SSE client with
// Last-Event-ID; what each user saw over both connections is exactly the acked ids, in order.
// Ghosts: a user connected only to the killed node leaves /users/online (observers get
// user.disconnected) within 10 s — measured and printed; a user also on a surviving node stays.
// A node restarted with the same server id (after the reap, and right after a kill -9, before its
// heartbeat expired) does not resurrect stale presence.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { cleanup, startNode, register } from './lib/harness.mjs';
import { closeAllLive } from './lib/live.mjs';
import {
  startCluster, registerUsers, LiveUser, Sender, runSenders, ackedIds, assertAllReceivedExactlyOnce,
  headId, historyIds, onlineIds, describeUsers, waitFor, sleep, secs,
} from './lib/cluster.mjs';

const T = { timeout: 90000 };
let redis;
let nodes; // [n1, n2, n3]; n3 is killed
let victims; // LiveUsers connected to n3 that reconnect (4 WS + 1 SSE)
let ghost; // WS on n3 only, never reconnects
let both; // WS on n3 and WS on n1 (two LiveUser views of the same user)
let bothN1;
let obsWs; // observer WS on n1
let obsSse; // observer SSE on n2
let sendA; // WS sender on n1
let sendB; // HTTP sender on n2

after(async () => { await closeAllLive(); await cleanup(); });

async function ghostGone(observerClient, uid) {
  return !(await onlineIds(observerClient)).has(uid);
}

test('setup: 3 nodes; on node 3: 4 WS + 1 SSE (will reconnect), a ghost, a user also on node 1; observers on nodes 1, 2', T, async () => {
  ({ redis, nodes } = await startCluster({ n: 3, prefix: 'fail' }));
  const [n1, n2, n3] = nodes;
  const cs = await registerUsers(nodes, 11, 'f');
  victims = [];
  for (let i = 0; i < 5; i++) {
    const u = new LiveUser(cs[i], `victim${i}`);
    if (i === 4) await u.connectSse(n3); else await u.connectWs(n3);
    victims.push(u);
  }
  ghost = new LiveUser(cs[5], 'ghost');
  await ghost.connectWs(n3);
  both = new LiveUser(cs[6], 'both@n3');
  await both.connectWs(n3);
  bothN1 = new LiveUser(cs[6], 'both@n1');
  await bothN1.connectWs(n1);
  obsWs = new LiveUser(cs[7], 'observer-ws');
  await obsWs.connectWs(n1);
  obsSse = new LiveUser(cs[8], 'observer-sse');
  await obsSse.connectSse(n2);
  const senderUser = new LiveUser(cs[9], 'senderA');
  await senderUser.connectWs(n1);
  sendA = new Sender({ kind: 'ws', user: senderUser });
  sendB = new Sender({ kind: 'http', client: cs[10], node: n2 });
  sendB.receiver = new LiveUser(cs[10], 'senderB');
  await sendB.receiver.connectWs(n2);
  for (const u of [...victims, ghost, both, bothN1, obsWs, sendA.user, sendB.receiver]) if (u.kind === 'ws') await u.conn.ping();
  const online = await onlineIds(obsWs.client);
  for (const u of [...victims, ghost, both, obsWs, obsSse]) assert.ok(online.has(u.id), `${u.label} (${u.id}) online before the kill: ${[...online]}`);
});

test('kill -9 of node 3 under load: its clients reconnect elsewhere and resume with no gap, no duplicate; ghost gone within 10 s', T, async () => {
  const [n1, n2, n3] = nodes;
  const baseline = await headId(obsWs.client, '0');
  const run = runSenders([sendA, sendB], { perSecond: 10, durationMs: 8000 });
  await sleep(3000);
  const seenBeforeKill = victims.map((u) => u.ids('0').length);
  const obsMark = obsWs.conn.mark();
  const obsSseMark = obsSse.conn.mark();
  const tKill = performance.now();
  await n3.kill(); // SIGKILL
  // Every client of node 3 notices (TCP closed by the kernel), reconnects to node 1 or 2, resumes.
  const stops = victims.map((u, i) => u.autoReconnect(() => (i % 2 === 0 ? n1 : n2), { baseline: { 0: baseline } }));
  // Ghost: measured on both observers (WS on n1, SSE on n2) and through /users/online.
  const evWs = obsWs.conn.waitFor((e) => e.type === 'user.disconnected' && e.data?.id === ghost.id, 12000, { from: obsMark, what: 'user.disconnected(ghost)' })
    .then(() => performance.now() - tKill, (e) => e);
  const evSse = obsSse.conn.waitFor((e) => e.type === 'user.disconnected' && e.data?.id === ghost.id, 12000, { from: obsSseMark, what: 'user.disconnected(ghost) over SSE' })
    .then(() => performance.now() - tKill, (e) => e);
  let goneMs = null;
  try {
    await waitFor(() => ghostGone(obsWs.client, ghost.id), { timeout: 12000, interval: 100, what: 'ghost gone from /users/online' });
    goneMs = performance.now() - tKill;
  } catch (e) { goneMs = e; }
  await run.done;
  for (const s of stops) s();
  const [wsMs, sseMs] = [await evWs, await evSse];
  const fmt = (v) => (typeof v === 'number' ? `${secs(v)} s` : `NOT within 12 s (${v.message.slice(0, 120)})`);
  console.log(`ghost cleared after ${fmt(goneMs)} (/users/online); user.disconnected after ${fmt(wsMs)} on node 1 (WS), ${fmt(sseMs)} on node 2 (SSE)`);
  console.log(`reconnects after kill -9: ${victims.map((u) => u.reconnects.map((r) => `${u.label}→${r.to} ${r.ms.toFixed(0)} ms`).join(', ')).join('; ')}`);
  console.log(`messages seen before the kill: ${seenBeforeKill.join(', ')}`);

  // Senders on surviving nodes: everything acknowledged; stored = acked.
  const failed = [...sendA.failed, ...sendB.failed];
  assert.deepEqual(failed, [], 'sends on surviving nodes all acknowledged');
  const acked = ackedIds([sendA, sendB]);
  assert.ok(acked.length >= 140, `acked ${acked.length} (expected ~160)`);
  assert.deepEqual(await historyIds(obsWs.client, '0', baseline), acked, 'history = acked ids');

  for (const u of victims) {
    assert.ok(u.ids('0').length > 0 && u.conns[0].conn.messages('0').length > 0, `${u.label} saw messages before the kill`);
    assert.equal(u.conns.length, 2, `${u.label} reconnected exactly once: ${describeUsers([u])} ${u.reconnectErrors ?? ''}`);
    assert.ok(u.conns[1].node !== n3);
  }
  const lag = await assertAllReceivedExactlyOnce([...victims, bothN1, obsWs, obsSse, sendA.user, sendB.receiver], '0', acked,
    { timeoutMs: 10000, after: baseline, what: 'after kill -9' });
  console.log(`failover: ${acked.length} messages (2 senders × 10/s × 8 s), ${victims.length} clients moved, all complete ${lag.toFixed(0)} ms after the last ack`);

  assert.equal(typeof goneMs, 'number', `ghost still in /users/online 12 s after the kill: ${goneMs?.message}`);
  assert.ok(goneMs <= 10000, `ghost cleared after ${secs(goneMs)} s (must be ≤ 10 s)`);
  for (const [what, v] of [['observer WS on node 1', wsMs], ['observer SSE on node 2', sseMs]]) {
    assert.equal(typeof v, 'number', `${what}: no user.disconnected for the ghost: ${v?.message}`);
    assert.ok(v <= 10000, `${what}: user.disconnected after ${secs(v)} s (must be ≤ 10 s)`);
  }
  // The user that is also on node 1, and every moved user, stays online; no user.disconnected for them.
  const online = await onlineIds(obsWs.client);
  for (const u of [bothN1, ...victims, obsWs, obsSse]) assert.ok(online.has(u.id), `${u.label} (${u.id}) must stay online`);
  const wrong = obsWs.conn.ofType('user.disconnected', obsMark).filter((e) => e.data?.id !== ghost.id);
  assert.deepEqual(wrong.map((e) => e.data), [], 'no user.disconnected except the ghost\'s');
  const ghostEvents = obsWs.conn.ofType('user.disconnected', obsMark).filter((e) => e.data?.id === ghost.id);
  assert.equal(ghostEvents.length, 1, 'exactly one user.disconnected for the ghost');
  assert.equal(ghostEvents[0].data.online, false);
});

test('node 3 restarted with the same server id after the reap: no stale presence comes back; it serves again', T, async () => {
  const id3 = nodes[2].serverId;
  const mark = obsWs.conn.mark();
  nodes[2] = await startNode({ redisUrl: redis.url, serverId: id3 });
  await sleep(2500); // more than one heartbeat of the new node
  const online = await onlineIds(obsWs.client);
  assert.ok(!online.has(ghost.id), 'ghost not resurrected by the restart');
  assert.ok(online.has(bothN1.id), 'user on node 1 still online');
  const conn = obsWs.conn.ofType('user.connected', mark).filter((e) => e.data?.id === ghost.id);
  assert.deepEqual(conn, [], 'no user.connected for the ghost');
  // The restarted node serves real-time traffic again.
  const u = new LiveUser(ghost.client, 'ghost-back');
  await u.connectWs(nodes[2]);
  await obsWs.conn.waitFor((e) => e.type === 'user.connected' && e.data?.id === ghost.id, 5000, { from: mark, what: 'user.connected(ghost) via restarted node' });
  const s = new Sender({ kind: 'ws', user: u });
  await s.sendOne();
  assert.equal(s.acked.length, 1, `send on the restarted node: ${JSON.stringify(s.failed)}`);
  await obsSse.conn.waitFor((e) => e.type === 'message' && e.data?.id === s.acked[0].id, 5000, { what: 'message from restarted node on node 2' });
  await u.conn.close();
  await waitFor(async () => !(await onlineIds(obsWs.client)).has(ghost.id), { timeout: 6000, what: 'ghost offline after closing (2 s grace)' });
});

test('kill -9 and immediate restart with the same server id (heartbeat not expired yet): stale presence is cleared within 10 s', T, async () => {
  const id3 = nodes[2].serverId;
  const g2 = new LiveUser(await register(nodes[0]), 'ghost2');
  await g2.connectWs(nodes[2]);
  await g2.conn.ping();
  await waitFor(async () => (await onlineIds(obsWs.client)).has(g2.id), { timeout: 3000, what: 'ghost2 online' });
  const mark = obsWs.conn.mark();
  const tKill = performance.now();
  await nodes[2].kill();
  nodes[2] = await startNode({ redisUrl: redis.url, serverId: id3 });
  const restartMs = performance.now() - tKill;
  let goneMs;
  try {
    await waitFor(async () => !(await onlineIds(obsWs.client)).has(g2.id), { timeout: 12000, interval: 100, what: 'ghost2 gone from /users/online' });
    goneMs = performance.now() - tKill;
  } catch (e) { goneMs = e; }
  const ev = await obsWs.conn.waitFor((e) => e.type === 'user.disconnected' && e.data?.id === g2.id, 3000, { from: mark, what: 'user.disconnected(ghost2)' })
    .then(() => null, (e) => e);
  console.log(`kill -9 + restart with the same id (ready after ${secs(restartMs)} s): ghost cleared after ${typeof goneMs === 'number' ? `${secs(goneMs)} s` : 'NEVER (12 s)'}`);
  assert.equal(typeof goneMs, 'number', `ghost2 still online 12 s after kill+restart: ${goneMs?.message}`);
  assert.ok(goneMs <= 10000, `ghost2 cleared after ${secs(goneMs)} s (≤ 10 s)`);
  assert.equal(ev, null, `observer got user.disconnected for ghost2: ${ev?.message}`);
  assert.ok((await onlineIds(obsWs.client)).has(bothN1.id), 'user on node 1 still online');
  await sleep(1000);
  assert.ok(!(await onlineIds(obsWs.client)).has(g2.id), 'ghost2 stays gone');
});

test('shutdown: SIGTERM → exit 0 for every node', T, async () => {
  await closeAllLive();
  for (const n of nodes) await n.stop();
  await redis.stop();
});
