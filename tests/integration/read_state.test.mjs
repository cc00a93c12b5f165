// Read state (issue #22): `read` frames and `POST /room/{id}/read` move a user's read marker of a
// room forward only; `GET /rooms/{userId}` computes `lastRead`, `unread` and `mentions` per room from
// ids (the same on every node and after a reconnect); a sender has read its own messages; deleted
// messages are not unread; a marker that moved is the positioned event `read`: in a DM for both
// participants, in a channel for the reader's own connections only (live on WS and SSE, replayed by
// `resume` to exactly them). Three real nodes on one redis-server: WS, SSE and HTTP on each of them.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { cleanup, assertStatus, register, uniqueName } from './lib/harness.mjs';
import { WsClient, SseClient, closeAllLive, sendWs } from './lib/live.mjs';
import { startCluster } from './lib/cluster.mjs';
import { commandWs, deleteWs } from './lib/message_events.mjs';

const T = { timeout: 60000 };
let n1;
let n2;
let n3;
let A;
let B;
let C; // not a member of R or the DM
let R; // channel of A and B
let D; // DM of A and B
let wsA;
let wsB;

after(async () => { await closeAllLive(); await cleanup(); });

async function roomsOf(client, node) {
  const res = await client.on(node).get(`/rooms/${client.user.id}`);
  assertStatus(res, 200, 'GET /rooms');
  return Object.fromEntries(res.json.map((r) => [r.id, r]));
}

const readHttp = (client, room, id) => client.post(`/room/${encodeURIComponent(room)}/read`, id === undefined ? {} : { id });

test('setup: 3 nodes; A on node 1, B on node 2 (WebSocket each); a channel and a DM of A and B', T, async () => {
  ({ nodes: [n1, n2, n3] } = await startCluster({ n: 3, prefix: 'read', nodeArgs: ['--bcrypt-cost', '4'] }));
  A = await register(n1, uniqueName('ra'));
  B = await register(n2, uniqueName('rb'));
  C = await register(n1, uniqueName('rc'));
  const created = await A.post('/rooms', { name: uniqueName('reading') });
  assertStatus(created, 201, 'channel');
  R = created.json.id;
  assertStatus(await B.post(`/rooms/${R}/join`), 200, 'B joins');
  const dm = await A.post('/room', { user1: A.user.id, user2: B.user.id });
  assert.ok(dm.status === 201 || dm.status === 200, `DM ${dm.status}`);
  D = dm.json.id;
  wsA = await WsClient.connect(n1.port, { client: A, label: 'wsA@1' });
  wsB = await WsClient.connect(n2.port, { client: B.on(n2), label: 'wsB@2' });
  await wsA.ping();
  await wsB.ping();
});

test('every listed room has lastRead, unread and mentions; a new member and a new account start with nothing unread', T, async () => {
  const rooms = await roomsOf(A, n1);
  for (const id of ['0', R, D]) {
    const r = rooms[id];
    assert.ok(r, `room ${id} listed`);
    assert.equal(typeof r.lastRead, 'number');
    assert.equal(r.unread, 0, `room ${id}: nothing unread yet`);
    assert.equal(r.mentions, 0);
  }
  assert.deepEqual(Object.keys(rooms['0']).sort(), ['id', 'lastRead', 'mentions', 'muted', 'names', 'unread'], 'the tutorial shape plus the read state and mute');
});

test('unread and mentions count what others wrote after the marker; the marker only moves forward, capped at the head', T, async () => {
  const ids = [];
  for (const text of ['one', `two @${A.user.username}`, 'three']) ids.push((await sendWs(wsB, R, text)).data.id);
  let rooms = await roomsOf(A, n2); // any node: computed from Redis
  assert.equal(rooms[R].unread, 3);
  assert.equal(rooms[R].mentions, 1);
  assert.equal((await roomsOf(B, n2))[R].unread, 0, 'the sender has read its own messages');

  const first = await readHttp(A.on(n3), R, ids[1]); // HTTP, node 3
  assertStatus(first, 200, 'read up to the mention');
  assert.deepEqual(first.json, { roomId: R, lastRead: ids[1], unread: 1, mentions: 0 });
  const back = await readHttp(A, R, ids[0]);
  assertStatus(back, 200, 'an older id');
  assert.equal(back.json.lastRead, ids[1], 'never moves back');
  const ahead = await readHttp(A, R, ids[2] + 10_000_000);
  assert.equal(ahead.json.lastRead, ids[2], 'capped at the room\'s head');
  assert.equal(ahead.json.unread, 0);
  rooms = await roomsOf(A, n1);
  assert.equal(rooms[R].lastRead, ids[2]);
  assert.equal(rooms[R].unread, 0);
  assert.deepEqual(await roomsOf(A, n3), rooms, 'node 3 lists the same read state');
});

