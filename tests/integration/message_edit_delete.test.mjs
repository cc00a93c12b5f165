// Message edit and delete (issue 19, docs/protocol.md): WebSocket `message.edit` / `message.delete`
// frames and their acks, HTTP PATCH / DELETE /room/{roomId}/messages/{id}, the `message.updated` /
// `message.deleted` events to every connection of every member (WS and SSE) exactly once, the error
// answers (forbidden, not_found, bad_request, too_long, 401/403/404/400/415), history in both paging
// styles (edited text with `edited`, tombstones in place, exact page sizes), the tutorial's
// `room:{id}` ZSET (edited member in place, deleted member gone), and resume exactness: WS `resume`
// and SSE `Last-Event-ID` replay missed edits and deletes in position order, once, and a connection
// without a cursor replays none. One node, one Redis; each test uses its own fresh channel.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startRedis, startNode, cleanup, register, uniqueName, assertError, assertStatus, allMessages, request,
} from './lib/harness.mjs';
import {
  WsClient, SseClient, closeAllLive, sendWs, isMessage, parseCursor, expectNothing, syncRoom,
} from './lib/live.mjs';
import {
  roomTimeline, roomCursor, timelineProblems, entryKey, commandWs, editWs, deleteWs, patchMessage, deleteMessage,
  zsetWithScores,
} from './lib/message_events.mjs';

const T = { timeout: 60000 };
const QUIET_MS = 600; // bounded wait used to show that something does NOT arrive (more than once, or at all)
const ADMIN = uniqueName('boss');
let redis;
let node;
let admin; // role admin (--admin)
let A; // the author
let B; // another member
let C; // never a member of the test channels

after(async () => {
  await closeAllLive();
  await cleanup();
});

const MESSAGE_KEYS = ['date', 'from', 'id', 'message', 'roomId'];
const UPDATED_KEYS = ['date', 'edited', 'from', 'id', 'message', 'roomId', 'seq'];
const TOMBSTONE_KEYS = ['date', 'deleted', 'from', 'id', 'roomId'];

/** A fresh channel with A in it; `members` join it. The admin creates (so owns) it: A, its author,
 * is no owner, who could delete the others' messages (issue #23). */
async function newChannel(members = [], tag = 'ed') {
  const created = await admin.post('/rooms', { name: uniqueName(tag) });
  assertStatus(created, 201, 'the admin creates a channel');
  const id = created.json.id;
  assertStatus(await A.post(`/rooms/${id}/join`), 200, `A joins ${id}`);
  for (const m of members) assertStatus(await m.post(`/rooms/${id}/join`), 200, `${m.user.username} joins ${id}`);
  return id;
}

/** A message sent by `client` over HTTP (201 body). */
async function post(client, roomId, message) {
  const res = await client.post(`/room/${encodeURIComponent(roomId)}/messages`, { message });
  assertStatus(res, 201, `${client.user.username} posts "${message.slice(0, 30)}" in ${roomId}`);
  return res.json;
}

/** A WS connection of `client` whose first frame is resume {roomId: cursor} (it follows the room from there). */
async function wsFollowing(client, roomId, cursor, label) {
  const ws = await WsClient.connect(node.port, { client, label });
  ws.send({ type: 'resume', rooms: { [roomId]: cursor } });
  return ws;
}

/** An SSE stream of `client` (optionally resuming) that follows `roomId` (its cursor covers the room). */
async function sseFollowing(client, roomId, label, lastEventId) {
  const s = await SseClient.connect(node.port, { client, label, lastEventId });
  await s.waitForLastEventId((id) => id !== null && roomId in parseCursor(id), 5000);
  return s;
}

/** Asserts an ack of an edit/delete: {clientId, id (the message id), roomId, seq > id}; returns seq. */
function assertEditAck(ev, { clientId, id, roomId }, what) {
  assert.equal(ev.type, 'ack', `${what}: expected ack, got ${JSON.stringify(ev).slice(0, 300)}`);
  assert.equal(ev.data.clientId, clientId, `${what}: ack clientId`);
  assert.equal(ev.data.id, id, `${what}: ack id is the message id`);
  assert.equal(ev.data.roomId, roomId, `${what}: ack roomId`);
  assert.ok(Number.isSafeInteger(ev.data.seq), `${what}: ack seq is an integer (${ev.data.seq})`);
  assert.ok(ev.data.seq > id, `${what}: ack seq ${ev.data.seq} > message id ${id}`);
  return ev.data.seq;
}

/** Asserts a WS error answer: code (or one of several), the clientId echoed, a message. */
function assertWsError(ev, code, clientId, what) {
  assert.equal(ev.type, 'error', `${what}: expected error ${code}, got ${JSON.stringify(ev).slice(0, 300)}`);
  if (Array.isArray(code)) assert.ok(code.includes(ev.data.code), `${what}: code ${ev.data.code} not one of ${code.join('|')}`);
  else assert.equal(ev.data.code, code, `${what}: error code ${ev.data.code}, expected ${code}`);
  if (clientId !== undefined) assert.equal(ev.data.clientId, clientId, `${what}: error clientId`);
  assert.equal(typeof ev.data.message, 'string', `${what}: error message is a string`);
  assert.ok(ev.data.message.length > 0, `${what}: error message not empty`);
}

/** Asserts `message.updated` data: the whole message (same id, from, date), new text, edited (ms), seq. */
function assertUpdatedData(data, { id, roomId, from, date, message, seq }, what) {
  assert.deepEqual(Object.keys(data).sort(), UPDATED_KEYS, `${what}: message.updated keys ${JSON.stringify(data).slice(0, 300)}`);
  assert.equal(data.id, id, `${what}: id unchanged (the message's own id)`);
  assert.equal(data.roomId, roomId, `${what}: roomId`);
  assert.equal(data.from, from, `${what}: from (the author)`);
  if (date !== undefined) assert.equal(data.date, date, `${what}: date unchanged`);
  assert.equal(data.message, message, `${what}: new text`);
  assert.ok(Number.isSafeInteger(data.edited), `${what}: edited is an integer (${data.edited})`);
  assert.ok(Math.abs(data.edited - Date.now()) < 120000, `${what}: edited ${data.edited} is unix ms (now ${Date.now()})`);
  assert.ok(Number.isSafeInteger(data.seq) && data.seq > id, `${what}: seq ${data.seq} > id ${id}`);
  if (seq !== undefined) assert.equal(data.seq, seq, `${what}: seq = the ack's seq`);
}

