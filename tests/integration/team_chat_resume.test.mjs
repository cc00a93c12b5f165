// Team chat resume (issue #22 acceptance): on three real nodes sharing one Redis, users A, B, C share
// a channel R and A–B a DM D. B's WebSocket (node 2) and SSE stream (node 3) go away after recording
// their cursors (WS: the largest position seen per room; SSE: Last-Event-ID). While they are away,
// on every node and over WS and HTTP: reactions set and removed (on a message and on a thread reply),
// thread replies (each followed by the parent's message.updated), an edit and a delete of a reply,
// read markers (A reads the DM: B gets it; B reads the DM and the channel from other connections, WS
// and HTTP: B's own; A and C read the channel: private to them), an @mention of B. B comes back (WS `resume` on node 1,
// SSE Last-Event-ID on node 2) and must get every missed positioned event of both rooms exactly once,
// in strictly increasing position order per room, exactly what a connection of B that stayed
// connected the whole time (WS on node 3) got for the same span, and nothing of the others' channel
// reads. docs/protocol.md §2.4, §2.8, §2.9, §1 (Mentions, Reactions).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { cleanup, assertStatus, uniqueName, sleep } from './lib/harness.mjs';
import { WsClient, SseClient, closeAllLive, parseCursor, syncRoom, isMessage } from './lib/live.mjs';
import { startCluster, registerUsers } from './lib/cluster.mjs';
import {
  ROOM_EVENT_TYPES, roomTimeline, timelineProblems, entryKey, wsCursors, commandWs, editWs, deleteWs,
  patchMessage, resumedWs, followingSse,
} from './lib/message_events.mjs';

const T = { timeout: 60000 };
const QUIET_MS = 800;

let redis;
let nodes;
let A;
let B;
let C;
let R; // channel of A, B, C
let D; // DM of A and B
let P; // A's parent message in R
let R0; // C's reply to P, before B went away (edited and deleted while away)
let BM; // B's DM message before going away
let conns; // wsA1, wsC2, wsBaway2, sseBaway3, wsBstay3
let cursors; // { ws: {room: pos}, sse: 'r=pos,…' }
const expected = {}; // room -> [{type, id, pos, data}] every event B must get for the span (set once B is away)

after(async () => { await closeAllLive(); await cleanup(); });

const reactionPath = (room, id, emoji) => `/room/${encodeURIComponent(room)}/messages/${id}/reactions/${encodeURIComponent(emoji)}`;
const ok = (ev, what) => { assert.equal(ev.type, 'ack', `${what}: ${JSON.stringify(ev)}`); return ev.data; };
const okHttp = (res, status, what) => { assertStatus(res, status, what); return res.json; };
const expect = (room, type, id, pos, data = {}) => expected[room].push({ type, id, pos, data });
const span = (conn, room, cursor, from = 0) => roomTimeline(conn, room, from, ROOM_EVENT_TYPES).filter((t) => t.pos > cursor);