test('a deleted message is no longer unread; the WebSocket frame `read` answers with an ack', T, async () => {
  const keep = (await sendWs(wsB, R, 'keep')).data.id;
  const gone = (await sendWs(wsB, R, 'gone')).data.id;
  assert.equal((await roomsOf(A, n1))[R].unread, 2);
  assert.equal((await deleteWs(wsB, R, gone)).type, 'ack');
  assert.equal((await roomsOf(A, n1))[R].unread, 1);
  const ack = await commandWs(wsA, { type: 'read', roomId: R, id: keep });
  assert.equal(ack.type, 'ack', JSON.stringify(ack.data));
  assert.equal(ack.data.id, keep);
  assert.equal((await roomsOf(A, n1))[R].unread, 0);
});

test('in a DM a marker that moved is the event `read` for both participants (other nodes, other tabs, SSE); unchanged markers are silent', T, async () => {
  const sse = await SseClient.connect(n2.port, { client: B.on(n2), label: 'sseB@2' });
  await sse.waitFor((e) => e.type === 'ready', 5000, { what: 'SSE ready' });
  const sse3 = await SseClient.connect(n3.port, { client: B.on(n3), label: 'sseB@3' });
  await sse3.waitFor((e) => e.type === 'ready', 5000, { what: 'SSE ready (node 3)' });
  const m1 = (await sendWs(wsB, D, 'psst')).data.id;
  const m2 = (await sendWs(wsB, D, 'still there?')).data.id;
  assert.equal((await roomsOf(A, n1))[D].unread, 2, 'a DM counts from its start');
  const fromB = wsB.mark();
  const fromSse = sse.mark();
  const fromSse3 = sse3.mark();
  const ack = await commandWs(wsA, { type: 'read', roomId: D, id: m2 });
  assert.equal(ack.type, 'ack', JSON.stringify(ack.data));
  assert.ok(ack.data.seq > m2, 'the event has its own position after the message');
  const isRead = (e) => e.type === 'read' && e.data?.roomId === D && e.data.userId === A.user.id;
  const ev = await wsB.waitFor(isRead, 5000, { from: fromB, what: 'B sees A read the DM (other node)' });
  assert.deepEqual(ev.data, { roomId: D, userId: A.user.id, id: m2, seq: ack.data.seq });
  await sse.waitFor(isRead, 5000, { from: fromSse, what: 'B\'s SSE too' });
  const ev3 = await sse3.waitFor(isRead, 5000, { from: fromSse3, what: 'B\'s SSE on node 3 too' });
  assert.deepEqual(ev3.data, ev.data);
  await wsA.waitFor(isRead, 5000, { what: 'A\'s own connection too' });
  const listedByB = (await roomsOf(B, n2))[D];
  assert.equal(listedByB.peerRead, m2, 'B\'s listing: how far A has read the DM ("Seen" after a reload)');
  assert.equal('peerRead' in (await roomsOf(B, n2))[R], false, 'channels have no peerRead');
  const again = await commandWs(wsA, { type: 'read', roomId: D, id: m1 });
  assert.equal(again.type, 'ack');
  assert.equal(again.data.id, m2, 'still m2');
  assert.equal(again.data.seq, undefined, 'no event');
  await wsB.ping();
  assert.equal(wsB.events.slice(fromB).filter(isRead).length, 1, 'one read event, once');
  assert.equal(sse3.events.slice(fromSse3).filter(isRead).length, 1, 'once on node 3 too');
  await sse.close();
  await sse3.close();

  // B comes back later on the other node and resumes from before the read: replayed, once, in order.
  const ws = await WsClient.connect(n1.port, { client: B.on(n1), label: 'wsB@1 resume' });
  ws.send({ type: 'resume', rooms: { [D]: m1 } });
  const replayed = await ws.waitFor(isRead, 5000, { what: 'replayed read event' });
  assert.equal(replayed.data.id, m2);
  const order = ws.events.filter((e) => e.data?.roomId === D && (e.type === 'message' || e.type === 'read')).map((e) => e.type);
  assert.deepEqual(order, ['message', 'read'], 'm2, then the read');
  await ws.close();
});

