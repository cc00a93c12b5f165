// The assistant (issue #21, docs/protocol.md §2.7) on three real nodes and one Redis, against the
// scripted OpenAI-compatible backend of tests/ai_backends (real HTTP, SSE chunks, recorded requests):
// a DM reply streams (message streaming:true, deltas at code-point offsets, message.updated) to every
// connection on every node and is saved once; the request carries the key, the model and the room's
// context; a channel mention triggers, a second trigger meanwhile is `busy`; message.stop (WebSocket
// and HTTP, from either node) closes the upstream connection and keeps the text so far; backend
// failures end the reply with their code; a client resuming mid-reply on another node gets the text
// once and the rest live; limits answer busy / rate_limited; a kill -9 of the streaming node is
// finalized by another node as interrupted; metrics count all of it.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  cleanup, assertStatus, makeTmpDir, uniqueName, sleep, waitFor, startNode, startRedis, register,
} from './lib/harness.mjs';
import { internal } from './lib/http.mjs';
import { WsClient, closeAllLive, sendWs, expectNothing } from './lib/live.mjs';
import { startCluster, registerUsers } from './lib/cluster.mjs';
import { startScriptedBackend } from '../ai_backends/scripted_backends.mjs';

const T = { timeout: 120000 };
const KEY = 'sk-test-0123456789abcdef';
const MODEL = 'scripted-model';
let backend;
let redis;
let nodes;
let A; // harness Clients
let B;
let C; // limited on node 3
let botId;
let dm; // A's DM with the bot

after(async () => {
  await closeAllLive();
  await cleanup();
  await backend?.close();
});

const reply = (e, id) => e.data?.roomId !== undefined && e.data?.id === id;
const isFinal = (id) => (e) => e.type === 'message.updated' && reply(e, id) && e.data.streaming === false;

/** Applies a reply's events as docs/protocol.md §2.7 tells a client: {text, deltas, final}. */
function replyState(ws, id, from = 0) {
  let text = null;
  let deltas = 0;
  let final = null;
  for (const e of ws.events.slice(from)) {
    if (!reply(e, id)) continue;
    if (e.type === 'message') text = e.data.message;
    if (e.type === 'message.delta' && text !== null) {
      deltas += 1;
      const have = [...text];
      assert.ok(e.data.offset <= have.length, `${ws.label}: delta at ${e.data.offset} beyond ${have.length} (a gap)`);
      text = have.slice(0, e.data.offset).join('') + e.data.text;
    }
    if (e.type === 'message.updated') { final = e.data; text = e.data.message; }
  }
  return { text, deltas, final };
}

/** Sends `text` in `room` over `ws`, returns the stored trigger's id. */
async function trigger(ws, room, text) {
  const ack = await sendWs(ws, room, text);
  assert.equal(ack.type, 'ack', `${ws.label}: ${JSON.stringify(ack.data)}`);
  return ack.data.id;
}

/** The reply after `triggerId`: the bot's `message` with streaming:true. */
function waitReply(ws, room, triggerId, from = 0, timeout = 10000) {
  return ws.waitFor((e) => e.type === 'message' && e.data.roomId === room && e.data.from === botId && e.data.id > triggerId,
    timeout, { from, what: `the bot's reply after ${triggerId}` });
}