const isUpdated = (id, roomId) => (e) => e.type === 'message.updated' && e.data?.id === id && e.data?.roomId === roomId;
const isDeleted = (id, roomId) => (e) => e.type === 'message.deleted' && e.data?.id === id && e.data?.roomId === roomId;
const editEvent = (e) => e.type === 'message.updated' || e.type === 'message.deleted';

/** Pings every WS connection (anything already queued before the pong has arrived) and waits QUIET_MS. */
async function settle(conns) {
  await Promise.all(conns.filter((c) => c instanceof WsClient).map((c) => c.ping()));
  await new Promise((r) => setTimeout(r, QUIET_MS));
}

/** Asserts a connection's timeline of a room (from `from`) is exactly `expected` ([{type,id,pos}]), in order. */
function assertTimeline(conn, roomId, expected, what, from = 0) {
  const got = roomTimeline(conn, roomId, from);
  assert.deepEqual(timelineProblems(`${what} ${conn.label}`, got, expected), [], `${what} ${conn.label}: got [${got.map(entryKey).join(', ')}]`);
  assert.deepEqual(got.map(entryKey), expected.map(entryKey), `${what} ${conn.label}: timeline`);
  return got;
}

// -------------------------------------------------------------------------------------------------

test('setup: a node with --admin, the admin, users A (author), B (member), C (outsider)', T, async () => {
  redis = await startRedis();
  node = await startNode({ redisUrl: redis.url, args: ['--admin', ADMIN] });
  admin = await register(node, ADMIN);
  assert.equal(admin.user.role, 'admin', 'the --admin name registers as admin');
  A = await register(node, uniqueName('A'));
  B = await register(node, uniqueName('B'));
  C = await register(node, uniqueName('C'));
  for (const u of [A, B, C]) assert.equal(u.user.role, 'user');
});

test('WS: author edits → ack {clientId,id,roomId,seq}; message.updated (whole message, edited ms, seq) once on every member connection; author deletes from a second tab → message.deleted {id,roomId,seq} once everywhere', T, async () => {
  const R = await newChannel([B], 'live');
  const wsA1 = await wsFollowing(A, R, 0, 'wsA1');
  const wsA2 = await wsFollowing(A, R, 0, 'wsA2');
  const wsB = await wsFollowing(B, R, 0, 'wsB');
  const sseB = await sseFollowing(B, R, 'sseB');
  const wsC = await WsClient.connect(node.port, { client: C, label: 'wsC' });
  const conns = [wsA1, wsA2, wsB, sseB];
  await syncRoom(wsA1, R, conns);
  await wsC.ping();
  const marks = new Map([...conns, wsC].map((c) => [c, c.mark()]));

  const sent = await sendWs(wsA1, R, 'original text', { clientId: 'm1' });
  assert.equal(sent.type, 'ack', `send: ${JSON.stringify(sent)}`);
  const M = sent.data.id;
  const orig = await wsB.waitFor(isMessage(M, R), 5000, { what: `message ${M} at wsB` });
  for (const c of conns) await c.waitFor(isMessage(M, R), 5000, { from: marks.get(c), what: `message ${M}` });

  // edit from the author's first tab
  const newText = 'edited ✏️ "quoted" <b>not bold</b> 😀';
  const ed = await editWs(wsA1, R, M, newText, { clientId: 'e1' });
  const E1 = assertEditAck(ed, { clientId: 'e1', id: M, roomId: R }, 'edit ack');
  const updates = [];
  for (const c of conns) {
    const ev = await c.waitFor(isUpdated(M, R), 5000, { from: marks.get(c), what: `message.updated ${M}` });
    assert.deepEqual(Object.keys(ev).sort(), ['data', 'type'], `${c.label}: envelope {type,data}`);
    assertUpdatedData(ev.data, { id: M, roomId: R, from: A.user.id, date: orig.data.date, message: newText, seq: E1 }, c.label);
    updates.push(ev.data);
  }
  for (const u of updates) assert.deepEqual(u, updates[0], 'every connection gets the same message.updated');
  await sseB.waitForLastEventId((id) => parseCursor(id)[R] === E1, 5000);

  // delete from the author's second tab
  const del = await deleteWs(wsA2, R, M, { clientId: 'd1' });
  const E2 = assertEditAck(del, { clientId: 'd1', id: M, roomId: R }, 'delete ack');
  assert.ok(E2 > E1, `delete position ${E2} > edit position ${E1}`);
  for (const c of conns) {
    const ev = await c.waitFor(isDeleted(M, R), 5000, { from: marks.get(c), what: `message.deleted ${M}` });
    assert.deepEqual(ev.data, { id: M, roomId: R, seq: E2 }, `${c.label}: message.deleted data`);
  }
  await sseB.waitForLastEventId((id) => parseCursor(id)[R] === E2, 5000);

  await settle([...conns, wsC]);
  const expected = [
    { type: 'message', id: M, pos: M },
    { type: 'message.updated', id: M, pos: E1 },
    { type: 'message.deleted', id: M, pos: E2 },
  ];
  for (const c of conns) assertTimeline(c, R, expected, 'live', marks.get(c));
  // SSE frames carry the event positions in their id: cursors
  for (const e of sseB.events.slice(marks.get(sseB)).filter(editEvent)) {
    assert.ok(e.sse.id !== null, `SSE ${e.type} frame carries an id: line`);
    assert.equal(parseCursor(e.sse.id)[R], e.data.seq, `SSE ${e.type} id: cursor = its seq (${e.sse.id})`);
  }
  // acks only to the connection that sent the frame
  assert.deepEqual(wsA1.ofType('ack', marks.get(wsA1)).map((e) => e.data.clientId), ['m1', 'e1'], 'wsA1 acks');
  assert.deepEqual(wsA2.ofType('ack', marks.get(wsA2)).map((e) => e.data.clientId), ['d1'], 'wsA2 acks');
  assert.deepEqual(wsB.ofType('ack', marks.get(wsB)), [], 'wsB gets no ack');
  for (const c of conns) assert.deepEqual(c.ofType('error', marks.get(c)), [], `${c.label}: no error`);
  // the outsider hears nothing of the room
  const leaked = wsC.events.slice(marks.get(wsC)).filter((e) => e.data?.roomId === R);
  assert.deepEqual(leaked, [], 'C (not a member) receives nothing of the channel');
});

