// Rolling restart behind a real ingress (issue #26): Debian's nginx, configured with
// scripts/nginx/chatnode.conf (the file docs/deploy.md §4 quotes), in front of 3 chatnode processes
// sharing one redis-server. Several hundred clients (WebSocket and SSE, each from its own loopback
// address) in several channels connect only through nginx; senders keep a steady rate (WebSocket
// frames and HTTP POSTs). Every node is restarted in turn: SIGTERM, wait for the exit, start again on
// the same port, wait for /readyz, next; one kill -9 in the middle. Asserted: no acked message lost
// at any member client, no duplicate or reordering (ids strictly increase per room as they arrive),
// every client reconnected through nginx and resumed, a draining node's clients reconnect spread
// (no node takes more than half of them in any one second), each drain exits 0 within
// --drain-timeout, and the nodes log the client's address from X-Forwarded-For. Printed: delivery
// latency p50/p99 before and during the roll, the reconnect waves per node, the drain times.
//
// The load clients are written here in Node, not chatbench: the test needs clients that reconnect
// with the real clients' policy, resume (WebSocket `resume`, SSE Last-Event-ID), speak SSE, and
// check every id per room; chatbench only counts deliveries over WebSockets that never reconnect.
//
// Sizes and times come from the environment (scripts/rolling-restart.sh runs a longer version):
// ROLLING_CLIENTS (360), ROLLING_ROOMS (8), ROLLING_RATE (messages/s per room, 4), ROLLING_ROUNDS
// (1: every node once; more rounds restart every node again), ROLLING_STEADY_S (5),
// ROLLING_SETTLE_S (1: after nginx uses the restarted node again, before the next node), ROLLING_DRAIN_TIMEOUT_S (10),
// ROLLING_BALANCE (e.g. least_conn: an experiment), ROLLING_REPORT (a file to append the JSON result to).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import { cleanup, startRedis, startNode, waitFor, sleep } from '../integration/lib/harness.mjs';
import { startNginx, TEMPLATE } from './lib/nginx.mjs';
import { RollingClient, Deliveries, now } from './lib/clients.mjs';
import { RoomSender, runSenders, attemptNodes, reconnectWave, describeWave, maxInWindow } from './lib/traffic.mjs';
import { api, registerUsers, makeRooms, historyIds, pool, sourceAddress } from './lib/setup.mjs';

const env = (name, def) => (process.env[name] === undefined || process.env[name] === '' ? def : Number(process.env[name]));
const CLIENTS = env('ROLLING_CLIENTS', 360);
const ROOMS = env('ROLLING_ROOMS', 8);
const RATE = env('ROLLING_RATE', 4);
const ROUNDS = env('ROLLING_ROUNDS', 1);
const STEADY_S = env('ROLLING_STEADY_S', 5);
const SETTLE_S = env('ROLLING_SETTLE_S', 1);
const DRAIN_S = env('ROLLING_DRAIN_TIMEOUT_S', 10);
const BALANCE = process.env.ROLLING_BALANCE || '';
const T = { timeout: 900000 };

let redis;
let nodes = []; // current process of node i
const everyNode = []; // every process started, for their logs
let ingress;
let users;
let rooms;
let clients;
let senders;
const deliveries = new Deliveries();
const tag = `roll${process.pid}`;
const nodeArgs = ['--trusted-proxies', '127.0.0.1/32', '--drain-timeout', `${DRAIN_S}s`, '--bcrypt-cost', '4'];
const nodeName = (i) => `node${i + 1}`;

after(async () => {
  for (const c of clients ?? []) c.close();
  await ingress?.stop(2000);
  await cleanup();
});

async function start(i, { port, internalPort } = {}) {
  const n = await startNode({ redisUrl: redis.url, serverId: `${tag}-${i + 1}`, args: nodeArgs, port, internalPort });
  everyNode.push(n);
  nodes[i] = n;
  return n;
}

