// Threads (issue 22): a message with `parentId` is a reply in the thread of a top-level message of the
// same room. On three real nodes sharing one Redis, WS and SSE clients on every node get each reply as
// a `message` with parentId and then the parent's `message.updated` (its `replies` and `lastReplyAt`),
// once each, in position order; replies stay out of the main history and are paged by
// GET /room/{id}/messages/{parentId}/replies; edits, reactions and deletes work on replies (their
// events carry parentId, a delete moves the parent's count back and takes the reply's text out of the
// event log); a client away resumes on the other node and gets exactly what it missed, replies in
// their current state; bad input gets its documented error and the connection stays open.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { cleanup, assertStatus, assertError, allMessages, uniqueName, sleep } from './lib/harness.mjs';
import { WsClient, SseClient, closeAllLive, parseCursor, syncRoom, isMessage } from './lib/live.mjs';
import { startCluster, registerUsers } from './lib/cluster.mjs';
import { commandWs, editWs, deleteWs, deleteMessage, patchMessage, zsetWithScores, resumedWs, followingSse } from './lib/message_events.mjs';

const T = { timeout: 90000 };
const QUIET_MS = 800;

let redis;
let nodes;
let A;
let B;
let E; // not a member of R
let R;
let P; // A's parent message
let conns;
let marks;

after(async () => { await closeAllLive(); await cleanup(); });

const replyWs = (ws, parentId, message, roomId = R) => commandWs(ws, { type: 'message', roomId, message, parentId });
const repliesPath = (parent, q = '') => `/room/${encodeURIComponent(R)}/messages/${parent}/replies${q}`;
const THREAD_TYPES = new Set(['message', 'message.updated', 'message.deleted', 'reaction']);
/** The thread-related events of R a connection got from `from`: `type id@pos` strings. */
const entry = (e) => `${e.type} ${e.data.id}@${e.type === 'message' ? e.data.id : e.data.seq}`;
const timeline = (c, from) => c.events.slice(from)
  .filter((e) => THREAD_TYPES.has(e.type) && e.data?.roomId === R)
  .map(entry);

/** Every connection of `list` got exactly `exp` (from its mark), once each, in order. */
async function assertTimeline(list, exp, what, from = marks) {
  const last = exp.at(-1);
  await Promise.all(list.map((c) => c.waitFor((e) => THREAD_TYPES.has(e.type) && e.data?.roomId === R && entry(e) === last,
    15000, { from: from.get(c) ?? 0, what: `${what}: ${last}` })));
  await Promise.all(list.filter((c) => c instanceof WsClient).map((c) => c.ping()));
  await sleep(QUIET_MS);
  for (const c of list) assert.deepEqual(timeline(c, from.get(c) ?? 0), exp, `${what} ${c.label}: every event once, in order`);
}

test('setup: 3 nodes, members A and B of a channel (E is not), WS and SSE on every node; A posts the parent P', T, async () => {
  ({ redis, nodes } = await startCluster({ n: 3, prefix: 'thread', nodeArgs: ['--messages-per-10s', '1000'] }));
  [A, B, E] = await registerUsers(nodes, 3, 't');
  const created = await A.on(nodes[0]).post('/rooms', { name: uniqueName('threads') });
  assertStatus(created, 201, 'channel');
  R = created.json.id;
  assertStatus(await B.post(`/rooms/${R}/join`), 200, 'join');
  const ws = (u, n, label) => resumedWs(u, nodes[n], R, label);
  const sse = (u, n, label) => followingSse(u, nodes[n], R, label);
  conns = {
    wsA1: await ws(A, 0, 'wsA@1'), wsB2: await ws(B, 1, 'wsB@2'), sseB1: await sse(B, 0, 'sseB@1'), sseA2: await sse(A, 1, 'sseA@2'),
    wsB3: await ws(B, 2, 'wsB@3'), sseA3: await sse(A, 2, 'sseA@3'),
  };
  const sync = await syncRoom(conns.wsA1, R, Object.values(conns), { timeoutMs: 15000 });
  for (const c of Object.values(conns)) await c.waitFor(isMessage(sync.id, R), 5000, { what: 'sync' });
  marks = new Map(Object.values(conns).map((c) => [c, c.mark()]));
  const p = await A.on(nodes[0]).post(`/room/${R}/messages`, { message: 'the parent' });
  assertStatus(p, 201, 'P');
  P = p.json.id;
});

