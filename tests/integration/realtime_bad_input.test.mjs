// Bad input on the real-time endpoints (docs/protocol.md §2.1, §2.3): the bad-frame table over one
// WebSocket (error code + clientId per row, then the connection still answers ping), the per-user
// send rate limit, the frame size limit (close 1009), and handshake errors (401, 403).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startRedis, startNode, cleanup, register, uniqueName, assertStatus, allMessages, sleep,
} from './lib/harness.mjs';
import {
  WsClient, SseClient, closeAllLive, sendWs, syncRoom, expectNothing, isMessage,
} from './lib/live.mjs';

const T = { timeout: 60000 };
const FRAME_MAX = 1024;
let redis;
let node; // --max-ws-frame-bytes 1024, permissive rate limit
let limited; // --messages-per-10s 5
let A;
let B;
let C;
let D;
let dmCD; // a DM A is not part of

after(async () => {
  await closeAllLive();
  await cleanup();
});

test('setup: a node with --max-ws-frame-bytes 1024, a node with --messages-per-10s 5; users A, B, C, D; a C–D DM', T, async () => {
  redis = await startRedis();
  node = await startNode({ redisUrl: redis.url, args: ['--max-ws-frame-bytes', String(FRAME_MAX)] });
  limited = await startNode({ redisUrl: redis.url, args: ['--messages-per-10s', '5'] });
  await register(node, uniqueName('admin'));
  A = await register(node, uniqueName('A'));
  B = await register(node, uniqueName('B'));
  C = await register(node, uniqueName('C'));
  D = await register(node, uniqueName('D'));
  const dm = await C.post('/room', { user1: C.user.id, user2: D.user.id });
  assertStatus(dm, 201, 'C–D DM');
  dmCD = dm.json.id;
});

// [what, frame (string sent as is, or object sent as JSON), expected code(s), clientId expected in the error]
const ROWS = () => [
  ['invalid JSON', '{"type":"message",', 'bad_json', undefined],
  ['not JSON at all', 'hello', 'bad_json', undefined],
  ['JSON array', '[{"type":"ping"}]', 'bad_json', undefined],
  ['JSON string', '"ping"', 'bad_json', undefined],
  ['JSON number', '42', 'bad_json', undefined],
  ['JSON null', 'null', 'bad_json', undefined],
  ['unknown type with clientId', { type: 'shout', clientId: 'u1' }, 'unknown_type', 'u1'],
  ['unknown type without clientId', { type: 'shout' }, 'unknown_type', undefined],
  ['message without roomId', { type: 'message', message: 'x', clientId: 'r1' }, 'bad_request', 'r1'],
  ['message without text', { type: 'message', roomId: '0', clientId: 'r2' }, 'bad_request', 'r2'],
  ['roomId of the wrong type', { type: 'message', roomId: ['0'], message: 'x', clientId: 'r3' }, 'bad_request', 'r3'],
  ['text of the wrong type', { type: 'message', roomId: '0', message: { t: 'x' }, clientId: 'r4' }, 'bad_request', 'r4'],
  ['empty text', { type: 'message', roomId: '0', message: '', clientId: 'r5' }, 'bad_request', 'r5'],
  ['blank text', { type: 'message', roomId: '0', message: ' \n\t ', clientId: 'r6' }, 'bad_request', 'r6'],
  ['non-member room (DM of two other users)', { type: 'message', roomId: dmCD, message: 'intrusion', clientId: 'f1' }, 'forbidden', 'f1'],
  ['unknown room', { type: 'message', roomId: '999999', message: 'void', clientId: 'n1' }, 'not_found', 'n1'],
  ['unknown DM', { type: 'message', roomId: '424242:424243', message: 'void', clientId: 'n2' }, 'not_found', 'n2'],
  ['room.join of a non-member DM', { type: 'room.join', roomId: dmCD }, 'forbidden', undefined],
  ['room.join of an unknown room', { type: 'room.join', roomId: '999999' }, 'not_found', undefined],
];

