// Write pacing (--ws-write-delay-ms, docs/protocol.md §2.3): a busy batching WebSocket connection
// (last two writes less than the delay apart) that wrote less than the delay ago collects what
// arrives until the coalescer's next tick and gets it in one write. Other connections are written
// at once. Plain /ws connections are paced the same way: they still get one event per WebSocket
// frame, but the frames collected meanwhile share one write.
// The delay is long here (250 ms) so that both behaviours are unmistakable.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRedis, startNode, cleanup, register, uniqueName, sleep } from './lib/harness.mjs';
import { WsClient, closeAllLive, syncRoom, sendWs } from './lib/live.mjs';
import { internal } from './lib/http.mjs';

const T = { timeout: 60000 };
const DELAY_MS = 250;
const BURST = 100;
let node;
let A;
let B;
let C;

after(async () => {
  await closeAllLive();
  await cleanup();
});

test(`setup: node with --ws-write-delay-ms ${DELAY_MS}, users A, B, C`, T, async () => {
  const redis = await startRedis();
  node = await startNode({
    redisUrl: redis.url,
    args: ['--messages-per-10s', '1000', '--bcrypt-cost', '4', '--ws-write-delay-ms', String(DELAY_MS)],
  });
  await register(node, uniqueName('admin'));
  A = await register(node, uniqueName('A'));
  B = await register(node, uniqueName('B'));
  C = await register(node, uniqueName('C'));
});

test('a batching connection that is not busy is written at once: 5 pairs of messages (50 ms apart, after a quiet spell) each arrive well before one delay', T, async () => {
  const wsA = await WsClient.connect(node.port, { client: A, label: 'wsA' });
  const wsB = await WsClient.connect(node.port, { client: B, label: 'wsB(batch)', batch: true });
  await syncRoom(wsA, '0', [wsA, wsB]);
  for (let i = 0; i < 5; i++) {
    await sleep(DELAY_MS + 100); // B wrote nothing for longer than the delay
    for (const which of ['first', 'second']) {
      // The second comes 50 ms after B's write of the first: recent, but one write is not busy.
      if (which === 'second') await sleep(50);
      const from = wsB.mark();
      const ack = await sendWs(wsA, '0', `pair ${i} ${which}`);
      assert.equal(ack.type, 'ack');
      const acked = Date.now();
      await wsB.waitFor((e) => e.type === 'message' && e.data?.id === ack.data.id, 5000, { from, what: `pair ${i} ${which}` });
      // Paced, it would wait for a tick (up to 250 ms, the second about 200 ms); ten messages all
      // under 100 ms by chance is not a thing.
      assert.ok(Date.now() - acked < 100, `pair ${i} ${which} reached B ${Date.now() - acked} ms after its ack`);
    }
  }
  await wsA.close();
  await wsB.close();
});

/** chatnode_socket_writes_total and chatnode_events_written_total of the node's /ws connections. */
async function wsWrites() {
  const text = (await internal(node, '/metrics')).text;
  const value = (name) => Number(text.match(new RegExp(`^${name}\\{[^}]*transport="ws"[^}]*\\} (\\S+)$`, 'm'))?.[1] ?? NaN);
  return { writes: value('chatnode_socket_writes_total'), events: value('chatnode_events_written_total') };
}

test(`${BURST} messages, one every 10 ms: the paced connection gets every id once, in order, in a few writes; plain /ws one event per frame`, T, async () => {
  const wsA = await WsClient.connect(node.port, { client: A, label: 'wsA' });
  const wsB = await WsClient.connect(node.port, { client: B, label: 'wsB(batch)', batch: true });
  const wsC = await WsClient.connect(node.port, { client: C, label: 'wsC(plain)' });
  await syncRoom(wsA, '0', [wsA, wsB, wsC]);
  const fromA = wsA.mark();
  const fromB = wsB.mark();
  const fromC = wsC.mark();
  const rawB = wsB.raw.length;
  const rawC = wsC.raw.length;
  const started = Date.now();
  // Spread out, so that without pacing each message would be a write (and a frame) of its own.
  for (let i = 0; i < BURST; i++) {
    wsA.send({ type: 'message', roomId: '0', message: `burst ${i}`, clientId: `p${i}` });
    await sleep(10);
  }
  const acks = await wsA.waitForCount((e) => e.type === 'ack', BURST, 15000, { from: fromA, what: 'acks' });
  const burstMs = Date.now() - started;
  const ids = acks.map((e) => e.data.id).sort((x, y) => x - y);
  for (const [ws, from] of [[wsB, fromB], [wsC, fromC]]) {
    await ws.waitForCount((e) => e.type === 'message' && ids.includes(e.data?.id), BURST, 15000, { from, what: 'burst' });
    const got = ws.messages('0', from).map((m) => m.id).filter((id) => ids.includes(id));
    assert.deepEqual(got, ids, `${ws.label}: every id once, in increasing order`);
  }
  const framesB = wsB.raw.length - rawB;
  const framesC = wsC.raw.length - rawC;
  // One write at once, then at most one per tick while the burst lasts, plus the tail.
  const bound = Math.ceil(burstMs / DELAY_MS) + 3;
  assert.ok(framesB <= bound, `paced connection: ${framesB} frames for ${BURST} messages over ${burstMs} ms (bound ${bound})`);
  assert.ok(framesC >= BURST, `plain connection: one frame per event (${framesC})`);
  await wsA.close();
  await wsB.close();
  await wsC.close();
});

test(`plain /ws only: ${BURST} messages one every 10 ms reach the plain receiver one event per frame, every id once in order, in far fewer socket writes than events`, T, async () => {
  const wsA = await WsClient.connect(node.port, { client: A, label: 'wsA(plain)' });
  const wsC = await WsClient.connect(node.port, { client: C, label: 'wsC(plain)' });
  await syncRoom(wsA, '0', [wsA, wsC]);
  await sleep(2 * DELAY_MS); // quiet: nothing of the sync is still paced
  const before = await wsWrites();
  const fromA = wsA.mark();
  const fromC = wsC.mark();
  const rawC = wsC.raw.length;
  for (let i = 0; i < BURST; i++) {
    wsA.send({ type: 'message', roomId: '0', message: `plain ${i}`, clientId: `q${i}` });
    await sleep(10);
  }
  const acks = await wsA.waitForCount((e) => e.type === 'ack', BURST, 15000, { from: fromA, what: 'acks' });
  const ids = acks.map((e) => e.data.id).sort((x, y) => x - y);
  await wsC.waitForCount((e) => e.type === 'message' && ids.includes(e.data?.id), BURST, 15000, { from: fromC, what: 'burst' });
  assert.deepEqual(wsC.messages('0', fromC).map((m) => m.id).filter((id) => ids.includes(id)), ids, 'every id once, in order');
  assert.ok(wsC.raw.length - rawC >= BURST, `one frame per event (${wsC.raw.length - rawC})`);
  const after = await wsWrites();
  const writes = after.writes - before.writes;
  const events = after.events - before.events;
  // A gets its acks and its messages, C the messages: ~3 events per message, each written at once
  // without pacing (one write each); paced, a busy connection writes once per 250 ms tick.
  assert.ok(events >= 3 * BURST, `events written ${events}`);
  assert.ok(writes * 5 <= events, `${writes} socket writes for ${events} events: the frames of a tick share a write`);
  await wsA.close();
  await wsC.close();
});