test('setup: scripted backend, redis, 3 nodes (--ai-url, key file; node 3 limited), users, the bot user, a DM', T, async () => {
  backend = await startScriptedBackend();
  const dir = makeTmpDir('ai');
  const keyFile = path.join(dir, 'key');
  fs.writeFileSync(keyFile, `${KEY}\n`);
  const ai = ['--bcrypt-cost', '4', '--ai-url', backend.openaiUrl, '--ai-model', MODEL, '--ai-api-key-file', keyFile,
    '--ai-idle-timeout', '2s', '--ai-context-messages', '4'];
  ({ redis, nodes } = await startCluster({
    n: 3, prefix: 'ai', nodeArgs: ai, perNodeArgs: { 2: ['--ai-requests-per-hour', '2', '--ai-max-concurrent', '1'] },
  }));
  [A, B, C] = await registerUsers(nodes, 3, 'ai');
  await waitFor(async () => {
    const online = (await A.get('/users/online')).json;
    botId = Object.values(online).find((u) => u.username === 'Assistant')?.id;
    return botId !== undefined;
  }, { timeout: 10000, what: 'the bot user Assistant, always online' });
  const online = (await A.get('/users/online')).json;
  assert.equal(online[botId].role, 'bot', '/users/online marks the bot');
  assert.equal(online[A.user.id]?.role, undefined, 'and nobody else');
  const some = (await A.get(`/users?ids[]=${botId}&ids[]=${A.user.id}`)).json;
  assert.deepEqual(some[botId], { id: botId, username: 'Assistant', online: true, role: 'bot' });
  assert.deepEqual(some[A.user.id], { id: A.user.id, username: A.user.username, online: false }, 'the tutorial shape');
  const login = await A.on(nodes[0]).request('POST', '/login', { body: { username: 'Assistant', password: 'password123' } });
  assert.equal(login.status, 401, 'the bot cannot log in');
  const created = await A.post('/room', { user1: A.user.id, user2: botId });
  assertStatus(created, 201, 'DM with the bot');
  dm = created.json.id;
  for (const n of nodes) {
    const log = n.logLines().find((l) => l.event === 'assistant');
    assert.ok(log, `${n.serverId} logs its assistant`);
    await waitFor(() => n.logLines().some((l) => l.event === 'assistant_ready' && l.bot === botId),
      { timeout: 10000, what: `${n.serverId}: assistant_ready with the one bot user\n${n.output()}` });
  }
});

test('a DM with the bot: the reply streams to every connection on every node and is saved once; the request carries key, model and context', T, async () => {
  backend.script({ chunks: ['Hel', 'lo ', 'wörld', ' 👋', '!'], delayMs: 150 });
  const ws1 = await WsClient.connect(nodes[0].port, { client: A.on(nodes[0]), label: 'A@1' });
  const ws2 = await WsClient.connect(nodes[1].port, { client: A.on(nodes[1]), label: 'A@2', batch: true });
  for (const ws of [ws1, ws2]) { ws.send({ type: 'resume', rooms: { [dm]: 0 } }); await ws.ping(); }
  const before = backend.requests.length;
  const t = await trigger(ws1, dm, 'hi bot, say hello');
  const start = await waitReply(ws1, dm, t);
  assert.equal(start.data.streaming, true, 'the reply starts as streaming');
  assert.equal(start.data.message, '', 'with no text yet');
  const id = start.data.id;
  for (const ws of [ws1, ws2]) await ws.waitFor(isFinal(id), 10000, { what: `${ws.label}: the final reply` });
  for (const ws of [ws1, ws2]) {
    const s = replyState(ws, id);
    assert.equal(s.text, 'Hello wörld 👋!', `${ws.label}: deltas and final agree`);
    assert.ok(s.deltas >= 2, `${ws.label}: several deltas before the end (got ${s.deltas})`);
    assert.equal(s.final.from, botId);
    assert.ok(!s.final.stopped && !s.final.error, `${ws.label}: a normal end`);
    assert.equal(ws.events.filter((e) => e.type === 'message' && e.data?.id === id).length, 1, `${ws.label}: one message event`);
  }
  const history = (await A.get(`/room/${dm}/messages?before=${id + 1}&limit=10`)).json;
  assert.equal(history.filter((m) => m.id === id).length, 1, 'saved once');
  const saved = history.find((m) => m.id === id);
  assert.equal(saved.message, 'Hello wörld 👋!');
  assert.ok(saved.streaming !== true, 'history: no longer streaming');
  const [req] = (await backend.waitForRequests(before + 1)).slice(before);
  assert.equal(req.authorization, `Bearer ${KEY}`, 'the key as a bearer token');
  assert.equal(req.path, '/v1/chat/completions');
  assert.equal(req.json.model, MODEL);
  assert.equal(req.json.stream, true);
  assert.equal(req.json.messages[0].role, 'system');
  assert.match(req.json.messages[0].content, /Assistant/, 'the system prompt names the bot');
  assert.deepEqual(req.json.messages.at(-1), { role: 'user', content: 'hi bot, say hello' }, 'the trigger last');
  await ws2.close();
  await ws1.close();
});

