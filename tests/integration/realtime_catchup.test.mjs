// Catching up a backlog (docs/protocol.md §2.4, issue 20 item 1): the replay of a resume reads
// storage only as fast as the connection drains its queue, so a client that reads at full speed
// catches up 20,000 missed messages on ONE connection (plain WebSocket, batch mode and SSE), in
// order, exactly once, and a WebSocket client is told `resumed` at the end. A client that stops
// reading is still cut as a slow consumer (4008) once its queue stops draining.
// Before the pacing, the replay read pages of 200 back to back into the 1,024-frame queue: the
// same clients were cut with 4008 after a few hundred to ~1,600 messages.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRedis, startNode, cleanup, register, uniqueName, assertStatus, waitFor, internal } from './lib/harness.mjs';
import { WsClient, SseClient, closeAllLive } from './lib/live.mjs';

const T = { timeout: 240000 };
const BACKLOG = 20000;
let redis;
let node;
let W; // writer
let R; // reader
let cursor; // General's head before the backlog
let sent = []; // ids of the backlog, in order

after(async () => {
  await closeAllLive();
  await cleanup();
});

/** Sends n messages over one WebSocket, `window` unacknowledged at most; the acked ids in order. */
async function sendMany(ws, roomId, n, { text = (i) => `backlog ${i}`, window = 200 } = {}) {
  const ids = [];
  let acked = 0;
  for (let start = 0; start < n; start += window) {
    const end = Math.min(n, start + window);
    const from = ws.mark();
    for (let i = start; i < end; i++) ws.send({ type: 'message', roomId, message: text(i), clientId: `b${i}` });
    let seen = 0;
    await ws.waitFor((e) => {
      if (e.type === 'error') throw new Error(`send refused: ${JSON.stringify(e.data)}`);
      if (e.type === 'ack') { ids.push(e.data.id); seen += 1; }
      return seen >= end - start;
    }, 60000, { from, what: `acks ${start}..${end}` });
    acked += seen;
  }
  assert.equal(acked, n);
  return ids.sort((a, b) => a - b);
}

/** The ids of room `roomId`'s messages a client received, in arrival order (one pass). */
function idsOf(client, roomId) {
  const out = [];
  for (const e of client.events) if (e.type === 'message' && e.data?.roomId === roomId) out.push(e.data.id);
  return out;
}

/** Every id exactly once and in order, with a readable failure. */
function assertExactly(seen, want, what) {
  if (seen.length === want.length && seen.every((id, i) => id === want[i])) return;
  const at = seen.findIndex((id, i) => id !== want[i]);
  assert.fail(`${what}: ${seen.length} ids received vs ${want.length} sent; first difference at ${at}: ` +
    `got ${seen[at]} want ${want[at]}`);
}

async function slowConsumers() {
  const res = await internal(node, '/metrics');
  const m = /^chatnode_slow_consumers_total(?:\{[^}]*\})? (\d+(?:\.\d+)?)/m.exec(res.text);
  return m ? Number(m[1]) : 0;
}

test(`setup: one node, a backlog of ${BACKLOG} messages in General`, T, async () => {
  redis = await startRedis();
  node = await startNode({
    redisUrl: redis.url,
    args: ['--messages-per-10s', '1000000', '--bcrypt-cost', '4', '--slow-consumer-timeout', '3s'],
  });
  await register(node, uniqueName('admin'));
  W = await register(node, uniqueName('W'));
  R = await register(node, uniqueName('R'));
  const head = await R.get('/room/0/messages?limit=1');
  assertStatus(head, 200);
  cursor = head.json.length ? head.json[0].id : 0;
  const ws = await WsClient.connect(node.port, { client: W, label: 'writer' });
  ws.send({ type: 'resume', rooms: {} });
  const t0 = Date.now();
  sent = await sendMany(ws, '0', BACKLOG);
  test.diagnostic?.(`backlog written in ${Date.now() - t0} ms`);
  await ws.close();
  assert.equal(sent.length, BACKLOG);
});

for (const batch of [false, true]) {
  const mode = batch ? 'batch' : 'plain';
  test(`WebSocket (${mode}) reading at full speed catches up ${BACKLOG} messages on one connection, then gets "resumed"`, T, async (t) => {
    const ws = await WsClient.connect(node.port, { client: R, label: `reader(${mode})`, batch });
    const t0 = Date.now();
    ws.send({ type: 'resume', rooms: { 0: cursor } });
    const done = await ws.waitFor((e) => e.type === 'resumed', 180000, { what: 'resumed' });
    t.diagnostic(`${BACKLOG} messages caught up in ${Date.now() - t0} ms (${mode})`);
    assert.equal(ws.closeInfo, null, 'the connection stays open');
    assert.ok(done.data.rooms >= 1, `resumed counts the rooms: ${JSON.stringify(done.data)}`);
    assertExactly(idsOf(ws, '0'), sent, `${mode} reader`);
    const after = ws.events.indexOf(done);
    assert.equal(ws.events.slice(after).filter((e) => e.type === 'message').length, 0, 'resumed comes after the replay');
    await ws.close();
  });
}

test(`SSE reading at full speed catches up ${BACKLOG} messages from Last-Event-ID on one stream`, T, async (t) => {
  const t0 = Date.now();
  const sse = await SseClient.connect(node.port, { client: R, label: 'reader(sse)', lastEventId: `0=${cursor}` });
  const last = sent[sent.length - 1];
  await sse.waitFor((e) => e.type === 'message' && e.data?.roomId === '0' && e.data.id === last, 180000, { what: `message ${last}` });
  t.diagnostic(`${BACKLOG} messages caught up in ${Date.now() - t0} ms (sse)`);
  assert.equal(sse.ended, null, 'the stream stays open');
  assertExactly(idsOf(sse, '0'), sent, 'sse reader');
  await sse.close();
});

test('a client that stops reading during a catch-up is still cut as a slow consumer (4008)', T, async () => {
  // Large messages, so that the backlog is far more than the TCP buffers can hold.
  const room = await W.post('/rooms', { name: uniqueName('big') });
  assertStatus(room, 201);
  const S = await register(node, uniqueName('S'));
  assertStatus(await S.post(`/rooms/${room.json.id}/join`), 200);
  const ws = await WsClient.connect(node.port, { client: W, label: 'writer(big)' });
  ws.send({ type: 'resume', rooms: {} });
  const big = 'x'.repeat(3900);
  await sendMany(ws, room.json.id, 4000, { text: (i) => `${i} ${big}`, window: 200 });
  await ws.close();
  const before = await slowConsumers();
  const stuck = await WsClient.connect(node.port, { client: S, label: 'stuck' });
  stuck.send({ type: 'resume', rooms: { [room.json.id]: 0 } });
  stuck.ws._socket.pause(); // stops reading: the kernel buffers fill, then the node's queue
  await waitFor(async () => (await slowConsumers()) > before, { timeout: 60000, interval: 250, what: 'slow consumer cut' });
  stuck.ws._socket.resume();
  const closed = await stuck.waitClosed(60000);
  assert.equal(closed.code, 4008, `closed as a slow consumer: ${JSON.stringify(closed)}`);
  const got = idsOf(stuck, room.json.id);
  assert.ok(got.length < 4000, `cut before the end (${got.length} received)`);
  assert.equal(got.length, new Set(got).size, 'no duplicates before the cut');
});
