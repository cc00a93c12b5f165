// Real-time chat over /ws and /stream (docs/protocol.md §2): acks and message events in General,
// text delivered unchanged, too_long, DMs (show.room and messages only to the two participants),
// SSE delivery with id: cursors and sending over HTTP, channels joined over HTTP on an open connection.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startRedis, startNode, cleanup, register, uniqueName, assertStatus, allMessages,
} from './lib/harness.mjs';
import {
  WsClient, SseClient, closeAllLive, sendWs, isMessage, parseCursor, expectNothing, syncRoom,
} from './lib/live.mjs';

const T = { timeout: 60000 };
const QUIET_MS = 1500; // bounded wait used to show that something does NOT arrive
let redis;
let node;
let A;
let B;
let C;
let S; // a user who only uses SSE + HTTP

after(async () => {
  await closeAllLive();
  await cleanup();
});

const MESSAGE_KEYS = ['date', 'from', 'id', 'message', 'roomId'];

/** Asserts a delivered message event is exactly the message JSON of §1. */
function assertMessageData(data, { id, roomId, from, message }, what) {
  assert.deepEqual(Object.keys(data).sort(), MESSAGE_KEYS, `${what}: message keys ${JSON.stringify(data).slice(0, 200)}`);
  assert.equal(data.id, id, `${what}: id`);
  assert.equal(data.roomId, roomId, `${what}: roomId`);
  assert.equal(data.from, from, `${what}: from`);
  assert.equal(data.message, message, `${what}: text unchanged`);
  assert.ok(Number.isInteger(data.date), `${what}: date is an integer (${data.date})`);
  assert.ok(Math.abs(data.date - Math.floor(data.id / 1000)) <= 2, `${what}: date ${data.date} is the id's second (${data.id})`);
}

function assertAck(ev, clientId, roomId, what) {
  assert.equal(ev.type, 'ack', `${what}: expected ack, got ${JSON.stringify(ev)}`);
  assert.deepEqual(Object.keys(ev.data).sort(), ['clientId', 'id', 'roomId'], `${what}: ack keys`);
  assert.equal(ev.data.clientId, clientId, `${what}: ack clientId`);
  assert.equal(ev.data.roomId, roomId, `${what}: ack roomId`);
  assert.ok(Number.isSafeInteger(ev.data.id) && ev.data.id > 0, `${what}: ack id is a positive integer (${ev.data.id})`);
}

test('setup: node, a throwaway first user, users A, B, C (WS) and S (SSE)', T, async () => {
  redis = await startRedis();
  node = await startNode({ redisUrl: redis.url });
  await register(node, uniqueName('admin'));
  A = await register(node, uniqueName('A'));
  B = await register(node, uniqueName('B'));
  C = await register(node, uniqueName('C'));
  S = await register(node, uniqueName('S'));
});

test('General over WS: A sends → A gets ack {clientId,id,roomId}, A and B get the message event with that id, from A, text unchanged; B gets no ack', T, async () => {
  const wsA = await WsClient.connect(node.port, { client: A });
  const wsB = await WsClient.connect(node.port, { token: B.token }); // ?token= authentication
  await syncRoom(wsA, '0', [wsA, wsB]); // both connections follow General live
  const fromA = wsA.mark();
  const fromB = wsB.mark();
  wsA.send({ type: 'message', roomId: '0', message: 'hi', clientId: 'c1' });
  const ack = await wsA.waitFor((e) => e.type === 'ack' || e.type === 'error', 5000, { from: fromA, what: 'ack for c1' });
  assertAck(ack, 'c1', '0', 'A');
  const id = ack.data.id;
  const onA = await wsA.waitFor(isMessage(id, '0'), 5000, { from: fromA, what: `message ${id} at A` });
  const onB = await wsB.waitFor(isMessage(id, '0'), 5000, { from: fromB, what: `message ${id} at B` });
  assert.deepEqual(Object.keys(onA).sort(), ['data', 'type'], 'event envelope is {type,data}');
  assertMessageData(onA.data, { id, roomId: '0', from: A.user.id, message: 'hi' }, 'at A');
  assertMessageData(onB.data, { id, roomId: '0', from: A.user.id, message: 'hi' }, 'at B');
  assert.deepEqual(onB.data, onA.data, 'A and B get the same message');
  // exactly once each, no error, and the ack only went to the sender
  const late = await expectNothing(wsB, (e) => e.type === 'ack' || e.type === 'error', 500, { from: fromB });
  assert.deepEqual(late, [], 'B gets no ack/error');
  assert.equal(wsA.messages('0', fromA).filter((m) => m.id === id).length, 1, 'A got the message once');
  assert.equal(wsB.messages('0', fromB).filter((m) => m.id === id).length, 1, 'B got the message once');
  assert.equal(wsA.ofType('ack', fromA).length, 1, 'one ack');
  // stored as delivered
  const hist = await A.get('/room/0/messages?limit=1');
  assertStatus(hist, 200, 'history');
  assert.deepEqual(hist.json[0], onA.data, 'history holds the delivered message');
  await wsA.close();
  await wsB.close();
});

