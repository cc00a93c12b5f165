// Per-room mute (issue 22): PUT / DELETE /room/{id}/mute keeps a member's mute of a room in Redis,
// GET /rooms/{userId} lists it (`muted`), and the user's connections on every node get `room.muted`
// when it changes (other tabs and devices follow); setting what is set changes nothing and sends
// nothing; non-members, unknown rooms and signed-out callers get their errors. Three real nodes on one
// redis-server: A's WS on nodes 2 and 3 and SSE on node 1, B's WS on node 1 and SSE on node 3, HTTP on all three.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { cleanup, assertStatus, assertError, uniqueName, sleep } from './lib/harness.mjs';
import { WsClient, SseClient, closeAllLive, expectNothing } from './lib/live.mjs';
import { startCluster, registerUsers } from './lib/cluster.mjs';

const T = { timeout: 60000 };

let nodes;
let A;
let B;
let C;
let R;

after(async () => { await closeAllLive(); await cleanup(); });

const listed = async (u, node, room) => (await u.on(node).get(`/rooms/${u.user.id}`)).json.find((r) => r.id === room);

test('setup: 3 nodes, A and B in a channel (C is not)', T, async () => {
  ({ nodes } = await startCluster({ n: 3, prefix: 'mute' }));
  [A, B, C] = await registerUsers(nodes, 3, 'm');
  const created = await A.on(nodes[0]).post('/rooms', { name: uniqueName('mute') });
  assertStatus(created, 201, 'channel');
  R = created.json.id;
  assertStatus(await B.on(nodes[1]).post(`/rooms/${R}/join`), 200, 'join');
});

test('mute and unmute: stored, listed, and sent to the user\'s own connections on every node once per change', T, async () => {
  const ws = await WsClient.connect(nodes[1].port, { client: A.on(nodes[1]), label: 'wsA@2' });
  const sse = await SseClient.connect(nodes[0].port, { client: A.on(nodes[0]), label: 'sseA@1' });
  const ws3 = await WsClient.connect(nodes[2].port, { client: A.on(nodes[2]), label: 'wsA@3' });
  const other = await WsClient.connect(nodes[0].port, { client: B.on(nodes[0]), label: 'wsB@1' });
  const otherSse = await SseClient.connect(nodes[2].port, { client: B.on(nodes[2]), label: 'sseB@3' });
  await sleep(300);
  assert.equal((await listed(A, nodes[0], R)).muted, false, 'not muted at first');
  const on = await A.on(nodes[0]).request('PUT', `/room/${R}/mute`);
  assertStatus(on, 200, 'mute');
  assert.deepEqual(on.json, { roomId: R, muted: true });
  for (const c of [ws, sse, ws3]) {
    const ev = await c.waitFor((e) => e.type === 'room.muted', 5000, { what: `${c.label}: room.muted` });
    assert.deepEqual(ev.data, { roomId: R, muted: true });
  }
  assert.equal((await listed(A, nodes[1], R)).muted, true, 'listed as muted on the other node');
  assert.equal((await listed(B, nodes[1], R)).muted, false, 'B\'s own setting is untouched');
  const mark = ws.mark();
  assertStatus(await A.on(nodes[1]).request('PUT', `/room/${R}/mute`), 200, 'mute again');
  await expectNothing(ws, (e) => e.type === 'room.muted', 800, { from: mark });
  await expectNothing(other, (e) => e.type === 'room.muted', 100);
  await expectNothing(otherSse, (e) => e.type === 'room.muted', 100);
  const mark3 = ws3.mark();
  const off = await A.on(nodes[1]).request('DELETE', `/room/${R}/mute`);
  assertStatus(off, 200, 'unmute');
  assert.deepEqual(off.json, { roomId: R, muted: false });
  const ev = await ws.waitFor((e) => e.type === 'room.muted' && e.data.muted === false, 5000, { from: mark, what: 'unmuted' });
  assert.equal(ev.data.roomId, R);
  const ev3 = await ws3.waitFor((e) => e.type === 'room.muted', 5000, { from: mark3, what: 'unmuted on node 3' });
  assert.deepEqual(ev3.data, { roomId: R, muted: false });
  assert.equal((await listed(A, nodes[0], R)).muted, false);
  // a change made through node 3 reaches the connections on nodes 1 and 2
  const marks = [ws, sse, ws3].map((c) => c.mark());
  const on3 = await A.on(nodes[2]).request('PUT', `/room/${R}/mute`);
  assertStatus(on3, 200, 'mute through node 3');
  assert.deepEqual(on3.json, { roomId: R, muted: true });
  for (const [i, c] of [ws, sse, ws3].entries()) {
    const e3 = await c.waitFor((e) => e.type === 'room.muted', 5000, { from: marks[i], what: `${c.label}: room.muted from node 3` });
    assert.deepEqual(e3.data, { roomId: R, muted: true });
  }
  assert.equal((await listed(A, nodes[1], R)).muted, true);
  assertStatus(await A.on(nodes[2]).request('DELETE', `/room/${R}/mute`), 200, 'unmute through node 3');
  for (const [i, c] of [ws, sse, ws3].entries()) {
    await c.waitFor((e) => e.type === 'room.muted' && e.data.muted === false, 5000, { from: marks[i], what: `${c.label}: unmuted from node 3` });
  }
  await expectNothing(other, (e) => e.type === 'room.muted', 300);
  await expectNothing(otherSse, (e) => e.type === 'room.muted', 100);
  assert.equal((await listed(A, nodes[2], R)).muted, false);
  for (const c of [ws, sse, ws3]) {
    assert.deepEqual(c.events.filter((e) => e.type === 'room.muted').map((e) => e.data.muted), [true, false, true, false],
      `${c.label}: one room.muted per change, in order (the repeated mute sent nothing)`);
  }
  // General and DMs can be muted too
  assertStatus(await A.on(nodes[0]).request('PUT', '/room/0/mute'), 200, 'mute General');
  assert.equal((await listed(A, nodes[0], '0')).muted, true);
});

test('bad input: non-member 403, unknown room 404, signed out 401', T, async () => {
  assertError(await C.on(nodes[0]).request('PUT', `/room/${R}/mute`), 403, 'forbidden', 'non-member');
  assertError(await C.on(nodes[1]).request('DELETE', `/room/${R}/mute`), 403, 'forbidden', 'non-member unmute');
  assertError(await A.on(nodes[0]).request('PUT', '/room/999999999/mute'), 404, 'not_found', 'unknown channel');
  assertError(await A.on(nodes[2]).request('PUT', '/room/5:6/mute'), 404, 'not_found', 'unknown DM');
  assertError(await C.on(nodes[2]).request('PUT', `/room/${R}/mute`), 403, 'forbidden', 'non-member on node 3');
  assertError(await A.on(nodes[0]).request('PUT', '/room/not%20a%20room/mute'), 404, 'not_found', 'not a room id');
  const anon = await fetch(`http://127.0.0.1:${nodes[0].port}/room/${R}/mute`, { method: 'PUT' });
  assert.equal(anon.status, 401);
});