/** Sends `GET /` through nginx every 200 ms until the node on `port` answered one (bounded); its time. */
async function untilNginxUses(port) {
  const deadline = now() + 20000;
  for (let k = 0; now() < deadline; k++) {
    const rid = `probe-${port}-${k}`;
    const res = await api(ingress.port, 'GET', '/', { headers: { 'X-Request-ID': rid } });
    assert.equal(res.status, 200, `GET / through nginx: ${res.status}`);
    if (ingress.records().some((r) => r.rid === rid && r.upstream.endsWith(`:${port}`))) return now();
    await sleep(200);
  }
  throw new Error(`nginx did not send a request to the node on port ${port} within 20 s`);
}

test(`setup: redis, 3 nodes, nginx from ${TEMPLATE.split('/').slice(-3).join('/')}; ${CLIENTS} clients in ${ROOMS} channels through nginx`, T, async () => {
  redis = await startRedis();
  await Promise.all([0, 1, 2].map((i) => start(i)));
  ingress = await startNginx({ upstreams: nodes.map((n) => `127.0.0.1:${n.port}`), balance: BALANCE });
  const t0 = now();
  users = await registerUsers(ingress.port, CLIENTS, `${tag}u`);
  rooms = await makeRooms(ingress.port, users, ROOMS, tag);
  // Every third member of a room uses SSE, the others WebSocket.
  clients = users.map((u, i) => new RollingClient({
    idx: i, kind: Math.floor(i / ROOMS) % 3 === 2 ? 'sse' : 'ws', token: u.token, userId: u.id, rooms: [rooms[i % ROOMS]],
    port: ingress.port, localAddress: sourceAddress(i), deliveries,
  }));
  await pool(clients, 40, (c) => Promise.race([c.start(), sleep(30000).then(() => { throw new Error(`client ${c.idx} not resumed within 30 s`); })]));
  // Per room: its first WebSocket member and its first SSE member send.
  senders = rooms.map((roomId, r) => new RoomSender({
    roomId, label: `s${r}`,
    ws: clients.find((c) => c.rooms[0] === roomId && c.kind === 'ws'),
    sse: clients.find((c) => c.rooms[0] === roomId && c.kind === 'sse'),
  }));
  assert.ok(senders.every((s) => s.ws && s.sse), 'every room has a WebSocket and an SSE member');
  console.log(`setup: ${CLIENTS} users (${clients.filter((c) => c.kind === 'ws').length} WebSocket, ${clients.filter((c) => c.kind === 'sse').length} SSE) in ${ROOMS} channels, connected and resumed through nginx :${ingress.port} in ${((now() - t0) / 1000).toFixed(1)} s`);
});

test('docs/deploy.md quotes scripts/nginx/chatnode.conf as it is', () => {
  const doc = fs.readFileSync(new URL('../../docs/deploy.md', import.meta.url), 'utf8');
  const conf = fs.readFileSync(TEMPLATE, 'utf8').trimEnd();
  assert.ok(doc.includes(`\`\`\`nginx\n${conf}\n\`\`\``), 'docs/deploy.md must contain scripts/nginx/chatnode.conf verbatim in an ```nginx block');
});

test('X-Forwarded-For through nginx: the nodes log each client\'s own address, not nginx\'s and not a forged one', () => {
  const logged = new Map();
  for (const n of everyNode) {
    for (const l of n.logLines()) if (l.event === 'http_user_registered') logged.set(l.user, l.addr);
  }
  const wrong = users.filter((u) => logged.get(u.id) !== u.addr).slice(0, 5)
    .map((u) => `${u.username}: logged ${logged.get(u.id)}, connected from ${u.addr}`);
  assert.deepEqual(wrong, [], 'registration log lines name the client address');
});

