// Overload shedding (--redis-max-queue-delay-ms): while the node's oldest Redis command has waited
// longer than the limit, a new chat message is refused at once with `overloaded` (WebSocket error
// frame with its clientId; HTTP 503 + Retry-After: 1), and nothing of it is stored. The messages
// already queued are not lost, sending works again as soon as Redis catches up, and a node with
// the limit at 0 queues instead of refusing. Redis falls behind for real: CLIENT PAUSE.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startRedis, startNode, cleanup, register, assertError, assertStatus, allMessages, internal, sleep,
} from './lib/harness.mjs';
import { WsClient, closeAllLive, sendWs, newClientId, isMessage } from './lib/live.mjs';

const T = { timeout: 60000 };
const LIMIT_MS = 200;
const PAUSE_MS = 2500;
let redis;
let node;     // sheds above LIMIT_MS
let patient;  // --redis-max-queue-delay-ms 0: never sheds
let A;
let ws;

after(async () => { await closeAllLive(); await cleanup(); });

function metric(text, name, labels = '') {
  const re = new RegExp(`^${name}${labels ? `\\{${labels}\\}` : ''} ([0-9.e+-]+)$`, 'm');
  const m = text.match(re);
  return m ? Number(m[1]) : undefined;
}

test('setup: redis, a shedding node and a patient node, user A on WebSocket', T, async () => {
  redis = await startRedis();
  node = await startNode({ redisUrl: redis.url, args: ['--redis-max-queue-delay-ms', String(LIMIT_MS)] });
  patient = await startNode({ redisUrl: redis.url, args: ['--redis-max-queue-delay-ms', '0'] });
  A = await register(node);
  ws = await WsClient.connect(node.port, { client: A });
  const ack = await sendWs(ws, '0', 'before the backlog');
  assert.equal(ack.type, 'ack', `first send: ${JSON.stringify(ack)}`);
  const m = (await internal(node, '/metrics')).text;
  assert.equal(metric(m, 'chatnode_messages_shed_total'), 0, 'nothing shed yet');
  assert.ok(metric(m, 'chatnode_redis_commands_in_flight', 'role="command"') !== undefined, 'in-flight gauge exported');
  assert.ok(metric(m, 'chatnode_redis_queue_delay_seconds', 'role="command"') < LIMIT_MS / 1000, 'no backlog yet');
});

test('Redis falls behind: queued message waits; new WS and HTTP sends are refused fast with overloaded; the patient node queues', T, async () => {
  redis.cli('CLIENT', 'PAUSE', PAUSE_MS, 'ALL');
  const pausedAt = performance.now();
  const queuedId = newClientId();
  const from = ws.mark();
  ws.send({ type: 'message', roomId: '0', message: 'queued behind the pause', clientId: queuedId });
  const patientSend = A.on(patient).post('/room/0/messages', { message: 'patient node, no limit' });
  await sleep(LIMIT_MS * 2);

  const t0 = performance.now();
  const shedWs = await sendWs(ws, '0', 'refused over WebSocket');
  const wsMs = performance.now() - t0;
  assert.equal(shedWs.type, 'error', `WS send during the backlog: ${JSON.stringify(shedWs)}`);
  assert.equal(shedWs.data.code, 'overloaded');
  assert.ok(shedWs.data.message.length > 0);
  const http = await A.post('/room/0/messages', { message: 'refused over HTTP' });
  assertError(http, 503, 'overloaded', 'HTTP send during the backlog');
  assert.equal(http.headers['retry-after'], '1');
  const answeredBy = performance.now() - pausedAt;
  assert.ok(answeredBy < PAUSE_MS - 500, `both refusals came while Redis was still paused (${wsMs.toFixed(0)} ms, ${http.ms.toFixed(0)} ms; ${answeredBy.toFixed(0)} ms into the pause)`);

  const m = (await internal(node, '/metrics')).text;
  assert.equal(metric(m, 'chatnode_messages_shed_total'), 2, 'both refusals counted');
  assert.ok(metric(m, 'chatnode_redis_commands_in_flight', 'role="command"') >= 1, 'the queued script is in flight');
  const delay = metric(m, 'chatnode_redis_queue_delay_seconds', 'role="command"');
  assert.ok(delay > LIMIT_MS / 1000, `queue delay gauge ${delay} s > the limit`);

  // The message sent before the backlog built up is not lost: acknowledged and delivered after the pause.
  const ack = await ws.waitFor((e) => (e.type === 'ack' || e.type === 'error') && e.data?.clientId === queuedId, PAUSE_MS + 5000,
    { from, what: 'answer to the queued message' });
  assert.equal(ack.type, 'ack', `queued message: ${JSON.stringify(ack)}`);
  assert.ok(performance.now() - pausedAt >= PAUSE_MS - 200, 'its ack came after the pause');
  await ws.waitFor(isMessage(ack.data.id, '0'), 5000, { from, what: 'the queued message delivered' });
  const p = await patientSend;
  assertStatus(p, 201, 'the patient node waited for Redis instead of refusing');
});

test('after the backlog: sends are accepted again; history holds the queued messages and none of the refused ones', T, async () => {
  const ack = await sendWs(ws, '0', 'after the backlog');
  assert.equal(ack.type, 'ack', `send after the backlog: ${JSON.stringify(ack)}`);
  const texts = (await allMessages(A, '0')).map((m) => m.message);
  for (const t of ['before the backlog', 'queued behind the pause', 'patient node, no limit', 'after the backlog'])
    assert.ok(texts.includes(t), `history has "${t}"`);
  for (const t of ['refused over WebSocket', 'refused over HTTP'])
    assert.ok(!texts.includes(t), `history does not have "${t}"`);
  const m = (await internal(node, '/metrics')).text;
  assert.ok(metric(m, 'chatnode_redis_queue_delay_seconds', 'role="command"') < LIMIT_MS / 1000, 'the gauge fell back');
  assert.equal(metric((await internal(patient, '/metrics')).text, 'chatnode_messages_shed_total'), 0, 'the patient node shed nothing');
});

test('shutdown: SIGTERM → exit 0', T, async () => {
  ws.close();
  await patient.stop();
  await node.stop();
  await redis.stop();
});
