// Message edit and delete across a cluster (issue 19): three real nodes on one Redis; WS and SSE
// clients of four users on every node follow one channel. Sends (WS on nodes 1 and 3, HTTP on node 2),
// edits (WS on nodes 1 and 3, PATCH on node 3) and deletes (HTTP on node 2 and node 1, WS on node 3)
// are interleaved in quick concurrent waves: every connection on every node must deliver the room's
// positioned events (message / message.updated / message.deleted) exactly as acknowledged: complete,
// each once, strictly increasing by position. Then clients that went away resume on another node
// (WS `resume`, SSE `Last-Event-ID`) and get exactly what they missed, in order.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { cleanup, assertStatus, allMessages, uniqueName } from './lib/harness.mjs';
import {
  WsClient, SseClient, closeAllLive, parseCursor, sendWs, syncRoom, isMessage,
} from './lib/live.mjs';
import { startCluster, registerUsers } from './lib/cluster.mjs';
import {
  roomTimeline, roomCursor, timelineProblems, entryKey, positionOf, editWs, deleteWs, patchMessage, deleteMessage, resumedWs, followingSse } from './lib/message_events.mjs';

const T = { timeout: 90000 };
const QUIET_MS = 800;
const WAVES = 16;
let redis;
let nodes;
let A; // harness Clients (each bound to the node it registered on; .on(node) for the others)
let B;
let C;
let D;
let R; // the channel
let conns; // {label: WsClient|SseClient}
let marks; // conn → event index after the readiness sync
const msgs = new Map(); // id → {author, text (current), alive, edited}
const expected = []; // [{type, id, pos, text?}] every acknowledged positioned event of R

after(async () => { await closeAllLive(); await cleanup(); });

const record = (entry) => { expected.push(entry); };
const sortedExpected = () => [...expected].sort((a, b) => a.pos - b.pos);

/** Waits until every connection delivered the last expected position, then settles and checks each timeline exactly. */
async function assertEveryConnection(list, what, { from = marks } = {}) {
  const exp = sortedExpected();
  const maxPos = exp.at(-1).pos;
  await Promise.all(list.map((c) => c.waitFor((e) => e.data?.roomId === R && positionOf(e) === maxPos, 15000,
    { from: from.get(c) ?? 0, what: `${what}: last position ${maxPos}` })));
  await Promise.all(list.filter((c) => c instanceof WsClient).map((c) => c.ping()));
  await new Promise((r) => setTimeout(r, QUIET_MS));
  const problems = [];
  for (const c of list) {
    const got = roomTimeline(c, R, from.get(c) ?? 0);
    problems.push(...timelineProblems(`${what} ${c.label}`, got, exp));
    if (problems.length === 0) assert.deepEqual(got.map(entryKey), exp.map(entryKey), `${what} ${c.label}: timeline order`);
    // payloads: updates carry the text of that edit; deletes are {id, roomId, seq}
    for (const [i, t] of got.entries()) {
      const e = exp[i];
      if (!e || entryKey(e) !== entryKey(t)) continue;
      if (t.type === 'message.updated') {
        if (t.data.message !== e.text) problems.push(`${what} ${c.label}: update ${entryKey(t)} text ${JSON.stringify(t.data.message)} ≠ ${JSON.stringify(e.text)}`);
        if (!Number.isSafeInteger(t.data.edited)) problems.push(`${what} ${c.label}: update ${entryKey(t)} without edited`);
      }
      if (t.type === 'message.deleted' && JSON.stringify(Object.keys(t.data).sort()) !== '["id","roomId","seq"]') {
        problems.push(`${what} ${c.label}: delete ${entryKey(t)} data ${JSON.stringify(t.data)}`);
      }
    }
  }
  assert.deepEqual(problems, [], `${what}: ${exp.length} positioned events (${exp.filter((e) => e.type === 'message').length} messages, `
    + `${exp.filter((e) => e.type === 'message.updated').length} edits, ${exp.filter((e) => e.type === 'message.deleted').length} deletes) on ${list.length} connections`);
}

