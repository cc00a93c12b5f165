// Redis stopped and restarted mid-test: the node stays live, is not ready, answers 503 unavailable
// fast, and recovers with every acknowledged message and the same sessions. Also: a node started
// while Redis is down is live but not ready, and becomes ready when Redis comes up.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startRedis, startNode, cleanup, api, register, assertError, assertStatus, allMessages,
  internal, waitFor, uniqueName,
} from './lib/harness.mjs';

const T = { timeout: 60000 };
let redis;
let node;
let node2;
let A;
let acked = []; // messages acknowledged with 201, newest first

after(cleanup);

async function readyStatus(n) {
  try { return (await internal(n, '/readyz', { timeout: 1000 })).status; } catch (e) { return `error ${e.message}`; }
}

test('setup: redis with appendonly in a tmp dir, node, user A, 10 acknowledged messages', T, async () => {
  redis = await startRedis({ appendonly: true });
  node = await startNode({ redisUrl: redis.url });
  A = await register(node);
  for (let i = 0; i < 10; i++) {
    const res = await A.post('/room/0/messages', { message: `before outage ${i}` });
    assertStatus(res, 201, 'send');
    acked.unshift(res.json);
  }
});

test('Redis stops: /readyz → 503 within 3 s, /livez stays 200', T, async () => {
  await redis.stop();
  const t0 = Date.now();
  await waitFor(async () => (await readyStatus(node)) === 503, { timeout: 3000, interval: 50, what: '/readyz 503' });
  const took = Date.now() - t0;
  assert.ok(took <= 3000, `readyz turned 503 after ${took} ms`);
  for (let i = 0; i < 3; i++) assertStatus(await internal(node, '/livez'), 200, '/livez while Redis is down');
  assert.equal(node.alive, true);
});

test('Redis down: API calls → 503 unavailable, each in < 1 s (never 401/404/500, never a hang)', T, async () => {
  const anon = api(node);
  const calls = [
    ['GET history (offset)', () => A.get('/room/0/messages?offset=0&size=15')],
    ['GET history (cursor)', () => A.get('/room/0/messages?limit=50')],
    ['POST message', () => A.post('/room/0/messages', { message: 'during outage' })],
    ['GET /me with a session (must not look logged out)', () => A.get('/me')],
    ['GET /rooms/self', () => A.get(`/rooms/${A.user.id}`)],
    ['GET /users', () => A.get(`/users?ids[]=${A.user.id}`)],
    ['POST /login (must not say invalid_credentials)', () => anon.post('/login', { username: A.user.username, password: A.password })],
    ['POST /register', () => anon.post('/register', { username: uniqueName('down'), password: 'password123' })],
    ['POST /rooms', () => A.post('/rooms', { name: uniqueName('down') })],
    ['POST message again', () => A.post('/room/0/messages', { message: 'during outage 2' })],
  ];
  for (let round = 0; round < 2; round++) {
    for (const [what, call] of calls) {
      const res = await call();
      assertError(res, 503, 'unavailable', `${what} (round ${round + 1})`);
      assert.ok(res.ms < 1000, `${what}: answered in ${res.ms.toFixed(0)} ms (< 1000)`);
    }
  }
  assert.equal(A.token !== null, true, 'the 503 answers did not clear the session cookie');
});

test('Redis back on the same port: /readyz → 200 within 5 s; same session; all acknowledged messages; new sends work', T, async () => {
  await redis.restart();
  const t0 = Date.now();
  await waitFor(async () => (await readyStatus(node)) === 200, { timeout: 5000, interval: 50, what: '/readyz 200 after Redis restart' });
  const took = Date.now() - t0;
  assert.ok(took <= 5000, `ready again after ${took} ms`);
  const me = await A.get('/me');
  assertStatus(me, 200, '/me with the same session');
  assert.deepEqual(me.json, A.user);
  const all = await allMessages(A, '0');
  assert.deepEqual(all, acked, 'every message acknowledged before the outage, nothing else (the 503 sends were not stored)');
  const res = await A.post('/room/0/messages', { message: 'after outage' });
  assertStatus(res, 201, 'send after recovery');
  assert.ok(res.json.id > acked[0].id, `new id ${res.json.id} > last id before outage ${acked[0].id}`);
  acked.unshift(res.json);
  const history = await A.get('/room/0/messages?offset=0&size=15');
  assert.deepEqual(history.json, acked);
  const login = await api(node).post('/login', { username: A.user.username, password: A.password });
  assertStatus(login, 200, 'login after recovery');
});

test('a node started while Redis is down is live but not ready, answers 503, and becomes ready when Redis comes up', T, async () => {
  await redis.stop();
  await waitFor(async () => (await readyStatus(node)) === 503, { timeout: 3000, interval: 50, what: 'node 1 /readyz 503' });
  node2 = await startNode({ redisUrl: redis.url, waitReady: false });
  assertStatus(await internal(node2, '/livez'), 200, 'node 2 /livez');
  for (let i = 0; i < 5; i++) {
    assert.equal(await readyStatus(node2), 503, `node 2 /readyz while Redis is down (check ${i + 1})`);
    await new Promise((r) => setTimeout(r, 200));
  }
  const onNode2 = A.on(node2);
  const r = await onNode2.get('/room/0/messages');
  assertError(r, 503, 'unavailable', 'node 2 API while Redis is down');
  assert.ok(r.ms < 1000, `answered in ${r.ms.toFixed(0)} ms`);
  await redis.restart();
  await waitFor(async () => (await readyStatus(node2)) === 200, { timeout: 5000, interval: 50, what: 'node 2 /readyz 200' });
  await waitFor(async () => (await readyStatus(node)) === 200, { timeout: 5000, interval: 50, what: 'node 1 /readyz 200' });
  const me = await onNode2.get('/me');
  assertStatus(me, 200, 'session on node 2');
  assert.deepEqual(me.json, A.user);
  const sent = await onNode2.post('/room/0/messages', { message: 'via node 2' });
  assertStatus(sent, 201, 'send on node 2');
  assert.ok(sent.json.id > acked[0].id);
  acked.unshift(sent.json);
  assert.deepEqual(await allMessages(A, '0'), acked, 'node 1 sees everything, including node 2\'s message');
});

test('metrics: the node exposes chatnode_ metrics after the outage', T, async () => {
  const m = await internal(node, '/metrics');
  assertStatus(m, 200, '/metrics');
  assert.match(m.text, /^chatnode_/m);
});

test('shutdown: SIGTERM → exit 0 for both nodes (also after an outage)', T, async () => {
  await node2.stop();
  await node.stop();
  await redis.stop();
});
