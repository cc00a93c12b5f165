// The mixed cluster (--tutorial-pubsub): a script plays a Redis chat tutorial server exactly as
// seed-protocol.md §2.2/§3.1 describes it (ZADD room:{id} <seconds> <json>, then PUBLISH MESSAGES
// {"serverId":<its float>,"type","data"}; a SUBSCRIBE MESSAGES reader that skips its own serverId)
// next to two chatnodes with the option, on one Redis:
// - a tutorial message reaches /ws clients on both nodes exactly once, in order with chatnode
//   messages, and takes its place in the room's id sequence (adopted: history and resume see it);
// - a chatnode message reaches the tutorial reader exactly once, from the node that wrote it, in
//   the tutorial's message shape; a new DM's first message publishes show.room before it;
// - a tutorial show.room reaches the DM's users on chatnode (our show.room: names as strings);
// - a chatnode without the option publishes nothing there;
// - garbage on MESSAGES is counted and ignored.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { cleanup, assertStatus, allMessages, startNode, register, waitFor, sleep, internal } from './lib/harness.mjs';
import { closeAllLive } from './lib/live.mjs';
import { startCluster, registerUsers, LiveUser } from './lib/cluster.mjs';
import { RespClient } from './lib/resp.mjs';

const T = { timeout: 60000 };

/** A tutorial server: its SERVER_ID is a random float (utils.py), it writes and publishes as UP does. */
class TutorialServer {
  constructor(port) {
    this.port = port;
    this.serverId = Math.random() * 322321;
    this.received = []; // envelopes of other servers, in order
  }

  async start() {
    this.cmd = await RespClient.connect(this.port);
    this.sub = await RespClient.connect(this.port);
    await this.sub.subscribe('MESSAGES', (_channel, payload) => {
      let env;
      try { env = JSON.parse(payload); } catch { return; } // (the garbage test's own)
      if (env.serverId === this.serverId) return; // the tutorial's rule: its own were emitted locally
      this.received.push(env);
    });
  }

  publish(type, data) {
    return this.cmd.command('PUBLISH', 'MESSAGES', JSON.stringify({ serverId: this.serverId, type, data }));
  }

  /** The socket `message` handler of UP: show.room for a new private room, ZADD, PUBLISH. */
  async message(roomId, from, text) {
    const msg = { roomId, message: text, from, date: Math.floor(Date.now() / 1000) };
    const isPrivate = !(await this.cmd.command('EXISTS', `room:${roomId}:name`));
    if (isPrivate && !(await this.cmd.command('EXISTS', `room:${roomId}`))) {
      const [a, b] = roomId.split(':');
      const names = [[await this.cmd.command('HGET', `user:${a}`, 'username')], [await this.cmd.command('HGET', `user:${b}`, 'username')]];
      await this.publish('show.room', { id: roomId, names });
    }
    await this.cmd.command('ZADD', `room:${roomId}`, String(msg.date), JSON.stringify(msg));
    await this.publish('message', msg);
    return msg;
  }

  messages(type = 'message') { return this.received.filter((e) => e.type === type); }

  close() { this.cmd.close(); this.sub.close(); }
}

let redis;
let nodes;
let tut;
let alice; // LiveUser, WS on node 1
let bob;   // LiveUser, WS on node 2

after(async () => { tut?.close(); await closeAllLive(); await cleanup(); });

async function metric(node, name, kind) {
  const text = (await internal(node, '/metrics')).text;
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(`kind="${kind}"`));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

test('setup: redis, 2 chatnodes with --tutorial-pubsub, a tutorial server on the same Redis', T, async () => {
  ({ redis, nodes } = await startCluster({ n: 2, prefix: 'tut', nodeArgs: ['--tutorial-pubsub'] }));
  const clients = await registerUsers(nodes, 2, 't');
  alice = new LiveUser(clients[0], 'alice');
  bob = new LiveUser(clients[1], 'bob');
  await alice.connectWs(nodes[0]);
  await bob.connectWs(nodes[1]);
  await alice.conn.ping();
  await bob.conn.ping();
  tut = new TutorialServer(redis.port);
  await tut.start();
});