test('setup: redis, 3 nodes, users A–D, a channel all four are in; WS and SSE connections on every node follow it', T, async () => {
  ({ redis, nodes } = await startCluster({ n: 3, prefix: 'edit' }));
  [A, B, C, D] = await registerUsers(nodes, 4, 'e');
  const created = await A.on(nodes[0]).post('/rooms', { name: uniqueName('cluster-edits') });
  assertStatus(created, 201, 'channel');
  R = created.json.id;
  for (const u of [B, C, D]) assertStatus(await u.post(`/rooms/${R}/join`), 200, `${u.user.username} joins`);
  const ws = (u, n, label) => resumedWs(u, nodes[n], R, label);
  const sse = (u, n, label) => followingSse(u, nodes[n], R, label);
  conns = {
    wsA1: await ws(A, 0, 'wsA@1'),
    wsB2: await ws(B, 1, 'wsB@2'),
    wsC3: await ws(C, 2, 'wsC@3'),
    wsD3: await ws(D, 2, 'wsD@3'),
    sseD1: await sse(D, 0, 'sseD@1'),
    sseA2: await sse(A, 1, 'sseA@2'),
    sseC2: await sse(C, 1, 'sseC@2'),
    sseB3: await sse(B, 2, 'sseB@3'),
  };
  const sync = await syncRoom(conns.wsA1, R, Object.values(conns), { timeoutMs: 15000 });
  for (const c of Object.values(conns)) await c.waitFor(isMessage(sync.id, R), 5000, { what: 'sync' });
  marks = new Map(Object.values(conns).map((c) => [c, c.mark()]));
});

