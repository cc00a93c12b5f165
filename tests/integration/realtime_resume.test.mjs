// Nothing lost, nothing twice (docs/protocol.md §2.4): WebSocket `resume` and SSE `Last-Event-ID`
// while another user keeps sending. The ids a reader saw over both connections must be exactly the
// ids the sender got back (HTTP 201 bodies), strictly increasing, no duplicates, no gaps.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startRedis, startNode, cleanup, register, uniqueName, assertStatus, sleep, waitFor,
} from './lib/harness.mjs';
import {
  WsClient, SseClient, closeAllLive, parseCursor, orderProblem, expectNothing,
} from './lib/live.mjs';

const T = { timeout: 90000 };
let redis;
let node;
let A;
let B;

after(async () => {
  await closeAllLive();
  await cleanup();
});

/**
 * Sends `n` messages to `roomId` over HTTP as `client`, one at a time with `gapMs` between them.
 * Returns {ids (in send order), done (promise)}; ids fills up while it runs.
 */
function sendInBackground(client, roomId, n, { gapMs = 15, tag = 'bg' } = {}) {
  const ids = [];
  const done = (async () => {
    for (let i = 0; i < n; i++) {
      const res = await client.post(`/room/${encodeURIComponent(roomId)}/messages`, { message: `${tag} ${i}` });
      assertStatus(res, 201, `${tag} ${i}`);
      ids.push(res.json.id);
      if (gapMs) await sleep(gapMs);
    }
    return ids;
  })();
  return { ids, done };
}

async function sendNow(client, roomId, n, tag) {
  const { done } = sendInBackground(client, roomId, n, { gapMs: 0, tag });
  return done;
}

/** Compares what a reader saw with what was sent; readable failures. */
function assertExactly(seen, sent, what) {
  const problem = orderProblem(seen);
  const dup = seen.filter((id, i) => seen.indexOf(id) !== i);
  const missing = sent.filter((id) => !seen.includes(id));
  const extra = seen.filter((id) => !sent.includes(id));
  assert.deepEqual(
    { duplicates: dup, missing, extra, order: problem, count: seen.length },
    { duplicates: [], missing: [], extra: [], order: null, count: sent.length },
    `${what}: seen ${seen.length} ids vs ${sent.length} sent`,
  );
  assert.deepEqual(seen, sent, `${what}: ids in order`);
}

test('setup: node, users A (sender) and B (reader)', T, async () => {
  redis = await startRedis();
  node = await startNode({ redisUrl: redis.url });
  await register(node, uniqueName('admin'));
  A = await register(node, uniqueName('A'));
  B = await register(node, uniqueName('B'));
  // some history, so that a wrong resume (from 0, from the start) would be visible
  await sendNow(A, '0', 5, 'history');
});

test('WS resume: B disconnects, A keeps sending 100 messages, B reconnects with resume {"0": last seen} → exactly A\'s ids, in order, once', T, async () => {
  const ws1 = await WsClient.connect(node.port, { client: B, label: 'ws1' });
  await ws1.ping();
  const first = await sendNow(A, '0', 10, 'first');
  await ws1.waitForCount((e) => e.type === 'message' && e.data?.roomId === '0', 10, 5000, { what: '10 messages on ws1' });
  await ws1.ping();
  const seen1 = ws1.messages('0').map((m) => m.id);
  assertExactly(seen1, first, 'first connection');
  const lastSeen = seen1[seen1.length - 1];
  await ws1.close();

  const bg = sendInBackground(A, '0', 100, { gapMs: 15, tag: 'during' });
  await waitFor(() => bg.ids.length >= 30, { timeout: 20000, interval: 10, what: '30 background messages sent' });
  const ws2 = await WsClient.connect(node.port, { client: B, label: 'ws2' });
  ws2.send({ type: 'resume', rooms: { 0: lastSeen } });
  const sent = [...first, ...(await bg.done)];
  const last = sent[sent.length - 1];
  await ws2.waitFor((e) => e.type === 'message' && e.data?.id === last, 20000, { what: `last id ${last} on ws2` });
  await ws2.ping(); // anything in flight behind the last one (a duplicate) would arrive before the pong
  const errors = ws2.ofType('error');
  assert.deepEqual(errors, [], 'no error events on ws2');
  const seen = [...seen1, ...ws2.messages('0').map((m) => m.id)];
  assertExactly(seen, sent, 'ws1 + ws2');
  assert.ok(ws2.messages('0').every((m) => m.from === A.user.id && m.message.startsWith('during ')), 'replayed payloads are A\'s');
  await ws2.close();
});