test('General: tutorial and chatnode messages interleaved reach both nodes\' /ws clients exactly once, in order; the tutorial rows are adopted into the id sequence', T, async () => {
  const from = [alice.conn.mark(), bob.conn.mark()];
  const sent = []; // texts in send order
  for (let i = 0; i < 4; i++) {
    const c = `chatnode ${i}`;
    assertStatus(await alice.client.on(nodes[i % 2]).post('/room/0/messages', { message: c }), 201, 'send');
    sent.push(c);
    const t = `tutorial ${i}`;
    await tut.message('0', Number(bob.id), t);
    sent.push(t);
    // Each step lands before the next one: the order to expect is the send order.
    for (const u of [alice, bob])
      await waitFor(() => u.conn.messages('0').some((m) => m.message === t), { what: `${u.label} gets "${t}"` });
  }
  await sleep(300); // nothing more may come
  const byUser = [alice, bob].map((u, k) => u.conn.messages('0', from[k]));
  for (const [k, got] of byUser.entries()) {
    assert.deepEqual(got.map((m) => m.message), sent, `${k ? 'bob (node 2)' : 'alice (node 1)'}: each once, in order`);
    const ids = got.map((m) => m.id);
    assert.ok(ids.every((id, j) => j === 0 || id > ids[j - 1]), `ids strictly increasing: ${ids}`);
  }
  assert.deepEqual(byUser[0], byUser[1], 'both nodes delivered the same events');
  const t0 = byUser[0].find((m) => m.message === 'tutorial 0');
  assert.equal(t0.from, String(bob.id), 'from as a string');
  assert.ok(t0.id > 1e12, 'a tutorial message gets a position of the room (ms), not its seconds score');
  assert.equal(t0.date, Math.floor(t0.date), 'date stays in seconds');
  // History holds the same messages in the same order, and the tutorial can read every row.
  const hist = (await allMessages(alice.client, '0')).filter((m) => sent.includes(m.message)).sort((a, b) => a.id - b.id);
  assert.deepEqual(hist.map((m) => m.message), sent, 'history order = delivery order');
  // Adopted messages are indexed for search like chatnode's own.
  await waitFor(async () => {
    const r = await alice.client.get('/search?q=tutorial&roomId=0');
    return r.status === 200 && r.json.results.length === 4;
  }, { timeout: 10000, what: 'the 4 tutorial messages found by /search' });
  const rows = (await tut.cmd.command('ZRANGE', 'room:0', '0', '-1')).map((r) => JSON.parse(r));
  for (const text of sent) {
    const row = rows.filter((r) => r.message === text);
    assert.equal(row.length, 1, `one row for "${text}"`);
    assert.ok(row[0].id > 1e12 && row[0].roomId === '0' && typeof row[0].date === 'number', `row of "${text}" has an id`);
  }
});

test('concurrent: 15 tutorial and 15 chatnode messages at once (many in the same second) reach both nodes once each, in one order = history', T, async () => {
  const from = [alice.conn.mark(), bob.conn.mark()];
  const texts = [];
  const tutorialSends = (async () => {
    for (let i = 0; i < 15; i++) { texts.push(`burst t${i}`); await tut.message('0', Number(alice.id), `burst t${i}`); }
  })();
  const chatnodeSends = (async () => {
    for (let i = 0; i < 15; i++) {
      texts.push(`burst c${i}`);
      assertStatus(await bob.client.on(nodes[i % 2]).post('/room/0/messages', { message: `burst c${i}` }), 201, 'send');
    }
  })();
  await Promise.all([tutorialSends, chatnodeSends]);
  for (const [k, u] of [alice, bob].entries())
    await waitFor(() => u.conn.messages('0', from[k]).length >= 30, { timeout: 10000, what: `${u.label}: 30 messages` });
  await sleep(300);
  const got = [alice, bob].map((u, k) => u.conn.messages('0', from[k]));
  assert.deepEqual(got[0].map((m) => m.message).sort(), [...texts].sort(), 'alice: every message once');
  assert.deepEqual(got[0].map((m) => m.id), got[1].map((m) => m.id), 'both nodes: the same order');
  const ids = got[0].map((m) => m.id);
  assert.ok(ids.every((id, j) => j === 0 || id > ids[j - 1]), 'ids strictly increasing');
  const hist = (await allMessages(alice.client, '0')).filter((m) => texts.includes(m.message)).sort((a, b) => a.id - b.id);
  assert.deepEqual(hist.map((m) => m.id), ids, 'history = delivery');
});

test('a chatnode message reaches the tutorial reader exactly once, from the node that wrote it, in the tutorial\'s shape', T, async () => {
  const before = tut.received.length;
  const texts = ['to the tutorial 1', 'to the tutorial 2'];
  assertStatus(await alice.client.on(nodes[0]).post('/room/0/messages', { message: texts[0] }), 201, 'send on node 1');
  assertStatus(await bob.client.on(nodes[1]).post('/room/0/messages', { message: texts[1] }), 201, 'send on node 2');
  await waitFor(() => tut.messages().filter((e) => texts.includes(e.data?.message)).length >= 2, { what: 'both envelopes' });
  await sleep(300);
  const got = tut.received.slice(before).filter((e) => e.type === 'message');
  assert.deepEqual(got.map((e) => e.data.message), texts, 'one envelope per message (the tutorial\'s own adopted messages are not echoed)');
  assert.equal(got[0].serverId, nodes[0].serverId);
  assert.equal(got[1].serverId, nodes[1].serverId);
  for (const [i, e] of got.entries()) {
    assert.deepEqual(Object.keys(e.data).sort(), ['date', 'from', 'message', 'roomId']);
    assert.equal(e.data.roomId, '0');
    assert.equal(e.data.from, String((i ? bob : alice).id));
    assert.ok(Math.abs(e.data.date - Date.now() / 1000) < 30, 'date in seconds');
  }
});