test('a channel message that mentions @assistant (any case) starts a reply with the room as context; a second trigger meanwhile gets busy; no mention, no reply', T, async () => {
  const created = await A.post('/rooms', { name: uniqueName('ai-chan') });
  assertStatus(created, 201, 'channel');
  const room = created.json.id;
  assertStatus(await B.post(`/rooms/${room}/join`), 200, 'B joins');
  const wsA = await WsClient.connect(nodes[0].port, { client: A.on(nodes[0]), label: 'A chan' });
  const wsB = await WsClient.connect(nodes[1].port, { client: B.on(nodes[1]), label: 'B chan' });
  for (const ws of [wsA, wsB]) { ws.send({ type: 'resume', rooms: { [room]: 0 } }); await ws.ping(); }
  await trigger(wsA, room, 'context line one');
  backend.script({ chunks: ['a', 'b', 'c', 'd', 'e', 'f'], delayMs: 200 });
  const before = backend.requests.length;
  const t = await trigger(wsB, room, 'hey @ASSISTANT, what now?');
  const start = await waitReply(wsB, room, t);
  const fromA = wsA.mark();
  const busyTrigger = await trigger(wsA, room, 'and @assistant, me too');
  const busy = await wsA.waitFor((e) => e.type === 'error' && e.data?.id === busyTrigger, 5000, { from: fromA, what: 'busy' });
  assert.equal(busy.data.code, 'busy');
  assert.equal(busy.data.roomId, room);
  await wsB.waitFor(isFinal(start.data.id), 10000, { what: 'the channel reply ends' });
  const [req] = (await backend.waitForRequests(before + 1)).slice(before);
  const contents = req.json.messages.map((m) => m.content).join('\n');
  assert.match(contents, new RegExp(`${A.user.username}: context line one`), 'channel context carries the author');
  assert.match(contents, /hey @ASSISTANT, what now\?/);
  const count = backend.requests.length;
  await trigger(wsA, room, 'no mention of the bot here, nor @assistants');
  await sleep(1000);
  assert.equal(backend.requests.length, count, 'no reply without a mention');
  await wsA.close();
  await wsB.close();
});

test('message.stop (WebSocket on the streaming node, HTTP on another) ends the reply at once: upstream closed, text so far kept, stopped:true', T, async () => {
  const ws = await WsClient.connect(nodes[0].port, { client: A.on(nodes[0]), label: 'A stop' });
  ws.send({ type: 'resume', rooms: { [dm]: 0 } });
  await ws.ping();
  backend.script({ chunks: Array.from({ length: 40 }, (_, i) => `w${i} `), delayMs: 150 });
  for (const how of ['ws', 'http']) {
    const n = backend.requests.length;
    const t = await trigger(ws, dm, `go on (${how})`);
    const id = (await waitReply(ws, dm, t)).data.id;
    await ws.waitFor((e) => e.type === 'message.delta' && e.data.id === id, 5000, { what: 'a first delta' });
    if (how === 'ws') ws.send({ type: 'message.stop', roomId: dm, id });
    else {
      // a reaction on a reply still streaming is refused (docs/protocol.md §1, reactions); once it ended it is taken
      const early = await A.on(nodes[1]).request('PUT', `/room/${dm}/messages/${id}/reactions/${encodeURIComponent('👍')}`);
      assert.equal(early.status, 409, `reaction while streaming: ${early.text}`);
      assert.equal(early.json.error, 'conflict');
      const res = await A.on(nodes[1]).post(`/room/${dm}/messages/${id}/stop`);
      assertStatus(res, 200, 'HTTP stop on another node');
      assert.equal(res.json.stopped, true);
      assert.equal(res.json.streaming, false);
    }
    const final = (await ws.waitFor(isFinal(id), 5000, { what: `${how} stop: the final` })).data;
    assert.equal(final.stopped, true);
    assert.match(final.message, /^w0 /, 'the text so far is kept');
    await backend.waitForClientClose(n, 3000);
    if (how === 'http') {
      const late = await A.on(nodes[1]).request('PUT', `/room/${dm}/messages/${id}/reactions/${encodeURIComponent('👍')}`);
      assert.equal(late.status, 200, `reaction on the ended reply: ${late.text}`);
      const h = (await A.get(`/room/${dm}/messages?before=${id + 1}&limit=1`)).json[0];
      assert.deepEqual([h.id, h.stopped, h.reactions], [id, true, { '👍': [A.user.id] }], 'the final reply keeps its marks and shows the reaction');
    }
  }
  const again = await A.post(`/room/${dm}/messages/1/stop`);
  assert.equal(again.status, 404, 'nothing streaming: 404');
  await ws.close();
});

