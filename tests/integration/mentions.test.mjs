// @mentions (issue #22): the node resolves `@username` (case-insensitive, existing users) and `@here`
// (the room's online members but the sender) to `"mentions":[userId,…]` on the stored message, in
// the same atomic step as the write; live events on every node and transport, history, resume and
// edits carry them; each mentioned user's per-room mention index (what unread mention counts read)
// follows sends, edits and deletes. Three real nodes on one redis-server: A on WS (node 1), B on SSE
// (node 2) and WS (node 3), HTTP sends on nodes 2 and 3, resume on node 3.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { cleanup, assertStatus, register, uniqueName } from './lib/harness.mjs';
import { WsClient, SseClient, closeAllLive, sendWs, isMessage } from './lib/live.mjs';
import { startCluster } from './lib/cluster.mjs';
import { editWs, deleteWs } from './lib/message_events.mjs';

const T = { timeout: 60000 };
let redis;
let n1;
let n2;
let n3;
let A; // sender, on node 1 (WebSocket)
let B; // mixed-case name, on node 2 (SSE)
let C; // offline
let R; // a channel of A, B, C
let wsA;
let sseB;
let wsB3; // B's second device, node 3

after(async () => { await closeAllLive(); await cleanup(); });

const mentionIndex = (room, uid) => {
  const out = redis.cli('ZRANGE', `chat:room:${room}:mentions:${uid}`, '0', '-1');
  return out === '' ? [] : out.split('\n').map(Number);
};

async function historyMessage(client, room, id) {
  const res = await client.get(`/room/${room}/messages?offset=0&size=50`);
  assertStatus(res, 200, 'history');
  return res.json.find((m) => m.id === id);
}

test('setup: 3 nodes; A (WS, node 1), B with a mixed-case name (SSE, node 2; WS, node 3), C offline; a channel of all three', T, async () => {
  let nodes;
  ({ redis, nodes } = await startCluster({ n: 3, prefix: 'men', nodeArgs: ['--bcrypt-cost', '4'] }));
  [n1, n2, n3] = nodes;
  A = await register(n1, uniqueName('Ann'));
  B = await register(n2, uniqueName('BoB'));
  C = await register(n1, uniqueName('cat'));
  const created = await A.post('/rooms', { name: uniqueName('mentions') });
  assertStatus(created, 201, 'channel');
  R = created.json.id;
  for (const u of [B, C]) assertStatus(await u.post(`/rooms/${R}/join`), 200, 'join');
  wsA = await WsClient.connect(n1.port, { client: A, label: 'wsA@1' });
  await wsA.ping();
  sseB = await SseClient.connect(n2.port, { client: B, label: 'sseB@2' });
  await sseB.waitFor((e) => e.type === 'ready', 5000, { what: 'SSE ready' });
  wsB3 = await WsClient.connect(n3.port, { client: B.on(n3), label: 'wsB@3' });
  await wsB3.ping();
});

test('@names resolve case-insensitively to ids in order; unknown names, addresses and the sender\'s index are left out', T, async () => {
  const text = `hi @${B.user.username.toUpperCase()}, @${C.user.username}. cc @${A.user.username} @nobody_${Date.now()} mail x@${B.user.username}.org`;
  const ack = await sendWs(wsA, R, text);
  assert.equal(ack.type, 'ack', JSON.stringify(ack.data));
  const id = ack.data.id;
  const live = await sseB.waitFor(isMessage(id, R), 5000, { what: 'B gets the message (other node, SSE)' });
  assert.deepEqual(live.data.mentions, [B.user.id, C.user.id, A.user.id], 'mentions in order of appearance, resolved case-insensitively');
  assert.equal(live.data.message, text, 'the text is stored exactly as sent');
  const third = await wsB3.waitFor(isMessage(id, R), 5000, { what: 'B\'s WS on node 3 gets the message' });
  assert.deepEqual(third.data.mentions, live.data.mentions, 'node 3 carries the same mentions');
  const own = await wsA.waitFor(isMessage(id, R), 5000, { what: 'A gets its own message' });
  assert.deepEqual(own.data.mentions, live.data.mentions);
  assert.deepEqual((await historyMessage(B, R, id)).mentions, live.data.mentions, 'history carries them');
  assert.ok(mentionIndex(R, B.user.id).includes(id), 'B\'s mention index of the room holds the message');
  assert.ok(mentionIndex(R, C.user.id).includes(id), 'so does offline C\'s');
  assert.deepEqual(mentionIndex(R, A.user.id), [], 'mentioning yourself files nothing for you');
});

