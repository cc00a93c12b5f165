// Reactions (issue 22): the `reaction` frame and PUT / DELETE /room/{roomId}/messages/{id}/reactions/{emoji}
// on three real nodes sharing one Redis. WS and SSE clients on every node get each `reaction` event
// once, in position order; setting a reaction that is there (or removing one that is not) answers
// success without an event; history carries `reactions` (a user gone after `on:false`) and an edit
// keeps them; clients that went away resume (WS `resume`, SSE `Last-Event-ID`) on another node and
// get exactly the missed reaction events, in order; bad input gets its documented error and the
// connection stays open.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { cleanup, assertStatus, assertError, allMessages, uniqueName, sleep } from './lib/harness.mjs';
import { WsClient, SseClient, closeAllLive, parseCursor, sendWs, syncRoom, isMessage } from './lib/live.mjs';
import { startCluster, registerUsers } from './lib/cluster.mjs';
import { commandWs, editWs, resumedWs, followingSse } from './lib/message_events.mjs';

const T = { timeout: 90000 };
const QUIET_MS = 800;
const THUMBS = '\u{1F44D}';
const PARTY = '\u{1F389}';
const JOY = '\u{1F602}';
const FAMILY = '\u{1F468}\u200D\u{1F469}\u200D\u{1F467}';
const FLAG = '\u{1F1EB}\u{1F1F7}';

let redis;
let nodes;
let A;
let B;
let C;
let E; // not a member of R
let R;
let M; // A's message everyone reacts to
let conns;
let marks;
const expected = []; // [{seq, id, emoji, userId, on}] every reaction event that was written

after(async () => { await closeAllLive(); await cleanup(); });

const reactionPath = (room, id, emoji) => `/room/${encodeURIComponent(room)}/messages/${encodeURIComponent(String(id))}/reactions/${encodeURIComponent(emoji)}`;
const putReaction = (client, room, id, emoji, opts = {}) => client.request('PUT', reactionPath(room, id, emoji), opts);
const delReaction = (client, room, id, emoji, opts = {}) => client.request('DELETE', reactionPath(room, id, emoji), opts);
const reactWs = (ws, roomId, id, emoji, on) => commandWs(ws, { type: 'reaction', roomId, id, emoji, on });
const reactionsOf = (conn, from = 0) => conn.events.slice(from).filter((e) => e.type === 'reaction' && e.data?.roomId === R);
const key = (d) => `${d.userId} ${d.on ? '+' : '-'}${d.emoji} on ${d.id}@${d.seq}`;

/** Every connection of `list` got exactly `exp` (reaction events), once each, in position order. */
async function assertReactions(list, exp, what, from = marks) {
  const last = exp.at(-1).seq;
  await Promise.all(list.map((c) => c.waitFor((e) => e.type === 'reaction' && e.data?.seq === last, 15000,
    { from: from.get(c) ?? 0, what: `${what}: reaction @${last}` })));
  await Promise.all(list.filter((c) => c instanceof WsClient).map((c) => c.ping()));
  await sleep(QUIET_MS);
  for (const c of list) {
    const got = reactionsOf(c, from.get(c) ?? 0).map((e) => key(e.data));
    assert.deepEqual(got, exp.map(key), `${what} ${c.label}: every reaction event once, in order`);
  }
}

