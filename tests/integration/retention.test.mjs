// History retention (issue #26, docs/deploy.md "History retention"): two real nodes on one Redis with
// `--history-max-messages 5` and a short sweep interval. Old messages of a channel (with files, an
// edit, a reaction, a thread reply with a file, a searchable word) are pushed out by 5 newer ones:
// both nodes' history serves exactly the 5 newest, the files' Redis keys, the thread, the event log
// entries, the mention and search index entries are gone, the room's horizon is recorded and
// `chatnode_retention_trimmed_messages_total` counts them; a WS `resume` and an SSE `Last-Event-ID`
// from before the horizon get `reload` then exactly the events after it, one after it replays
// exactly without `reload`; connections live in the room on both nodes hear `history.trimmed`. A node
// with `--history-max-age 3s` trims by age.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { cleanup, assertStatus, allMessages, uniqueName, waitFor, sleep, internal } from './lib/harness.mjs';
import { WsClient, SseClient, closeAllLive } from './lib/live.mjs';
import { startCluster, registerUsers } from './lib/cluster.mjs';
import { commandWs, editWs, resumedWs } from './lib/message_events.mjs';

const T = { timeout: 60000 };
const KEEP = 5;

let redis;
let nodes;
let A; // sender (node 1)
let B; // member (node 2)
let R;
let wsA;
let wsB; // B live on node 2 (the trims' announcements reach both nodes)
const old = []; // the messages that must go: {id, files}
const fresh = []; // the KEEP newest: ids
let reply; // the thread reply (with a file)
let files = []; // every file id attached to an old message or the reply

after(async () => { await closeAllLive(); await cleanup(); });

/** A ready file of `owner` in `room`, as the upload route leaves it. */
function makeFile(owner, room) {
  const id = randomBytes(16).toString('hex');
  redis.cli('HSET', `chat:file:${id}`, 'room', room, 'owner', owner.user.id, 'name', 'a.png', 'size', '5',
    'type', 'image/png', 'created', String(Date.now()), 'chunk', '262144', 'state', 'ready');
  redis.cli('HSET', `chat:file:${id}:data`, '0', 'bytes');
  redis.cli('EXPIRE', `chat:file:${id}`, '86400');
  redis.cli('EXPIRE', `chat:file:${id}:data`, '86400');
  return id;
}

const send = async (frame) => {
  const ack = await commandWs(wsA, { type: 'message', roomId: R, ...frame });
  assert.equal(ack.type, 'ack', JSON.stringify(ack));
  return ack.data;
};
const ids = (rows) => rows.map((m) => m.id).sort((a, b) => a - b);
const zscores = (key) => {
  const out = redis.cli('ZRANGE', key, '0', '-1', 'WITHSCORES').split('\n').filter((l) => l !== '');
  return out.filter((_, i) => i % 2 === 1).map(Number);
};
const metric = async (node, name) => {
  const text = (await internal(node, '/metrics')).text;
  const m = new RegExp(`^${name} ([0-9.e+]+)$`, 'm').exec(text);
  return m ? Number(m[1]) : NaN;
};

/** Positioned events of room R a connection got from index `from`: [{type, pos}] (reload by its horizon). */
function timeline(conn, from = 0) {
  return conn.events.slice(from).filter((e) => e.data && String(e.data.roomId) === R
    && ['message', 'message.updated', 'message.deleted', 'reaction', 'reload'].includes(e.type))
    .map((e) => ({ type: e.type, pos: e.type === 'message' ? e.data.id : e.type === 'reload' ? e.data.horizon : e.data.seq }));
}

test('setup: redis, 2 nodes keeping 5 messages per room; A and B in channel R; A on WS at node 1', T, async () => {
  ({ redis, nodes } = await startCluster({
    n: 2,
    prefix: 'ret',
    nodeArgs: ['--history-max-messages', String(KEEP), '--retention-interval-ms', '200', '--messages-per-10s', '1000',
      '--search-index-ms', '100'],
  }));
  [A, B] = await registerUsers(nodes, 2, 'r');
  const created = await A.on(nodes[0]).post('/rooms', { name: uniqueName('keep') });
  assertStatus(created, 201, 'channel R');
  R = created.json.id;
  assertStatus(await B.on(nodes[1]).post(`/rooms/${R}/join`), 200, 'B joins R');
  wsA = await resumedWs(A, nodes[0], R, 'wsA@1');
  await wsA.ping();
  wsB = await resumedWs(B, nodes[1], R, 'wsB@2');
  await wsB.ping();
});

