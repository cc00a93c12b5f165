// Metrics (issue #5): the /metrics exposition passes `promtool check metrics` (no errors, no lint
// warnings); a real Prometheus (Debian package, started here on loopback, scraping every 1 s)
// scrapes a two-node cluster while a short load runs; every PromQL expression of the Grafana
// dashboard (helm/chat-node/dashboards/chat-node.json) returns data; the counters agree with what
// the test's clients sent and received.
//
// Conditions that only some panels need are triggered on purpose, before the load:
//   * presence_reaped{reason="node_restart"}: node b is killed (-9) with a user online and restarted
//     with the same --server-id;
//   * redis_reconnects{role=command|subscriber}: `CLIENT KILL TYPE normal` / `TYPE pubsub`;
//   * redis_errors and an HTTP 5xx (the 5xx-ratio panel): Redis `maxmemory 1` (write commands get
//     an OOM error reply) during one POST /room/0/messages per node, then maxmemory back to 0;
//   * rate_limited: node b runs with --login-attempts-per-minute 3 and gets wrong-password logins;
//   * errors: 404s and a bad_json body;
//   * the assistant's series: node a runs it against the scripted backend of tests/ai_backends, and
//     one HTTP-only user asks it in their DM, reply after reply, throughout the load.
// Pre-bound series that stay 0 here (slow consumers, drain, catch-ups) still return a 0 sample.
//
// Needs /usr/bin/prometheus and /usr/bin/promtool (Debian `prometheus`). Without them the tests are
// skipped, unless CHAT_REQUIRE_PROMETHEUS is set (CI): then they fail.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  startRedis, startNode, cleanup, register, uniqueName, assertStatus, internal, api, sleep, waitFor,
} from './lib/harness.mjs';
import { WsClient, closeAllLive, sendWs, syncRoom } from './lib/live.mjs';
import {
  prometheusSkipReason, promtoolCheckMetrics, startPrometheus, stopAllPrometheus, dashboardTargets, substituteVars,
} from './lib/prometheus.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const DASHBOARD = path.resolve(here, '../../helm/chat-node/dashboards/chat-node.json');
const LOAD_MS = 8000;
const RATE_INTERVAL = '15s'; // $__rate_interval: ≥ 4 × the 1 s scrape interval
const VARS = { __rate_interval: RATE_INTERVAL, __interval: '5s', __range: '1m', namespace: 'test', pod: '.*', datasource: 'prometheus' };

import { startScriptedBackend } from '../ai_backends/scripted_backends.mjs';

const SKIP = prometheusSkipReason(); // throws when CHAT_REQUIRE_PROMETHEUS is set and a binary is missing
if (SKIP) console.log(`metrics_prometheus: ${SKIP}`);
const T = { timeout: 60000, skip: SKIP ?? false };

let redis;
let prom;
let backend;
const nodes = {}; // server id → node

after(async () => {
  await closeAllLive();
  await stopAllPrometheus();
  await cleanup();
  await backend?.close();
});

/** Pipes /metrics of `node` through promtool; asserts exit 0 and no output (lint warnings). */
async function assertPromtoolClean(node, what) {
  const res = await internal(node, '/metrics');
  assertStatus(res, 200, `${what}: GET /metrics`);
  assert.match(String(res.headers['content-type']), /^text\/plain/, `${what}: /metrics content type`);
  const r = promtoolCheckMetrics(res.text);
  assert.ok(r.status === 0 && r.output.trim() === '',
    `${what}: promtool check metrics exited ${r.status} (signal ${r.signal}) with:\n${r.output}\n--- /metrics ---\n${res.text.slice(0, 6000)}`);
  return res.text;
}

test('promtool check metrics: the exposition of a node that served traffic has no errors and no lint warnings', T, async () => {
  redis = await startRedis();
  const node = await startNode({ redisUrl: redis.url });
  const u = await register(node, uniqueName('pt'));
  const ws = await WsClient.connect(node.port, { client: u });
  const ans = await sendWs(ws, '0', 'hello metrics');
  assert.equal(ans.type, 'ack', `WS send: ${JSON.stringify(ans)}`);
  assertStatus(await u.post('/room/0/messages', { message: 'over http' }), 201, 'HTTP send');
  assertStatus(await u.get('/no/such/route'), 404, 'unknown route');
  assertStatus(await u.post('/room/0/messages', '{not json', { contentType: 'application/json' }), 400, 'bad json');
  await ws.close();
  const text = await assertPromtoolClean(node, 'single node');
  // the series the dashboard relies on are all there
  for (const name of ['chatnode_build_info', 'chatnode_connections', 'chatnode_messages_persisted_total',
    'chatnode_http_requests_total', 'chatnode_redis_command_duration_seconds_bucket', 'chatnode_errors_total']) {
    assert.match(text, new RegExp(`^${name}[{ ]`, 'm'), `/metrics has ${name}`);
  }
  await node.stop();
});