test('bad frames table over one WS: error code and clientId per row; the connection stays open and answers ping; nothing stored or delivered', T, async () => {
  const wsA = await WsClient.connect(node.port, { client: A, label: 'wsA' });
  const wsB = await WsClient.connect(node.port, { client: B, label: 'wsB' });
  const wsC = await WsClient.connect(node.port, { client: C, label: 'wsC' });
  await syncRoom(wsA, '0', [wsA, wsB]);
  await syncRoom(wsC, dmCD, [wsC]);
  const generalBefore = (await allMessages(A, '0')).length;
  const dmBefore = (await allMessages(C, dmCD)).length;
  const fromB = wsB.mark();
  const fromC = wsC.mark();
  const problems = [];
  // (too_long needs a frame over this node's 1024-byte limit: tested on the other node below)
  for (const [what, frame, code, clientId] of ROWS()) {
    const from = wsA.mark();
    if (typeof frame === 'string') wsA.sendRaw(frame); else wsA.send(frame);
    let err;
    try {
      err = await wsA.waitFor((e) => e.type === 'error' || e.type === 'ack', 5000, { from, what: `answer to ${what}` });
    } catch (e) {
      problems.push(`${what}: ${e.message.slice(0, 200)}`);
      continue;
    }
    if (err.type !== 'error') { problems.push(`${what}: expected error ${code}, got ${JSON.stringify(err)}`); continue; }
    const want = { code, message: err.data.message, ...(clientId === undefined ? {} : { clientId }) };
    try {
      assert.deepEqual(err.data, want);
      assert.equal(typeof err.data.message, 'string');
      assert.ok(err.data.message.length > 0, 'message not empty');
    } catch {
      problems.push(`${what}: expected ${JSON.stringify(want)}, got ${JSON.stringify(err.data)}`);
    }
    try {
      await wsA.ping(3000);
    } catch (e) {
      problems.push(`${what}: no pong afterwards (${wsA.closeInfo ? `closed ${wsA.closeInfo.code}` : e.message.slice(0, 100)})`);
      break;
    }
    const extra = wsA.events.slice(from).filter((e) => e.type === 'error' || e.type === 'ack');
    if (extra.length !== 1) problems.push(`${what}: ${extra.length} answers: ${JSON.stringify(extra)}`);
  }
  assert.deepEqual(problems, [], 'every row answered as in the contract');
  assert.equal(wsA.closeInfo, null, 'still connected after the table');
  const leakedB = await expectNothing(wsB, (e) => e.type === 'message', 500, { from: fromB });
  assert.deepEqual(leakedB, [], 'no message delivered to B');
  // (C is in General too: a General sync message may still reach C after its mark; B covers General)
  assert.deepEqual(wsC.ofType('message', fromC).filter((e) => e.data?.roomId === dmCD), [], 'no message delivered into the C–D DM');
  assert.equal((await allMessages(A, '0')).length, generalBefore, 'nothing stored in General');
  assert.equal((await allMessages(C, dmCD)).length, dmBefore, 'nothing stored in the DM');
  // a good frame still works on the same connection
  const ok = await sendWs(wsA, '0', 'still here', { clientId: 'after-table' });
  assert.equal(ok.type, 'ack', JSON.stringify(ok));
  await closeAllLive();
});

test('too_long over WS (default frame limit): error too_long with clientId, connection open', T, async () => {
  const ws = await WsClient.connect(limited.port, { client: A });
  const ans = await sendWs(ws, '0', 'y'.repeat(4001), { clientId: 'long' });
  assert.equal(ans.type, 'error', JSON.stringify(ans).slice(0, 200));
  assert.equal(ans.data.code, 'too_long');
  assert.equal(ans.data.clientId, 'long');
  await ws.ping();
  await ws.close();
});

test('rate limit (--messages-per-10s 5): 20 quick sends → the first ones ack, the rest error rate_limited with their clientId; connection stays open; later sends work', T, async () => {
  const U = await register(limited, uniqueName('R'));
  const ws = await WsClient.connect(limited.port, { client: U, label: 'wsU' });
  const wsB = await WsClient.connect(limited.port, { client: B, label: 'wsB' });
  const fromB = wsB.mark();
  const from = ws.mark();
  const cids = Array.from({ length: 20 }, (_, i) => `q${i}`);
  for (const cid of cids) ws.send({ type: 'message', roomId: '0', message: `burst ${cid}`, clientId: cid });
  const answers = await ws.waitForCount((e) => (e.type === 'ack' || e.type === 'error') && cids.includes(e.data?.clientId), 20, 10000, { from, what: '20 answers' });
  const byCid = new Map();
  for (const a of answers) {
    assert.ok(!byCid.has(a.data.clientId), `one answer per clientId (${a.data.clientId})`);
    byCid.set(a.data.clientId, a);
  }
  const acked = cids.filter((c) => byCid.get(c).type === 'ack');
  const limitedCids = cids.filter((c) => byCid.get(c).type === 'error');
  for (const c of limitedCids) {
    const e = byCid.get(c).data;
    assert.deepEqual(e, { code: 'rate_limited', message: e.message, clientId: c }, `error for ${c}`);
  }
  assert.ok(acked.length >= 5 && acked.length <= 6, `5 (or 6 with a refill) of 20 accepted, got ${acked.length}: ${acked}`);
  assert.deepEqual(acked, cids.slice(0, acked.length), 'the first sends are the accepted ones');
  assert.equal(limitedCids.length, 20 - acked.length);
  await ws.ping();
  assert.equal(ws.closeInfo, null, 'the connection stays open');

  // only the accepted ones were delivered
  const ackIds = acked.map((c) => byCid.get(c).data.id);
  await wsB.waitFor(isMessage(ackIds[ackIds.length - 1], '0'), 5000, { from: fromB, what: 'last accepted message at B' });
  await wsB.ping();
  const burstAtB = wsB.messages('0', fromB).filter((m) => m.from === U.user.id).map((m) => m.id);
  assert.deepEqual(burstAtB, ackIds, 'B received exactly the accepted messages');

  await sleep(3000); // a token bucket of 5 per 10 s refills one token every 2 s
  const later = await sendWs(ws, '0', 'after the burst', { clientId: 'later' });
  assert.equal(later.type, 'ack', `a send 3 s later works: ${JSON.stringify(later)}`);
  await closeAllLive();
});