test('interleaved sends, edits and deletes from all three nodes reach every connection on every node exactly once, in position order', T, async () => {
  const failures = [];
  const ok = (what, ev) => {
    if (ev?.type === 'ack') return true;
    failures.push(`${what}: ${JSON.stringify(ev).slice(0, 200)}`);
    return false;
  };
  const okHttp = (what, res, status) => {
    if (res.status === status) return true;
    failures.push(`${what}: HTTP ${res.status} ${res.text.slice(0, 200)}`);
    return false;
  };
  const pick = (author, busy) => {
    for (const [id, m] of msgs) if (m.author === author && m.alive && !busy.has(id)) return id;
    return null;
  };

  const sendWsOp = async (conn, author, text) => {
    const ev = await sendWs(conn, R, text);
    if (ok(`${conn.label} send ${text}`, ev)) {
      msgs.set(ev.data.id, { author, text, alive: true, edited: false });
      record({ type: 'message', id: ev.data.id, pos: ev.data.id });
    }
  };
  const sendHttpOp = async (client, author, text) => {
    const res = await client.post(`/room/${R}/messages`, { message: text });
    if (okHttp(`HTTP send ${text}`, res, 201)) {
      msgs.set(res.json.id, { author, text, alive: true, edited: false });
      record({ type: 'message', id: res.json.id, pos: res.json.id });
    }
  };
  const editWsOp = async (conn, id, text) => {
    const ev = await editWs(conn, R, id, text);
    if (ok(`${conn.label} edit ${id}`, ev)) {
      if (!(ev.data.seq > id)) failures.push(`edit ${id}: seq ${ev.data.seq} not above the id`);
      Object.assign(msgs.get(id), { text, edited: true });
      record({ type: 'message.updated', id, pos: ev.data.seq, text });
    }
  };
  const editHttpOp = async (client, id, text) => {
    const res = await patchMessage(client, R, id, { message: text });
    if (okHttp(`PATCH ${id}`, res, 200)) {
      Object.assign(msgs.get(id), { text, edited: true });
      // the position is learned from the event (the PATCH body may or may not carry seq)
      record({ type: 'message.updated', id, pos: res.json.seq ?? null, text, edited: res.json.edited });
    }
  };
  const deleteWsOp = async (conn, id) => {
    const ev = await deleteWs(conn, R, id);
    if (ok(`${conn.label} delete ${id}`, ev)) {
      msgs.get(id).alive = false;
      record({ type: 'message.deleted', id, pos: ev.data.seq });
    }
  };
  const deleteHttpOp = async (client, id) => {
    const res = await deleteMessage(client, R, id);
    if (okHttp(`DELETE ${id}`, res, 200)) {
      msgs.get(id).alive = false;
      record({ type: 'message.deleted', id, pos: res.json.seq });
    }
  };

  const t0 = performance.now();
  for (let w = 0; w < WAVES; w++) {
    const busy = new Set();
    const ops = [
      sendWsOp(conns.wsA1, 'A', `a${w} from node 1`),
      sendWsOp(conns.wsC3, 'C', `c${w} from node 3`),
      sendHttpOp(B.on(nodes[1]), 'B', `b${w} over HTTP on node 2`),
    ];
    const aEdit = pick('A', busy);
    if (aEdit !== null) { busy.add(aEdit); ops.push(editWsOp(conns.wsA1, aEdit, `a-edit in wave ${w} (node 1)`)); }
    const cEdit = pick('C', busy);
    if (cEdit !== null) { busy.add(cEdit); ops.push(editWsOp(conns.wsC3, cEdit, `c-edit in wave ${w} (node 3)`)); }
    if (w >= 2) {
      const aDel = pick('A', busy);
      if (aDel !== null) { busy.add(aDel); ops.push(deleteHttpOp(A.on(nodes[1]), aDel)); } // A's message, HTTP on node 2
    }
    if (w >= 3 && w % 2 === 1) {
      const cDel = pick('C', busy);
      if (cDel !== null) { busy.add(cDel); ops.push(deleteWsOp(conns.wsC3, cDel)); } // WS on node 3
    }
    if (w >= 1 && w % 3 === 1) {
      const bId = pick('B', busy);
      if (bId !== null) {
        busy.add(bId);
        // a chain: PATCH on node 3, then DELETE on node 1, while the others run
        ops.push((async () => {
          await editHttpOp(B.on(nodes[2]), bId, `b-edit in wave ${w} (PATCH on node 3)`);
          if (msgs.get(bId).edited) await deleteHttpOp(B.on(nodes[0]), bId);
        })());
      }
    }
    await Promise.all(ops);
  }
  const sendMs = performance.now() - t0;
  assert.deepEqual(failures, [], 'every send, edit and delete was acknowledged');

  // PATCH answers may not carry seq: take it from the event at a connection that saw it, matched by text
  const ref = conns.wsD3;
  for (const e of expected.filter((x) => x.pos === null)) {
    const ev = await ref.waitFor((x) => x.type === 'message.updated' && x.data?.id === e.id && x.data?.message === e.text, 10000,
      { from: marks.get(ref), what: `PATCH event for ${e.id}` });
    e.pos = ev.data.seq;
  }
  const positions = expected.map((e) => e.pos);
  assert.equal(new Set(positions).size, positions.length, 'every acknowledged event has its own position');
  const counts = {
    messages: expected.filter((e) => e.type === 'message').length,
    edits: expected.filter((e) => e.type === 'message.updated').length,
    deletes: expected.filter((e) => e.type === 'message.deleted').length,
  };
  assert.ok(counts.messages === WAVES * 3 && counts.edits >= WAVES && counts.deletes >= WAVES / 2, `ops: ${JSON.stringify(counts)}`);
  await assertEveryConnection(Object.values(conns), 'waves');
  console.log(`cluster edits: ${counts.messages} messages, ${counts.edits} edits, ${counts.deletes} deletes from 3 nodes in ${(sendMs / 1000).toFixed(1)} s; `
    + `${Object.keys(conns).length} connections (WS and SSE on every node) each got all ${expected.length} positioned events once, in order`);

  // history (read through node 3) is the current state of every message
  const hist = await allMessages(C.on(nodes[2]), R);
  const byId = new Map(hist.map((m) => [m.id, m]));
  const wrong = [];
  for (const [id, m] of msgs) {
    const h = byId.get(id);
    if (!h) { wrong.push(`${id}: missing from history`); continue; }
    if (!m.alive) {
      if (h.deleted !== true || 'message' in h) wrong.push(`${id}: expected a tombstone, got ${JSON.stringify(h)}`);
    } else if (h.message !== m.text || (m.edited ? !Number.isSafeInteger(h.edited) : 'edited' in h) || 'deleted' in h) {
      wrong.push(`${id}: expected ${JSON.stringify(m.text)}${m.edited ? ' (edited)' : ''}, got ${JSON.stringify(h)}`);
    }
  }
  assert.deepEqual(wrong, [], 'history shows the current state');
});