test('rolling restart under steady traffic: every node SIGTERMed and restarted in turn, one kill -9 in the middle', T, async () => {
  const nodeByPort = new Map(nodes.map((n, i) => [n.port, nodeName(i)]));
  const run = runSenders(senders, { perSecond: RATE });
  const tSteady = now();
  await sleep(STEADY_S * 1000);
  const plan = [];
  for (let round = 0; round < ROUNDS; round++) {
    plan.push({ i: 0, how: 'SIGTERM' });
    if (round === 0) plan.push({ i: 2, how: 'kill -9' });
    plan.push({ i: 1, how: 'SIGTERM' }, { i: 2, how: 'SIGTERM' });
  }
  const steps = [];
  const tRoll = now();
  for (const s of plan) {
    const n = nodes[s.i];
    const t0 = now();
    if (s.how === 'SIGTERM') await n.stop({ timeout: (DRAIN_S + 5) * 1000 }); // asserts exit 0
    else await n.kill();
    const cutByDeadline = n.logLines().filter((l) => l.event === 'drain_deadline');
    const exitedMs = now() - t0;
    await start(s.i, { port: n.port, internalPort: n.internalPort });
    const readyMs = now() - t0;
    // nginx takes a node it saw fail back only after fail_timeout, and only once a request it
    // tried there has *finished*: plain requests through nginx until the node served one.
    const backMs = await untilNginxUses(n.port) - t0;
    await sleep(SETTLE_S * 1000);
    await waitFor(() => clients.every((c) => c.isResumed), { timeout: 30000, interval: 100, what: 'every client connected and resumed' })
      .catch((e) => { throw new Error(`${e.message}: ${clients.filter((c) => !c.isResumed).slice(0, 5).map((c) => `c${c.idx} ${JSON.stringify(c.current)}`).join('; ')}`); });
    steps.push({ ...s, node: nodeName(s.i), t0, exitedMs, readyMs, backMs, allBackMs: now() - t0, cutByDeadline });
    console.log(`${s.how} ${nodeName(s.i)}: exited after ${(exitedMs / 1000).toFixed(2)} s, ready again after ${(readyMs / 1000).toFixed(2)} s, `
      + `used by nginx again after ${(backMs / 1000).toFixed(2)} s, every client resumed after ${((now() - t0) / 1000).toFixed(2)} s`);
  }
  const tRollEnd = now();
  await sleep(2000);
  run.stop();
  await run.done;
  const tEnd = now();

  // Every acked message reaches every member (bounded wait), then the connections end.
  const acked = new Map(rooms.map((r) => [r, []]));
  for (const s of senders) for (const a of s.acked) acked.get(s.roomId).push(a.id);
  const missingOf = (c) => acked.get(c.rooms[0]).filter((id) => !c.seen[c.rooms[0]].has(id));
  await waitFor(() => clients.every((c) => missingOf(c).length === 0), { timeout: 30000, interval: 200, what: 'every acked message at every member' }).catch(() => {});
  const history = new Map();
  for (const [r, roomId] of rooms.entries()) history.set(roomId, await historyIds(ingress.port, users[r].token, roomId)); // user r is in room r
  for (const c of clients) c.close();
  const opened = clients.flatMap((c) => c.connections.map((a) => a.tag));
  await waitFor(() => { const seen = new Set(ingress.records().map((r) => r.rid)); return opened.every((t) => seen.has(t)); },
    { timeout: 10000, interval: 200, what: 'an access log line for every connection' }).catch(() => {});
  const nodeOf = attemptNodes(ingress.records(), nodeByPort);

  // -- the report ------------------------------------------------------------------------------
  const sent = senders.reduce((k, s) => k + s.seq, 0);
  const nAcked = senders.reduce((k, s) => k + s.acked.length, 0);
  const failed = senders.flatMap((s) => s.failed);
  const skipped = senders.reduce((k, s) => k + s.skipped, 0);
  const steady = deliveries.stats(tSteady, tRoll, { live: true });
  const rollLive = deliveries.stats(tRoll, tRollEnd, { live: true });
  const rollAll = deliveries.stats(tRoll, tRollEnd);
  const f = (x) => (Number.isFinite(x) ? x.toFixed(1) : '-');
  console.log(`traffic: ${sent} sends in ${((tEnd - tSteady) / 1000).toFixed(0)} s (${RATE}/s in each of ${ROOMS} rooms), ${nAcked} acked, ${failed.length} failed, ${skipped} skipped while the WebSocket sender reconnected`);
  if (failed.length) console.log(`failed sends: ${JSON.stringify(Object.entries(failed.reduce((m, x) => { const k = `${x.via}: ${x.why.slice(0, 60)}`; m[k] = (m[k] ?? 0) + 1; return m; }, {})))}`);
  console.log(`delivery latency, steady (${steady.n} deliveries): p50 ${f(steady.p50)} ms, p99 ${f(steady.p99)} ms, max ${f(steady.max)} ms`);
  console.log(`delivery latency during the roll, live deliveries (${rollLive.n}): p50 ${f(rollLive.p50)} ms, p99 ${f(rollLive.p99)} ms, max ${f(rollLive.max)} ms`);
  console.log(`delivery latency during the roll, with replays after reconnects (${rollAll.n}): p50 ${f(rollAll.p50)} ms, p99 ${f(rollAll.p99)} ms, max ${f(rollAll.max)} ms`);
  const waves = [];
  for (const s of steps) {
    const w = reconnectWave(clients, nodeOf, s.node, s.t0, s.t0 + s.allBackMs);
    waves.push({ step: s, ...w });
    const spread = w.movers.filter((m) => m.next).map((m) => m.next.openedAt);
    console.log(`${s.how} ${s.node}: ${w.movers.length} clients moved, reconnected ${f(Math.min(...spread))}–${f(Math.max(...spread))} ms after the signal; ${describeWave(w.byNode)}`);
  }
  // nginx's view of the nodes (error.log, warn and up): what failed with which node, by second.
  const ngxSummary = {};
  for (const l of ingress.errorLog().split('\n')) {
    const m = /^\S+ (\d\d:\d\d:\d\d) \[\w+\] \d+#\d+: (?:\*\d+ )?(.*)$/.exec(l);
    if (!m) continue;
    const up = /upstream: "[a-z]+:\/\/127\.0\.0\.1:(\d+)/.exec(l)?.[1];
    const what = m[2].split(' while ')[0].split(', client:')[0].replace(/\d+/g, '#').slice(0, 70);
    const key = `${m[1]} ${nodeByPort.get(Number(up)) ?? '-'}: ${what}`;
    ngxSummary[key] = (ngxSummary[key] ?? 0) + 1;
  }
  console.log(`nginx error.log: ${JSON.stringify(ngxSummary)}`);
  if (process.env.ROLLING_REPORT) {
    fs.appendFileSync(process.env.ROLLING_REPORT, `${JSON.stringify({
      host: os.hostname(), cpus: os.cpus().length, cpu: os.cpus()[0]?.model, clients: CLIENTS, rooms: ROOMS, rate: RATE, rounds: ROUNDS,
      drainTimeoutS: DRAIN_S, balance: BALANCE || 'round_robin', sent, acked: nAcked, failed: failed.length, skipped, steady, rollLive, rollAll,
      steps: waves.map((w) => ({ how: w.step.how, node: w.step.node, exitedMs: Math.round(w.step.exitedMs), readyMs: Math.round(w.step.readyMs), moved: w.movers.length, byNode: Object.fromEntries([...w.byNode].map(([k, v]) => [k, { n: v.length, max1s: maxInWindow(v) }])) })),
    })}\n`);
  }

  // -- the assertions --------------------------------------------------------------------------
  const lost = clients.flatMap((c) => missingOf(c).map((id) => `c${c.idx} (${c.kind}) misses ${id} of room ${c.rooms[0]}`));
  assert.deepEqual(lost.slice(0, 10), [], `${lost.length} acked deliveries lost`);
  const problems = clients.flatMap((c) => c.problems);
  assert.deepEqual(problems.slice(0, 10), [], `${problems.length} duplicates or reorderings`);
  const phantom = clients.flatMap((c) => [...c.seen[c.rooms[0]]].filter((id) => !history.get(c.rooms[0]).has(id)).map((id) => `c${c.idx}: ${id}`));
  assert.deepEqual(phantom.slice(0, 10), [], 'every delivered id is in the room\'s history');
  const unstored = [...acked].flatMap(([r, ids]) => ids.filter((id) => !history.get(r).has(id)));
  assert.deepEqual(unstored.slice(0, 10), [], 'every acked id is in history');
  assert.deepEqual(clients.flatMap((c) => c.errors).slice(0, 10), [], 'no error events, no close that forbids a reconnect');
  assert.ok(nAcked >= sent * 0.9 - skipped, `acked ${nAcked} of ${sent} sends (${skipped} skipped)`);

  const notThrough = opened.filter((t) => !nodeOf.get(t)?.node);
  assert.deepEqual(notThrough.slice(0, 10), [], 'every connection went through nginx to one of the nodes');
  const unmoved = clients.filter((c) => c.connections.length < 2).map((c) => `c${c.idx}`);
  assert.deepEqual(unmoved.slice(0, 10), [], 'every client reconnected at least once (every node restarted)');
  const unresumed = clients.flatMap((c) => c.connections.filter((a) => a.resumedAt === null).map((a) => `${a.tag} on ${nodeOf.get(a.tag)?.node}`));
  assert.deepEqual(unresumed.slice(0, 10), [], 'every connection resumed (WebSocket: `resumed`; SSE: its cursor names the room)');
  const noCursor = clients.filter((c) => c.kind === 'sse').flatMap((c) => c.connections.slice(1).filter((a) => !a.lastEventId).map((a) => a.tag));
  assert.deepEqual(noCursor.slice(0, 10), [], 'every SSE reconnect sent Last-Event-ID');

  for (const w of waves) {
    const { step, movers, byNode } = w;
    const onNode = opened.filter((t) => {
      const a = clients[Number(t.slice(1).split('.')[0])].attempts[Number(t.split('.')[1])];
      return nodeOf.get(t)?.node === step.node && a.openedAt < step.t0 && a.endedAt >= step.t0;
    });
    assert.equal(movers.length, onNode.length, `${step.how} ${step.node}: every client it had moved`);
    assert.ok(movers.every((m) => m.next?.resumed), `${step.how} ${step.node}: every moved client resumed on another node`);
    if (step.how !== 'SIGTERM') continue;
    assert.ok(step.exitedMs <= DRAIN_S * 1000 + 1000, `${step.node} drained in ${step.exitedMs.toFixed(0)} ms (--drain-timeout ${DRAIN_S}s)`);
    // The drain ended because every connection had gone, not at its deadline.
    assert.deepEqual(step.cutByDeadline, [], `${step.node}: the drain's deadline cut connections`);
    // nginx sent no new stream to the draining node (the listener is closed, and a stream asked
    // for on a kept-alive connection is refused).
    const tookWhileDraining = opened.filter((t) => {
      const a = clients[Number(t.slice(1).split('.')[0])].attempts[Number(t.split('.')[1])];
      return nodeOf.get(t)?.node === step.node && a.openedAt >= step.t0 && a.openedAt <= step.t0 + step.exitedMs;
    });
    assert.deepEqual(tookWhileDraining, [], `${step.node} took connections while draining`);
    const notDrained = movers.filter((m) => !(m.code === 1012 || m.drain)).map((m) => `${m.tag} ${m.code}`);
    assert.deepEqual(notDrained.slice(0, 10), [], `${step.node}: every client told to reconnect (WebSocket 1012, SSE reconnect event)`);
    for (const [node, ts] of byNode) {
      assert.ok(maxInWindow(ts) <= movers.length / 2,
        `${step.node}'s drain: ${node} took ${maxInWindow(ts)} of its ${movers.length} clients within one second (${describeWave(byNode)})`);
    }
  }
});

test('shutdown: SIGTERM → exit 0 for every node, nginx and redis stop', T, async () => {
  for (const c of clients ?? []) c.close();
  for (const n of nodes) await n.stop({ timeout: (DRAIN_S + 5) * 1000 });
  await ingress.stop();
  await redis.stop();
});