test(`frame over --max-ws-frame-bytes (${FRAME_MAX}): exactly ${FRAME_MAX} bytes is accepted, ${FRAME_MAX + 1} closes with 1009; the node stays up`, T, async () => {
  const frameOf = (n, cid) => {
    const base = JSON.stringify({ type: 'message', roomId: '0', message: '', clientId: cid });
    const f = JSON.stringify({ type: 'message', roomId: '0', message: 'm'.repeat(n - base.length), clientId: cid });
    assert.equal(Buffer.byteLength(f), n);
    return f;
  };
  const ws = await WsClient.connect(node.port, { client: A });
  const from = ws.mark();
  ws.sendRaw(frameOf(FRAME_MAX, 'fit'));
  const ans = await ws.waitFor((e) => e.data?.clientId === 'fit', 5000, { from, what: 'answer to the 1024-byte frame' });
  assert.equal(ans.type, 'ack', `a ${FRAME_MAX}-byte frame is accepted: ${JSON.stringify(ans)}`);
  ws.sendRaw(frameOf(FRAME_MAX + 1, 'big'));
  const closed = await ws.waitClosed(5000);
  assert.equal(closed.code, 1009, `close code ${JSON.stringify(closed)}`);
  assert.ok(!ws.events.slice(from).some((e) => e.data?.clientId === 'big'), 'the oversized frame was not processed');
  // the node is fine, new connections work
  const ws2 = await WsClient.connect(node.port, { client: A });
  await ws2.ping();
  await ws2.close();
});

test('handshake errors: /ws without session → 401; bad ?token= → 401; foreign Origin → 403; same Origin → 101; /stream without session → 401', T, async () => {
  const expectRefused = async (p, status, code, what) => {
    let err;
    try {
      const c = await p;
      await c.close();
    } catch (e) { err = e; }
    assert.ok(err, `${what}: the upgrade must fail`);
    assert.equal(err.status, status, `${what}: ${err.message}`);
    assert.equal(err.json?.error, code, `${what}: error body ${err.body}`);
  };
  await expectRefused(WsClient.connect(node.port, {}), 401, 'unauthorized', 'no session');
  await expectRefused(WsClient.connect(node.port, { token: 'f'.repeat(64) }), 401, 'unauthorized', 'unknown ?token=');
  await expectRefused(WsClient.connect(node.port, { headers: { Cookie: `chat_session=${'0'.repeat(64)}` } }), 401, 'unauthorized', 'unknown cookie');
  await expectRefused(WsClient.connect(node.port, { client: A, origin: 'http://evil.example' }), 403, 'forbidden', 'foreign Origin');
  await expectRefused(WsClient.connect(node.port, { client: A, origin: `http://evil.example:${node.port}` }), 403, 'forbidden', 'foreign host, same port');
  // same origin: Host is 127.0.0.1:<port>
  const same = await WsClient.connect(node.port, { client: A, origin: `http://127.0.0.1:${node.port}` });
  await same.ping();
  await same.close();
  const bearer = await WsClient.connect(node.port, { headers: { Authorization: `Bearer ${A.token}` } });
  await bearer.ping();
  await bearer.close();
  let err;
  try {
    const s = await SseClient.connect(node.port, {});
    await s.close();
  } catch (e) { err = e; }
  assert.ok(err, '/stream without session must fail');
  assert.equal(err.status, 401, err.message);
  assert.equal(err.json?.error, 'unauthorized', err.body);
});

test('shutdown: SIGTERM → exit 0 (both nodes)', T, async () => {
  await closeAllLive();
  await node.stop();
  await limited.stop();
});