test('WS refusals: not the author → forbidden; outsider → forbidden; unknown id/room/other room\'s id → not_found; blank → bad_request; too long → too_long; malformed → bad_request; nothing changes, the connection stays open', T, async () => {
  const R = await newChannel([B, admin], 'refuse');
  const wsA = await wsFollowing(A, R, 0, 'wsA');
  const wsB = await wsFollowing(B, R, 0, 'wsB');
  const wsAdm = await wsFollowing(admin, R, 0, 'wsAdm');
  const sseB = await sseFollowing(B, R, 'sseB');
  const wsC = await WsClient.connect(node.port, { client: C, label: 'wsC' });
  const observers = [wsA, wsB, wsAdm, sseB];
  await syncRoom(wsA, R, observers);
  const M = (await sendWs(wsA, R, 'A\'s message', { clientId: 'ma' })).data.id;
  const MB = (await sendWs(wsB, R, 'B\'s message', { clientId: 'mb' })).data.id;
  const G = (await post(A, '0', 'A in General')).id;
  for (const c of observers) await c.waitFor(isMessage(MB, R), 5000, { what: `message ${MB}` });
  const marks = new Map(observers.map((c) => [c, c.mark()]));

  const ROWS = [
    ['B edits A\'s message', wsB, { type: 'message.edit', roomId: R, id: M, message: 'hijack' }, 'forbidden'],
    ['B deletes A\'s message', wsB, { type: 'message.delete', roomId: R, id: M }, 'forbidden'],
    ['A deletes B\'s message (A is no admin)', wsA, { type: 'message.delete', roomId: R, id: MB }, 'forbidden'],
    ['the admin edits A\'s message (only the author edits)', wsAdm, { type: 'message.edit', roomId: R, id: M, message: 'admin edit' }, 'forbidden'],
    ['C (not a member) edits', wsC, { type: 'message.edit', roomId: R, id: M, message: 'outsider' }, 'forbidden'],
    ['C (not a member) deletes', wsC, { type: 'message.delete', roomId: R, id: M }, 'forbidden'],
    ['edit of an unknown id', wsA, { type: 'message.edit', roomId: R, id: 1, message: 'x' }, 'not_found'],
    ['delete of an unknown id', wsA, { type: 'message.delete', roomId: R, id: 1 }, 'not_found'],
    ['edit of an id just above the message', wsA, { type: 'message.edit', roomId: R, id: MB + 1, message: 'x' }, 'not_found'],
    ['edit in an unknown room', wsA, { type: 'message.edit', roomId: '999999', id: M, message: 'x' }, 'not_found'],
    ['delete in an unknown room', wsA, { type: 'message.delete', roomId: '999999', id: M }, 'not_found'],
    ['edit of A\'s General message named with this room', wsA, { type: 'message.edit', roomId: R, id: G, message: 'x' }, 'not_found'],
    ['delete of A\'s General message named with this room', wsA, { type: 'message.delete', roomId: R, id: G }, 'not_found'],
    ['edit to empty text', wsA, { type: 'message.edit', roomId: R, id: M, message: '' }, 'bad_request'],
    ['edit to blank text', wsA, { type: 'message.edit', roomId: R, id: M, message: ' \n\t\r\n ' }, 'bad_request'],
    ['edit to 4001 characters', wsA, { type: 'message.edit', roomId: R, id: M, message: 'a'.repeat(4001) }, 'too_long'],
    ['edit to 4001 emoji (code points)', wsA, { type: 'message.edit', roomId: R, id: M, message: '😀'.repeat(4001) }, 'too_long'],
    ['edit without id', wsA, { type: 'message.edit', roomId: R, message: 'x' }, 'bad_request'],
    ['edit with id null', wsA, { type: 'message.edit', roomId: R, id: null, message: 'x' }, 'bad_request'],
    ['edit with id an object', wsA, { type: 'message.edit', roomId: R, id: { id: M }, message: 'x' }, 'bad_request'],
    ['edit without message', wsA, { type: 'message.edit', roomId: R, id: M }, 'bad_request'],
    ['edit with message a number', wsA, { type: 'message.edit', roomId: R, id: M, message: 5 }, 'bad_request'],
    ['edit without roomId', wsA, { type: 'message.edit', id: M, message: 'x' }, 'bad_request'],
    ['delete without id', wsA, { type: 'message.delete', roomId: R }, 'bad_request'],
    ['delete with id an array', wsA, { type: 'message.delete', roomId: R, id: [M] }, 'bad_request'],
  ];
  const wrong = [];
  for (const [i, [what, conn, frame, code]] of ROWS.entries()) {
    const clientId = `bad-${i}`;
    const ev = await commandWs(conn, frame, { clientId });
    try {
      assertWsError(ev, code, clientId, what);
    } catch (e) {
      wrong.push(e.message.split('\n')[0]);
    }
    await conn.ping(); // still open and served
  }
  assert.deepEqual(wrong, [], 'every refused frame gets its error code with the clientId');
  await settle([...observers, wsC]);
  for (const c of observers) {
    assert.deepEqual(c.events.slice(marks.get(c)).filter(editEvent), [], `${c.label}: no message.updated/deleted for refused frames`);
  }
  for (const c of [wsA, wsB, wsAdm, wsC]) assert.equal(c.closeInfo, null, `${c.label} still connected`);
  let hist = await allMessages(A, R);
  const stored = hist.find((m) => m.id === M);
  assert.deepEqual(stored, { id: M, roomId: R, from: A.user.id, date: stored?.date, message: 'A\'s message' }, 'A\'s message unchanged');

  // boundary: exactly 4000 code points, no clientId → ack with clientId ""
  const text4000 = '😀'.repeat(4000);
  const ok = await commandWs(wsA, { type: 'message.edit', roomId: R, id: M, message: text4000 },
    { clientId: null, match: (e) => e.type === 'error' || (e.data?.id === M && e.data?.roomId === R) });
  const E1 = assertEditAck(ok, { clientId: '', id: M, roomId: R }, 'edit to 4000 emoji without clientId');
  for (const c of observers) {
    const ev = await c.waitFor(isUpdated(M, R), 5000, { from: marks.get(c), what: `message.updated ${M}` });
    assertUpdatedData(ev.data, { id: M, roomId: R, from: A.user.id, message: text4000, seq: E1 }, c.label);
  }

  // the admin deletes A's message; B deletes B's own message
  const adel = await deleteWs(wsAdm, R, M, { clientId: 'adm-del' });
  const E2 = assertEditAck(adel, { clientId: 'adm-del', id: M, roomId: R }, 'admin deletes A\'s message');
  const bdel = await deleteWs(wsB, R, MB, { clientId: 'b-del' });
  const E3 = assertEditAck(bdel, { clientId: 'b-del', id: MB, roomId: R }, 'B deletes own message');
  assert.ok(E1 < E2 && E2 < E3, `positions increase: ${E1} < ${E2} < ${E3}`);
  for (const c of observers) {
    const d1 = await c.waitFor(isDeleted(M, R), 5000, { from: marks.get(c), what: `message.deleted ${M}` });
    assert.deepEqual(d1.data, { id: M, roomId: R, seq: E2, moderated: true }, `${c.label}: admin's delete (issue #23: moderated)`);
    const d2 = await c.waitFor(isDeleted(MB, R), 5000, { from: marks.get(c), what: `message.deleted ${MB}` });
    assert.deepEqual(d2.data, { id: MB, roomId: R, seq: E3 }, `${c.label}: B's delete`);
  }

  // a deleted message is gone: edit and delete → not_found (author and admin alike)
  for (const [i, [what, conn, frame]] of [
    ['A edits the deleted message', wsA, { type: 'message.edit', roomId: R, id: M, message: 'revive' }],
    ['A deletes the deleted message', wsA, { type: 'message.delete', roomId: R, id: M }],
    ['the admin deletes it again', wsAdm, { type: 'message.delete', roomId: R, id: M }],
    ['B deletes own deleted message again', wsB, { type: 'message.delete', roomId: R, id: MB }],
  ].entries()) {
    const ev = await commandWs(conn, frame, { clientId: `gone-${i}` });
    assertWsError(ev, 'not_found', `gone-${i}`, what);
  }
  await settle(observers);
  const expected = [
    { type: 'message.updated', id: M, pos: E1 },
    { type: 'message.deleted', id: M, pos: E2 },
    { type: 'message.deleted', id: MB, pos: E3 },
  ];
  for (const c of observers) assertTimeline(c, R, expected, 'after the refusals', marks.get(c));
  hist = await allMessages(B, R);
  for (const id of [M, MB]) {
    const t = hist.find((m) => m.id === id);
    assert.ok(t, `tombstone of ${id} in history`);
    assert.equal(t.deleted, true, `${id} is a tombstone`);
    assert.ok(!('message' in t), `tombstone of ${id} has no text`);
  }
  await closeAllLive();
});