const TEXTS = [
  ['quotes and backslashes', 'he said "hi" \\ \'there\' \\"x\\" \\u0041'],
  ['HTML', '<script>alert("x")</script> &amp; &lt;b&gt; <img src=x onerror=alert(1)>'],
  ['emoji and scripts', 'emoji 😀👍🏽👩‍👩‍👧 ñ 中文 עברית \u2028 tab\there'],
  ['newlines', 'line1\nline2\r\nline3'],
  ['4000 ASCII chars', 'a'.repeat(3999) + 'z'],
  ['4000 emoji (code points)', '😀'.repeat(4000)],
];

test('text is delivered and stored unchanged: quotes, <script>, emoji, newlines, exactly 4000 chars', T, async () => {
  const wsA = await WsClient.connect(node.port, { client: A });
  const wsB = await WsClient.connect(node.port, { client: B });
  await syncRoom(wsA, '0', [wsA, wsB]);
  const fromB = wsB.mark();
  const sent = [];
  for (const [what, text] of TEXTS) {
    const ans = await sendWs(wsA, '0', text, { clientId: `t-${sent.length}` });
    assertAck(ans, `t-${sent.length}`, '0', what);
    sent.push({ id: ans.data.id, text, what });
  }
  for (const s of sent) {
    const ev = await wsB.waitFor(isMessage(s.id, '0'), 5000, { from: fromB, what: `${s.what} at B` });
    assertMessageData(ev.data, { id: s.id, roomId: '0', from: A.user.id, message: s.text }, `${s.what} at B`);
  }
  const hist = await allMessages(B, '0');
  for (const s of sent) {
    const m = hist.find((h) => h.id === s.id);
    assert.ok(m, `${s.what} stored`);
    assert.equal(m.message, s.text, `${s.what} stored unchanged`);
  }
  await wsA.close();
  await wsB.close();
});

test('4001 characters → error too_long with the clientId; nothing delivered or stored; the connection stays open', T, async () => {
  const wsA = await WsClient.connect(node.port, { client: A });
  const wsB = await WsClient.connect(node.port, { client: B });
  await syncRoom(wsA, '0', [wsA, wsB]);
  const fromB = wsB.mark();
  const before = (await allMessages(A, '0')).length;
  for (const [what, text, cid] of [['4001 ASCII', 'b'.repeat(4001), 'long1'], ['4001 emoji', '😀'.repeat(4001), 'long2']]) {
    const ans = await sendWs(wsA, '0', text, { clientId: cid });
    assert.equal(ans.type, 'error', `${what}: expected error, got ${JSON.stringify(ans).slice(0, 200)}`);
    assert.equal(ans.data.code, 'too_long', `${what}: code`);
    assert.equal(ans.data.clientId, cid, `${what}: clientId`);
    assert.equal(typeof ans.data.message, 'string', `${what}: message`);
    assert.ok(ans.data.message.length > 0, `${what}: message not empty`);
    await wsA.ping();
  }
  const leaked = await expectNothing(wsB, (e) => e.type === 'message', QUIET_MS, { from: fromB });
  assert.deepEqual(leaked, [], 'B received none of the too-long messages');
  assert.equal((await allMessages(A, '0')).length, before, 'nothing stored');
  assert.equal(wsA.closeInfo, null, 'A still connected');
  await wsA.close();
  await wsB.close();
});

