// Collecting pacing (--ws-write-delay-max-ms, net/pacing_policy.hpp): at a pacing tick, a paced
// batching connection with fewer than 8 events waiting keeps collecting at later ticks, up to
// max after its last write; with 8 or more it is written at that tick.
// Ticks are long here (100 ms, max 400 ms) so that the behaviours are unmistakable.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRedis, startNode, cleanup, register, uniqueName, sleep } from './lib/harness.mjs';
import { WsClient, closeAllLive, syncRoom } from './lib/live.mjs';

const T = { timeout: 60000 };
const TICK_MS = 100;
const MAX_MS = 400;
let node;
let A;
let B;

after(async () => {
  await closeAllLive();
  await cleanup();
});

/** Records when each chat message id reached `ws` (batch frames: one line per event). */
function arrivals(ws) {
  const at = new Map();
  ws.ws.on('message', (data) => {
    const now = Date.now();
    for (const line of data.toString('utf8').split('\n')) {
      try {
        const ev = JSON.parse(line);
        if (ev.type === 'message' && !at.has(ev.data?.id)) at.set(ev.data.id, now);
      } catch { /* not JSON: the suite's own parser reports it */ }
    }
  });
  return at;
}

/** Sends `n` messages from `ws`, `gapMs` apart; resolves to their ids in ack order and the time
 *  by which all were acked. */
async function sendSpaced(ws, n, gapMs, tag) {
  const from = ws.mark();
  for (let i = 0; i < n; i++) {
    ws.send({ type: 'message', roomId: '0', message: `${tag} ${i}`, clientId: `${tag}${i}` });
    if (gapMs > 0) await sleep(gapMs);
  }
  const acks = await ws.waitForCount((e) => e.type === 'ack' && e.data?.clientId?.startsWith(tag), n, 15000, { from, what: `${tag} acks` });
  const ackedAt = Date.now(); // an upper bound for every ack: the wait below is conservative
  return { ids: acks.map((e) => e.data.id), ackedAt };
}

test(`setup: node with --ws-write-delay-ms ${TICK_MS} --ws-write-delay-max-ms ${MAX_MS}, users A, B`, T, async () => {
  const redis = await startRedis();
  node = await startNode({
    redisUrl: redis.url,
    args: ['--messages-per-10s', '1000', '--bcrypt-cost', '4',
      '--ws-write-delay-ms', String(TICK_MS), '--ws-write-delay-max-ms', String(MAX_MS)],
  });
  await register(node, uniqueName('admin'));
  A = await register(node, uniqueName('A'));
  B = await register(node, uniqueName('B'));
});

test('few events per tick: the busy connection keeps collecting (fewer writes than ticks), every event in order and within the bound', T, async () => {
  const wsA = await WsClient.connect(node.port, { client: A, label: 'wsA' });
  const wsB = await WsClient.connect(node.port, { client: B, label: 'wsB(batch)', batch: true });
  await syncRoom(wsA, '0', [wsA, wsB]);
  const at = arrivals(wsB);
  const fromB = wsB.mark();
  const rawB = wsB.raw.length;
  const started = Date.now();
  // 40 messages 40 ms apart: 2-3 per 100 ms tick, so B is busy but never has 8 at a tick.
  const slow = await sendSpaced(wsA, 40, 40, 'slow');
  const burstMs = slow.ackedAt - started;
  const ids = [...slow.ids].sort((x, y) => x - y);
  await wsB.waitForCount((e) => e.type === 'message' && ids.includes(e.data?.id), ids.length, 15000, { from: fromB, what: 'slow burst' });
  const got = wsB.messages('0', fromB).map((m) => m.id).filter((id) => ids.includes(id));
  assert.deepEqual(got, ids, 'every id once, in increasing order');
  const frames = wsB.raw.length - rawB;
  // Written at every 100 ms tick this would be about burstMs / 100 frames (16+); collecting, one
  // write per 300-400 ms.
  const bound = Math.ceil(burstMs / (MAX_MS - TICK_MS)) + 3;
  assert.ok(frames <= bound, `${frames} frames for ${ids.length} messages over ${burstMs} ms (bound ${bound}, ticks ${Math.round(burstMs / TICK_MS)})`);
  // No event waited longer than the bound: message i was sent about 40*i ms after the start.
  slow.ids.forEach((id, i) => {
    const waited = at.get(id) - (started + 40 * i);
    assert.ok(waited <= MAX_MS + 250, `message ${i} reached B ${waited} ms after it was sent (bound ${MAX_MS} + slack)`);
  });
  await wsA.close();
  await wsB.close();
});

test('enough events at a tick: a burst to a busy connection is written at that tick, not held to the bound', T, async () => {
  const wsA = await WsClient.connect(node.port, { client: A, label: 'wsA' });
  const wsB = await WsClient.connect(node.port, { client: B, label: 'wsB(batch)', batch: true });
  await syncRoom(wsA, '0', [wsA, wsB]);
  const at = arrivals(wsB);
  // Make B busy (two writes less than a tick apart), then send 30 at once.
  await sendSpaced(wsA, 2, 5, 'warm');
  await sleep(20);
  const sent = await sendSpaced(wsA, 30, 0, 'fast');
  await sleep(MAX_MS + 200); // long enough for a held write to arrive too
  for (const id of sent.ids) assert.ok(at.has(id), `fast message ${id} arrived`);
  const last = Math.max(...sent.ids.map((id) => at.get(id)));
  const first = Math.min(...sent.ids.map((id) => at.get(id)));
  // All 30 were acked before `ackedAt`; written at the next tick after that, they all arrive
  // within about one tick of it. Held to the bound, the last would come up to 400 ms later.
  const { ackedAt } = sent;
  assert.ok(last - ackedAt <= TICK_MS + 150, `last fast message reached B ${last - ackedAt} ms after the acks (first ${first - ackedAt})`);
  await wsA.close();
  await wsB.close();
});