test('HTTP: PATCH → 200 the updated message (edited), DELETE → 200 {id,roomId,deleted:true,seq}, live events to WS and SSE; 401/403/404/400/415 refusals change nothing', T, async () => {
  const R = await newChannel([B, admin], 'http');
  const wsB = await wsFollowing(B, R, 0, 'wsB');
  const sseB = await sseFollowing(B, R, 'sseB');
  const wsA = await wsFollowing(A, R, 0, 'wsA');
  const observers = [wsB, sseB, wsA];
  await syncRoom(wsA, R, observers);
  const marks = new Map(observers.map((c) => [c, c.mark()]));
  const m = await post(A, R, 'before the patch');
  const mb = await post(B, R, 'B says hi');
  const G = (await post(A, '0', 'A in General (http test)')).id;

  // PATCH by the author
  const p1 = await patchMessage(A, R, m.id, { message: 'after the patch' });
  assertStatus(p1, 200, 'PATCH by the author');
  const ALLOWED = new Set([...UPDATED_KEYS, 'clientId']);
  assert.deepEqual(Object.keys(p1.json).filter((k) => !ALLOWED.has(k)), [], `PATCH body keys: ${p1.text}`);
  assert.equal(p1.json.id, m.id, 'id unchanged');
  assert.equal(p1.json.roomId, R);
  assert.equal(p1.json.from, A.user.id);
  assert.equal(p1.json.date, m.date, 'date unchanged');
  assert.equal(p1.json.message, 'after the patch');
  assert.ok(Number.isSafeInteger(p1.json.edited) && Math.abs(p1.json.edited - Date.now()) < 120000, `edited is unix ms: ${p1.json.edited}`);
  let E1;
  for (const c of observers) {
    const ev = await c.waitFor(isUpdated(m.id, R), 5000, { from: marks.get(c), what: `message.updated ${m.id}` });
    assertUpdatedData(ev.data, { id: m.id, roomId: R, from: A.user.id, date: m.date, message: 'after the patch' }, c.label);
    assert.equal(ev.data.edited, p1.json.edited, `${c.label}: edited = the PATCH answer's`);
    if (p1.json.seq !== undefined) assert.equal(ev.data.seq, p1.json.seq, `${c.label}: seq = the PATCH answer's`);
    E1 ??= ev.data.seq;
    assert.equal(ev.data.seq, E1, `${c.label}: same seq everywhere`);
  }
  // a second edit takes a new, later position
  const p2 = await patchMessage(A, R, m.id, { message: 'patched twice' });
  assertStatus(p2, 200, 'second PATCH');
  assert.equal(p2.json.message, 'patched twice');
  assert.ok(p2.json.edited >= p1.json.edited, 'edited moves forward');
  let E2;
  for (const c of observers) {
    const ev = await c.waitFor((e) => isUpdated(m.id, R)(e) && e.data.message === 'patched twice', 5000, { from: marks.get(c), what: 'second message.updated' });
    E2 ??= ev.data.seq;
    assert.equal(ev.data.seq, E2);
  }
  assert.ok(E2 > E1, `second edit position ${E2} > first ${E1}`);

  const path = `/room/${encodeURIComponent(R)}/messages/${m.id}`;
  const patchAs = (client, body, opts) => patchMessage(client, R, m.id, body, opts);
  const raw = (body, opts = {}) => A.request('PATCH', path, { body: Buffer.from(body, 'latin1'), ...opts });
  // [what, request, status, code(s)]
  const ROWS = [
    ['PATCH without a session', () => request(node.port, 'PATCH', path, { body: { message: 'anon' } }), 401, 'unauthorized'],
    ['PATCH with a bogus bearer', () => request(node.port, 'PATCH', path, { body: { message: 'anon' }, headers: { Authorization: `Bearer ${'0'.repeat(64)}` } }), 401, 'unauthorized'],
    ['PATCH by B (member, not the author)', () => patchAs(B, { message: 'B edits' }), 403, 'forbidden'],
    ['PATCH by the admin (only the author edits)', () => patchAs(admin, { message: 'admin edits' }), 403, 'forbidden'],
    ['PATCH by C (not a member)', () => patchAs(C, { message: 'C edits' }), 403, 'forbidden'],
    ['PATCH of an unknown id', () => patchMessage(A, R, 1, { message: 'x' }), 404, 'not_found'],
    ['PATCH in an unknown room', () => patchMessage(A, '999999', m.id, { message: 'x' }), 404, 'not_found'],
    ['PATCH of a General message named with this room', () => patchMessage(A, R, G, { message: 'x' }), 404, 'not_found'],
    ['PATCH malformed JSON', () => raw('{"message": "x"'), 400, 'bad_json'],
    ['PATCH JSON array body', () => patchAs(A, ['x']), 400, 'bad_json'],
    ['PATCH empty body', () => raw(''), 400, ['bad_json', 'bad_request']],
    ['PATCH {}', () => patchAs(A, {}), 400, 'bad_request'],
    ['PATCH message a number', () => patchAs(A, { message: 5 }), 400, 'bad_request'],
    ['PATCH message null', () => patchAs(A, { message: null }), 400, 'bad_request'],
    ['PATCH empty text', () => patchAs(A, { message: '' }), 400, 'bad_request'],
    ['PATCH blank text', () => patchAs(A, { message: ' \t\n ' }), 400, 'bad_request'],
    ['PATCH 4001 characters', () => patchAs(A, { message: 'a'.repeat(4001) }), 400, ['bad_request', 'too_long']],
    ['PATCH 4001 emoji', () => patchAs(A, { message: '😀'.repeat(4001) }), 400, ['bad_request', 'too_long']],
    ['PATCH invalid UTF-8', () => raw('{"message":"ab\xff\xfecd"}'), 400, ['bad_request', 'bad_json']],
    ['PATCH text/plain', () => A.request('PATCH', path, { body: '{"message":"plain"}', contentType: 'text/plain' }), 415, 'unsupported_media_type'],
    ['PATCH cross-site Origin', () => patchAs(A, { message: 'csrf' }, { headers: { Origin: 'https://evil.example' } }), 403, 'forbidden'],
    ['DELETE without a session', () => request(node.port, 'DELETE', path), 401, 'unauthorized'],
    ['DELETE by B (not the author, not an admin)', () => deleteMessage(B, R, m.id), 403, 'forbidden'],
    ['DELETE by C (not a member)', () => deleteMessage(C, R, m.id), 403, 'forbidden'],
    ['DELETE of an unknown id', () => deleteMessage(A, R, 1), 404, 'not_found'],
    ['DELETE in an unknown room', () => deleteMessage(A, '999999', m.id), 404, 'not_found'],
    ['DELETE of a General message named with this room', () => deleteMessage(A, R, G), 404, 'not_found'],
    ['DELETE cross-site Origin', () => deleteMessage(A, R, m.id, { headers: { Origin: 'https://evil.example' } }), 403, 'forbidden'],
  ];
  const wrong = [];
  for (const [what, req, status, code] of ROWS) {
    try {
      assertError(await req(), status, code, what);
    } catch (e) {
      wrong.push(e.message.split('\n')[0]);
    }
  }
  // a message id that is not a number: 400 or 404 (either tells the client the path is wrong)
  for (const [what, req] of [['PATCH id "abc"', () => A.request('PATCH', `/room/${R}/messages/abc`, { body: { message: 'x' } })],
    ['DELETE id "abc"', () => A.request('DELETE', `/room/${R}/messages/abc`)]]) {
    const res = await req();
    if (res.status === 400) assertError(res, 400, 'bad_request', what);
    else assertError(res, 404, 'not_found', what);
  }
  assert.deepEqual(wrong, [], 'every refused request gets its status and error code');
  await settle(observers);
  const expectedSoFar = [
    { type: 'message', id: m.id, pos: m.id },
    { type: 'message', id: mb.id, pos: mb.id },
    { type: 'message.updated', id: m.id, pos: E1 },
    { type: 'message.updated', id: m.id, pos: E2 },
  ];
  for (const c of observers) assertTimeline(c, R, expectedSoFar, 'after the refusals', marks.get(c));
  let hist = await allMessages(B, R);
  assert.deepEqual(hist.find((x) => x.id === m.id), { ...m, message: 'patched twice', edited: p2.json.edited }, 'history: the last edit, refusals changed nothing');

  // DELETE by the author
  const d1 = await deleteMessage(A, R, m.id);
  assertStatus(d1, 200, 'DELETE by the author');
  assert.deepEqual(Object.keys(d1.json).sort(), ['deleted', 'id', 'roomId', 'seq'], `DELETE body: ${d1.text}`);
  assert.equal(d1.json.id, m.id);
  assert.equal(d1.json.roomId, R);
  assert.equal(d1.json.deleted, true);
  assert.ok(d1.json.seq > E2, `delete seq ${d1.json.seq} > last edit ${E2}`);
  // the admin deletes B's message
  const d2 = await deleteMessage(admin, R, mb.id);
  assertStatus(d2, 200, 'DELETE by the admin of B\'s message');
  assert.deepEqual(d2.json, { id: mb.id, roomId: R, deleted: true, seq: d2.json.seq });
  assert.ok(d2.json.seq > d1.json.seq);
  for (const c of observers) {
    const e1 = await c.waitFor(isDeleted(m.id, R), 5000, { from: marks.get(c), what: `message.deleted ${m.id}` });
    assert.deepEqual(e1.data, { id: m.id, roomId: R, seq: d1.json.seq }, `${c.label}: message.deleted`);
    const e2 = await c.waitFor(isDeleted(mb.id, R), 5000, { from: marks.get(c), what: `message.deleted ${mb.id}` });
    assert.deepEqual(e2.data, { id: mb.id, roomId: R, seq: d2.json.seq, moderated: true }, `${c.label}: message.deleted by the admin`);
  }
  // gone: PATCH and DELETE → 404
  assertError(await patchMessage(A, R, m.id, { message: 'revive' }), 404, 'not_found', 'PATCH of a deleted message');
  assertError(await deleteMessage(A, R, m.id), 404, 'not_found', 'DELETE of a deleted message');
  assertError(await deleteMessage(admin, R, mb.id), 404, 'not_found', 'DELETE again by the admin');
  await settle(observers);
  const expected = [...expectedSoFar,
    { type: 'message.deleted', id: m.id, pos: d1.json.seq },
    { type: 'message.deleted', id: mb.id, pos: d2.json.seq }];
  for (const c of observers) assertTimeline(c, R, expected, 'HTTP', marks.get(c));
  hist = await allMessages(A, R);
  assert.deepEqual(hist.find((x) => x.id === m.id), { id: m.id, roomId: R, from: A.user.id, date: m.date, deleted: true }, 'tombstone of A\'s message');
  assert.deepEqual(hist.find((x) => x.id === mb.id), { id: mb.id, roomId: R, from: B.user.id, date: mb.date, moderated: true, deleted: true }, 'tombstone of B\'s message (deleted by the admin)');
  await closeAllLive();
});