test('replies over WS and HTTP: `message` with parentId, then the parent\'s counters, on every connection once, in order; not in the main history', T, async () => {
  const r1 = await replyWs(conns.wsB2, P, 'first reply @' + A.user.username);
  assert.equal(r1.type, 'ack', JSON.stringify(r1));
  const R1 = r1.data.id;
  assert.ok(R1 > P, `a reply's id is a position after its parent: ${JSON.stringify(r1)}`);
  const h2 = await A.on(nodes[2]).post(`/room/${R}/messages`, { message: 'second reply', parentId: P, clientId: 'h2' });
  assertStatus(h2, 201, 'HTTP reply');
  assert.equal(h2.json.parentId, P, h2.text);
  assert.equal(h2.json.message, 'second reply');
  assert.equal(h2.json.clientId, 'h2');
  const R2 = h2.json.id;
  // each reply is followed by the parent's message.updated at the next position
  const live = Object.values(conns);
  const c0 = conns.sseB1;
  const up1 = await c0.waitFor((e) => e.type === 'message.updated' && e.data?.id === P && e.data.replies === 1, 5000, { what: 'P updated 1' });
  const up2 = await c0.waitFor((e) => e.type === 'message.updated' && e.data?.id === P && e.data.replies === 2, 5000, { what: 'P updated 2' });
  assert.equal(up1.data.seq, R1 + 1, 'the parent update follows the reply');
  assert.equal(up2.data.seq, R2 + 1);
  assert.ok(up2.data.lastReplyAt >= Math.floor(R2 / 1000) * 1000 - 5000 && up2.data.lastReplyAt <= Date.now() + 5000, JSON.stringify(up2.data));
  assert.equal(up2.data.message, 'the parent', 'the update carries the whole parent');
  await assertTimeline(live, [`message ${P}@${P}`, `message ${R1}@${R1}`, `message.updated ${P}@${R1 + 1}`, `message ${R2}@${R2}`, `message.updated ${P}@${R2 + 1}`], 'live');
  for (const c of live) {
    const m1 = c.events.find(isMessage(R1, R));
    assert.equal(m1.data.parentId, P, `${c.label}: the reply carries parentId`);
    assert.deepEqual(m1.data.mentions, [A.user.id], `${c.label}: mentions resolve in replies`);
  }
  // the main history: P with its counters, no replies
  const hist = await allMessages(B.on(nodes[0]), R);
  assert.ok(!hist.some((m) => m.id === R1 || m.id === R2), 'replies are not in the main history');
  const hp = hist.find((m) => m.id === P);
  assert.equal(hp.replies, 2, JSON.stringify(hp));
  assert.equal(hp.lastReplyAt, up2.data.lastReplyAt);
  // the thread, newest first, paged
  const page = await B.on(nodes[1]).get(repliesPath(P));
  assertStatus(page, 200, 'replies');
  assert.deepEqual(page.json.map((m) => [m.id, m.message, m.parentId]), [[R2, 'second reply', P], [R1, 'first reply @' + A.user.username, P]]);
  const older = await B.on(nodes[1]).get(repliesPath(P, `?before=${R2}&limit=1`));
  assertStatus(older, 200, 'replies before');
  assert.deepEqual(older.json.map((m) => m.id), [R1]);
});