test('DMs: a tutorial show.room and first message reach the pair on chatnode; a chatnode DM\'s first message publishes show.room first', T, async () => {
  // The tutorial's DM between alice and bob (the tutorial's POST /room SADDed both users' sets).
  const [lo, hi] = [Number(alice.id), Number(bob.id)].sort((a, b) => a - b);
  const dm = `${lo}:${hi}`;
  await tut.cmd.command('SADD', `user:${lo}:rooms`, dm);
  await tut.cmd.command('SADD', `user:${hi}:rooms`, dm);
  const marks = [alice.conn.mark(), bob.conn.mark()];
  await tut.message(dm, Number(alice.id), 'hello from the tutorial');
  for (const [k, u] of [alice, bob].entries()) {
    const show = await u.conn.waitFor((e) => e.type === 'show.room' && e.data?.id === dm, 5000, { from: marks[k], what: 'show.room' });
    assert.deepEqual([...show.data.names].sort(), [alice.client.user.username, bob.client.user.username].sort(), 'names as strings');
    await waitFor(() => u.conn.messages(dm, marks[k]).length >= 1, { what: `${u.label}: the DM's first message` });
    await sleep(300);
    assert.deepEqual(u.conn.messages(dm, marks[k]).map((m) => [m.message, m.id > 1e12]), [['hello from the tutorial', true]], 'once, adopted');
  }
  // chatnode: a DM opened by POST /room, its first message → show.room then message on MESSAGES.
  const carol = await register(nodes[0]);
  const res = await carol.post('/room', { user1: carol.user.id, user2: alice.id });
  assertStatus(res, 201, 'create DM');
  const before = tut.received.length;
  assertStatus(await carol.post(`/room/${res.json.id}/messages`, { message: 'first in DM' }), 201, 'send');
  assertStatus(await carol.post(`/room/${res.json.id}/messages`, { message: 'second in DM' }), 201, 'send');
  await waitFor(() => tut.received.slice(before).filter((e) => e.type === 'message').length >= 2, { what: 'DM envelopes' });
  const seen = tut.received.slice(before).filter((e) => e.type !== 'user.connected' && e.type !== 'user.disconnected');
  assert.deepEqual(seen.map((e) => e.type), ['show.room', 'message', 'message']);
  assert.equal(seen[0].data.id, res.json.id);
  assert.equal(seen[0].data.names.length, 2);
  assert.ok(seen[0].data.names.every((n) => Array.isArray(n) && n.length === 1), 'tutorial shape [[n1],[n2]]');
});

test('a chatnode without --tutorial-pubsub publishes nothing on MESSAGES for a message', T, async () => {
  const plain = await startNode({ redisUrl: redis.url });
  const before = tut.received.length;
  assertStatus(await alice.client.on(plain).post('/room/0/messages', { message: 'not for the tutorial' }), 201, 'send');
  await waitFor(() => alice.conn.messages('0').some((m) => m.message === 'not for the tutorial'), { what: 'delivery' });
  await sleep(300);
  assert.deepEqual(tut.received.slice(before).filter((e) => e.type === 'message' || e.type === 'show.room'), []);
  await plain.stop();
});

test('garbage envelopes on MESSAGES are counted and ignored; the nodes keep working', T, async () => {
  const before = await Promise.all(nodes.map((n) => metric(n, 'chatnode_errors_total', 'bad_tutorial_envelope')));
  const badBefore = await Promise.all(nodes.map((n) => metric(n, 'chatnode_errors_total', 'bad_envelope')));
  const marks = [alice.conn.mark(), bob.conn.mark()];
  await tut.cmd.command('PUBLISH', 'MESSAGES', 'not json at all');
  await tut.cmd.command('PUBLISH', 'MESSAGES', '{"serverId":1,"type":"message"}');
  await tut.publish('message', { roomId: '0', message: 'no date', from: 1 });
  await tut.publish('message', { roomId: '../etc', message: 'bad room', from: 1, date: 1700000000 });
  await tut.publish('show.room', { id: 'x:y', names: [['a'], ['b']] });
  await tut.publish('message', { roomId: '0', message: 'no such row', from: 1, date: 1700000000 }); // nothing to adopt
  await waitFor(async () => (await metric(nodes[0], 'chatnode_errors_total', 'bad_tutorial_envelope')) >= before[0] + 3,
    { what: 'bad_tutorial_envelope counted' });
  for (const [i, n] of nodes.entries()) {
    assert.equal(await metric(n, 'chatnode_errors_total', 'bad_tutorial_envelope'), before[i] + 3, `node ${i + 1}`);
    assert.equal(await metric(n, 'chatnode_errors_total', 'bad_envelope'), badBefore[i] + 2, `node ${i + 1}`);
  }
  assertStatus(await alice.client.on(nodes[1]).post('/room/0/messages', { message: 'still fine' }), 201, 'send');
  for (const [k, u] of [alice, bob].entries()) {
    await waitFor(() => u.conn.messages('0', marks[k]).some((m) => m.message === 'still fine'), { what: 'delivery' });
    assert.deepEqual(u.conn.messages('0', marks[k]).map((m) => m.message), ['still fine'], `${u.label}: nothing from the garbage`);
  }
});