test('history (offset/size and before/limit) shows edited text with `edited` and tombstones in place, page sizes exact; the tutorial ZSET room:{id} holds the edited member in place and no deleted member', T, async () => {
  const R = await newChannel([B], 'hist');
  const m = [];
  for (let i = 0; i < 5; i++) m.push(await post(A, R, `history ${i}`));
  const zBefore = zsetWithScores(redis, `room:${R}`);
  assert.deepEqual(zBefore.map((r) => r.score), m.map((x) => x.id), 'ZSET scores = message ids before');

  const e1 = await patchMessage(A, R, m[1].id, { message: 'history 1, edited' });
  assertStatus(e1, 200, 'edit the 2nd');
  const d2 = await deleteMessage(A, R, m[2].id);
  assertStatus(d2, 200, 'delete the 3rd');
  assertStatus(await patchMessage(A, R, m[3].id, { message: 'history 3, edited then deleted' }), 200, 'edit the 4th');
  const d3 = await deleteMessage(A, R, m[3].id);
  assertStatus(d3, 200, 'delete the 4th');

  const tomb = (x) => ({ id: x.id, roomId: R, from: x.from, date: x.date, deleted: true });
  const edited1 = { ...m[1], message: 'history 1, edited', edited: e1.json.edited };
  const current = [m[4], tomb(m[3]), tomb(m[2]), edited1, m[0]]; // newest first
  const page = async (client, q) => {
    const res = await client.get(`/room/${encodeURIComponent(R)}/messages?${q}`);
    assertStatus(res, 200, q);
    return res.json;
  };
  for (const who of [A, B]) {
    assert.deepEqual(await page(who, 'offset=0&size=5'), current, `${who.user.username}: offset=0&size=5 → 5 items incl. the tombstones`);
  }
  assert.deepEqual(await page(A, 'offset=0&size=3'), current.slice(0, 3), 'offset=0&size=3');
  assert.deepEqual(await page(A, 'offset=2&size=2'), current.slice(2, 4), 'offset=2&size=2');
  assert.deepEqual(await page(A, 'offset=2&size=1'), [tomb(m[2])], 'offset=2&size=1 → the tombstone');
  assert.deepEqual(await page(A, 'offset=4&size=5'), current.slice(4), 'offset=4&size=5 → the short tail');
  assert.deepEqual(await page(A, 'offset=5&size=5'), [], 'past the end');
  assert.deepEqual(await page(A, 'limit=5'), current, 'limit=5');
  assert.deepEqual(await page(A, 'limit=2'), current.slice(0, 2), 'limit=2');
  assert.deepEqual(await page(A, `before=${m[4].id}&limit=2`), [tomb(m[3]), tomb(m[2])], 'before=<5th>&limit=2');
  assert.deepEqual(await page(A, `before=${m[2].id}&limit=10`), [edited1, m[0]], 'before=<3rd>&limit=10');
  assert.deepEqual(await page(A, `before=${m[3].id}&limit=1`), [tomb(m[2])], 'before=<4th>&limit=1');
  assert.deepEqual(await allMessages(B, R), current, 'walking the cursor pages');
  for (const x of current) {
    if (x.deleted) assert.deepEqual(Object.keys(x).sort(), TOMBSTONE_KEYS);
    else if (x.edited) assert.deepEqual(Object.keys(x).sort(), [...MESSAGE_KEYS, 'edited'].sort());
    else assert.deepEqual(Object.keys(x).sort(), MESSAGE_KEYS);
  }

  // a new message takes a position after the delete events (one sequence per room)
  const m5 = await post(A, R, 'history 5');
  assert.ok(m5.id > d3.json.seq, `new id ${m5.id} > last delete position ${d3.json.seq}`);
  assert.deepEqual(await page(A, 'offset=0&size=6'), [m5, ...current], 'offset=0&size=6 after a new message');

  // tutorial view: room:{id} (score = id, member = the message JSON as the tutorial reads it)
  const z = zsetWithScores(redis, `room:${R}`);
  assert.deepEqual(z.map((r) => r.score), [m[0].id, m[1].id, m[4].id, m5.id], 'ZSET: the deleted messages have no member; the edited one keeps its score');
  assert.equal(redis.cli('ZCARD', `room:${R}`), '4');
  assert.equal(z[0].member, zBefore[0].member, 'an untouched member is byte-for-byte unchanged');
  assert.equal(z[2].member, zBefore[4].member, 'an untouched member is byte-for-byte unchanged');
  const ed = JSON.parse(z[1].member);
  assert.equal(ed.message, 'history 1, edited', 'the edited member carries the new text');
  assert.equal(ed.edited, e1.json.edited, 'the edited member carries edited');
  assert.equal(ed.roomId, R, 'tutorial field roomId');
  assert.equal(String(ed.from), A.user.id, 'tutorial field from');
  assert.equal(Math.floor(Number(ed.date)), m[1].date, 'tutorial field date');
  const all = z.map((r) => r.member).join('\n');
  for (const gone of [m[2], m[3]]) {
    assert.ok(!all.includes(gone.message), `no member holds the deleted text "${gone.message}"`);
    assert.ok(!z.some((r) => r.score === gone.id), `no member scored ${gone.id}`);
  }
  assert.ok(!all.includes('edited then deleted'), 'the edit of a deleted message left nothing');
  assert.ok(!all.includes('"history 1"'), 'the old text of the edited message is gone');
});