test('setup: 3 nodes; a channel of A, B, C and a DM of A and B; B on WS (node 2), SSE (node 3) and a WS that stays (node 3)', T, async () => {
  ({ redis, nodes } = await startCluster({ n: 3, prefix: 'team', nodeArgs: ['--messages-per-10s', '1000', '--bcrypt-cost', '4'] }));
  [A, B, C] = await registerUsers(nodes, 3, 'tc');
  R = okHttp(await A.on(nodes[0]).post('/rooms', { name: uniqueName('team') }), 201, 'channel').id;
  for (const u of [B, C]) assertStatus(await u.post(`/rooms/${R}/join`), 200, 'join');
  const dm = await A.on(nodes[0]).post('/room', { user1: A.user.id, user2: B.user.id });
  assert.ok(dm.status === 201 || dm.status === 200, `DM ${dm.status}`);
  D = dm.json.id;
  conns = {
    wsA1: await resumedWs(A, nodes[0], [R, D], 'wsA@1'),
    wsC2: await resumedWs(C, nodes[1], R, 'wsC@2'),
    wsBaway2: await resumedWs(B, nodes[1], [R, D], 'wsB@2 (goes away)'),
    sseBaway3: await followingSse(B, nodes[2], [R, D], 'sseB@3 (goes away)'),
    wsBstay3: await resumedWs(B, nodes[2], [R, D], 'wsB@3 (stays)'),
  };
  const all = Object.values(conns);
  const sync = await syncRoom(conns.wsA1, R, all, { timeoutMs: 15000 });
  for (const c of all) await c.waitFor(isMessage(sync.id, R), 5000, { what: 'sync' });
  // before B goes away: a parent with one reply (C's, over WS on node 2) in R, B's message in the DM
  P = okHttp(await A.on(nodes[0]).post(`/room/${R}/messages`, { message: 'plan for today' }), 201, 'P').id;
  R0 = ok(await commandWs(conns.wsC2, { type: 'message', roomId: R, message: 'first thought', parentId: P }), 'R0').id;
  BM = ok(await commandWs(conns.wsBaway2, { type: 'message', roomId: D, message: 'hey A' }), 'BM').id;
  for (const c of [conns.wsBaway2, conns.sseBaway3, conns.wsBstay3]) {
    await c.waitFor((e) => e.type === 'message.updated' && e.data?.id === P && e.data.seq === R0 + 1, 5000, { what: `${c.label}: P's count` });
    await c.waitFor(isMessage(BM, D), 5000, { what: `${c.label}: BM` });
  }
});

test('B\'s WS and SSE record their cursors and go away', T, async () => {
  const { wsBaway2: ws, sseBaway3: sse, wsBstay3: stay } = conns;
  await ws.ping();
  await sse.waitForLastEventId((id) => parseCursor(id)[R] >= R0 + 1 && parseCursor(id)[D] >= BM, 5000);
  cursors = { ws: wsCursors(ws, [R, D]), sse: sse.lastEventId };
  assert.deepEqual(cursors.ws, { [R]: R0 + 1, [D]: BM }, 'the WS cursor: P\'s update after R0, and BM');
  const sc = parseCursor(cursors.sse);
  assert.deepEqual({ [R]: sc[R], [D]: sc[D] }, cursors.ws, `SSE cursor ${cursors.sse}: the same positions`);
  assert.deepEqual(wsCursors(stay, [R, D]), cursors.ws, 'the connection that stays saw the same so far');
  await ws.close();
  await sse.close();
  expected[R] = [];
  expected[D] = [];
});