test('WS resume of two rooms after an abrupt disconnect: General and a DM, with a gap in both', T, async () => {
  const dmRes = await A.post('/room', { user1: A.user.id, user2: B.user.id });
  assertStatus(dmRes, 201, 'DM');
  const dm = dmRes.json.id;
  const ws1 = await WsClient.connect(node.port, { client: B, label: 'ws1' });
  await ws1.ping();
  const g1 = await sendNow(A, '0', 3, 'g-before');
  const d1 = await sendNow(A, dm, 3, 'd-before');
  await ws1.waitFor((e) => e.type === 'message' && e.data?.id === d1[2], 5000, { what: 'last DM message on ws1' });
  await ws1.waitFor((e) => e.type === 'message' && e.data?.id === g1[2], 5000, { what: 'last General message on ws1' });
  await ws1.terminate(); // no close frame

  const g2 = sendInBackground(A, '0', 40, { gapMs: 10, tag: 'g-during' });
  const d2 = sendInBackground(A, dm, 40, { gapMs: 10, tag: 'd-during' });
  await waitFor(() => g2.ids.length >= 10 && d2.ids.length >= 10, { timeout: 20000, interval: 10, what: '10 + 10 sent' });
  const ws2 = await WsClient.connect(node.port, { client: B, label: 'ws2' });
  ws2.send({ type: 'resume', rooms: { 0: g1[2], [dm]: d1[2] } });
  const gSent = await g2.done;
  const dSent = await d2.done;
  await ws2.waitFor((e) => e.type === 'message' && e.data?.id === gSent[gSent.length - 1], 20000, { what: 'last General id' });
  await ws2.waitFor((e) => e.type === 'message' && e.data?.id === dSent[dSent.length - 1], 20000, { what: 'last DM id' });
  await ws2.ping();
  assertExactly([...ws1.messages('0').map((m) => m.id), ...ws2.messages('0').map((m) => m.id)], [...g1, ...gSent], 'General');
  assertExactly([...ws1.messages(dm).map((m) => m.id), ...ws2.messages(dm).map((m) => m.id)], [...d1, ...dSent], 'DM');
  await ws2.close();
});

test('WS resume, 8 reconnect cycles while A keeps sending: over all connections, exactly A\'s ids, in order, once', T, async () => {
  let ws = await WsClient.connect(node.port, { client: B, label: 'cycle0' });
  const seenAll = [];
  const lastOf = () => (seenAll.length ? seenAll[seenAll.length - 1] : null);
  // start point: the current head, proven by one message seen live
  const head = await sendNow(A, '0', 1, 'cycle-head');
  await ws.waitFor((e) => e.type === 'message' && e.data?.id === head[0], 5000, { what: 'head message' }).catch(async () => {
    // the connection may have started after it: resume from just before it
    await ws.close();
    ws = await WsClient.connect(node.port, { client: B, label: 'cycle0b' });
    ws.send({ type: 'resume', rooms: { 0: head[0] - 1 } });
    await ws.waitFor((e) => e.type === 'message' && e.data?.id === head[0], 5000, { what: 'head message (resumed)' });
  });
  const bg = sendInBackground(A, '0', 120, { gapMs: 10, tag: 'cycle' });
  for (let cycle = 1; cycle <= 8; cycle++) {
    await sleep(150);
    await ws.ping();
    seenAll.push(...ws.messages('0').map((m) => m.id));
    await (cycle % 2 ? ws.close() : ws.terminate());
    const sentBefore = bg.ids.length;
    await waitFor(() => bg.ids.length >= Math.min(120, sentBefore + 5), { timeout: 10000, interval: 5, what: '5 more sent' });
    ws = await WsClient.connect(node.port, { client: B, label: `cycle${cycle}` });
    ws.send({ type: 'resume', rooms: { 0: lastOf() } });
  }
  const sent = [...head, ...(await bg.done)];
  const last = sent[sent.length - 1];
  // bounded; when it never comes, the comparison below says what is missing
  await ws.waitFor((e) => e.type === 'message' && e.data?.id === last, 10000, { what: `last id ${last}` }).catch(() => {});
  await ws.ping();
  seenAll.push(...ws.messages('0').map((m) => m.id));
  const from = seenAll.indexOf(head[0]);
  assert.ok(from >= 0, 'the head message was seen');
  assertExactly(seenAll.slice(from), sent, '9 connections');
  await ws.close();
});