test('WS resume exactness: a client that saw M, away while M is edited then deleted, resumes from M\'s id → exactly message.updated then message.deleted, once; cursors at event positions; current state for missed rows; no replay without a cursor', T, async () => {
  const R = await newChannel([B], 'wsres');
  const wsA = await wsFollowing(A, R, 0, 'wsA');
  const P = await post(A, R, 'P before M');
  const ws1 = await wsFollowing(B, R, 0, 'wsB1');
  const M = await post(A, R, 'M, seen by B');
  await ws1.waitFor(isMessage(M.id, R), 5000, { what: `M ${M.id} at wsB1` });
  await ws1.ping();
  assertTimeline(ws1, R, [{ type: 'message', id: P.id, pos: P.id }, { type: 'message', id: M.id, pos: M.id }], 'first connection');
  const cursor1 = roomCursor(ws1, R);
  assert.equal(cursor1, M.id);
  await ws1.close();

  // while B is away: the author edits M over WS, then deletes it over HTTP
  const ed = await editWs(wsA, R, M.id, 'M, edited while B was away', { clientId: 'away-edit' });
  const E1 = assertEditAck(ed, { clientId: 'away-edit', id: M.id, roomId: R }, 'edit while away');
  const del = await deleteMessage(A, R, M.id);
  assertStatus(del, 200, 'delete while away');
  const E2 = del.json.seq;

  const ws2 = await wsFollowing(B, R, cursor1, 'wsB2');
  await ws2.waitFor(isDeleted(M.id, R), 5000, { what: 'the replayed message.deleted' });
  await settle([ws2]);
  const got = assertTimeline(ws2, R, [
    { type: 'message.updated', id: M.id, pos: E1 },
    { type: 'message.deleted', id: M.id, pos: E2 },
  ], 'resume from M');
  assertUpdatedData(got[0].data, { id: M.id, roomId: R, from: A.user.id, date: M.date, message: 'M, edited while B was away', seq: E1 }, 'replayed update');
  assert.deepEqual(got[1].data, { id: M.id, roomId: R, seq: E2 }, 'replayed delete');
  assert.deepEqual(ws2.ofType('error'), [], 'no error on wsB2');

  // live continues after the replay
  const N = await post(A, R, 'N after the resume');
  assert.ok(N.id > E2, `N ${N.id} > delete position ${E2}`);
  await ws2.waitFor(isMessage(N.id, R), 5000, { what: 'N live on wsB2' });
  await ws2.close();

  // a cursor at an event position: from E1 → the delete, then N
  const ws3 = await wsFollowing(B, R, E1, 'wsB3');
  await ws3.waitFor(isMessage(N.id, R), 5000, { what: 'N on wsB3' });
  await settle([ws3]);
  assertTimeline(ws3, R, [{ type: 'message.deleted', id: M.id, pos: E2 }, { type: 'message', id: N.id, pos: N.id }], 'resume from the edit position');
  // from E2 (the cursor a client holds after the delete) → only N
  const ws4 = await wsFollowing(B, R, E2, 'wsB4');
  await ws4.waitFor(isMessage(N.id, R), 5000, { what: 'N on wsB4' });
  await settle([ws4]);
  assertTimeline(ws4, R, [{ type: 'message', id: N.id, pos: N.id }], 'resume from the delete position');
  const cursorN = roomCursor(ws4, R);
  await ws3.close();
  await ws4.close();

  // from before M (P): M's row is absent (deleted); its events and N follow, in position order
  const ws5 = await wsFollowing(B, R, P.id, 'wsB5');
  await ws5.waitFor(isMessage(N.id, R), 5000, { what: 'N on wsB5' });
  await settle([ws5]);
  assertTimeline(ws5, R, [
    { type: 'message.updated', id: M.id, pos: E1 },
    { type: 'message.deleted', id: M.id, pos: E2 },
    { type: 'message', id: N.id, pos: N.id },
  ], 'resume from P');
  await ws5.close();

  // missed rows show the current state: Q sent and edited while B is away, resume from N
  const Q = await post(A, R, 'Q original');
  const qe = await editWs(wsA, R, Q.id, 'Q edited', { clientId: 'q-edit' });
  const E3 = assertEditAck(qe, { clientId: 'q-edit', id: Q.id, roomId: R }, 'edit Q');
  const ws6 = await wsFollowing(B, R, cursorN, 'wsB6');
  await ws6.waitFor(isUpdated(Q.id, R), 5000, { what: 'Q\'s update on wsB6' });
  await settle([ws6]);
  const got6 = assertTimeline(ws6, R, [{ type: 'message', id: Q.id, pos: Q.id }, { type: 'message.updated', id: Q.id, pos: E3 }], 'resume from N');
  assert.equal(got6[0].data.message, 'Q edited', 'the replayed row shows the current (edited) text');
  assert.equal(got6[1].data.message, 'Q edited');
  await ws6.close();

  // a fresh connection without a cursor replays no old edit or delete
  const fresh = await WsClient.connect(node.port, { client: B, label: 'wsB-fresh' });
  const freshSse = await sseFollowing(B, R, 'sseB-fresh');
  await syncRoom(wsA, R, [fresh, freshSse]);
  await settle([fresh, freshSse]);
  for (const c of [fresh, freshSse]) {
    assert.deepEqual(c.events.filter(editEvent), [], `${c.label}: no old message.updated/deleted without a cursor`);
    assert.ok(!c.messages(R).some((x) => [P.id, M.id, N.id, Q.id].includes(x.id)), `${c.label}: no old message replayed`);
  }
  await closeAllLive();
});