test('DM: show.room reaches A\'s and B\'s open WS and SSE connections, not C\'s; DM messages reach A and B only', T, async () => {
  const conns = {
    wsA: await WsClient.connect(node.port, { client: A, label: 'wsA' }),
    sseA: await SseClient.connect(node.port, { client: A, label: 'sseA' }),
    wsB: await WsClient.connect(node.port, { client: B, label: 'wsB' }),
    sseB: await SseClient.connect(node.port, { client: B, label: 'sseB' }),
    wsC: await WsClient.connect(node.port, { client: C, label: 'wsC' }),
    sseC: await SseClient.connect(node.port, { client: C, label: 'sseC' }),
  };
  // every connection follows its rooms before the DM is created
  for (const k of ['sseA', 'sseB', 'sseC']) await conns[k].waitForLastEventId((id) => id !== null && '0' in parseCursor(id));
  await syncRoom(conns.wsA, '0', Object.values(conns));
  const res = await A.post('/room', { user1: A.user.id, user2: B.user.id });
  assertStatus(res, 201, 'create DM A–B');
  const dm = res.json.id;
  for (const k of ['wsA', 'sseA', 'wsB', 'sseB']) {
    const ev = await conns[k].waitFor((e) => e.type === 'show.room' && e.data?.id === dm, 5000, { what: `show.room ${dm}` });
    assert.deepEqual(ev.data, res.json, `${k}: show.room data = {id,names} of the new DM`);
    assert.equal(conns[k].ofType('show.room').filter((e) => e.data.id === dm).length, 1, `${k}: one show.room`);
  }
  // the SSE streams of A and B start following the DM (id:-only frame covering it)
  for (const k of ['sseA', 'sseB']) await conns[k].waitForLastEventId((id) => dm in parseCursor(id));

  // messages in the DM: A over WS, B over HTTP
  const ack = await sendWs(conns.wsA, dm, 'psst, B', { clientId: 'dm1' });
  assertAck(ack, 'dm1', dm, 'A in DM');
  const post = await B.post(`/room/${dm}/messages`, { message: 'hello A', clientId: 'dm2' });
  assertStatus(post, 201, 'B posts in DM');
  const expected = [
    { id: ack.data.id, roomId: dm, from: A.user.id, message: 'psst, B' },
    { id: post.json.id, roomId: dm, from: B.user.id, message: 'hello A' },
  ];
  for (const k of ['wsA', 'sseA', 'wsB', 'sseB']) {
    await conns[k].waitForCount((e) => e.type === 'message' && e.data?.roomId === dm, 2, 5000, { what: `2 DM messages at ${k}` });
    const got = conns[k].messages(dm);
    assert.equal(got.length, 2, `${k}: exactly two DM messages`);
    got.forEach((m, i) => assertMessageData(m, expected[i], `${k} DM message ${i}`));
  }
  // C: nothing of that room, in a bounded wait; not even its id in C's SSE cursor
  const leaks = [];
  for (const k of ['wsC', 'sseC']) {
    const got = await expectNothing(conns[k], (e) => JSON.stringify(e.data ?? null).includes(`"${dm}"`) || e.data?.roomId === dm, k === 'wsC' ? QUIET_MS : 0);
    leaks.push(...got.map((e) => `${k}: ${JSON.stringify(e)}`));
  }
  assert.deepEqual(leaks, [], 'C receives nothing of the DM');
  assert.ok(!(dm in parseCursor(conns.sseC.lastEventId)), `C's SSE cursor does not mention the DM: ${conns.sseC.lastEventId}`);
  assert.ok(!conns.sseC.frames.some((f) => (f.id ?? '').split(',').some((p) => p.startsWith(`${dm}=`))), 'no C frame id mentions the DM');
  for (const c of Object.values(conns)) await c.close();
});

