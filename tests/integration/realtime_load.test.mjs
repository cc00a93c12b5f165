// Fan-out correctness under load (docs/protocol.md §2.4): 200 WebSocket connections (100 users × 2)
// and 50 messages sent in General by 5 senders at once. Every connection must receive each of the 50
// ids exactly once, in increasing order. A correctness test: no timing assertions (times are logged).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startRedis, startNode, cleanup, register, uniqueName,
} from './lib/harness.mjs';
import { WsClient, closeAllLive, syncRoom, orderProblem, newClientId } from './lib/live.mjs';

const T = { timeout: 120000 };
const USERS = 100;
const PER_USER = 2;
const SENDERS = 5;
const PER_SENDER = 10;
let redis;
let node;
let users = [];
let conns = [];

after(async () => {
  await closeAllLive();
  await cleanup();
});

test(`setup: node (--messages-per-10s 1000, --bcrypt-cost 4), ${USERS} users registered 20 at a time`, T, async () => {
  redis = await startRedis();
  node = await startNode({ redisUrl: redis.url, args: ['--messages-per-10s', '1000', '--bcrypt-cost', '4', '--hash-threads', '2'] });
  await register(node, uniqueName('admin'));
  const t0 = performance.now();
  for (let i = 0; i < USERS; i += 20) {
    const batch = await Promise.all(Array.from({ length: Math.min(20, USERS - i) }, (_, j) => register(node, uniqueName(`L${i + j}`))));
    users.push(...batch);
  }
  console.log(`registered ${users.length} users in ${Math.round(performance.now() - t0)} ms`);
  assert.equal(users.length, USERS);
  assert.equal(new Set(users.map((u) => u.user.id)).size, USERS, 'distinct user ids');
});

test(`${USERS * PER_USER} WS connections follow General`, T, async () => {
  const t0 = performance.now();
  for (let i = 0; i < users.length; i += 20) {
    const batch = [];
    for (const u of users.slice(i, i + 20)) {
      for (let k = 0; k < PER_USER; k++) batch.push(WsClient.connect(node.port, { client: u, label: `${u.user.username}#${k}`, timeout: 10000 }));
    }
    conns.push(...await Promise.all(batch));
  }
  console.log(`opened ${conns.length} connections in ${Math.round(performance.now() - t0)} ms`);
  assert.equal(conns.length, USERS * PER_USER);
  // every connection is live in General before the measured messages (readiness probe)
  const sync = await syncRoom(conns[0], '0', conns, { timeoutMs: 30000, retryMs: 3000 });
  console.log(`all connections live after ${sync.attempts} sync message(s)`);
});

test(`${SENDERS} senders × ${PER_SENDER} messages at once → each of the ${USERS * PER_USER} connections gets each of the ${SENDERS * PER_SENDER} ids exactly once, in increasing order`, T, async () => {
  const marks = conns.map((c) => c.mark());
  const senders = conns.filter((_, i) => i % PER_USER === 0).slice(0, SENDERS); // first tab of 5 users
  const t0 = performance.now();
  const results = await Promise.all(senders.map(async (ws, s) => {
    const clientIds = Array.from({ length: PER_SENDER }, () => newClientId(`s${s}-`));
    const from = ws.mark();
    clientIds.forEach((cid, i) => ws.send({ type: 'message', roomId: '0', message: `load ${s}/${i}`, clientId: cid }));
    const answers = await ws.waitForCount((e) => (e.type === 'ack' || e.type === 'error') && clientIds.includes(e.data?.clientId), PER_SENDER, 30000, { from, what: `answers for sender ${s}` });
    return { ws, clientIds, answers };
  }));
  const refused = results.flatMap((r) => r.answers.filter((a) => a.type !== 'ack'));
  assert.deepEqual(refused, [], 'every send acked');
  const sent = results.flatMap((r) => r.answers.map((a) => a.data.id)).sort((a, b) => a - b);
  assert.equal(new Set(sent).size, SENDERS * PER_SENDER, 'distinct ids');
  // per sender, acks come in send order and ids increase
  for (const r of results) {
    assert.deepEqual(r.answers.map((a) => a.data.clientId), r.clientIds, 'acks in send order');
    assert.equal(orderProblem(r.answers.map((a) => a.data.id)), null, 'one sender\'s ids increase');
  }
  const last = sent[sent.length - 1];

  // wait for every connection to reach the last id (bounded), then count exactly
  const deadline = Date.now() + 60000;
  const problems = [];
  await Promise.all(conns.map(async (c, i) => {
    try {
      await c.waitFor((e) => e.type === 'message' && e.data?.id === last, Math.max(1, deadline - Date.now()), { from: marks[i], what: `last id ${last}` });
    } catch (e) {
      problems.push(`${c.label}: ${e.message.slice(0, 160)}`);
    }
  }));
  console.log(`${SENDERS * PER_SENDER} messages reached ${conns.length - problems.length}/${conns.length} connections in ${Math.round(performance.now() - t0)} ms`);
  for (const c of conns) await c.ping(10000).catch((e) => problems.push(`${c.label}: no pong (${e.message.slice(0, 100)})`));

  const wrong = [];
  conns.forEach((c, i) => {
    const ids = c.messages('0', marks[i]).map((m) => m.id);
    if (JSON.stringify(ids) === JSON.stringify(sent)) return;
    const dup = ids.filter((id, k) => ids.indexOf(id) !== k);
    const missing = sent.filter((id) => !ids.includes(id));
    const extra = ids.filter((id) => !sent.includes(id));
    wrong.push(`${c.label}: ${ids.length} ids, missing ${missing.length} [${missing.slice(0, 5)}], duplicates [${dup.slice(0, 5)}], extra [${extra.slice(0, 5)}], order: ${orderProblem(ids)}`);
  });
  const closed = conns.filter((c) => c.closeInfo).map((c) => `${c.label}: closed ${JSON.stringify(c.closeInfo)}`);
  assert.deepEqual({ problems, wrong: wrong.slice(0, 20), wrongCount: wrong.length, closed: closed.slice(0, 20) },
    { problems: [], wrong: [], wrongCount: 0, closed: [] }, 'every connection got every id exactly once, in order');
  // and the payloads are the ones sent
  const sample = conns[conns.length - 1].messages('0', marks[conns.length - 1]);
  const texts = new Set(results.flatMap((r, s) => r.clientIds.map((_, i) => `load ${s}/${i}`)));
  assert.ok(sample.every((m) => texts.has(m.message)), 'payloads are the sent texts');
});

test('shutdown: close the connections, SIGTERM → exit 0', T, async () => {
  await closeAllLive();
  await node.stop();
});
