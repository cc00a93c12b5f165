// Presence and typing (docs/protocol.md §2.2): user.connected at a user's first connection,
// user.disconnected after the last one closed (2 s offline grace), GET /users/online; typing events
// to the room's other members only, expiring on their own after 6 s.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startRedis, startNode, cleanup, register, uniqueName, assertStatus, allMessages, waitFor, sleep,
} from './lib/harness.mjs';
import { WsClient, closeAllLive, expectNothing, syncRoom } from './lib/live.mjs';

const T = { timeout: 60000 };
let redis;
let node;
let O; // observer
let A;
let B;
let C;

after(async () => {
  await closeAllLive();
  await cleanup();
});

const presenceOf = (userId) => (e) => (e.type === 'user.connected' || e.type === 'user.disconnected') && e.data?.id === userId;

async function onlineIds(client) {
  const res = await client.get('/users/online');
  assertStatus(res, 200, 'GET /users/online');
  assert.ok(res.json && typeof res.json === 'object' && !Array.isArray(res.json), `online is an object: ${res.text}`);
  return res.json;
}

test('setup: node, observer O, users A, B, C', T, async () => {
  redis = await startRedis();
  node = await startNode({ redisUrl: redis.url });
  await register(node, uniqueName('admin'));
  O = await register(node, uniqueName('O'));
  A = await register(node, uniqueName('A'));
  B = await register(node, uniqueName('B'));
  C = await register(node, uniqueName('C'));
});

test('presence: two tabs → one user.connected; closing one tab → nothing; closing the last → one user.disconnected; /users/online follows', T, async () => {
  const P = await register(node, uniqueName('P'));
  const wsO = await WsClient.connect(node.port, { client: O, label: 'wsO' });
  await wsO.ping();
  const from = wsO.mark();
  assert.ok(!(P.user.id in await onlineIds(O)), 'P not online before connecting');

  const tab1 = await WsClient.connect(node.port, { client: P, label: 'tab1' });
  const conn = await wsO.waitFor(presenceOf(P.user.id), 5000, { from, what: 'user.connected for P' });
  assert.deepEqual(conn, { type: 'user.connected', data: { id: P.user.id, username: P.user.username, online: true } });
  const tab2 = await WsClient.connect(node.port, { client: P, label: 'tab2' });
  await tab1.ping();
  await tab2.ping();
  await sleep(1000);
  assert.deepEqual(wsO.events.slice(from).filter(presenceOf(P.user.id)).map((e) => e.type), ['user.connected'],
    'exactly one user.connected for two tabs');
  const online = await onlineIds(O);
  assert.deepEqual(online[P.user.id], { id: P.user.id, username: P.user.username, online: true }, 'P listed online');

  const mark1 = wsO.mark();
  await tab1.close();
  const afterOne = await expectNothing(wsO, presenceOf(P.user.id), 3000, { from: mark1 });
  assert.deepEqual(afterOne, [], 'closing one of two tabs → no presence event');
  assert.ok(P.user.id in await onlineIds(O), 'P still online with one tab');
  await tab2.ping();

  const mark2 = wsO.mark();
  const closedAt = Date.now();
  await tab2.close();
  const disc = await wsO.waitFor(presenceOf(P.user.id), 5000, { from: mark2, what: 'user.disconnected for P' });
  const tookMs = Date.now() - closedAt;
  assert.deepEqual(disc, { type: 'user.disconnected', data: { id: P.user.id, username: P.user.username, online: false } });
  await sleep(1000);
  assert.deepEqual(wsO.events.slice(mark2).filter(presenceOf(P.user.id)).map((e) => e.type), ['user.disconnected'],
    `exactly one user.disconnected (after ${tookMs} ms)`);
  await waitFor(async () => !(P.user.id in await onlineIds(O)), { timeout: 3000, what: 'P gone from /users/online' });
  await wsO.close();
});

test('presence: a reconnect within the 2 s grace (page reload) → no user.disconnected, no second user.connected', T, async () => {
  const P = await register(node, uniqueName('R'));
  const wsO = await WsClient.connect(node.port, { client: O, label: 'wsO' });
  await wsO.ping();
  const from = wsO.mark();
  const t1 = await WsClient.connect(node.port, { client: P, label: 'first' });
  await wsO.waitFor(presenceOf(P.user.id), 5000, { from, what: 'user.connected' });
  await t1.close();
  await sleep(300);
  const t2 = await WsClient.connect(node.port, { client: P, label: 'reload' });
  await t2.ping();
  const seen = await expectNothing(wsO, presenceOf(P.user.id), 3500, { from });
  assert.deepEqual(seen.map((e) => e.type), ['user.connected'], 'only the first user.connected');
  assert.ok(P.user.id in await onlineIds(O), 'still online');
  await t2.close();
  await wsO.waitFor((e) => e.type === 'user.disconnected' && e.data?.id === P.user.id, 5000, { from, what: 'user.disconnected at the end' });
  await wsO.close();
});