test('away and back on another node: WS resume (node 2 → node 3) and SSE Last-Event-ID (node 1 → node 2) replay exactly the missed sends, edits and deletes, in order; the others get them live once', T, async () => {
  const wsAway = conns.wsB2;
  const sseAway = conns.sseD1;
  const exp0 = sortedExpected();
  const cursorWs = roomCursor(wsAway, R);
  assert.equal(cursorWs, exp0.at(-1).pos, 'the WS cursor is the last position seen (message id or event seq)');
  const cursorSse = sseAway.lastEventId;
  assert.equal(parseCursor(cursorSse)[R], exp0.at(-1).pos, `the SSE cursor ${cursorSse} is the last position`);
  await wsAway.close();
  await sseAway.close();
  const before = expected.length;

  // while they are away: X sent on node 1 and edited there; a C message edited on node 3; an A message deleted on node 2; Y sent on node 3
  const x = await sendWs(conns.wsA1, R, 'X while away');
  assert.equal(x.type, 'ack', JSON.stringify(x));
  const X = x.data.id;
  msgs.set(X, { author: 'A', text: 'X while away', alive: true, edited: false });
  record({ type: 'message', id: X, pos: X });
  const xe = await editWs(conns.wsA1, R, X, 'X edited while away');
  assert.equal(xe.type, 'ack', JSON.stringify(xe));
  record({ type: 'message.updated', id: X, pos: xe.data.seq, text: 'X edited while away' });
  const cId = [...msgs].find(([, m]) => m.author === 'C' && m.alive)?.[0];
  assert.ok(cId, 'an alive C message');
  const ce = await editWs(conns.wsC3, R, cId, 'C edited while away');
  assert.equal(ce.type, 'ack', JSON.stringify(ce));
  record({ type: 'message.updated', id: cId, pos: ce.data.seq, text: 'C edited while away' });
  const aId = [...msgs].find(([id, m]) => m.author === 'A' && m.alive && id !== X)?.[0];
  assert.ok(aId, 'an alive A message other than X');
  const ad = await deleteMessage(A.on(nodes[1]), R, aId);
  assertStatus(ad, 200, 'delete on node 2');
  record({ type: 'message.deleted', id: aId, pos: ad.json.seq });
  const y = await B.on(nodes[2]).post(`/room/${R}/messages`, { message: 'Y while away' });
  assertStatus(y, 201, 'Y on node 3');
  record({ type: 'message', id: y.json.id, pos: y.json.id });
  const missed = expected.slice(before).sort((a, b) => a.pos - b.pos);

  const ws2 = await WsClient.connect(nodes[2].port, { client: B.on(nodes[2]), label: 'wsB@3 (resumed)' });
  ws2.send({ type: 'resume', rooms: { [R]: cursorWs } });
  const sse2 = await SseClient.connect(nodes[1].port, { client: D.on(nodes[1]), label: 'sseD@2 (resumed)', lastEventId: cursorSse });
  for (const c of [ws2, sse2]) await c.waitFor(isMessage(y.json.id, R), 10000, { what: 'Y' });
  await Promise.all([ws2.ping(), new Promise((r) => setTimeout(r, QUIET_MS))]);
  for (const c of [ws2, sse2]) {
    const got = roomTimeline(c, R);
    assert.deepEqual(timelineProblems(c.label, got, missed), [], `${c.label}: got [${got.map(entryKey).join(', ')}]`);
    assert.deepEqual(got.map(entryKey), missed.map(entryKey), `${c.label}: the missed events, in order`);
    assert.equal(got[0].data.message, 'X edited while away', `${c.label}: the replayed row of X shows its current text`);
    assert.equal(got[1].data.message, 'X edited while away');
  }
  assert.equal(parseCursor(sse2.lastEventId)[R], y.json.id, `resumed SSE cursor ${sse2.lastEventId}`);

  // everyone who stayed got the whole sequence live, once, in order
  const stayed = Object.values(conns).filter((c) => c !== wsAway && c !== sseAway);
  await assertEveryConnection(stayed, 'after the away phase');
});

test('shutdown: SIGTERM → exit 0 for every node', T, async () => {
  await closeAllLive();
  for (const n of nodes) await n.stop();
  await redis.stop();
});