test('Prometheus scrapes a two-node cluster under load: every dashboard expression returns data, counters agree with the clients', T, async () => {
  if (!redis) redis = await startRedis();
  const bArgs = ['--login-attempts-per-minute', '3'];
  backend = await startScriptedBackend();
  backend.script({ chunks: ['one ', 'two ', 'three ', 'four ', 'five'], firstDelayMs: 100, delayMs: 150 });
  nodes.a = await startNode({ redisUrl: redis.url, serverId: 'a',
    args: ['--ai-url', backend.openaiUrl, '--ai-model', 'scripted', '--ai-requests-per-hour', '0'] });
  nodes.b = await startNode({ redisUrl: redis.url, serverId: 'b', args: bArgs });
  const { a } = nodes;

  // --- node b dies with a user online and comes back with the same id: presence_reaped{node_restart}
  const ghost = await register(a, uniqueName('ghost'));
  const wsGhost = await WsClient.connect(nodes.b.port, { client: ghost });
  await wsGhost.ping();
  await waitFor(async () => {
    const r = await ghost.get('/users/online');
    return r.status === 200 && r.json && ghost.user.id in r.json;
  }, { timeout: 5000, what: 'ghost user online' });
  await nodes.b.kill();
  await wsGhost.terminate();
  nodes.b = await startNode({ redisUrl: redis.url, serverId: 'b', args: bArgs });
  const { b } = nodes;

  // --- Prometheus, scraping both internal ports every second; namespace/pod as target labels
  prom = await startPrometheus({
    targets: [
      { port: a.internalPort, labels: { namespace: 'test', pod: 'a' } },
      { port: b.internalPort, labels: { namespace: 'test', pod: 'b' } },
    ],
    scrapeInterval: '1s',
  });
  await prom.waitTargetsUp();

  // --- Redis connections killed once: redis_reconnects for both roles
  const killedSub = Number(redis.cli('CLIENT', 'KILL', 'TYPE', 'pubsub'));
  const killedCmd = Number(redis.cli('CLIENT', 'KILL', 'TYPE', 'normal'));
  console.log(`CLIENT KILL: ${killedSub} subscriber, ${killedCmd} command connection(s)`);
  assert.ok(killedSub >= 2 && killedCmd >= 2, 'one subscriber and at least one command connection per node killed');
  for (const n of [a, b]) {
    await waitFor(async () => {
      const m = (await internal(n, '/metrics')).text;
      return /^chatnode_redis_reconnects_total\{role="subscriber"\} [1-9]/m.test(m)
        && /^chatnode_redis_reconnects_total\{role="command"\} [1-9]/m.test(m)
        && !/^chatnode_redis_connected\{[^}]*\} 0/m.test(m)
        && (await internal(n, '/readyz')).status === 200;
    }, { timeout: 10000, interval: 200, what: `node ${n.serverId}: Redis reconnected (both roles) and ready` });
  }

  // --- users: 6 on alternating nodes, one of them with a second tab on the other node
  const users = [];
  for (let i = 0; i < 6; i++) users.push(await register(a, uniqueName(`m${i}`)));
  const ws = [];
  for (let i = 0; i < users.length; i++) {
    const n = i % 2 === 0 ? a : b;
    ws.push(await WsClient.connect(n.port, { client: users[i], label: `ws(${users[i].user.username}@${n.serverId})` }));
  }
  ws.push(await WsClient.connect(b.port, { client: users[0], label: `ws(${users[0].user.username}@b, tab 2)` }));
  let acked = 0; // messages persisted according to the clients: WS acks + HTTP 201s
  const sync1 = await syncRoom(ws[0], '0', ws, { timeoutMs: 10000 });
  acked += sync1.attempts;

  // --- Redis refuses writes for a moment: redis_errors and one 5xx per node
  redis.cli('CONFIG', 'SET', 'maxmemory', '1');
  const refused = [];
  try {
    for (const n of [a, b]) refused.push(await users[1].on(n).post('/room/0/messages', { message: 'while Redis is out of memory' }));
  } finally {
    redis.cli('CONFIG', 'SET', 'maxmemory', '0');
  }
  for (const [i, r] of refused.entries()) {
    assert.ok(r.status >= 500 && r.status <= 599, `POST while Redis refuses writes on node ${['a', 'b'][i]}: expected 5xx, got ${r.status} ${r.text.slice(0, 200)}`);
  }
  console.log(`POST during Redis OOM: ${refused.map((r) => `${r.status} ${r.json?.error}`).join(', ')}`);

  // --- handled errors and rate limits
  for (const n of [a, b]) {
    assertStatus(await api(n).get('/no/such/route'), 404, `404 on ${n.serverId}`);
    assertStatus(await users[2].on(n).post('/room/0/messages', '{oops', { contentType: 'application/json' }), 400, `bad json on ${n.serverId}`);
  }
  let limited = null;
  for (let i = 0; i < 10 && !limited; i++) {
    const r = await api(b).post('/login', { username: users[3].user.username, password: 'wrong-password' });
    if (r.status === 429) limited = r;
    else assertStatus(r, 401, `wrong-password login ${i + 1} on b`);
  }
  assert.ok(limited, 'node b (--login-attempts-per-minute 3) answers 429 within 10 wrong-password logins');

  // --- load: every WS connection sends in General until LOAD_MS; two users also send over HTTP
  const deadline = Date.now() + LOAD_MS;
  const failures = [];
  const wsLoop = async (c) => {
    let k = 0;
    while (Date.now() < deadline) {
      const ans = await sendWs(c, '0', `load ${c.label} ${k++}`, { timeoutMs: 5000 });
      if (ans.type === 'ack') acked += 1; else failures.push(ans);
      await sleep(50);
    }
  };
  const httpLoop = async (client) => {
    let k = 0;
    while (Date.now() < deadline) {
      const r = await client.post('/room/0/messages', { message: `http load ${k++}` });
      if (r.status === 201) acked += 1; else failures.push({ status: r.status, body: r.text.slice(0, 200) });
      await sleep(100);
    }
  };
  // One HTTP-only user asks the assistant (node a) in their DM, one reply after the other.
  const asker = await register(a, uniqueName('asker'));
  const online = (await asker.get('/users/online')).json;
  const botId = Object.values(online).find((u) => u.username === 'Assistant')?.id;
  assert.ok(botId, 'node a has its bot user');
  const dm = (await asker.post('/room', { user1: asker.user.id, user2: botId })).json.id;
  let replies = 0;
  const aiLoop = async () => {
    while (Date.now() < deadline) {
      const r = await asker.post(`/room/${dm}/messages`, { message: `question ${replies}` });
      if (r.status !== 201) { failures.push({ status: r.status, body: r.text.slice(0, 200) }); return; }
      acked += 1;
      await waitFor(async () => {
        const last = (await asker.get(`/room/${dm}/messages?limit=1`)).json?.[0];
        return last?.from === botId && last.id > r.json.id && last.streaming !== true;
      }, { timeout: 10000, interval: 100, what: 'the assistant\'s reply' });
      replies += 1;
    }
  };
  const t0 = Date.now();
  await Promise.all([...ws.map(wsLoop), httpLoop(users[4].on(a)), httpLoop(users[5].on(b)), aiLoop()]);
  assert.ok(replies >= 2, `the assistant replied during the load (${replies})`);
  assert.deepEqual(failures, [], 'every send during the load acknowledged');

  // A last marker delivered to every connection: ids are delivered in order, so every message a
  // connection will ever get has arrived once it has the marker.
  const sync2 = await syncRoom(ws[1], '0', ws, { timeoutMs: 10000 });
  acked += sync2.attempts;
  const delivered = ws.reduce((s, c) => s + c.events.filter((e) => e.type === 'message').length, 0);
  const openWs = ws.filter((c) => c.isOpen).length;
  assert.equal(openWs, ws.length, 'no WS connection was closed during the load');
  console.log(`load: ${acked} messages acknowledged in ${Date.now() - t0} ms, ${delivered} WS deliveries counted by ${ws.length} connections`);

  // --- counters agree with the clients (bounded wait for the next scrapes). Mismatches and empty
  // dashboard expressions are collected and asserted together at the end, so one run shows them all.
  const frames = ws.reduce((s, c) => s + c.events.length, 0);
  const persistedQ = 'sum(chatnode_messages_persisted_total{namespace="test"})';
  const deliveredQ = 'sum(chatnode_messages_delivered_total{namespace="test", transport="ws"})';
  const wsConnQ = 'sum(chatnode_connections{namespace="test", transport="ws"})';
  let seen = {};
  try {
    await waitFor(async () => {
      seen = { persisted: await prom.value(persistedQ), delivered: await prom.value(deliveredQ), wsConnections: await prom.value(wsConnQ) };
      return seen.persisted === acked && seen.delivered === delivered && seen.wsConnections === openWs;
    }, { timeout: 8000, interval: 500, what: 'Prometheus counters to match the clients' });
  } catch { /* reported below */ }
  console.log(`Prometheus: ${JSON.stringify(seen)}; clients: ${JSON.stringify({ persisted: acked, delivered, wsConnections: openWs })}; ` +
    `all WS frames received by the clients (message + ack + pong + presence …): ${frames}`);
  const byPod = await prom.query('sum by (pod)(chatnode_messages_persisted_total{namespace="test"})');
  console.log(`persisted by pod: ${byPod.map((r) => `${r.metric.pod}=${r.value[1]}`).join(', ')}`);
  const problems = [];
  if (seen.persisted !== acked) {
    problems.push(`${persistedQ} = ${seen.persisted}, but the clients got ${acked} acks/201s` +
      (seen.persisted === 2 * acked ? ' (exactly twice: each message counted twice)' : ''));
  }
  if (seen.delivered !== delivered) {
    problems.push(`${deliveredQ} = ${seen.delivered}, but the ${ws.length} WS connections (all of them, all open) received ${delivered} message events` +
      (seen.delivered === frames ? ` (it equals the ${frames} frames of every type they received: acks, pongs, presence are counted as chat messages)` : ''));
  }
  // Write batching series: every write carries at least one event, chat messages are among the events.
  const wsWrites = await prom.value('sum(chatnode_socket_writes_total{namespace="test", transport="ws"})');
  const wsEvents = await prom.value('sum(chatnode_events_written_total{namespace="test", transport="ws"})');
  console.log(`WS socket writes ${wsWrites}, events written ${wsEvents} (${(wsEvents / wsWrites).toFixed(2)} per write)`);
  if (!(wsWrites > 0 && wsWrites <= wsEvents && wsEvents >= seen.delivered)) {
    problems.push(`WS writes ${wsWrites} / events written ${wsEvents} / messages delivered ${seen.delivered}: expected 0 < writes ≤ events and events ≥ messages`);
  }
  if (seen.wsConnections !== openWs) problems.push(`${wsConnQ} = ${seen.wsConnections}, but ${openWs} WS connections are open`);
  assert.ok(seen.delivered >= delivered, `${deliveredQ} (${seen.delivered}) ≥ message events received by the clients (${delivered})`);
  const allConn = await prom.value('sum(chatnode_connections{namespace="test"})');
  const byTransport = await prom.query('sum by (transport)(chatnode_connections{namespace="test"})');
  console.log(`chatnode_connections: total ${allConn} (${byTransport.map((r) => `${r.metric.transport}=${r.value[1]}`).join(', ')}); open WS ${openWs}, SSE 0`);
  assert.equal(await prom.value('sum(chatnode_connections{namespace="test", transport="sse"})'), 0, 'no SSE connection open');
  assert.equal(await prom.value('count(chatnode_build_info{namespace="test"})'), 2, 'two pods');
  assert.ok((await prom.value('sum(chatnode_presence_reaped_total{namespace="test", pod="b", reason="node_restart"})')) >= 1,
    'the restarted node b reaped the presence of its previous life');

  // --- every dashboard expression returns data
  const targets = dashboardTargets(DASHBOARD);
  assert.ok(targets.length >= 30, `dashboard has ${targets.length} expressions`);
  const rows = [];
  for (const t of targets) {
    const expr = substituteVars(t.expr, VARS);
    let result;
    let error = null;
    try { result = await prom.query(expr); } catch (e) { error = e.message; result = []; }
    rows.push({ ...t, query: expr, n: result.length, error });
  }
  console.log(`dashboard expressions (${rows.length}), $__rate_interval=${RATE_INTERVAL}, $namespace=test, $pod=.*; [result count]:`);
  for (const r of rows) console.log(`  [${r.n}] panel ${r.panelId} "${r.title}" ${r.refId}: ${r.query}${r.error ? `  ERROR ${r.error}` : ''}`);
  for (const r of rows.filter((x) => x.n === 0)) {
    problems.push(`dashboard panel ${r.panelId} "${r.title}" ${r.refId} returns no data: ${r.query}${r.error ? ` (${r.error})` : ''}`);
  }
  assert.deepEqual(problems, [], 'Prometheus counters agree with the clients and every dashboard expression returns data');

  // --- shutdown: the exposition is still promtool-clean after all that, then SIGTERM → exit 0
  await assertPromtoolClean(a, 'node a after the load');
  await assertPromtoolClean(b, 'node b after the load');
  await closeAllLive();
  await prom.stop();
  await a.stop();
  await b.stop();
});
