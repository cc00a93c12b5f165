// Per-room mute (issue 22): PUT / DELETE /room/{id}/mute keeps a member's mute of a room in Redis,
// GET /rooms/{userId} lists it (`muted`), and the user's connections on every node get `room.muted`
// when it changes (other tabs and devices follow); setting what is set changes nothing and sends
// nothing; non-members, unknown rooms and signed-out callers get their errors.
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

test('setup: 2 nodes, A and B in a channel (C is not)', T, async () => {
  ({ nodes } = await startCluster({ n: 2, prefix: 'mute' }));
  [A, B, C] = await registerUsers(nodes, 3, 'm');
  const created = await A.on(nodes[0]).post('/rooms', { name: uniqueName('mute') });
  assertStatus(created, 201, 'channel');
  R = created.json.id;
  assertStatus(await B.on(nodes[1]).post(`/rooms/${R}/join`), 200, 'join');
});

test('mute and unmute: stored, listed, and sent to the user\'s own connections on every node once per change', T, async () => {
  const ws = await WsClient.connect(nodes[1].port, { client: A.on(nodes[1]), label: 'wsA@2' });
  const sse = await SseClient.connect(nodes[0].port, { client: A.on(nodes[0]), label: 'sseA@1' });
  const other = await WsClient.connect(nodes[0].port, { client: B.on(nodes[0]), label: 'wsB@1' });
  await sleep(300);
  assert.equal((await listed(A, nodes[0], R)).muted, false, 'not muted at first');
  const on = await A.on(nodes[0]).request('PUT', `/room/${R}/mute`);
  assertStatus(on, 200, 'mute');
  assert.deepEqual(on.json, { roomId: R, muted: true });
  for (const c of [ws, sse]) {
    const ev = await c.waitFor((e) => e.type === 'room.muted', 5000, { what: `${c.label}: room.muted` });
    assert.deepEqual(ev.data, { roomId: R, muted: true });
  }
  assert.equal((await listed(A, nodes[1], R)).muted, true, 'listed as muted on the other node');
  assert.equal((await listed(B, nodes[1], R)).muted, false, 'B\'s own setting is untouched');
  const mark = ws.mark();
  assertStatus(await A.on(nodes[1]).request('PUT', `/room/${R}/mute`), 200, 'mute again');
  await expectNothing(ws, (e) => e.type === 'room.muted', 800, { from: mark });
  await expectNothing(other, (e) => e.type === 'room.muted', 100);
  const off = await A.on(nodes[1]).request('DELETE', `/room/${R}/mute`);
  assertStatus(off, 200, 'unmute');
  assert.deepEqual(off.json, { roomId: R, muted: false });
  const ev = await ws.waitFor((e) => e.type === 'room.muted' && e.data.muted === false, 5000, { from: mark, what: 'unmuted' });
  assert.equal(ev.data.roomId, R);
  assert.equal((await listed(A, nodes[0], R)).muted, false);
  // General and DMs can be muted too
  assertStatus(await A.on(nodes[0]).request('PUT', '/room/0/mute'), 200, 'mute General');
  assert.equal((await listed(A, nodes[0], '0')).muted, true);
});

test('bad input: non-member 403, unknown room 404, signed out 401', T, async () => {
  assertError(await C.on(nodes[0]).request('PUT', `/room/${R}/mute`), 403, 'forbidden', 'non-member');
  assertError(await C.on(nodes[1]).request('DELETE', `/room/${R}/mute`), 403, 'forbidden', 'non-member unmute');
  assertError(await A.on(nodes[0]).request('PUT', '/room/999999999/mute'), 404, 'not_found', 'unknown channel');
  assertError(await A.on(nodes[0]).request('PUT', '/room/5:6/mute'), 404, 'not_found', 'unknown DM');
  assertError(await A.on(nodes[0]).request('PUT', '/room/not%20a%20room/mute'), 404, 'not_found', 'not a room id');
  const anon = await fetch(`http://127.0.0.1:${nodes[0].port}/room/${R}/mute`, { method: 'PUT' });
  assert.equal(anon.status, 401);
});