test('setup: 3 nodes, members A, B, C of a channel (E is not); WS and SSE on every node', T, async () => {
  ({ redis, nodes } = await startCluster({ n: 3, prefix: 'react', nodeArgs: ['--messages-per-10s', '1000'] }));
  [A, B, C, E] = await registerUsers(nodes, 4, 'r');
  const created = await A.on(nodes[0]).post('/rooms', { name: uniqueName('reactions') });
  assertStatus(created, 201, 'channel');
  R = created.json.id;
  for (const u of [B, C]) assertStatus(await u.post(`/rooms/${R}/join`), 200, 'join');
  const ws = (u, n, label) => resumedWs(u, nodes[n], R, label);
  const sse = (u, n, label) => followingSse(u, nodes[n], R, label);
  conns = {
    wsA1: await ws(A, 0, 'wsA@1'),
    wsB2: await ws(B, 1, 'wsB@2'),
    wsC3: await ws(C, 2, 'wsC@3'),
    sseB1: await sse(B, 0, 'sseB@1'),
    sseC2: await sse(C, 1, 'sseC@2'),
    sseA3: await sse(A, 2, 'sseA@3'),
  };
  const sync = await syncRoom(conns.wsA1, R, Object.values(conns), { timeoutMs: 15000 });
  for (const c of Object.values(conns)) await c.waitFor(isMessage(sync.id, R), 5000, { what: 'sync' });
  const m = await sendWs(conns.wsA1, R, 'react to me');
  assert.equal(m.type, 'ack', JSON.stringify(m));
  M = m.data.id;
  for (const c of Object.values(conns)) await c.waitFor(isMessage(M, R), 5000, { what: 'M' });
  marks = new Map(Object.values(conns).map((c) => [c, c.mark()]));
});

test('reactions over WS and HTTP from every node reach every WS and SSE connection once, in order; repeats emit nothing', T, async () => {
  const ack = async (what, p) => {
    const ev = await p;
    assert.equal(ev.type, 'ack', `${what}: ${JSON.stringify(ev)}`);
    assert.equal(ev.data.id, M, `${what}: ack id is the message`);
    return ev.data.seq;
  };
  const http = async (what, p) => {
    const res = await p;
    assertStatus(res, 200, what);
    assert.equal(res.json.id, M, what);
    assert.equal(res.json.roomId, R, what);
    return res;
  };
  const rec = (seq, emoji, user, on) => {
    assert.ok(Number.isSafeInteger(seq) && seq > M, `seq ${seq} is a position after the message`);
    expected.push({ seq, id: M, emoji, userId: user.user.id, on });
  };

  rec(await ack('A +thumbs (WS node 1)', reactWs(conns.wsA1, R, M, THUMBS, true)), THUMBS, A, true);
  const b = await http('B PUT thumbs (node 2)', putReaction(B.on(nodes[1]), R, M, THUMBS));
  assert.deepEqual({ emoji: b.json.emoji, userId: b.json.userId, on: b.json.on }, { emoji: THUMBS, userId: B.user.id, on: true });
  rec(b.json.seq, THUMBS, B, true);
  rec(await ack('C +:tada: (WS node 3)', reactWs(conns.wsC3, R, M, ':tada:', true)), ':tada:', C, true);
  rec(await ack('C +family (WS node 3)', reactWs(conns.wsC3, R, M, FAMILY, true)), FAMILY, C, true);
  // repeats: success without a position, and no event anywhere
  assert.equal(await ack('A +thumbs again', reactWs(conns.wsA1, R, M, THUMBS, true)), undefined, 'a repeat has no seq');
  const again = await http('B PUT thumbs again (node 3)', putReaction(B.on(nodes[2]), R, M, THUMBS, { body: { clientId: 'again' } }));
  assert.equal(again.json.seq, undefined, `a repeat PUT has no seq: ${again.text}`);
  assert.equal(again.json.clientId, 'again');
  const none = await http('A DELETE joy (never set)', delReaction(A.on(nodes[1]), R, M, JOY));
  assert.equal(none.json.seq, undefined, `removing an absent reaction has no seq: ${none.text}`);
  assert.equal(await ack('B -flag over WS (never set)', reactWs(conns.wsB2, R, M, FLAG, false)), undefined);
  // removals
  const bd = await http('B DELETE thumbs (node 3)', delReaction(B.on(nodes[2]), R, M, THUMBS));
  assert.equal(bd.json.on, false);
  rec(bd.json.seq, THUMBS, B, false);
  rec(await ack('C -family (WS node 3)', reactWs(conns.wsC3, R, M, FAMILY, false)), FAMILY, C, false);
  rec(await ack('B +flag (WS node 2)', reactWs(conns.wsB2, R, M, FLAG, true)), FLAG, B, true);

  await assertReactions(Object.values(conns), expected, 'live');

  // history (read on node 2): thumbs by A only (B removed), tada by C, flag by B; family gone
  const hist = await allMessages(B.on(nodes[1]), R);
  const h = hist.find((x) => x.id === M);
  assert.deepEqual(h.reactions, { [THUMBS]: [A.user.id], ':tada:': [C.user.id], [FLAG]: [B.user.id] }, JSON.stringify(h));
  assert.deepEqual(Object.keys(h.reactions), [THUMBS, ':tada:', FLAG], 'emoji in the order first used');
  assert.ok(hist.filter((x) => x.id !== M).every((x) => !('reactions' in x)), 'no field on messages without reactions');

  // an edit keeps the reactions (row and event)
  const ed = await editWs(conns.wsA1, R, M, 'react to me (edited)');
  assert.equal(ed.type, 'ack', JSON.stringify(ed));
  const up = await conns.wsC3.waitFor((e) => e.type === 'message.updated' && e.data?.id === M, 5000, { what: 'edit' });
  assert.deepEqual(up.data.reactions, h.reactions, 'message.updated carries the reactions');
  const h2 = (await allMessages(C.on(nodes[2]), R)).find((x) => x.id === M);
  assert.equal(h2.message, 'react to me (edited)');
  assert.deepEqual(h2.reactions, h.reactions, 'history after the edit');
});

