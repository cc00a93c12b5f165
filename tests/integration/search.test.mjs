// Search (issue 22): GET /search?q=&roomId=&before=&limit= on three real nodes sharing one Redis.
// Messages written on any node (WS and HTTP, channels, DMs, thread replies) are found by every word
// they hold, newest first, only in rooms the caller is a member of; an edited message by its new text
// only, a deleted one never; pages continue with `next`; bad input gets its documented error. The index
// is written off the send path (each node's indexer, --search-index-ms), so the tests poll for it.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { cleanup, assertStatus, assertError, uniqueName, sleep } from './lib/harness.mjs';
import { WsClient, closeAllLive, sendWs } from './lib/live.mjs';
import { startCluster, registerUsers } from './lib/cluster.mjs';
import { editWs, deleteMessage } from './lib/message_events.mjs';

const T = { timeout: 90000 };

let nodes;
let A;
let B;
let C; // not a member of R, not in the DM
let R;
let DM;
const tag = `z${Date.now().toString(36)}`; // a word no other test run wrote

after(async () => { await closeAllLive(); await cleanup(); });

const search = (client, q, extra = '') => client.get(`/search?q=${encodeURIComponent(q)}${extra}`);

/** Polls the search until `pred(results)` holds (the indexer runs every 100 ms here). */
async function searchUntil(client, q, pred, what, extra = '') {
  const deadline = Date.now() + 10000;
  let last;
  while (Date.now() < deadline) {
    last = await search(client, q, extra);
    assertStatus(last, 200, `search ${q}`);
    if (pred(last.json.results)) return last.json;
    await sleep(100);
  }
  assert.fail(`${what}: search ${q} never matched; last: ${last?.text.slice(0, 400)}`);
}

test('setup: 3 nodes (indexing every 100 ms), A and B in a channel and a DM; C in neither', T, async () => {
  ({ nodes } = await startCluster({ n: 3, prefix: 'search', nodeArgs: ['--messages-per-10s', '1000', '--search-index-ms', '100'] }));
  [A, B, C] = await registerUsers(nodes, 3, 's');
  const created = await A.on(nodes[0]).post('/rooms', { name: uniqueName('search') });
  assertStatus(created, 201, 'channel');
  R = created.json.id;
  assertStatus(await B.on(nodes[1]).post(`/rooms/${R}/join`), 200, 'join');
  const dm = await A.on(nodes[0]).post('/room', { user1: A.user.id, user2: B.user.id });
  assert.ok(dm.status === 200 || dm.status === 201, dm.text);
  DM = dm.json.id;
});

test('found by every word, newest first, across nodes, channels, DMs and thread replies; only for members', T, async () => {
  const ws = await WsClient.connect(nodes[0].port, { client: A.on(nodes[0]), label: 'wsA@1' });
  const m1 = await sendWs(ws, R, `The Quarterly report ${tag} is due`);
  assert.equal(m1.type, 'ack', JSON.stringify(m1));
  const m2 = await B.on(nodes[1]).post(`/room/${R}/messages`, { message: `quarterly numbers ${tag}, report later` });
  assertStatus(m2, 201, 'm2');
  const m3 = await B.on(nodes[2]).post(`/room/${DM}/messages`, { message: `REPORT: quarterly ${tag} (dm)` });
  assertStatus(m3, 201, 'm3');
  const m4 = await A.on(nodes[2]).post(`/room/${R}/messages`, { message: `only quarterly ${tag}` });
  assertStatus(m4, 201, 'm4');
  const r1 = await A.on(nodes[1]).post(`/room/${R}/messages`, { message: `reply: report ${tag} quarterly`, parentId: m4.json.id });
  assertStatus(r1, 201, 'reply');
  const want = [r1.json.id, m3.json.id, m2.json.id, m1.data.id]; // newest first; m4 lacks "report"
  const found = await searchUntil(A.on(nodes[1]), `quarterly REPORT ${tag}`, (rs) => rs.length === 4, 'A finds four');
  assert.deepEqual(found.results.map((m) => m.id), want, 'every word, newest first, case-insensitive');
  assert.equal(found.next, null, 'one page');
  const reply = found.results[0];
  assert.equal(reply.parentId, m4.json.id, 'a reply is found with its parentId');
  assert.equal(found.results[1].roomId, DM, 'DMs are searched');
  // one room only
  const inR = await searchUntil(B.on(nodes[2]), `quarterly report ${tag}`, (rs) => rs.length === 3, 'B in R', `&roomId=${encodeURIComponent(R)}`);
  assert.deepEqual(inR.results.map((m) => m.id), [r1.json.id, m2.json.id, m1.data.id]);
  // C is a member of neither room: nothing, even with the exact words
  const none = await search(C.on(nodes[0]), `quarterly report ${tag}`);
  assertStatus(none, 200, 'C');
  assert.deepEqual(none.json.results, [], 'nothing from rooms C is not in');
  assertError(await search(C.on(nodes[0]), `quarterly ${tag}`, `&roomId=${encodeURIComponent(R)}`), 403, 'forbidden', 'C in R');
  await ws.close();
});