test('while B is away: reactions, replies, an edit and a delete of a reply, read markers and a mention, on every node over WS and HTTP', T, async () => {
  const { wsA1, wsC2 } = conns;
  // a reaction on the parent (HTTP PUT, node 3)
  const r1 = okHttp(await A.on(nodes[2]).request('PUT', reactionPath(R, P, ':tada:')), 200, 'A +tada on P');
  expect(R, 'reaction', P, r1.seq);
  // a reply (WS, node 1) that mentions B: the reply, then P's update
  const x = ok(await commandWs(wsA1, { type: 'message', roomId: R, message: `@${B.user.username} can you check?`, parentId: P }), 'reply X');
  expect(R, 'message', x.id, x.id);
  expect(R, 'message.updated', P, x.id + 1);
  // a reaction on that reply (WS, node 2), later removed (HTTP DELETE, node 1)
  const r2 = ok(await commandWs(wsC2, { type: 'reaction', roomId: R, id: x.id, emoji: ':eyes:', on: true }), 'C +eyes on X');
  expect(R, 'reaction', x.id, r2.seq);
  // the DM: A reads BM (HTTP, node 3; both participants get `read`), answers (HTTP, node 2), reacts to BM (WS, node 1)
  const rdA = okHttp(await A.on(nodes[2]).post(`/room/${D}/read`, { id: BM }), 200, 'A reads the DM');
  assert.equal(rdA.lastRead, BM);
  const dmReadEv = await wsA1.waitFor((e) => e.type === 'read' && e.data?.roomId === D && e.data.userId === A.user.id, 5000, { what: 'A\'s DM read event' });
  expect(D, 'read', BM, dmReadEv.data.seq, { userId: A.user.id });
  const dmRead = ok(await commandWs(wsA1, { type: 'read', roomId: D, id: BM }), 'A reads the DM again (nothing moves)');
  assert.equal(dmRead.seq, undefined, 'a marker that did not move writes no event');
  const dm1 = okHttp(await A.on(nodes[1]).post(`/room/${D}/messages`, { message: 'on it' }), 201, 'DM answer');
  expect(D, 'message', dm1.id, dm1.id);
  const r3 = ok(await commandWs(wsA1, { type: 'reaction', roomId: D, id: BM, emoji: '\u{1F44D}', on: true }), 'A +thumbs on BM');
  expect(D, 'reaction', BM, r3.seq);
  // B reads A's answer from the connection that stayed (WS, node 3): a DM read, B's own, replayed to B
  const bDm = ok(await commandWs(conns.wsBstay3, { type: 'read', roomId: D, id: dm1.id }), 'B reads the DM (WS, node 3)');
  expect(D, 'read', dm1.id, bDm.seq, { userId: B.user.id });
  // the edit of R0 (HTTP PATCH, node 3) and its delete (WS, node 2): then P's update (one reply fewer)
  const ed = okHttp(await patchMessage(C.on(nodes[2]), R, R0, { message: 'first thought, edited' }), 200, 'edit R0');
  expect(R, 'message.updated', R0, ed.seq);
  const rm = ok(await commandWs(wsC2, { type: 'reaction', roomId: R, id: x.id, emoji: ':eyes:', on: false }), 'C -eyes on X');
  expect(R, 'reaction', x.id, rm.seq);
  const del = ok(await deleteWs(wsC2, R, R0), 'delete R0');
  expect(R, 'message.deleted', R0, del.seq);
  expect(R, 'message.updated', P, del.seq + 1);
  // a second reply (HTTP, node 2), and the removal of the parent's reaction (WS, node 1)
  const y = okHttp(await C.on(nodes[1]).post(`/room/${R}/messages`, { message: 'done', parentId: P }), 201, 'reply Y');
  expect(R, 'message', y.id, y.id);
  expect(R, 'message.updated', P, y.id + 1);
  const r4 = ok(await commandWs(wsA1, { type: 'reaction', roomId: R, id: P, emoji: ':tada:', on: false }), 'A -tada on P');
  expect(R, 'reaction', P, r4.seq);
  // channel read markers of A (HTTP, node 2) and, after the mention, C (WS, node 2): private to them
  okHttp(await A.on(nodes[1]).post(`/room/${R}/read`, { id: y.id }), 200, 'A reads the channel');
  // a mention of B in the channel (HTTP, node 3), then B's own read of it from another connection (HTTP, node 1)
  const men = okHttp(await A.on(nodes[2]).post(`/room/${R}/messages`, { message: `@${B.user.username} standup at 10` }), 201, 'mention');
  assert.deepEqual(men.mentions, [B.user.id]);
  expect(R, 'message', men.id, men.id);
  const cRead = ok(await commandWs(wsC2, { type: 'read', roomId: R, id: men.id }), 'C reads the channel');
  assert.ok(cRead.seq > men.id, JSON.stringify(cRead));
  const rdB = okHttp(await B.on(nodes[0]).post(`/room/${R}/read`, { id: men.id }), 200, 'B reads the channel elsewhere');
  assert.equal(rdB.lastRead, men.id);
  // (HTTP answers carry no seq: the position of B's read is taken from the connection that stayed)
  const bReadEv = await conns.wsBstay3.waitFor((e) => e.type === 'read' && e.data?.roomId === R && e.data.userId === B.user.id, 5000, { what: 'B\'s own channel read, live on the connection that stayed' });
  expect(R, 'read', men.id, bReadEv.data.seq, { userId: B.user.id });
  // a last message per room, so both rooms end on a known event
  const endR = ok(await commandWs(wsC2, { type: 'message', roomId: R, message: 'that is all' }), 'end R');
  expect(R, 'message', endR.id, endR.id);
  const endD = okHttp(await A.on(nodes[0]).post(`/room/${D}/messages`, { message: 'bye' }), 201, 'end D');
  expect(D, 'message', endD.id, endD.id);
  for (const room of [R, D]) expected[room].sort((a, b) => a.pos - b.pos);
});

