// History paging: offset/size (tutorial) and before/limit (cursor), also while messages are written;
// message ids, server-stamped from/date, identical texts.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startRedis, startNode, cleanup, register, assertError, assertStatus, allMessages,
} from './lib/harness.mjs';

const T = { timeout: 90000 };
let redis;
let node;
let A;
let B;
let room; // a fresh channel, so nothing else writes into it
const sent = []; // the first 120 messages, in send order

after(cleanup);

const text = (i) => `m-${String(i).padStart(3, '0')}`;

test('setup: node, users A and B, a channel both are in, 120 messages sent one by one', T, async () => {
  redis = await startRedis();
  node = await startNode({ redisUrl: redis.url });
  A = await register(node);
  B = await register(node);
  const ch = await A.post('/rooms', { name: `paging-${Date.now()}` });
  assertStatus(ch, 201, 'create channel');
  room = ch.json.id;
  assertStatus(await B.post(`/rooms/${room}/join`), 200, 'B joins');
  const t0 = Math.floor(Date.now() / 1000);
  for (let i = 0; i < 120; i++) {
    const res = await A.post(`/room/${room}/messages`, { message: text(i) });
    assertStatus(res, 201, `send ${i}`);
    sent.push(res.json);
  }
  const t1 = Math.ceil(Date.now() / 1000);
  for (const [i, m] of sent.entries()) {
    assert.deepEqual(Object.keys(m).sort(), ['date', 'from', 'id', 'message', 'roomId'], JSON.stringify(m));
    assert.equal(m.message, text(i));
    assert.equal(m.roomId, room);
    assert.equal(m.from, A.user.id);
    assert.ok(Number.isInteger(m.id), `id is an integer: ${m.id}`);
    assert.ok(Number.isInteger(m.date) && m.date >= t0 - 2 && m.date <= t1 + 2, `date ${m.date} in [${t0},${t1}] (seconds)`);
  }
});

test('message ids are strictly increasing in send order', T, async () => {
  for (let i = 1; i < sent.length; i++) {
    assert.ok(sent[i].id > sent[i - 1].id, `id[${i}]=${sent[i].id} > id[${i - 1}]=${sent[i - 1].id}`);
  }
});

test('offset paging: exactly `size` newest-first; defaults 0/15; the tail is short; past the end is []', T, async () => {
  const newestFirst = [...sent].reverse();
  const page = async (q) => {
    const res = await A.get(`/room/${room}/messages?${q}`);
    assertStatus(res, 200, q);
    return res.json;
  };
  assert.deepEqual(await page('offset=0&size=15'), newestFirst.slice(0, 15));
  assert.deepEqual(await page('offset=15&size=15'), newestFirst.slice(15, 30));
  assert.deepEqual(await page('offset=110&size=15'), newestFirst.slice(110, 120));
  assert.deepEqual(await page('offset=120&size=15'), []);
  assert.deepEqual(await page('offset=5000&size=15'), []);
  assert.deepEqual(await page('size=1'), newestFirst.slice(0, 1));
  assert.deepEqual(await page('size=100'), newestFirst.slice(0, 100));
  assert.deepEqual(await page('offset=0'), newestFirst.slice(0, 15), 'default size 15');
  assert.deepEqual(await page('size=20'), newestFirst.slice(0, 20), 'default offset 0');
  // No parameters at all: protocol.md gives two defaults (offset style: 15, cursor style: 50);
  // either is accepted, but it must be the newest messages.
  const def = await A.get(`/room/${room}/messages`);
  assertStatus(def, 200, 'defaults');
  assert.ok([15, 50].includes(def.json.length), `no parameters → 15 or 50 messages, got ${def.json.length}`);
  assert.deepEqual(def.json, newestFirst.slice(0, def.json.length));
});

test('offset paging: invalid parameters → 400 bad_request', T, async () => {
  for (const q of ['size=0', 'size=101', 'size=-1', 'offset=-1', 'size=abc', 'offset=1.5', 'offset=x&size=5']) {
    assertError(await A.get(`/room/${room}/messages?${q}`), 400, 'bad_request', q);
  }
});