test('SSE Last-Event-ID: B\'s stream drops, A keeps sending 100 messages, B reconnects with the last id: → exactly A\'s ids, in order, once', T, async () => {
  const s1 = await SseClient.connect(node.port, { client: B, label: 'sse1' });
  await s1.waitForLastEventId((id) => id !== null && '0' in parseCursor(id));
  const first = await sendNow(A, '0', 10, 'sse-first');
  await s1.waitForCount((e) => e.type === 'message' && e.data?.roomId === '0', 10, 5000, { what: '10 messages on sse1' });
  const seen1 = s1.messages('0').map((m) => m.id);
  assertExactly(seen1, first, 'first stream');
  for (const e of s1.ofType('message')) {
    assert.equal(parseCursor(e.sse.id)[e.data.roomId], e.data.id, `message ${e.data.id} carries its cursor: ${e.sse.id}`);
  }
  const cursor = s1.lastEventId;
  assert.equal(parseCursor(cursor)['0'], first[first.length - 1], `cursor ${cursor} ends at the last message`);
  await s1.close();

  const bg = sendInBackground(A, '0', 100, { gapMs: 15, tag: 'sse-during' });
  await waitFor(() => bg.ids.length >= 30, { timeout: 20000, interval: 10, what: '30 background messages sent' });
  const s2 = await SseClient.connect(node.port, { client: B, lastEventId: cursor, label: 'sse2' });
  const sent = [...first, ...(await bg.done)];
  const last = sent[sent.length - 1];
  await s2.waitFor((e) => e.type === 'message' && e.data?.id === last, 20000, { what: `last id ${last} on sse2` });
  // a duplicate would be right behind: give it a moment
  await expectNothing(s2, () => false, 500);
  const seen = [...seen1, ...s2.messages('0').map((m) => m.id)];
  assertExactly(seen, sent, 'sse1 + sse2');
  assert.equal(parseCursor(s2.lastEventId)['0'], last, `final cursor ${s2.lastEventId}`);
  await s2.close();
});

test('SSE: a stream that received no message yet still resumes exactly (id:-only frame), not from the start of history', T, async () => {
  const s1 = await SseClient.connect(node.port, { client: B, label: 'sse-quiet' });
  const cursor = await s1.waitForLastEventId((id) => id !== null && '0' in parseCursor(id));
  assert.equal(s1.ofType('message').length, 0, 'no message received on the quiet stream');
  await s1.close();
  const missed = await sendNow(A, '0', 7, 'missed');
  const s2 = await SseClient.connect(node.port, { client: B, lastEventId: cursor, label: 'sse-resumed' });
  await s2.waitFor((e) => e.type === 'message' && e.data?.id === missed[6], 5000, { what: 'last missed message' });
  await expectNothing(s2, () => false, 500);
  assertExactly(s2.messages('0').map((m) => m.id), missed, 'replay of a quiet stream');
  await s2.close();
});

test('shutdown: SIGTERM → exit 0', T, async () => {
  await closeAllLive();
  await node.stop();
});