test('backend failures end the reply with their code: 500 → upstream, malformed chunk → malformed, stall → idle_timeout', T, async () => {
  const ws = await WsClient.connect(nodes[0].port, { client: A.on(nodes[0]), label: 'A fail' });
  ws.send({ type: 'resume', rooms: { [dm]: 0 } });
  await ws.ping();
  for (const [script, code] of [[{ status: 500 }, 'upstream'], [{ malformedAfter: 1 }, 'malformed'],
    [{ stallAfter: 1 }, 'idle_timeout'], [{ disconnectAfter: 2 }, 'upstream']]) {
    backend.queue({ chunks: ['part ', 'two ', 'three'], delayMs: 50, ...script });
    const t = await trigger(ws, dm, `fail with ${code}`);
    const id = (await waitReply(ws, dm, t)).data.id;
    const final = (await ws.waitFor(isFinal(id), 10000, { what: `final of ${JSON.stringify(script)}` })).data;
    assert.equal(final.error, code, `${JSON.stringify(script)} → ${code}`);
    assert.equal(final.streaming, false);
  }
  await ws.close();
});

test('a client resuming mid-reply on another node gets the reply with its text so far once, then the live deltas', T, async () => {
  const ws1 = await WsClient.connect(nodes[0].port, { client: A.on(nodes[0]), label: 'A@1 live' });
  ws1.send({ type: 'resume', rooms: { [dm]: 0 } });
  await ws1.ping();
  backend.script({ chunks: Array.from({ length: 12 }, (_, i) => `c${i} `), delayMs: 200 });
  const t = await trigger(ws1, dm, 'a long one please');
  const id = (await waitReply(ws1, dm, t)).data.id;
  await ws1.waitForCount((e) => e.type === 'message.delta' && e.data.id === id, 3, 5000, { what: '3 deltas' });
  const mid = (await A.on(nodes[2]).get(`/room/${dm}/messages?before=${id + 1}&limit=1`)).json[0];
  assert.equal(mid.id, id);
  assert.equal(mid.streaming, true, 'history read mid-stream: still streaming');
  assert.ok(mid.message.startsWith('c0 c1 '), `history serves the text so far (${JSON.stringify(mid.message)})`);
  const ws2 = await WsClient.connect(nodes[2].port, { client: A.on(nodes[2]), label: 'A@3 resumes' });
  ws2.send({ type: 'resume', rooms: { [dm]: t } });
  await ws2.waitFor(isFinal(id), 10000, { what: 'the final on the resumed connection' });
  // A live delta may overtake the replayed message (a client ignores deltas of messages it does not
  // have yet, §2.7); the message carries the text so far, and nothing after it may leave a gap.
  const seen = ws2.events.filter((e) => e.data?.id === id).map((e) => `${e.type}@${e.data.offset ?? '-'}`);
  const first = ws2.events.find((e) => e.type === 'message' && e.data?.id === id);
  assert.ok(first, `the reply is replayed as a message: ${seen.join(' ')}`);
  assert.equal(first.data.streaming, true, `still streaming when resumed: ${seen.join(' ')}`);
  assert.ok(first.data.message.startsWith('c0 c1 '), `with its text so far (${JSON.stringify(first.data.message)})`);
  assert.equal(ws2.events.filter((e) => e.type === 'message' && e.data?.id === id).length, 1, 'once');
  await ws1.waitFor(isFinal(id), 10000, { what: 'the final on the first connection' });
  assert.equal(replyState(ws2, id).text, replyState(ws1, id).text);
  assert.equal(replyState(ws2, id).final.message, Array.from({ length: 12 }, (_, i) => `c${i} `).join(''));
  await ws1.close();
  await ws2.close();
});