test('SSE: S receives message events with id: cursors, and sends with POST /room/{id}/messages (delivered to WS users)', T, async () => {
  const sse = await SseClient.connect(node.port, { client: S });
  assert.equal(sse.status, 200);
  assert.match(String(sse.headers['content-type']), /^text\/event-stream/, 'content-type');
  await sse.waitFor((e) => e.type === 'ready', 5000, { what: 'ready event' });
  assert.equal(sse.frames[0].event, 'ready', 'first frame is event: ready');
  assert.equal(sse.frames[0].retry, 2000, 'first frame carries retry: 2000');
  await sse.waitForLastEventId((id) => id !== null && '0' in parseCursor(id));
  const wsA = await WsClient.connect(node.port, { client: A });
  await syncRoom(wsA, '0', [wsA, sse]);
  const fromS = sse.mark();

  const ack = await sendWs(wsA, '0', 'to the SSE reader', { clientId: 'sse1' });
  assertAck(ack, 'sse1', '0', 'A');
  const ev = await sse.waitFor(isMessage(ack.data.id, '0'), 5000, { from: fromS, what: 'A\'s message at S' });
  assertMessageData(ev.data, { id: ack.data.id, roomId: '0', from: A.user.id, message: 'to the SSE reader' }, 'at S');
  assert.ok(ev.sse.id !== null, 'the message frame carries an id: line');
  assert.equal(parseCursor(ev.sse.id)['0'], ack.data.id, `the id: cursor holds 0=<message id>: ${ev.sse.id}`);
  assert.equal(sse.lastEventId, ev.sse.id, 'lastEventId is the last id: seen');

  const fromA = wsA.mark();
  const post = await S.post('/room/0/messages', { message: 'from SSE user <b>"x"</b>', clientId: 'http-1' });
  assertStatus(post, 201, 'S posts');
  assert.equal(post.json.clientId, 'http-1', 'clientId echoed in the 201');
  const onA = await wsA.waitFor(isMessage(post.json.id, '0'), 5000, { from: fromA, what: 'S\'s message at A' });
  assertMessageData(onA.data, { id: post.json.id, roomId: '0', from: S.user.id, message: 'from SSE user <b>"x"</b>' }, 'at A');
  const own = await sse.waitFor(isMessage(post.json.id, '0'), 5000, { from: fromS, what: 'own message at S' });
  assertMessageData(own.data, { id: post.json.id, roomId: '0', from: S.user.id, message: 'from SSE user <b>"x"</b>' }, 'own at S');
  assert.equal(parseCursor(own.sse.id)['0'], post.json.id, 'cursor advanced');
  // in order, each once
  const ids = sse.messages('0', fromS).map((m) => m.id);
  assert.deepEqual(ids, [ack.data.id, post.json.id], 'S got both messages, once, in order');
  await sse.close();
  await wsA.close();
});

test('channel joined over HTTP: the open WS and SSE connections get room.joined, then its messages, without reconnecting', T, async () => {
  const created = await A.post('/rooms', { name: uniqueName('chan') });
  assertStatus(created, 201, 'A creates a channel');
  const chan = created.json.id;
  const wsA = await WsClient.connect(node.port, { client: A });
  const wsB = await WsClient.connect(node.port, { client: B });
  const sseB = await SseClient.connect(node.port, { client: B });
  await sseB.waitForLastEventId((id) => id !== null && '0' in parseCursor(id));
  await syncRoom(wsA, '0', [wsB, sseB]);

  const early = await A.post(`/room/${chan}/messages`, { message: 'before B joined' });
  assertStatus(early, 201, 'A posts before B joins');
  for (const c of [wsB, sseB]) {
    const got = await expectNothing(c, (e) => e.data?.roomId === chan || e.data?.id === chan, c === wsB ? QUIET_MS : 0);
    assert.deepEqual(got, [], `${c.label}: nothing of the channel before joining`);
  }

  const join = await B.post(`/rooms/${chan}/join`);
  assertStatus(join, 200, 'B joins');
  const joined = {};
  for (const c of [wsB, sseB]) {
    joined[c.label] = await c.waitFor((e) => e.type === 'room.joined' && e.data?.id === chan, 5000, { what: 'room.joined' });
    assert.deepEqual(joined[c.label].data, join.json, `${c.label}: room.joined data = the join answer {id,names}`);
  }
  await sseB.waitForLastEventId((id) => chan in parseCursor(id));
  const ack = await A.post(`/room/${chan}/messages`, { message: 'after B joined' });
  assertStatus(ack, 201, 'A posts after B joined');
  for (const c of [wsB, sseB]) {
    const ev = await c.waitFor(isMessage(ack.json.id, chan), 5000, { what: 'channel message after join' });
    assertMessageData(ev.data, { id: ack.json.id, roomId: chan, from: A.user.id, message: 'after B joined' }, c.label);
    assert.ok(c.events.indexOf(joined[c.label]) < c.events.indexOf(ev), `${c.label}: room.joined comes before the message`);
    assert.equal(c.messages(chan).filter((m) => m.id === ack.json.id).length, 1, `${c.label}: once`);
  }
  assert.equal(parseCursor(sseB.lastEventId)[chan], ack.json.id, 'SSE cursor covers the channel');
  assert.equal(wsB.closeInfo, null, 'same WS connection');
  assert.equal(sseB.ended, null, 'same SSE stream');
  await wsA.close();
  await wsB.close();
  await sseB.close();
});