test('old messages with files, an edit, a reaction, a reply with a file and a searchable word', T, async () => {
  const f1 = makeFile(A, R);
  const m1 = await send({ message: `first @${B.user.username}`, attachments: [f1] });
  old.push({ id: m1.id, files: [f1] });
  const f2 = makeFile(A, R);
  const m2 = await send({ message: 'second', attachments: [f2] });
  old.push({ id: m2.id, files: [f2] });
  assert.equal((await editWs(wsA, R, m2.id, 'second, edited')).type, 'ack');
  const m3 = await send({ message: 'third' });
  old.push({ id: m3.id });
  const r = await commandWs(wsA, { type: 'reaction', roomId: R, id: m3.id, emoji: '👍', on: true });
  assert.equal(r.type, 'ack', JSON.stringify(r));
  const m4 = await send({ message: 'a parent' });
  old.push({ id: m4.id });
  const f3 = makeFile(A, R);
  reply = await send({ message: 'a reply', parentId: m4.id, attachments: [f3] });
  const m5 = await send({ message: 'zebrafinch sighted' });
  old.push({ id: m5.id });
  files = [f1, f2, f3];
  // Five messages: nothing is trimmed yet; the reply and the word are indexed.
  await waitFor(async () => {
    const res = await A.get(`/search?q=zebrafinch&roomId=${R}`);
    return res.status === 200 && res.json.results.length === 1;
  }, { timeout: 10000, what: 'the search index has the old word' });
  assert.deepEqual(ids(await allMessages(B.on(nodes[1]), R)), old.map((m) => m.id));
  assert.equal(Number(redis.cli('EXISTS', `chat:room:${R}:horizon`)), 0, 'no horizon before any trim');
  // What must go later is there now (so that "gone" below means something).
  for (const f of files) assert.equal(Number(redis.cli('EXISTS', `chat:file:${f}`, `chat:file:${f}:data`)), 2, `file ${f}`);
  assert.equal(Number(redis.cli('ZCARD', `chat:room:${R}:thread:${m4.id}`)), 1, 'the thread');
  assert.equal(Number(redis.cli('ZCARD', `chat:room:${R}:mentions:${B.user.id}`)), 1, 'the mention');
  assert.ok(zscores(`chat:room:${R}:events`).length >= 4, 'the edit, the reaction, the reply, its parent\'s update');
});

test(`${KEEP} newer messages push the old ones out on both nodes' history`, T, async () => {
  for (let i = 0; i < KEEP; i++) fresh.push((await send({ message: `new ${i}` })).id);
  for (const node of nodes) {
    await waitFor(async () => JSON.stringify(ids(await allMessages(B.on(node), R))) === JSON.stringify(fresh),
      { timeout: 10000, what: `history of R on port ${node.port} = the ${KEEP} newest` });
  }
  // Stays so (nothing newer is trimmed by later sweeps).
  await sleep(600);
  for (const node of nodes) assert.deepEqual(ids(await allMessages(A.on(node), R)), fresh);
});

test('files, thread, log, mentions, search entries of trimmed messages are gone; the horizon is recorded', T, async () => {
  const horizon = Number(redis.cli('GET', `chat:room:${R}:horizon`));
  assert.equal(horizon, old.at(-1).id, 'the horizon is the newest trimmed position');
  for (const f of files) {
    assert.equal(Number(redis.cli('EXISTS', `chat:file:${f}`, `chat:file:${f}:data`)), 0, `file ${f} removed`);
  }
  assert.equal(Number(redis.cli('SCARD', `chat:room:${R}:files`)), 0);
  assert.equal(Number(redis.cli('EXISTS', `chat:room:${R}:thread:${old[3].id}`)), 0, 'the thread is gone');
  assert.equal(redis.cli('HGET', `chat:room:${R}:reply_parents`, String(reply.id)), '', 'the reply map entry is gone');
  const log = zscores(`chat:room:${R}:events`);
  assert.deepEqual(log.filter((p) => p <= horizon), [], `no log entry at or below the horizon: ${log}`);
  assert.equal(Number(redis.cli('ZCARD', `chat:room:${R}:mentions:${B.user.id}`)), 0, 'the mention is gone');
  assert.equal(redis.cli('ZSCORE', 'chat:search:w:zebrafinch', `${R}:${old.at(-1).id}`), '', 'search entry removed');
  const res = await A.get(`/search?q=zebrafinch&roomId=${R}`);
  assertStatus(res, 200, 'search');
  assert.deepEqual(res.json.results, [], 'a trimmed message is never found');
  const replies = await A.get(`/room/${R}/messages/${old[3].id}/replies`);
  assert.equal(replies.status, 404, `the trimmed parent's thread: ${replies.status} ${replies.text.slice(0, 100)}`);
  const download = await A.get(`/files/${files[0]}/a.png`);
  assert.equal(download.status, 404, 'the file is not served any more');
  const counted = (await metric(nodes[0], 'chatnode_retention_trimmed_messages_total'))
    + (await metric(nodes[1], 'chatnode_retention_trimmed_messages_total'));
  assert.equal(counted, old.length + 1, 'the messages and the reply counted once, on whichever node trimmed them');
  const holder = redis.cli('GET', 'chat:retention:lease');
  assert.ok(holder.startsWith('ret-'), `one node holds the lease: ${holder}`);
});