test('away and back on another node: WS resume and SSE Last-Event-ID replay exactly the missed reactions, in order', T, async () => {
  const wsAway = conns.wsC3;
  const sseAway = conns.sseB1;
  const last = expected.at(-1).seq;
  // the cursors: the edit came after the last reaction
  await sseAway.waitFor((e) => e.type === 'message.updated' && e.data?.id === M, 5000, { what: 'the edit' });
  const positioned = new Set(['message', 'message.updated', 'message.deleted', 'reaction']);
  const wsCursor = Math.max(...wsAway.events.filter((e) => positioned.has(e.type) && e.data?.roomId === R)
    .map((e) => (e.type === 'message' ? e.data.id : e.data.seq)));
  const cursorSse = sseAway.lastEventId;
  assert.ok(parseCursor(cursorSse)[R] > last, `SSE cursor ${cursorSse} is past the last reaction`);
  assert.ok(wsCursor > last);
  await wsAway.close();
  await sseAway.close();

  const missed = [];
  const ack = async (p) => { const ev = await p; assert.equal(ev.type, 'ack', JSON.stringify(ev)); return ev.data.seq; };
  missed.push({ seq: await ack(reactWs(conns.wsA1, R, M, PARTY, true)), id: M, emoji: PARTY, userId: A.user.id, on: true });
  const p = await putReaction(B.on(nodes[1]), R, M, PARTY);
  assertStatus(p, 200, 'B PUT party');
  missed.push({ seq: p.json.seq, id: M, emoji: PARTY, userId: B.user.id, on: true });
  missed.push({ seq: await ack(reactWs(conns.wsA1, R, M, THUMBS, false)), id: M, emoji: THUMBS, userId: A.user.id, on: false });
  const y = await B.on(nodes[2]).post(`/room/${R}/messages`, { message: 'Y while away' });
  assertStatus(y, 201, 'Y');
  const ry = await putReaction(A.on(nodes[2]), R, y.json.id, ':eyes:');
  assertStatus(ry, 200, 'A PUT :eyes: on Y');
  missed.push({ seq: ry.json.seq, id: y.json.id, emoji: ':eyes:', userId: A.user.id, on: true });

  const ws2 = await WsClient.connect(nodes[1].port, { client: C.on(nodes[1]), label: 'wsC@2 (resumed)' });
  ws2.send({ type: 'resume', rooms: { [R]: wsCursor } });
  const sse2 = await SseClient.connect(nodes[2].port, { client: B.on(nodes[2]), label: 'sseB@3 (resumed)', lastEventId: cursorSse });
  const back = new Map([[ws2, 0], [sse2, 0]]);
  await assertReactions([ws2, sse2], missed, 'resumed', back);
  for (const c of [ws2, sse2]) {
    const ys = c.events.filter((e) => e.type === 'message' && e.data?.roomId === R);
    assert.deepEqual(ys.map((e) => e.data.id), [y.json.id], `${c.label}: the missed message once`);
    // Y was replayed in its current state (with A's :eyes:), then the event that set it
    assert.deepEqual(ys[0].data.reactions, { ':eyes:': [A.user.id] });
    const order = c.events.filter((e) => e.data?.roomId === R && (e.type === 'message' || e.type === 'reaction'))
      .map((e) => e.data.seq ?? e.data.id);
    assert.deepEqual(order, [...order].sort((a, b) => a - b), `${c.label}: in position order`);
  }
  // the others got them live
  const stayed = Object.values(conns).filter((c) => c !== wsAway && c !== sseAway);
  await assertReactions(stayed, [...expected, ...missed], 'stayed');
  const h = (await allMessages(A.on(nodes[0]), R)).find((x) => x.id === M);
  assert.deepEqual(h.reactions, { ':tada:': [C.user.id], [FLAG]: [B.user.id], [PARTY]: [A.user.id, B.user.id] }, JSON.stringify(h.reactions));
});

