// Batch mode (docs/protocol.md §2.3): `/ws?batch=1` may carry several events in one WebSocket
// message, one JSON object per line; plain `/ws` always carries exactly one. Presence broadcasts
// are coalesced (100 ms window), so a reconnect storm costs a batching connection a few frames.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRedis, startNode, cleanup, register, uniqueName } from './lib/harness.mjs';
import { WsClient, SseClient, closeAllLive, syncRoom } from './lib/live.mjs';

const T = { timeout: 60000 };
const BURST = 100;
const STORM = 12;
let redis;
let node;
let A;
let B;
let C;
let S; // SSE: events of a burst are coalesced into few HTTP chunks, transparently
let stormUsers = [];

after(async () => {
  await closeAllLive();
  await cleanup();
});

/** Every raw frame of a plain connection is one JSON object (never several lines). */
function assertOneEventPerFrame(ws, what) {
  for (const raw of ws.raw) {
    assert.ok(!String(raw).includes('\n'), `${what}: a plain /ws frame carries one event: ${String(raw).slice(0, 200)}`);
    assert.doesNotThrow(() => JSON.parse(raw), `${what}: frame is JSON`);
  }
}

test(`setup: node (--messages-per-10s 1000), users A, B, C and ${STORM} more`, T, async () => {
  redis = await startRedis();
  node = await startNode({ redisUrl: redis.url, args: ['--messages-per-10s', '1000', '--bcrypt-cost', '4'] });
  await register(node, uniqueName('admin'));
  A = await register(node, uniqueName('A'));
  B = await register(node, uniqueName('B'));
  C = await register(node, uniqueName('C'));
  S = await register(node, uniqueName('S'));
  stormUsers = await Promise.all(Array.from({ length: STORM }, (_, i) => register(node, uniqueName(`s${i}`))));
});

test(`${BURST} messages sent at once: B (?batch=1), C (plain /ws) and S (SSE) each get every id exactly once, in order`, T, async () => {
  const wsA = await WsClient.connect(node.port, { client: A, label: 'wsA' });
  const wsB = await WsClient.connect(node.port, { client: B, label: 'wsB(batch)', batch: true });
  const wsC = await WsClient.connect(node.port, { client: C, label: 'wsC(plain)' });
  const sse = await SseClient.connect(node.port, { client: S, label: 'sse' });
  await syncRoom(wsA, '0', [wsA, wsB, wsC, sse]);
  const fromA = wsA.mark();
  const fromB = wsB.mark();
  const fromC = wsC.mark();
  const fromS = sse.mark();
  for (let i = 0; i < BURST; i++) wsA.send({ type: 'message', roomId: '0', message: `burst ${i}`, clientId: `b${i}` });
  const acks = await wsA.waitForCount((e) => e.type === 'ack', BURST, 15000, { from: fromA, what: 'acks' });
  const ids = acks.map((e) => e.data.id).sort((x, y) => x - y);
  for (const [ws, from] of [[wsB, fromB], [wsC, fromC], [sse, fromS]]) {
    await ws.waitForCount((e) => e.type === 'message' && ids.includes(e.data?.id), BURST, 15000, { from, what: 'burst' });
    const got = ws.messages('0', from).map((m) => m.id).filter((id) => ids.includes(id));
    assert.deepEqual(got, ids, `${ws.label}: every id once, in increasing order`);
    assert.deepEqual(ws.ofType('<not json>', from), [], `${ws.label}: every event is JSON`);
  }
  assertOneEventPerFrame(wsC, 'wsC');
  await sse.close();
  await wsA.close();
  await wsB.close();
  await wsC.close();
});

test(`presence storm: ${STORM} users connect at once → both observers get each user.connected once; the batching one in fewer frames`, T, async () => {
  const batchObserver = await WsClient.connect(node.port, { client: B, label: 'observer(batch)', batch: true });
  const plainObserver = await WsClient.connect(node.port, { client: C, label: 'observer(plain)' });
  await batchObserver.ping();
  await plainObserver.ping();
  const fromB = batchObserver.mark();
  const rawB = batchObserver.raw.length;
  const fromC = plainObserver.mark();
  const storm = await Promise.all(stormUsers.map((u, i) => WsClient.connect(node.port, { client: u, label: `storm${i}` })));
  const wanted = new Set(stormUsers.map((u) => u.user.id));
  const isStorm = (e) => e.type === 'user.connected' && wanted.has(e.data?.id);
  for (const [ws, from] of [[batchObserver, fromB], [plainObserver, fromC]]) {
    await ws.waitForCount(isStorm, STORM, 10000, { from, what: 'user.connected of the storm' });
    const seen = ws.ofType('user.connected', from).map((e) => e.data.id).filter((id) => wanted.has(id));
    assert.equal(new Set(seen).size, STORM, `${ws.label}: every user once`);
    assert.equal(seen.length, STORM, `${ws.label}: no duplicates`);
  }
  const framesB = batchObserver.raw.length - rawB;
  assert.ok(framesB < STORM, `the batching observer got ${STORM} events in ${framesB} frames (coalesced)`);
  assert.ok(batchObserver.multiEventFrames >= 1, 'at least one frame carried several events');
  assertOneEventPerFrame(plainObserver, 'plain observer');
  await Promise.all(storm.map((ws) => ws.close()));
  await batchObserver.close();
  await plainObserver.close();
});

test('shutdown: SIGTERM → exit 0', T, async () => {
  await node.stop(); // asserts exit code 0 and no sanitizer report
});