test('an edited message is found by its new text only; a deleted one never', T, async () => {
  const ws = await WsClient.connect(nodes[1].port, { client: B.on(nodes[1]), label: 'wsB@2' });
  const m = await sendWs(ws, R, `draft wording ${tag}x`);
  assert.equal(m.type, 'ack', JSON.stringify(m));
  await searchUntil(A.on(nodes[0]), `draft ${tag}x`, (rs) => rs.length === 1, 'the original');
  const ed = await editWs(ws, R, m.data.id, `final wording ${tag}x`);
  assert.equal(ed.type, 'ack', JSON.stringify(ed));
  const byNew = await searchUntil(A.on(nodes[2]), `final ${tag}x`, (rs) => rs.length === 1, 'the new text');
  assert.equal(byNew.results[0].message, `final wording ${tag}x`);
  assert.ok(byNew.results[0].edited > 0);
  assert.deepEqual((await search(A.on(nodes[2]), `draft ${tag}x`)).json.results, [], 'not by the old text');
  assertStatus(await deleteMessage(B.on(nodes[0]), R, m.data.id), 200, 'delete');
  assert.deepEqual((await search(A.on(nodes[0]), `final ${tag}x`)).json.results, [], 'a deleted message is never found');
  await ws.close();
});

test('pages: limit and next walk every match once, newest first', T, async () => {
  const word = `${tag}page`;
  const ids = [];
  for (let i = 0; i < 25; i++) {
    const res = await A.on(nodes[i % 3]).post(`/room/${R}/messages`, { message: `item ${i} ${word}` });
    assertStatus(res, 201, `item ${i}`);
    ids.push(res.json.id);
  }
  await searchUntil(B.on(nodes[0]), word, (rs) => rs.length === 25, 'all 25 indexed', '&limit=30');
  const got = [];
  let before = null;
  for (let pages = 0; pages < 10; pages++) {
    const page = await search(B.on(nodes[pages % 3]), word, `&limit=10${before ? `&before=${before}` : ''}`);
    assertStatus(page, 200, `page ${pages}`);
    got.push(...page.json.results.map((m) => m.id));
    if (page.json.next === null) break;
    before = page.json.next;
  }
  assert.deepEqual(got, [...ids].reverse(), 'every match once, newest first');
});

test('bad input: each its error', T, async () => {
  const a = A.on(nodes[0]);
  assertError(await a.get('/search'), 400, 'bad_request', 'no q');
  assertError(await search(a, ''), 400, 'bad_request', 'empty q');
  assertError(await search(a, 'a b c ! ?'), 400, 'bad_request', 'no word of two bytes');
  assertError(await search(a, 'x'.repeat(257)), 400, 'bad_request', 'q too long');
  assertError(await search(a, 'ok\u0001'), 400, 'bad_request', 'control character');
  assertError(await search(a, 'report', '&limit=0'), 400, 'bad_request', 'limit 0');
  assertError(await search(a, 'report', '&limit=101'), 400, 'bad_request', 'limit 101');
  assertError(await search(a, 'report', '&before=abc'), 400, 'bad_request', 'before not a number');
  assertError(await search(a, 'report', '&roomId=999999999'), 404, 'not_found', 'unknown room');
  assertError(await search(a, 'report', '&roomId=not%20a%20room'), 404, 'not_found', 'not a room id');
  const anon = await fetch(`http://127.0.0.1:${nodes[0].port}/search?q=report`);
  assert.equal(anon.status, 401, 'signed out');
  const unknown = await search(a, `nosuchword${tag}`);
  assertStatus(unknown, 200, 'a word nobody wrote');
  assert.deepEqual(unknown.json, { results: [], next: null });
});