test('edit, reaction and delete of a reply: events carry parentId, the parent\'s count follows, the text leaves the event log', T, async () => {
  const from = new Map(Object.values(conns).map((c) => [c, c.mark()]));
  const page = await A.on(nodes[0]).get(repliesPath(P));
  const [R2, R1] = page.json.map((m) => m.id);
  const ed = await editWs(conns.wsB2, R, R1, 'first reply, edited');
  assert.equal(ed.type, 'ack', JSON.stringify(ed));
  const re = await commandWs(conns.wsA1, { type: 'reaction', roomId: R, id: R1, emoji: ':eyes:', on: true });
  assert.equal(re.type, 'ack', JSON.stringify(re));
  const del = await deleteMessage(A.on(nodes[1]), R, R2);
  assertStatus(del, 200, 'delete R2');
  const exp = [`message.updated ${R1}@${ed.data.seq}`, `reaction ${R1}@${re.data.seq}`, `message.deleted ${R2}@${del.json.seq}`,
    `message.updated ${P}@${del.json.seq + 1}`];
  await assertTimeline(Object.values(conns), exp, 'changes', from);
  for (const c of Object.values(conns)) {
    const evs = c.events.slice(from.get(c));
    const upd = evs.find((e) => e.type === 'message.updated' && e.data.id === R1);
    assert.equal(upd.data.parentId, P, `${c.label}: the edit carries parentId`);
    assert.equal(upd.data.message, 'first reply, edited');
    assert.equal(evs.find((e) => e.type === 'reaction').data.parentId, P, `${c.label}: the reaction carries parentId`);
    assert.equal(evs.find((e) => e.type === 'message.deleted').data.parentId, P, `${c.label}: the delete carries parentId`);
    const pu = evs.findLast((e) => e.type === 'message.updated' && e.data.id === P);
    assert.equal(pu.data.replies, 1, `${c.label}: one reply left`);
  }
  const thread = await B.on(nodes[0]).get(repliesPath(P));
  assertStatus(thread, 200, 'thread');
  assert.deepEqual(thread.json[0], { id: R2, roomId: R, from: A.user.id, date: thread.json[0].date, parentId: P, deleted: true }, 'a deleted reply is its tombstone');
  assert.equal(thread.json[1].message, 'first reply, edited');
  assert.deepEqual(thread.json[1].reactions, { ':eyes:': [A.user.id] });
  // the log: the edited reply's frame in its current state, the deleted one's text gone
  const log = zsetWithScores(redis, `chat:room:${R}:events`).map((r) => r.member).join('\n');
  assert.ok(!log.includes('second reply'), 'the deleted reply\'s text is not in the event log');
  assert.ok(!log.includes('"message":"first reply @'), 'the edited reply\'s old text is not in the event log');
  // deleting the last reply drops the counters
  const d1 = await deleteWs(conns.wsB2, R, R1);
  assert.equal(d1.type, 'ack', JSON.stringify(d1));
  // every connection has the delete and the parent's update before the next test takes its cursors
  for (const c of Object.values(conns)) {
    const pu = await c.waitFor((e) => e.type === 'message.updated' && e.data?.id === P && e.data.seq === d1.data.seq + 1, 5000,
      { what: `${c.label}: P back to 0` });
    assert.ok(!('replies' in pu.data) && !('lastReplyAt' in pu.data), JSON.stringify(pu.data));
  }
});

test('away and back on the other node: resume replays the missed replies (current state) and counters exactly once, in order', T, async () => {
  const away = conns.wsB2;
  const cursor = Math.max(...away.events.filter((e) => THREAD_TYPES.has(e.type) && e.data?.roomId === R)
    .map((e) => (e.type === 'message' ? e.data.id : e.data.seq)));
  await away.close();
  const x = await replyWs(conns.wsA1, P, 'while away');
  assert.equal(x.type, 'ack', JSON.stringify(x));
  const X = x.data.id;
  const ed = await patchMessage(A.on(nodes[2]), R, X, { message: 'while away, edited' }); // HTTP, node 3
  assertStatus(ed, 200, 'edit X');
  const back = await WsClient.connect(nodes[0].port, { client: B.on(nodes[0]), label: 'wsB@1 (resumed)' });
  back.send({ type: 'resume', rooms: { [R]: cursor } });
  await assertTimeline([back], [`message ${X}@${X}`, `message.updated ${P}@${X + 1}`, `message.updated ${X}@${ed.json.seq}`], 'resumed', new Map([[back, 0]]));
  const replayed = back.events.find(isMessage(X, R));
  assert.equal(replayed.data.message, 'while away, edited', 'the reply is replayed in its current state');
  assert.equal(replayed.data.parentId, P);
  conns.wsB2 = back;
});