test('bad input: non-member, unknown message, bad emoji, the 21st emoji, wrong JSON types; each its error, the connection stays open', T, async () => {
  const ws = conns.wsB2;
  const from = new Map(Object.values(conns).map((c) => [c, c.mark()]));
  const err = async (frame, code, what) => {
    const ev = await commandWs(ws, frame);
    assert.equal(ev.type, 'error', `${what}: ${JSON.stringify(ev)}`);
    assert.equal(ev.data.code, code, `${what}: ${JSON.stringify(ev)}`);
    assert.ok(ev.data.message.length > 0);
  };
  // not a member: WS on node 1, HTTP on node 3
  const wsE = await WsClient.connect(nodes[0].port, { client: E.on(nodes[0]), label: 'wsE@1' });
  const ef = await commandWs(wsE, { type: 'reaction', roomId: R, id: M, emoji: THUMBS, on: true });
  assert.equal(ef.type, 'error', JSON.stringify(ef));
  assert.equal(ef.data.code, 'forbidden', JSON.stringify(ef));
  assertError(await putReaction(E.on(nodes[2]), R, M, THUMBS), 403, 'forbidden', 'non-member PUT');
  assertError(await delReaction(E.on(nodes[2]), R, M, THUMBS), 403, 'forbidden', 'non-member DELETE');
  await wsE.ping();
  // unknown message, unknown room
  await err({ type: 'reaction', roomId: R, id: M + 987654321, emoji: THUMBS, on: true }, 'not_found', 'unknown message');
  assertError(await putReaction(B.on(nodes[1]), R, M + 987654321, THUMBS), 404, 'not_found', 'unknown message PUT');
  assertError(await putReaction(B.on(nodes[1]), R, 'abc', THUMBS), 404, 'not_found', 'message id not a number');
  assertError(await putReaction(B.on(nodes[1]), '999999999', M, THUMBS), 404, 'not_found', 'unknown room');
  // bad emoji, over WS and HTTP
  const bad = ['a', '1', ' ', 'ok', '\u0007', '\u00e9', `${THUMBS}${THUMBS}`, `${THUMBS} `, '\u{1F3FD}', '\u200D',
    ':Tada:', ':tada', '::', `:${'a'.repeat(31)}:`, '<b>', '\u{1F1EB}'];
  for (const emoji of bad) {
    await err({ type: 'reaction', roomId: R, id: M, emoji, on: true }, 'bad_request', `emoji ${JSON.stringify(emoji)}`);
    assertError(await putReaction(B.on(nodes[1]), R, M, emoji), 400, 'bad_request', `PUT emoji ${JSON.stringify(emoji)}`);
  }
  assertError(await putReaction(B.on(nodes[1]), R, M, '%FF'), 400, 'bad_request', 'PUT emoji not UTF-8');
  // wrong JSON types and missing fields
  await err({ type: 'reaction', roomId: R, id: M, emoji: 5, on: true }, 'bad_request', 'emoji a number');
  await err({ type: 'reaction', roomId: R, id: M, on: true }, 'bad_request', 'no emoji');
  await err({ type: 'reaction', roomId: R, id: M, emoji: THUMBS, on: 'yes' }, 'bad_request', 'on a string');
  await err({ type: 'reaction', roomId: R, id: M, emoji: THUMBS }, 'bad_request', 'no on');
  await err({ type: 'reaction', roomId: R, id: String(M), emoji: THUMBS, on: true }, 'bad_request', 'id a string');
  await err({ type: 'reaction', roomId: 5, id: M, emoji: THUMBS, on: true }, 'bad_request', 'roomId a number');
  const c7 = await commandWs(ws, { type: 'reaction', roomId: R, id: M, emoji: THUMBS, on: true, clientId: 7 },
    { clientId: null, match: (e) => e.type === 'error' });
  assert.equal(c7.data.code, 'bad_request', `clientId a number: ${JSON.stringify(c7)}`);
  assertError(await putReaction(B.on(nodes[1]), R, M, THUMBS, { body: '{"clientId":' }), 400, 'bad_json', 'PUT bad JSON body');
  assertError(await putReaction(B.on(nodes[1]), R, M, THUMBS, { body: { clientId: 5 } }), 400, 'bad_request', 'PUT clientId a number');

  // 20 distinct emoji on a fresh message; the 21st is refused, an existing one still works
  const n = await B.on(nodes[1]).post(`/room/${R}/messages`, { message: 'twenty' });
  assertStatus(n, 201, 'N');
  const N = n.json.id;
  for (let i = 1; i <= 20; i++) {
    const who = [A, B, C][i % 3];
    assertStatus(await putReaction(who.on(nodes[i % 3]), R, N, `:e${i}:`), 200, `:e${i}:`);
  }
  assertError(await putReaction(A.on(nodes[0]), R, N, ':e21:'), 409, 'too_many_reactions', 'the 21st');
  await err({ type: 'reaction', roomId: R, id: N, emoji: THUMBS, on: true }, 'too_many_reactions', 'the 21st over WS');
  assertStatus(await putReaction(A.on(nodes[0]), R, N, ':e1:'), 200, 'a 20th user on an existing emoji');
  const hn = (await allMessages(A.on(nodes[0]), R)).find((x) => x.id === N);
  assert.equal(Object.keys(hn.reactions).length, 20);
  // removing one makes room again
  const gone = await delReaction(C.on(nodes[2]), R, N, ':e2:'); // C set it (i = 2)
  assertStatus(gone, 200, 'remove :e2:');
  assert.ok(gone.json.seq > N, `a real removal: ${gone.text}`);
  assertStatus(await putReaction(B.on(nodes[1]), R, N, ':e21:'), 200, ':e21: after a removal');

  // the connections stay open and served; no reaction event on M came from any refusal
  for (const c of Object.values(conns)) if (c instanceof WsClient && c.isOpen) await c.ping(); // (wsC@3 went away above)
  const ok = await reactWs(ws, R, M, JOY, true);
  assert.equal(ok.type, 'ack', JSON.stringify(ok));
  await conns.wsA1.waitFor((e) => e.type === 'reaction' && e.data?.seq === ok.data.seq, 5000, { from: from.get(conns.wsA1) });
  const onM = reactionsOf(conns.wsA1, from.get(conns.wsA1)).filter((e) => e.data.id === M);
  assert.deepEqual(onM.map((e) => e.data.emoji), [JOY], 'the only reaction event on M is the valid one');
});

test('shutdown: SIGTERM → exit 0 for every node', T, async () => {
  await closeAllLive();
  for (const x of nodes) await x.stop();
  await redis.stop();
});