test('connections live in the room hear history.trimmed on both nodes, up to the last trimmed message', T, async () => {
  const trims = (conn) => conn.events.filter((e) => e.type === 'history.trimmed' && String(e.data?.roomId) === R)
    .map((e) => e.data.upto);
  const last = old.at(-1).id;
  for (const conn of [wsA, wsB]) {
    await waitFor(() => trims(conn).at(-1) === last, { timeout: 5000, what: `${conn.label}: history.trimmed up to ${last}` });
  }
  // One announcement per sweep that trimmed the room (the sends pushed the old messages out over a
  // few sweeps), rising, never past what went; the same ones on both nodes.
  const seen = trims(wsA);
  assert.ok(seen.every((u, i) => old.some((m) => m.id === u) && (i === 0 || u > seen[i - 1])), `rising: ${seen}`);
  assert.deepEqual(trims(wsB), seen, 'the other node relayed the same announcements');
  assert.ok(seen.length <= old.length, `at most one per trimmed message: ${seen}`);
});

test('a WS resume from before the horizon gets reload, then exactly the events after it', T, async () => {
  const horizon = Number(redis.cli('GET', `chat:room:${R}:horizon`));
  const ws = await WsClient.connect(nodes[1].port, { client: B.on(nodes[1]), label: 'wsB@2 old cursor' });
  ws.send({ type: 'resume', rooms: { [R]: old[0].id } });
  await ws.waitFor((e) => e.type === 'resumed', 10000, { what: 'resumed' });
  assert.deepEqual(timeline(ws), [{ type: 'reload', pos: horizon }, ...fresh.map((pos) => ({ type: 'message', pos }))]);
  const reload = ws.events.find((e) => e.type === 'reload');
  assert.deepEqual(reload.data, { roomId: R, horizon });
  // From a cursor after the horizon: exact, no reload.
  const ws2 = await WsClient.connect(nodes[0].port, { client: B.on(nodes[0]), label: 'wsB@1 new cursor' });
  ws2.send({ type: 'resume', rooms: { [R]: fresh[1] } });
  await ws2.waitFor((e) => e.type === 'resumed', 10000, { what: 'resumed' });
  assert.deepEqual(timeline(ws2), fresh.slice(2).map((pos) => ({ type: 'message', pos })));
  // Live goes on after a reload; the oldest kept message goes in turn.
  const from = ws.events.length;
  const next = await send({ message: 'after the reload' });
  await ws.waitFor((e) => e.type === 'message' && e.data.id === next.id, 5000, { from, what: 'a live message' });
  fresh.push(next.id);
  fresh.shift();
  for (const node of nodes) {
    await waitFor(async () => JSON.stringify(ids(await allMessages(B.on(node), R))) === JSON.stringify(fresh),
      { timeout: 10000, what: `history of R on port ${node.port} = the ${KEEP} newest again` });
  }
});

test('an SSE Last-Event-ID from before the horizon gets reload, then exactly the events after it', T, async () => {
  const horizon = Number(redis.cli('GET', `chat:room:${R}:horizon`));
  const sse = await SseClient.connect(nodes[0].port, { client: B.on(nodes[0]), lastEventId: `${R}=${old[1].id}`, label: 'sseB@1' });
  await sse.waitFor((e) => e.type === 'message' && e.data.id === fresh.at(-1), 10000, { what: 'the newest message' });
  assert.deepEqual(timeline(sse), [{ type: 'reload', pos: horizon }, ...fresh.map((pos) => ({ type: 'message', pos }))]);
  assert.ok(sse.lastEventId.includes(`${R}=${fresh.at(-1)}`), `the SSE cursor moved on: ${sse.lastEventId}`);
});

test('--history-max-age: a node trims messages older than the age, newer ones stay', T, async () => {
  const c = await startCluster({ n: 1, prefix: 'age', nodeArgs: ['--history-max-age', '3s', '--retention-interval-ms', '200'] });
  const [U] = await registerUsers(c.nodes, 1, 'age');
  const ch = await U.on(c.nodes[0]).post('/rooms', { name: uniqueName('age') });
  assertStatus(ch, 201, 'channel');
  const room = ch.json.id;
  const post = async (text) => {
    const res = await U.post(`/room/${room}/messages`, { message: text });
    assertStatus(res, 201, 'send');
    return res.json.id;
  };
  const o1 = await post('old one');
  const o2 = await post('old two');
  assert.deepEqual(ids(await allMessages(U, room)), [o1, o2]);
  await sleep(3300);
  const n1 = await post('new one');
  await waitFor(async () => JSON.stringify(ids(await allMessages(U, room))) === JSON.stringify([n1]),
    { timeout: 2500, what: 'only the new message left' });
  const h = Number(c.redis.cli('GET', `chat:room:${room}:horizon`));
  assert.ok(h >= o2 && h < n1, `the horizon ${h} covers the old messages only`);
});