test('in a channel the read event goes to the reader\'s own connections only (other nodes, SSE), and resume replays it to them only', T, async () => {
  const wsA2 = await WsClient.connect(n2.port, { client: A.on(n2), label: 'wsA@2 (second device)' });
  const sseA = await SseClient.connect(n1.port, { client: A, label: 'sseA@1' });
  await sseA.waitFor((e) => e.type === 'ready', 5000, { what: 'SSE ready' });
  const wsA3 = await WsClient.connect(n3.port, { client: A.on(n3), label: 'wsA@3 (third device)' });
  const sseB3 = await SseClient.connect(n3.port, { client: B.on(n3), label: 'sseB@3' });
  await sseB3.waitFor((e) => e.type === 'ready', 5000, { what: 'SSE ready (node 3)' });
  await wsA2.ping();
  await wsA3.ping();
  const before = (await sendWs(wsB, R, 'before the read')).data.id;
  const m = (await sendWs(wsB, R, 'read me')).data.id;
  const marks = [wsA, wsA2, sseA, wsB, wsA3, sseB3].map((c) => c.mark());
  const ack = await commandWs(wsA, { type: 'read', roomId: R, id: m });
  assert.equal(ack.type, 'ack', JSON.stringify(ack.data));
  assert.ok(ack.data.seq > m, 'a positioned event');
  const isRead = (e) => e.type === 'read' && e.data?.roomId === R;
  for (const [i, c] of [[0, wsA], [1, wsA2], [2, sseA], [4, wsA3]]) {
    const ev = await c.waitFor(isRead, 5000, { from: marks[i], what: `${c.label} gets A's read` });
    assert.deepEqual(ev.data, { roomId: R, userId: A.user.id, id: m, seq: ack.data.seq });
  }
  const after = (await sendWs(wsB, R, 'after the read')).data.id; // a later event B does get
  await wsB.waitFor((e) => e.type === 'message' && e.data?.id === after, 5000, { from: marks[3], what: 'B gets the next message' });
  assert.deepEqual(wsB.events.slice(marks[3]).filter(isRead), [], 'B (another member) never sees A\'s channel read marker');
  await sseB3.waitFor((e) => e.type === 'message' && e.data?.id === after, 5000, { from: marks[5], what: 'B\'s SSE on node 3 gets the next message' });
  assert.deepEqual(sseB3.events.slice(marks[5]).filter(isRead), [], 'nor does B\'s SSE on node 3');
  await sseB3.close();
  await wsA3.close();
  await sseA.close();
  await wsA2.close();

  const order = (ws) => ws.events.filter((e) => e.data?.roomId === R && (e.type === 'message' || e.type === 'read'))
    .map((e) => (e.type === 'read' ? `read:${e.data.id}` : e.data.id));
  const resumeA = await WsClient.connect(n2.port, { client: A.on(n2), label: 'wsA@2 resume' });
  resumeA.send({ type: 'resume', rooms: { [R]: before } });
  await resumeA.waitFor((e) => e.type === 'message' && e.data?.id === after, 5000, { what: 'A resumes' });
  await resumeA.ping();
  assert.deepEqual(order(resumeA), [m, `read:${m}`, after], 'A: in order, once');
  const resumeB = await WsClient.connect(n3.port, { client: B.on(n3), label: 'wsB@3 resume' });
  resumeB.send({ type: 'resume', rooms: { [R]: before } });
  await resumeB.waitFor((e) => e.type === 'message' && e.data?.id === after, 5000, { what: 'B resumes' });
  await resumeB.ping();
  assert.deepEqual(order(resumeB), [m, after], 'B: the messages, not A\'s marker');
  await resumeA.close();
  await resumeB.close();
});

test('bad read markers get their documented errors and change nothing', T, async () => {
  const before = (await roomsOf(A, n1))[R].lastRead;
  assertStatus(await readHttp(C, R, before), 403, 'not a member');
  assertStatus(await readHttp(C, D, before), 403, 'someone else\'s DM');
  assertStatus(await readHttp(A, '999999', 5), 404, 'unknown room');
  assertStatus(await readHttp(C.on(n3), R, before), 403, 'not a member (node 3)');
  for (const bad of [undefined, 0, -5, 'x', 1.5]) {
    const res = await readHttp(A, R, bad);
    assertStatus(res, 400, `id ${JSON.stringify(bad)}`);
    assert.match(res.json.message, /"id" must be a positive integer/);
  }
  const anon = await A.request('POST', `/room/${R}/read`, { body: { id: 5 }, headers: { cookie: '', authorization: '' } });
  assertStatus(anon, 401, 'no session');
  for (const [frame, code] of [
    [{ type: 'read', roomId: R }, 'bad_request'],
    [{ type: 'read', roomId: R, id: 'x' }, 'bad_request'],
    [{ type: 'read', roomId: D, id: 1 }, 'forbidden'],
  ]) {
    const ws = frame.roomId === D ? await WsClient.connect(n1.port, { client: C, label: 'wsC' }) : wsA;
    const err = await commandWs(ws, frame);
    assert.equal(err.type, 'error', JSON.stringify(frame));
    assert.equal(err.data.code, code, JSON.stringify(err.data));
    if (ws !== wsA) await ws.close();
  }
  await wsA.ping(); // the connection stays open
  assert.equal((await roomsOf(A, n1))[R].lastRead, before);
});