test('bad input: reply to a reply, unknown or deleted parent, non-member, bad parentId; replies pages; each its error, the connection stays open', T, async () => {
  const ws = conns.wsA1;
  const [X] = (await A.on(nodes[0]).get(repliesPath(P))).json.map((m) => m.id);
  const err = async (frame, code, what) => {
    const ev = await commandWs(ws, frame);
    assert.equal(ev.type, 'error', `${what}: ${JSON.stringify(ev)}`);
    assert.equal(ev.data.code, code, `${what}: ${JSON.stringify(ev)}`);
    return ev;
  };
  const nested = await err({ type: 'message', roomId: R, message: 'deeper', parentId: X }, 'bad_request', 'reply to a reply');
  assert.match(nested.data.message, /one level/);
  assertError(await A.on(nodes[1]).post(`/room/${R}/messages`, { message: 'deeper', parentId: X }), 400, 'bad_request', 'HTTP reply to a reply');
  await err({ type: 'message', roomId: R, message: 'x', parentId: P + 987654321 }, 'not_found', 'unknown parent');
  await err({ type: 'message', roomId: R, message: 'x', parentId: 'abc' }, 'bad_request', 'parentId a string');
  await err({ type: 'message', roomId: R, message: 'x', parentId: -1 }, 'bad_request', 'parentId negative');
  assertError(await A.on(nodes[1]).post(`/room/${R}/messages`, { message: 'x', parentId: 1.5 }), 400, 'bad_request', 'HTTP parentId not an integer');
  const wsE = await WsClient.connect(nodes[1].port, { client: E.on(nodes[1]), label: 'wsE@2' });
  const ef = await commandWs(wsE, { type: 'message', roomId: R, message: 'x', parentId: P });
  assert.equal(ef.data?.code, 'forbidden', JSON.stringify(ef));
  assertError(await E.on(nodes[0]).get(repliesPath(P)), 403, 'forbidden', 'non-member reads a thread');
  assertError(await A.on(nodes[0]).get(repliesPath(P + 987654321)), 404, 'not_found', 'unknown parent');
  assertError(await A.on(nodes[0]).get(repliesPath(X)), 404, 'not_found', 'a reply is not a parent');
  assertError(await A.on(nodes[0]).get(repliesPath(P, '?limit=0')), 400, 'bad_request', 'limit 0');
  assertError(await A.on(nodes[0]).get(repliesPath('abc')), 404, 'not_found', 'parent not a number');
  // a deleted parent keeps its thread readable, takes no new replies
  const q = await A.on(nodes[0]).post(`/room/${R}/messages`, { message: 'short-lived parent' });
  const Q = q.json.id;
  assertStatus(await B.on(nodes[1]).post(`/room/${R}/messages`, { message: 'reply to Q', parentId: Q }), 201, 'reply to Q');
  assertStatus(await deleteMessage(A.on(nodes[0]), R, Q), 200, 'delete Q');
  const tomb = (await allMessages(A.on(nodes[0]), R)).find((m) => m.id === Q);
  assert.equal(tomb.deleted, true);
  assert.equal(tomb.replies, 1, `the tombstone keeps its count: ${JSON.stringify(tomb)}`);
  const qt = await A.on(nodes[0]).get(repliesPath(Q));
  assertStatus(qt, 200, 'thread of a deleted parent');
  assert.deepEqual(qt.json.map((m) => m.message), ['reply to Q']);
  await err({ type: 'message', roomId: R, message: 'late', parentId: Q }, 'not_found', 'reply to a deleted parent');
  await ws.ping();
  await wsE.ping();
});

test('a reply mention counts as an unread mention until read, and a read marker may reach a reply', T, async () => {
  const m = await B.on(nodes[0]).post(`/room/${R}/messages`, { message: `ping @${A.user.username}`, parentId: P });
  assertStatus(m, 201, 'mention in a reply');
  assert.equal(m.json.parentId, P, m.text);
  const rooms = async () => (await A.on(nodes[1]).get(`/rooms/${A.user.id}`)).json.find((r) => r.id === R);
  assert.equal((await rooms()).mentions, 1, 'one unread mention');
  const rd = await A.on(nodes[1]).post(`/room/${R}/read`, { id: m.json.id });
  assertStatus(rd, 200, 'read up to the reply');
  assert.equal(rd.json.lastRead, m.json.id, rd.text);
  assert.equal((await rooms()).mentions, 0, 'read');
});
