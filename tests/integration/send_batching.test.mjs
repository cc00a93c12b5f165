// Batched message writes (storage/send_batcher): while two send_message calls are in flight, new
// messages wait and leave together in the next call. Redis is made to fall behind for real (CLIENT
// PAUSE), so the batch forms deterministically: 30 messages from one connection, two calls in flight,
// the other 28 in one call. Each message still gets its own answer (an ack, or `forbidden` /
// `not_found` for the ones in the same batch that may not be written), in the order sent, stored
// and delivered exactly once, with strictly increasing ids.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRedis, startNode, cleanup, register, assertStatus, allMessages, internal } from './lib/harness.mjs';
import { WsClient, closeAllLive, newClientId, orderProblem } from './lib/live.mjs';

const T = { timeout: 60000 };
let redis;
let node;
let A;
let B;
let ws;
let closedRoom; // B's channel, which A has not joined

after(async () => { await closeAllLive(); await cleanup(); });

function counter(text, name) {
  const m = text.match(new RegExp(`^${name} ([0-9.e+]+)$`, 'm'));
  return m ? Number(m[1]) : NaN;
}

test('setup: redis, node, A on WebSocket, B with a channel A is not in', T, async () => {
  redis = await startRedis();
  node = await startNode({ redisUrl: redis.url, args: ['--redis-max-queue-delay-ms', '0'] });
  A = await register(node);
  B = await register(node);
  const res = await B.post('/rooms', { name: `closed-${Date.now()}` });
  assertStatus(res, 201, 'B creates a channel');
  closedRoom = res.json.id;
  ws = await WsClient.connect(node.port, { client: A });
  await ws.ping();
});

test('30 messages sent while Redis is paused: 3 script calls, one answer each in order, stored and delivered once', T, async () => {
  const before = (await internal(node, '/metrics')).text;
  redis.cli('CLIENT', 'PAUSE', 800, 'ALL');
  const from = ws.mark();
  const sent = [];
  for (let i = 0; i < 30; i++) {
    // Two of the waiting messages may not be written; they share the batch with the others.
    const roomId = i === 10 ? closedRoom : i === 20 ? '987654321' : '0';
    const clientId = newClientId(`b${i}-`);
    sent.push({ clientId, roomId, text: `batched ${i}` });
    ws.send({ type: 'message', roomId, message: `batched ${i}`, clientId });
  }
  const answers = [];
  for (const s of sent) {
    answers.push(await ws.waitFor((e) => (e.type === 'ack' || e.type === 'error') && e.data?.clientId === s.clientId, 10000,
      { from, what: `answer to ${s.text}` }));
  }
  const problems = [];
  answers.forEach((a, i) => {
    const want = i === 10 ? 'error:forbidden' : i === 20 ? 'error:not_found' : 'ack';
    const got = a.type === 'ack' ? 'ack' : `error:${a.data.code}`;
    if (got !== want) problems.push(`message ${i}: ${got}, expected ${want}`);
  });
  const ackIds = answers.filter((a) => a.type === 'ack').map((a) => a.data.id);
  const order = orderProblem(ackIds);
  if (order) problems.push(`ack ids not in send order: ${order}`);
  const eventIds = ws.events.slice(from).filter((e) => e.type === 'ack' || e.type === 'error').map((e) => e.data.clientId);
  if (eventIds.join() !== sent.map((s) => s.clientId).join()) problems.push('answers did not arrive in send order');
  assert.deepEqual(problems, [], problems.join('\n'));

  await ws.waitForCount((e) => e.type === 'message' && e.data?.roomId === '0' && e.data.message.startsWith('batched '), 28, 10000, { from });
  const live = ws.messages('0', from).filter((m) => m.message.startsWith('batched ')).map((m) => m.id);
  assert.deepEqual(live, ackIds, 'delivered live once each, in id order');
  const stored = (await allMessages(A, '0')).filter((m) => m.message.startsWith('batched ')).map((m) => m.id).reverse();
  assert.deepEqual(stored, ackIds, 'stored once each (history is newest first)');
  assert.deepEqual((await allMessages(B, closedRoom)).map((m) => m.message).filter((t) => t.startsWith('batched')), [],
    'nothing written to the room A may not post in');

  const after = (await internal(node, '/metrics')).text;
  const calls = counter(after, 'chatnode_send_batches_total') - counter(before, 'chatnode_send_batches_total');
  const persisted = counter(after, 'chatnode_messages_persisted_total') - counter(before, 'chatnode_messages_persisted_total');
  assert.equal(persisted, 28);
  assert.ok(calls <= 3, `30 messages took ${calls} script calls (two in flight, then one for the 28 that waited)`);
});

test('a lone message goes out at once, in a call of its own', T, async () => {
  const before = counter((await internal(node, '/metrics')).text, 'chatnode_send_batches_total');
  const clientId = newClientId('lone-');
  const from = ws.mark();
  ws.send({ type: 'message', roomId: '0', message: 'alone', clientId });
  const a = await ws.waitFor((e) => e.type === 'ack' && e.data?.clientId === clientId, 5000, { from, what: 'ack' });
  assert.ok(a.data.id > 0);
  assert.equal(counter((await internal(node, '/metrics')).text, 'chatnode_send_batches_total') - before, 1);
});

test('shutdown: SIGTERM → exit 0', T, async () => {
  ws.close();
  await node.stop();
  await redis.stop();
});