test('SSE Last-Event-ID exactness: the stream saw M, drops; M is edited then deleted; reconnecting with the last id: → exactly message.updated then message.deleted, once; the id: cursor advances with event positions', T, async () => {
  const R = await newChannel([B], 'sseres');
  const wsA = await wsFollowing(A, R, 0, 'wsA');
  const s1 = await sseFollowing(B, R, 'sse1');
  const M = await post(A, R, 'M for the SSE reader');
  const seenM = await s1.waitFor(isMessage(M.id, R), 5000, { what: `M ${M.id} on sse1` });
  assert.equal(parseCursor(seenM.sse.id)[R], M.id, 'the message frame\'s id: cursor');
  const cursor1 = s1.lastEventId;
  assert.equal(parseCursor(cursor1)[R], M.id, `cursor ${cursor1}`);
  await s1.close();

  const ed = await editWs(wsA, R, M.id, 'M edited (SSE away)', { clientId: 'sse-away-edit' });
  const E1 = assertEditAck(ed, { clientId: 'sse-away-edit', id: M.id, roomId: R }, 'edit');
  const del = await deleteWs(wsA, R, M.id, { clientId: 'sse-away-del' });
  const E2 = assertEditAck(del, { clientId: 'sse-away-del', id: M.id, roomId: R }, 'delete');

  const s2 = await SseClient.connect(node.port, { client: B, label: 'sse2', lastEventId: cursor1 });
  await s2.waitFor(isDeleted(M.id, R), 5000, { what: 'replayed message.deleted' });
  await settle([s2]);
  const got = assertTimeline(s2, R, [
    { type: 'message.updated', id: M.id, pos: E1 },
    { type: 'message.deleted', id: M.id, pos: E2 },
  ], 'Last-Event-ID from M');
  assertUpdatedData(got[0].data, { id: M.id, roomId: R, from: A.user.id, date: M.date, message: 'M edited (SSE away)', seq: E1 }, 'replayed update');
  assert.deepEqual(got[1].data, { id: M.id, roomId: R, seq: E2 });
  for (const e of s2.events.filter(editEvent)) {
    assert.equal(parseCursor(e.sse.id)[R], e.data.seq, `${e.type} frame id: ${e.sse.id}`);
  }
  assert.equal(parseCursor(s2.lastEventId)[R], E2, `cursor after the replay: ${s2.lastEventId}`);

  // live on s2: N, and N's edit; then the stream drops and N is deleted
  const N = await post(A, R, 'N live on sse2');
  const ne = await editWs(wsA, R, N.id, 'N edited live', { clientId: 'n-edit' });
  const E3 = assertEditAck(ne, { clientId: 'n-edit', id: N.id, roomId: R }, 'edit N');
  await s2.waitFor(isUpdated(N.id, R), 5000, { what: 'N\'s update live on sse2' });
  await s2.waitForLastEventId((id) => parseCursor(id)[R] === E3, 5000);
  const cursor2 = s2.lastEventId;
  await s2.close();
  const nd = await deleteMessage(A, R, N.id);
  assertStatus(nd, 200, 'delete N');
  const s3 = await SseClient.connect(node.port, { client: B, label: 'sse3', lastEventId: cursor2 });
  await s3.waitFor(isDeleted(N.id, R), 5000, { what: 'N\'s delete on sse3' });
  await settle([s3]);
  assertTimeline(s3, R, [{ type: 'message.deleted', id: N.id, pos: nd.json.seq }], 'Last-Event-ID at an edit position (nothing before it again)');
  assert.equal(parseCursor(s3.lastEventId)[R], nd.json.seq);
  await closeAllLive();
});

test('shutdown: SIGTERM → exit 0', T, async () => {
  await closeAllLive();
  await node.stop();
});