test('cursor paging: walking `before` pages covers every id exactly once, newest first', T, async () => {
  const ids = sent.map((m) => m.id).reverse();
  const first = await A.get(`/room/${room}/messages?limit=50`);
  assertStatus(first, 200, 'first page');
  assert.deepEqual(first.json.map((m) => m.id), ids.slice(0, 50));
  const walked = [];
  const sizes = [];
  let before = null;
  for (let guard = 0; guard < 10; guard++) {
    const q = before === null ? 'limit=50' : `before=${before}&limit=50`;
    const res = await A.get(`/room/${room}/messages?${q}`);
    assertStatus(res, 200, q);
    sizes.push(res.json.length);
    if (res.json.length === 0) break;
    for (const m of res.json) if (before !== null) assert.ok(m.id < before, `${m.id} < before ${before}`);
    walked.push(...res.json.map((m) => m.id));
    before = res.json[res.json.length - 1].id;
  }
  assert.deepEqual(sizes, [50, 50, 20, 0]);
  assert.deepEqual(walked, ids);
  // default limit is 50; limit 1 and 100 work; before is exclusive
  const d = await A.get(`/room/${room}/messages?before=${ids[0] + 1}`);
  assert.deepEqual(d.json.map((m) => m.id), ids.slice(0, 50), 'default limit 50');
  const one = await A.get(`/room/${room}/messages?before=${ids[10]}&limit=1`);
  assert.deepEqual(one.json.map((m) => m.id), [ids[11]], 'before is exclusive');
  const hundred = await A.get(`/room/${room}/messages?before=${ids[0]}&limit=100`);
  assert.deepEqual(hundred.json.map((m) => m.id), ids.slice(1, 101));
  const oldest = await A.get(`/room/${room}/messages?before=${ids[119]}&limit=100`);
  assert.deepEqual(oldest.json, []);
});

test('cursor paging: invalid parameters → 400 bad_request', T, async () => {
  for (const q of ['limit=0', 'limit=101', 'limit=abc', 'before=abc', 'before=1.5&limit=5']) {
    assertError(await A.get(`/room/${room}/messages?${q}`), 400, 'bad_request', q);
  }
});

test('cursor paging under concurrent writes: no duplicates, no gaps among the ids that existed at the start', T, async () => {
  const snapshotRes = await A.get(`/room/${room}/messages?limit=1`);
  const snapshot = snapshotRes.json[0].id;
  const existing = (await allMessages(A, room)).map((m) => m.id);
  assert.equal(existing[0], snapshot);

  let stop = false;
  const written = [];
  const writer = (async () => {
    let i = 0;
    while (!stop || i < 30) {
      const res = await B.post(`/room/${room}/messages`, { message: `w-${i++}` });
      assertStatus(res, 201, 'concurrent send');
      written.push(res.json.id);
      if (i > 2000) break;
    }
  })();

  const walked = [];
  const offsetSizes = [];
  let before = snapshot + 1;
  let writtenDuringWalk = 0;
  try {
    for (let guard = 0; guard < 1000; guard++) {
      const res = await A.get(`/room/${room}/messages?before=${before}&limit=7`);
      assertStatus(res, 200, `page before ${before}`);
      if (res.json.length === 0) break;
      walked.push(...res.json.map((m) => m.id));
      before = res.json[res.json.length - 1].id;
      // offset paging while writing: still exactly `size` (content may shift: that is its known weakness)
      const off = await A.get(`/room/${room}/messages?offset=3&size=9`);
      offsetSizes.push(off.json.length);
      await new Promise((r) => setImmediate(r));
    }
  } finally {
    writtenDuringWalk = written.length;
    stop = true;
    await writer;
  }
  assert.ok(writtenDuringWalk >= 5, `the writer really wrote while the reader walked (${writtenDuringWalk} messages)`);
  assert.deepEqual(walked, existing, 'cursor walk = exactly the ids that existed at the start, newest first');
  assert.equal(new Set(walked).size, walked.length, 'no duplicates');
  assert.ok(offsetSizes.every((n) => n === 9), `offset pages all have size 9: ${offsetSizes}`);
  assert.ok(written.length >= 30);
  for (let i = 1; i < written.length; i++) assert.ok(written[i] > written[i - 1], 'writer ids strictly increasing');
  assert.ok(written[0] > snapshot, 'new ids are above the snapshot');
  // everything is there afterwards
  const after = (await allMessages(A, room)).map((m) => m.id);
  assert.deepEqual(after, [...written].reverse().concat(existing));
});