test('limits on node 3 (--ai-max-concurrent 1, --ai-requests-per-hour 2): busy, then rate_limited with retryAfter', T, async () => {
  const rooms = [];
  for (const u of [C, B]) rooms.push((await u.on(nodes[2]).post('/room', { user1: u.user.id, user2: botId })).json.id);
  const wsC = await WsClient.connect(nodes[2].port, { client: C.on(nodes[2]), label: 'C@3' });
  const wsB = await WsClient.connect(nodes[2].port, { client: B.on(nodes[2]), label: 'B@3' });
  wsC.send({ type: 'resume', rooms: { [rooms[0]]: 0 } });
  wsB.send({ type: 'resume', rooms: { [rooms[1]]: 0 } });
  await wsC.ping();
  await wsB.ping();
  backend.script({ chunks: ['x ', 'y ', 'z'], delayMs: 300 });
  const t1 = await trigger(wsC, rooms[0], 'first');
  const id1 = (await waitReply(wsC, rooms[0], t1)).data.id;
  const fromB = wsB.mark();
  const tb = await trigger(wsB, rooms[1], 'meanwhile, another room on the same node');
  const busy = await wsB.waitFor((e) => e.type === 'error' && e.data?.id === tb, 5000, { from: fromB, what: 'busy (node full)' });
  assert.equal(busy.data.code, 'busy');
  await wsC.waitFor(isFinal(id1), 10000, { what: 'first reply ends' });
  const t2 = await trigger(wsC, rooms[0], 'second');
  await wsC.waitFor(isFinal((await waitReply(wsC, rooms[0], t2)).data.id), 10000, { what: 'second reply ends' });
  const fromC = wsC.mark();
  const t3 = await trigger(wsC, rooms[0], 'third within the hour');
  const limited = await wsC.waitFor((e) => e.type === 'error' && e.data?.id === t3, 5000, { from: fromC, what: 'rate_limited' });
  assert.equal(limited.data.code, 'rate_limited');
  assert.ok(limited.data.retryAfter > 0 && limited.data.retryAfter <= 3600, `retryAfter ${limited.data.retryAfter}`);
  await expectNothing(wsC, (e) => e.type === 'message' && e.data?.from === botId, 800, { from: fromC });
  const metrics = (await internal(nodes[2], '/metrics')).text;
  assert.match(metrics, /chatnode_ai_refused_total\{reason="busy"\} [1-9]/);
  assert.match(metrics, /chatnode_ai_refused_total\{reason="rate_limited"\} [1-9]/);
  await wsB.close();
  await wsC.close();
});

test('metrics: replies by backend and outcome, time to first token, deltas, nothing in flight; the key in no series', T, async () => {
  const m = (await internal(nodes[0], '/metrics')).text;
  for (const outcome of ['ok', 'stopped', 'upstream', 'malformed', 'idle_timeout'])
    assert.match(m, new RegExp(`chatnode_ai_replies_total\\{backend="openai",outcome="${outcome}"\\} [1-9]`), outcome);
  assert.match(m, /chatnode_ai_time_to_first_token_seconds_count\{backend="openai"\} [1-9]/);
  assert.match(m, /chatnode_ai_reply_duration_seconds_count\{backend="openai"\} [1-9]/);
  assert.match(m, /chatnode_ai_deltas_total [1-9]/);
  assert.match(m, /chatnode_ai_replies_in_flight 0\b/);
  assert.ok(!m.includes(KEY));
});