test('a message without mentions has no mentions field; HTTP sends resolve them too', T, async () => {
  const plain = await sendWs(wsA, R, 'nobody here, just text');
  const msg = await sseB.waitFor(isMessage(plain.data.id, R), 5000, { what: 'plain message' });
  assert.equal('mentions' in msg.data, false, JSON.stringify(msg.data));
  const posted = await B.on(n2).post(`/room/${R}/messages`, { message: `@${A.user.username} over HTTP` });
  assertStatus(posted, 201, 'POST message');
  assert.deepEqual(posted.json.mentions, [A.user.id], 'the 201 body carries the mentions');
  const ev = await wsA.waitFor(isMessage(posted.json.id, R), 5000, { what: 'A gets the HTTP message' });
  assert.deepEqual(ev.data.mentions, [A.user.id]);
  assert.ok(mentionIndex(R, A.user.id).includes(posted.json.id));
  const fromC = await C.on(n3).post(`/room/${R}/messages`, { message: `thanks @${B.user.username}!` }); // HTTP, node 3
  assertStatus(fromC, 201, 'POST message on node 3');
  assert.deepEqual(fromC.json.mentions, [B.user.id]);
  for (const c of [sseB, wsB3, wsA]) {
    const got = await c.waitFor(isMessage(fromC.json.id, R), 5000, { what: `${c.label} gets C's HTTP message (node 3)` });
    assert.deepEqual(got.data.mentions, [B.user.id], c.label);
  }
  assert.ok(mentionIndex(R, B.user.id).includes(fromC.json.id));
});

test('@here mentions the room\'s online members but the sender (C is offline)', T, async () => {
  const ack = await sendWs(wsA, R, 'standup in 5 @here');
  const ev = await sseB.waitFor(isMessage(ack.data.id, R), 5000, { what: '@here message' });
  assert.deepEqual(ev.data.mentions, [B.user.id], 'B is online (on the other nodes, twice: once in the list); C is not; A sent it');
  const ev3 = await wsB3.waitFor(isMessage(ack.data.id, R), 5000, { what: '@here message on node 3' });
  assert.deepEqual(ev3.data.mentions, [B.user.id]);
});

test('an edit re-resolves the mentions and moves the indexes; a delete clears them', T, async () => {
  const ack = await sendWs(wsA, R, `ping @${B.user.username}`);
  const id = ack.data.id;
  await sseB.waitFor(isMessage(id, R), 5000, { what: 'original' });
  assert.ok(mentionIndex(R, B.user.id).includes(id));
  const edited = await editWs(wsA, R, id, `sorry, I meant @${C.user.username}`);
  assert.equal(edited.type, 'ack', JSON.stringify(edited.data));
  const upd = await sseB.waitFor((e) => e.type === 'message.updated' && e.data.id === id, 5000, { what: 'message.updated' });
  assert.deepEqual(upd.data.mentions, [C.user.id], 'the update carries the new text\'s mentions');
  const upd3 = await wsB3.waitFor((e) => e.type === 'message.updated' && e.data.id === id, 5000, { what: 'message.updated on node 3' });
  assert.deepEqual(upd3.data.mentions, [C.user.id]);
  assert.ok(!mentionIndex(R, B.user.id).includes(id), 'B is no longer mentioned');
  assert.ok(mentionIndex(R, C.user.id).includes(id), 'C is');
  assert.deepEqual((await historyMessage(A, R, id)).mentions, [C.user.id]);
  const unmentioned = await editWs(wsA, R, id, 'never mind');
  assert.equal(unmentioned.type, 'ack');
  const upd2 = await sseB.waitFor((e) => e.type === 'message.updated' && e.data.id === id && e.data.message === 'never mind', 5000, { what: 'second edit' });
  assert.equal('mentions' in upd2.data, false, 'no mentions left');
  assert.ok(!mentionIndex(R, C.user.id).includes(id));
  const again = await editWs(wsA, R, id, `@${B.user.username} again`);
  assert.equal(again.type, 'ack');
  assert.ok(mentionIndex(R, B.user.id).includes(id));
  const del = await deleteWs(wsA, R, id);
  assert.equal(del.type, 'ack', JSON.stringify(del.data));
  assert.ok(!mentionIndex(R, B.user.id).includes(id), 'a deleted message mentions nobody');
});

test('resume on a third node replays the message with its mentions', T, async () => {
  const before = (await sendWs(wsA, R, 'marker')).data.id;
  const ack = await sendWs(wsA, R, `late @${B.user.username}`);
  const ws = await WsClient.connect(n3.port, { client: B.on(n3), label: 'wsB@3 resume' });
  ws.send({ type: 'resume', rooms: { [R]: before } });
  const ev = await ws.waitFor(isMessage(ack.data.id, R), 5000, { what: 'replayed message' });
  assert.deepEqual(ev.data.mentions, [B.user.id]);
  await ws.close();
});