test('typing in General: B gets {roomId:"0",userId:A,typing:true}; A gets none; typing false on an explicit stop', T, async () => {
  const wsA = await WsClient.connect(node.port, { client: A, label: 'wsA' });
  const wsB = await WsClient.connect(node.port, { client: B, label: 'wsB' });
  await syncRoom(wsA, '0', [wsA, wsB]); // both follow General live
  const fromA = wsA.mark();
  const fromB = wsB.mark();
  wsA.send({ type: 'typing', roomId: '0', typing: true });
  const on = await wsB.waitFor((e) => e.type === 'typing', 5000, { from: fromB, what: 'typing at B' });
  assert.deepEqual(on, { type: 'typing', data: { roomId: '0', userId: A.user.id, typing: true } });
  wsA.send({ type: 'typing', roomId: '0', typing: false });
  const off = await wsB.waitFor((e) => e.type === 'typing' && e.data?.typing === false, 3000, { from: fromB, what: 'typing false at B' });
  assert.deepEqual(off, { type: 'typing', data: { roomId: '0', userId: A.user.id, typing: false } });
  await wsA.ping();
  await sleep(500);
  assert.deepEqual(wsA.ofType('typing', fromA), [], 'the typist gets no typing events of its own');
  assert.deepEqual(wsA.ofType('error', fromA), [], 'no error for typing frames');
  await wsA.close();
  await wsB.close();
});

test('typing expires: without a stop, B gets typing false within ~8 s (6 s expiry); typing is never stored', T, async () => {
  const wsA = await WsClient.connect(node.port, { client: A, label: 'wsA' });
  const wsB = await WsClient.connect(node.port, { client: B, label: 'wsB' });
  await syncRoom(wsA, '0', [wsA, wsB]);
  const before = (await allMessages(A, '0')).length;
  const fromB = wsB.mark();
  wsA.send({ type: 'typing', roomId: '0', typing: true });
  await wsB.waitFor((e) => e.type === 'typing' && e.data?.typing === true, 5000, { from: fromB, what: 'typing true at B' });
  const t0 = Date.now();
  const off = await wsB.waitFor((e) => e.type === 'typing' && e.data?.typing === false, 8000, { from: fromB, what: 'typing false (expiry) at B' });
  const ms = Date.now() - t0;
  assert.deepEqual(off, { type: 'typing', data: { roomId: '0', userId: A.user.id, typing: false } });
  assert.ok(ms >= 3000, `typing false came from the expiry, not at once (${ms} ms after typing true)`);
  assert.equal(wsB.ofType('typing', fromB).length, 2, 'one typing true, one typing false');
  assert.equal((await allMessages(A, '0')).length, before, 'typing is not stored');
  assert.deepEqual(wsB.ofType('message', fromB), [], 'typing produces no message events');
  await wsA.close();
  await wsB.close();
});

test('typing in a DM reaches the other participant only, not a third user C', T, async () => {
  const res = await A.post('/room', { user1: A.user.id, user2: B.user.id });
  assert.ok([200, 201].includes(res.status), `DM → ${res.status}`);
  const dm = res.json.id;
  const wsA = await WsClient.connect(node.port, { client: A, label: 'wsA' });
  const wsB = await WsClient.connect(node.port, { client: B, label: 'wsB' });
  const wsC = await WsClient.connect(node.port, { client: C, label: 'wsC' });
  for (const c of [wsA, wsB, wsC]) await c.ping();
  await syncRoom(wsA, dm, [wsA, wsB]);
  await syncRoom(wsA, '0', [wsC]); // C follows its rooms: a leak would reach it
  const fromB = wsB.mark();
  const fromC = wsC.mark();
  wsA.send({ type: 'typing', roomId: dm, typing: true });
  const ev = await wsB.waitFor((e) => e.type === 'typing', 5000, { from: fromB, what: 'typing in DM at B' });
  assert.deepEqual(ev, { type: 'typing', data: { roomId: dm, userId: A.user.id, typing: true } });
  const leaked = await expectNothing(wsC, (e) => e.type === 'typing', 1500, { from: fromC });
  assert.deepEqual(leaked, [], 'C gets no typing of the DM');
  wsA.send({ type: 'typing', roomId: dm, typing: false });
  await wsB.waitFor((e) => e.type === 'typing' && e.data?.typing === false, 3000, { from: fromB, what: 'stop' });
  for (const c of [wsA, wsB, wsC]) await c.close();
});

test('shutdown: SIGTERM → exit 0', T, async () => {
  await closeAllLive();
  await node.stop();
});