test('an n8n webhook backend (a fourth node, same Redis): streamed JSON lines and a plain {"output"} answer', T, async () => {
  const n8n = await startNode({ redisUrl: redis.url, args: ['--bcrypt-cost', '4', '--ai-webhook-url', backend.webhookUrl] });
  try {
    const ws = await WsClient.connect(n8n.port, { client: A.on(n8n), label: 'A@n8n' });
    ws.send({ type: 'resume', rooms: { [dm]: 0 } });
    await ws.ping();
    const before = backend.requests.length;
    for (const [script, text] of [[{ chunks: ['n8n ', 'streamed ', 'lines'] }, 'n8n streamed lines'],
      [{ n8nMode: 'json', chunks: ['one ', 'answer'] }, 'one answer']]) {
      backend.queue({ delayMs: 100, ...script });
      const t = await trigger(ws, dm, `webhook: ${text}`);
      const id = (await waitReply(ws, dm, t)).data.id;
      const final = (await ws.waitFor(isFinal(id), 10000, { what: `n8n ${script.n8nMode ?? 'stream'}` })).data;
      assert.equal(final.message, text);
      assert.ok(!final.error, JSON.stringify(final));
    }
    const reqs = backend.requests.slice(before);
    assert.equal(reqs.length, 2);
    for (const r of reqs) {
      assert.equal(r.protocol, 'n8n');
      assert.equal(r.path, '/webhook/scripted');
      assert.equal(r.json.roomId, dm, `the room in the webhook body: ${JSON.stringify(r.json).slice(0, 300)}`);
    }
    await ws.close();
    assert.ok(!n8n.stdout.includes('/webhook/scripted'), 'the webhook path is never logged');
  } finally {
    await n8n.stop();
  }
});

test('kill -9 of the node streaming a reply: another node finalizes it (interrupted, text so far) within 10 s', T, async () => {
  const watcher = await WsClient.connect(nodes[0].port, { client: A.on(nodes[0]), label: 'A@1 watches' });
  const streamer = await WsClient.connect(nodes[1].port, { client: A.on(nodes[1]), label: 'A@2 streams' });
  for (const ws of [watcher, streamer]) { ws.send({ type: 'resume', rooms: { [dm]: 0 } }); await ws.ping(); }
  backend.script({ chunks: Array.from({ length: 100 }, (_, i) => `k${i} `), delayMs: 200 });
  const t = await trigger(streamer, dm, 'run on node 2');
  const id = (await waitReply(watcher, dm, t)).data.id;
  await watcher.waitForCount((e) => e.type === 'message.delta' && e.data.id === id, 2, 5000, { what: '2 deltas' });
  const killedAt = Date.now();
  await nodes[1].kill();
  const final = (await watcher.waitFor(isFinal(id), 15000, { what: 'the orphan finalized' })).data;
  assert.ok(Date.now() - killedAt < 10000, `finalized after ${Date.now() - killedAt} ms`);
  assert.equal(final.error, 'interrupted');
  assert.match(final.message, /^k0 k1 /, 'the text so far is kept');
  const saved = (await A.get(`/room/${dm}/messages?before=${id + 1}&limit=1`)).json[0];
  assert.equal(saved.id, id);
  assert.equal(saved.error, 'interrupted');
  assert.ok(saved.streaming !== true);
  await watcher.close();
});

test('a person already named like the bot: the node stays unready (503) and says why; no bot is created', T, async () => {
  const own = await startRedis();
  const plain = await startNode({ redisUrl: own.url, args: ['--bcrypt-cost', '4'] });
  const person = await register(plain, 'Assistant');
  assert.equal(person.user.username, 'Assistant');
  const ai = await startNode({ redisUrl: own.url, waitReady: false,
    args: ['--bcrypt-cost', '4', '--ai-url', backend.openaiUrl, '--ai-model', MODEL] });
  await waitFor(() => ai.logLines().some((l) => l.event === 'assistant_bot_user_failed' && /--ai-name/.test(l.hint ?? '')),
    { timeout: 10000, what: 'the conflict in the log' });
  assert.equal((await internal(ai, '/readyz')).status, 503, 'not ready without its bot user');
  const online = Object.values((await person.get('/users/online')).json);
  assert.ok(!online.some((u) => u.username === 'Assistant' && u.id !== person.user.id), 'no second Assistant');
  await ai.stop();
  await plain.stop();
});

test('shutdown: SIGTERM → exit 0 for the surviving nodes; no node ever logged the key', T, async () => {
  for (const n of nodes) assert.ok(!n.stdout.includes(KEY) && !n.stderr.includes(KEY), `${n.serverId}: the key in its output`);
  await nodes[0].stop();
  await nodes[2].stop();
});