test('the connection that stayed got exactly the span\'s events (and none of A\'s or C\'s channel reads)', T, async () => {
  const stay = conns.wsBstay3;
  for (const room of [R, D]) {
    const last = expected[room].at(-1);
    await stay.waitFor((e) => e.data?.roomId === room && e.type === last.type && e.data.id === last.id, 10000, { what: `stay: ${entryKey(last)}` });
  }
  await stay.ping();
  await sleep(QUIET_MS);
  for (const room of [R, D]) {
    const got = span(stay, room, cursors.ws[room]);
    assert.deepEqual(timelineProblems(`${stay.label} room ${room}`, got, expected[room]), []);
  }
  const othersReads = stay.events.filter((e) => e.type === 'read' && e.data?.roomId === R && e.data.userId !== B.user.id);
  assert.deepEqual(othersReads, [], 'another member\'s channel read never reaches B');
});

test('B resumes (WS `resume` on node 1, SSE Last-Event-ID on node 2): every missed event of both rooms once, in order, as the connection that stayed got it', T, async () => {
  const ws = await WsClient.connect(nodes[0].port, { client: B.on(nodes[0]), label: 'wsB@1 (resumed)' });
  ws.send({ type: 'resume', rooms: cursors.ws });
  const sse = await SseClient.connect(nodes[1].port, { client: B.on(nodes[1]), label: 'sseB@2 (resumed)', lastEventId: cursors.sse });
  for (const c of [ws, sse]) {
    for (const room of [R, D]) {
      const last = expected[room].at(-1);
      await c.waitFor((e) => e.data?.roomId === room && e.type === last.type && e.data.id === last.id, 15000, { what: `${c.label}: ${entryKey(last)}` });
    }
  }
  await ws.ping();
  await sleep(QUIET_MS);
  const stay = conns.wsBstay3;
  const problems = [];
  for (const c of [ws, sse]) {
    for (const room of [R, D]) {
      const got = roomTimeline(c, room, 0, ROOM_EVENT_TYPES);
      problems.push(...timelineProblems(`${c.label} room ${room}`, got, expected[room]));
      // the same entries as the connection that stayed, and the same data for every event but `message`
      // (a replayed message shows its current state: edited text, reactions so far)
      const kept = span(stay, room, cursors.ws[room]);
      assert.deepEqual(got.map(entryKey), kept.map(entryKey), `${c.label} room ${room}: the stayed connection's span`);
      got.forEach((t, i) => {
        if (t.type !== 'message') assert.deepEqual(t.data, kept[i].data, `${c.label}: ${entryKey(t)} as it was live`);
      });
    }
  }
  assert.deepEqual(problems, [], 'exactly once, strictly in position order, complete');
  for (const c of [ws, sse]) {
    const reads = c.events.filter((e) => e.type === 'read' && e.data?.roomId === R);
    assert.deepEqual(reads.map((e) => e.data.userId), [B.user.id], `${c.label}: B's own channel read only`);
    const mention = c.events.find((e) => e.type === 'message' && e.data?.roomId === R && e.data.mentions);
    assert.ok(mention, `${c.label}: the mention was replayed`);
    assert.deepEqual(mention.data.mentions, [B.user.id]);
    const x = c.events.find((e) => e.type === 'message' && e.data?.parentId === P && e.data.message.startsWith('@'));
    assert.equal(x.data.reactions, undefined, `${c.label}: the reply X is replayed in its current state (its reaction removed)`);
    assert.ok(!c.events.some(isMessage(R0, R)), `${c.label}: R0 (before the cursor, deleted since) is not replayed as a message`);
  }
});

test('shutdown: SIGTERM → exit 0 for every node', T, async () => {
  await closeAllLive();
  for (const x of nodes) await x.stop();
  await redis.stop();
});