test('a DM message sent the moment show.room arrives reaches both participants\' open WS connections (8 new DMs)', T, async () => {
  const users = await Promise.all(Array.from({ length: 8 }, (_, i) => register(node, uniqueName(`U${i}`))));
  const wsA = await WsClient.connect(node.port, { client: A, label: 'wsA' });
  const wsU = [];
  for (const u of users) wsU.push(await WsClient.connect(node.port, { client: u, label: `ws${u.user.username}` }));
  await syncRoom(wsA, '0', [wsA, ...wsU]);
  const failures = [];
  for (let i = 0; i < users.length; i++) {
    const from = wsA.mark();
    const fromU = wsU[i].mark();
    const res = await A.post('/room', { user1: A.user.id, user2: users[i].user.id });
    assertStatus(res, 201, `DM ${i}`);
    const dm = res.json.id;
    await wsA.waitFor((e) => e.type === 'show.room' && e.data?.id === dm, 5000, { from, what: `show.room ${dm} at A` });
    const ack = await sendWs(wsA, dm, `first words ${i}`, { clientId: `first-${i}` });
    assertAck(ack, `first-${i}`, dm, `DM ${i}`);
    for (const [label, c, f] of [['A', wsA, from], ['U', wsU[i], fromU]]) {
      try {
        await c.waitFor(isMessage(ack.data.id, dm), 3000, { from: f, what: `first message of ${dm}` });
      } catch {
        failures.push(`DM ${dm}: ${label}'s open connection never got message ${ack.data.id} (sent right after show.room)`);
      }
    }
  }
  assert.deepEqual(failures, [], 'every first DM message reaches both open connections');
  await closeAllLive();
});

test('a message sent the moment another user\'s connection opens reaches that connection (10 fresh connections, sender on another socket)', T, async () => {
  // The node reads the new connection's rooms before its 101 goes out, so a send that starts
  // after the client saw "open" is written to Redis after that read: it must be delivered.
  const wsA = await WsClient.connect(node.port, { client: A, label: 'wsA' });
  const failures = [];
  for (let i = 0; i < 10; i++) {
    const wsB = await WsClient.connect(node.port, { client: B, label: `wsB${i}` });
    const ack = await sendWs(wsA, '0', `right after open ${i}`, { clientId: `open-${i}` });
    assert.equal(ack.type, 'ack', JSON.stringify(ack));
    try {
      await wsB.waitFor(isMessage(ack.data.id, '0'), 3000, { what: `message ${ack.data.id}` });
    } catch {
      failures.push(`connection ${i} never got message ${ack.data.id}, sent right after it opened`);
    }
    await wsB.close();
  }
  assert.deepEqual(failures, [], 'every message sent after a connection opened reaches it');
  await closeAllLive();
});

test('a channel message posted the moment room.joined arrives reaches the joiner\'s open WS connection (6 channels)', T, async () => {
  const wsA = await WsClient.connect(node.port, { client: A, label: 'wsA' });
  const wsB = await WsClient.connect(node.port, { client: B, label: 'wsB' });
  await syncRoom(wsA, '0', [wsA, wsB]);
  const failures = [];
  for (let i = 0; i < 6; i++) {
    const created = await A.post('/rooms', { name: uniqueName(`race${i}`) });
    assertStatus(created, 201, `channel ${i}`);
    const chan = created.json.id;
    const from = wsB.mark();
    assertStatus(await B.post(`/rooms/${chan}/join`), 200, `B joins ${chan}`);
    await wsB.waitFor((e) => e.type === 'room.joined' && e.data?.id === chan, 5000, { from, what: `room.joined ${chan}` });
    const post = await A.post(`/room/${chan}/messages`, { message: `welcome ${i}` });
    assertStatus(post, 201, `A posts in ${chan}`);
    try {
      await wsB.waitFor(isMessage(post.json.id, chan), 3000, { from, what: `welcome in ${chan}` });
    } catch {
      failures.push(`channel ${chan}: B's open connection never got message ${post.json.id} (posted right after room.joined)`);
    }
  }
  assert.deepEqual(failures, [], 'every message posted after room.joined reaches the open connection');
  await closeAllLive();
});

test('shutdown: SIGTERM → exit 0', T, async () => {
  await closeAllLive();
  await node.stop();
});
