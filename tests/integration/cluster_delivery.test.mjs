// Three real nodes on one Redis; 12 users spread over them (WS and SSE on every node). Several
// senders on different nodes (WS with clientIds, HTTP) interleave messages to General: every
// connection gets every message exactly once, in id order, and the set is exactly the acked ids.
// A DM between a user on node 1 and one on node 3: show.room and its messages reach only the pair.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { cleanup, assertStatus, allMessages } from './lib/harness.mjs';
import { closeAllLive, expectNothing } from './lib/live.mjs';
import {
  startCluster, registerUsers, LiveUser, Sender, runSenders, ackedIds, assertAllReceivedExactlyOnce,
  headId, exactlyOnceProblems, describeUsers, sleep,
} from './lib/cluster.mjs';

const T = { timeout: 60000 };
let redis;
let nodes;
let users; // LiveUser[]
let dmA; // LiveUser on node 1 (WS), also an SSE connection on node 2
let dmC; // LiveUser on node 3 (WS)
let dmSecond; // dmA's second connection (SSE on node 2), as its own LiveUser view

after(async () => { await closeAllLive(); await cleanup(); });

test('setup: redis, 3 nodes, 12 users (3 WS + 1 SSE per node)', T, async () => {
  ({ redis, nodes } = await startCluster({ n: 3, prefix: 'deliv' }));
  const clients = await registerUsers(nodes, 12, 'd');
  users = [];
  for (let i = 0; i < 12; i++) {
    const node = nodes[i % 3];
    const u = new LiveUser(clients[i], `d${i}`);
    if (i >= 9) await u.connectSse(node); // users 9, 10, 11: SSE on nodes 1, 2, 3
    else await u.connectWs(node);
    users.push(u);
  }
  for (const u of users) if (u.kind === 'ws') await u.conn.ping();
  dmA = users[0]; // WS on node 1
  dmC = users[2]; // WS on node 3
  dmSecond = new LiveUser(dmA.client, 'd0-second');
  await dmSecond.connectSse(nodes[1]);
  console.log(`connections:\n${describeUsers([...users, dmSecond])}`);
});

test('General across nodes: 5 interleaved senders (3 WS on nodes 1-3, 2 HTTP), every connection gets every acked id once, in order', T, async () => {
  const baseline = await headId(users[0].client, '0');
  const senders = [
    new Sender({ kind: 'ws', user: users[3] }), // node 1
    new Sender({ kind: 'ws', user: users[4] }), // node 2
    new Sender({ kind: 'ws', user: users[5] }), // node 3
    new Sender({ kind: 'http', client: users[9].client, node: nodes[0] }), // SSE user, node 1
    new Sender({ kind: 'http', client: users[10].client, node: nodes[1] }), // SSE user, node 2
  ];
  const t0 = performance.now();
  const run = runSenders(senders, { perSecond: 20, durationMs: 2000 });
  await run.done;
  const sendMs = performance.now() - t0;
  const failed = senders.flatMap((s) => s.failed.map((f) => `${s.label}: ${f.why}`));
  assert.deepEqual(failed, [], 'every send acknowledged');
  const acked = ackedIds(senders);
  assert.ok(acked.length >= 150, `sent ${acked.length} messages (expected ~200)`);
  assert.equal(new Set(acked).size, acked.length, 'acked ids are unique');
  // Stored = acked, exactly.
  const stored = (await allMessages(users[0].client, '0')).map((m) => m.id).filter((id) => id > baseline).sort((a, b) => a - b);
  assert.deepEqual(stored, acked, 'history of General since the start = the acked ids');
  const lagMs = await assertAllReceivedExactlyOnce([...users, dmSecond], '0', acked, { timeoutMs: 10000, after: baseline, what: 'General' });
  console.log(`General: ${acked.length} messages from 5 senders on 3 nodes in ${(sendMs / 1000).toFixed(1)} s; `
    + `all ${users.length + 1} connections complete ${lagMs.toFixed(0)} ms after the last ack`);
  // Per-sender order is preserved too (each sender's texts arrive in the order it sent them).
  for (const s of senders) {
    const mine = users[7].messages('0').filter((m) => s.acked.some((a) => a.id === m.id)).map((m) => m.message);
    const sentOrder = s.acked.slice().sort((a, b) => a.id - b.id).map((a) => a.text);
    assert.deepEqual(mine, sentOrder, `${s.label}: texts as delivered`);
  }
});

test('DM between a user on node 1 and one on node 3: show.room and messages reach only the pair (all their connections)', T, async () => {
  const marks = new Map([...users, dmSecond].map((u) => [u, u.conn.mark()]));
  const res = await dmA.client.on(nodes[0]).post('/room', { user1: dmA.id, user2: dmC.id });
  assertStatus(res, 201, 'create DM');
  const dm = res.json.id;
  const pair = [dmA, dmSecond, dmC];
  for (const u of pair) {
    await u.conn.waitFor((e) => e.type === 'show.room' && e.data?.id === dm, 5000, { from: marks.get(u), what: `show.room ${dm}` });
  }
  // DM messages: A over WS on node 1, C over HTTP on node 3.
  const sA = new Sender({ kind: 'ws', user: dmA, roomId: dm });
  const sC = new Sender({ kind: 'http', client: dmC.client, node: nodes[2], roomId: dm });
  await runSenders([sA, sC], { perSecond: 20, durationMs: 1000 }).done;
  assert.deepEqual([...sA.failed, ...sC.failed], [], 'DM sends acknowledged');
  const acked = ackedIds([sA, sC]);
  assert.ok(acked.length >= 30, `${acked.length} DM messages`);
  await assertAllReceivedExactlyOnce(pair, dm, acked, { timeoutMs: 10000, what: 'DM' });
  // Nobody else got anything about the DM (after a quiet period for stragglers).
  await sleep(500);
  const others = users.filter((u) => u !== dmA && u !== dmC);
  const leaks = [];
  for (const u of others) {
    const got = await expectNothing(u.conn, (e) => e.data?.roomId === dm || e.data?.id === dm, 0, { from: marks.get(u) });
    if (got.length) leaks.push(`${u.label}: ${got.length} event(s), first ${JSON.stringify(got[0]).slice(0, 200)}`);
  }
  assert.deepEqual(leaks, [], 'DM events leaked to non-members');
  // show.room exactly once per connection of the pair.
  for (const u of pair) {
    const n = u.conn.ofType('show.room', marks.get(u)).filter((e) => e.data?.id === dm).length;
    assert.equal(n, 1, `${u.label}: show.room count`);
    const probs = exactlyOnceProblems(u.label, u.ids(dm), acked);
    assert.deepEqual(probs, []);
  }
  console.log(`DM ${dm}: ${acked.length} messages; show.room to ${pair.length} connections of the pair; 0 events to ${others.length} others`);
});

test('shutdown: SIGTERM → exit 0 for every node', T, async () => {
  await closeAllLive();
  for (const n of nodes) await n.stop();
  await redis.stop();
});