test('parallel writers: every message stored with a distinct id; history is strictly decreasing', T, async () => {
  const before = (await allMessages(A, room)).length;
  const results = await Promise.all(Array.from({ length: 60 }, (_, i) => (i % 2 ? A : B).post(`/room/${room}/messages`, { message: `p-${i}` })));
  for (const r of results) assertStatus(r, 201, 'parallel send');
  const ids = results.map((r) => r.json.id);
  assert.equal(new Set(ids).size, 60, 'distinct ids');
  const all = await allMessages(A, room);
  assert.equal(all.length, before + 60);
  for (let i = 1; i < all.length; i++) assert.ok(all[i].id < all[i - 1].id, `history strictly decreasing at ${i}`);
  const texts = new Set(all.map((m) => m.message));
  for (let i = 0; i < 60; i++) assert.ok(texts.has(`p-${i}`), `p-${i} stored`);
  for (const r of results) assert.equal(r.json.from, (Number(r.json.message.slice(2)) % 2 ? A : B).user.id, 'from = sender');
});

test('identical texts are all stored (distinct ids), sequentially and in parallel', T, async () => {
  const r1 = await A.post(`/room/${room}/messages`, { message: 'same' });
  const r2 = await A.post(`/room/${room}/messages`, { message: 'same' });
  assertStatus(r1, 201, 'same 1');
  assertStatus(r2, 201, 'same 2');
  assert.ok(r2.json.id > r1.json.id);
  const par = await Promise.all(Array.from({ length: 10 }, () => A.post(`/room/${room}/messages`, { message: 'twin' })));
  for (const r of par) assertStatus(r, 201, 'twin');
  assert.equal(new Set(par.map((r) => r.json.id)).size, 10);
  const all = await allMessages(A, room);
  assert.equal(all.filter((m) => m.message === 'same').length, 2);
  assert.equal(all.filter((m) => m.message === 'twin').length, 10);
  assert.equal(Number(redis.cli('ZCARD', `room:${room}`)), all.length, 'zset holds every message');
});

test('from/date/id/roomId are stamped by the server: client-supplied values in the body are ignored', T, async () => {
  const last = (await A.get(`/room/${room}/messages?limit=1`)).json[0].id;
  const res = await A.post(`/room/${room}/messages`, {
    message: 'spoof?', from: B.user.id, date: 1, id: 5, roomId: '0', user: { id: B.user.id },
  });
  assertStatus(res, 201, 'send with extra fields');
  const now = Math.floor(Date.now() / 1000);
  assert.equal(res.json.from, A.user.id);
  assert.ok(Math.abs(res.json.date - now) <= 60, `date ${res.json.date} ~ now ${now}`);
  assert.ok(res.json.id > last);
  assert.equal(res.json.roomId, room);
  const stored = (await A.get(`/room/${room}/messages?limit=1`)).json[0];
  assert.deepEqual(stored, res.json);
  const general = await A.get('/room/0/messages?limit=100');
  assert.ok(!general.json.some((m) => m.message === 'spoof?'), 'not written to the roomId in the body');
});

test('clientId is echoed on 201 (not stored in history); over 64 chars → 400', T, async () => {
  const res = await A.post(`/room/${room}/messages`, { message: 'with client id', clientId: 'c-123' });
  assertStatus(res, 201, 'clientId');
  assert.equal(res.json.clientId, 'c-123');
  assert.equal(res.json.message, 'with client id');
  const ok64 = await A.post(`/room/${room}/messages`, { message: 'cid64', clientId: 'x'.repeat(64) });
  assertStatus(ok64, 201, 'clientId 64 chars');
  assertError(await A.post(`/room/${room}/messages`, { message: 'cid65', clientId: 'x'.repeat(65) }), 400, 'bad_request', 'clientId 65 chars');
  const all = await allMessages(A, room);
  assert.ok(!all.some((m) => m.message === 'cid65'), 'rejected message not stored');
});

test('shutdown: SIGTERM → exit 0', T, async () => {
  await node.stop();
});
