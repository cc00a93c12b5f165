// Authorization matrix: DMs, other users' room lists, channels, unknown rooms, and 401 on every
// auth-only route of docs/protocol.md §1.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startRedis, startNode, cleanup, api, register, uniqueName, assertError, assertStatus, allMessages,
} from './lib/harness.mjs';

const T = { timeout: 60000 };
let redis;
let node;
let A;
let B;
let C;
let D; // a user with a two-digit id, for numeric DM ordering
let dm; // A–B
let channel;

after(cleanup);

test('setup: node, a throwaway first user (admin), then regular users A, B, C, D', T, async () => {
  redis = await startRedis();
  node = await startNode({ redisUrl: redis.url });
  const admin = await register(node, uniqueName('admin'));
  assert.equal(admin.user.role, 'admin');
  A = await register(node, uniqueName('A'));
  B = await register(node, uniqueName('B'));
  C = await register(node, uniqueName('C'));
  for (const u of [A, B, C]) assert.equal(u.user.role, 'user');
  for (let i = 0; i < 7; i++) await register(node, uniqueName('fill'));
  D = await register(node, uniqueName('D'));
  assert.ok(Number(D.user.id) >= 10, `D has a two-digit id (${D.user.id})`);
});

test('POST /room: A creates a DM with B → 201 {id:"a:b",names}; again → 200; B reversed → 200; numbers accepted', T, async () => {
  const [lo, hi] = [A.user.id, B.user.id].sort((x, y) => Number(x) - Number(y));
  const res = await A.post('/room', { user1: A.user.id, user2: B.user.id });
  assertStatus(res, 201, 'create DM');
  assert.deepEqual(Object.keys(res.json).sort(), ['id', 'names']);
  assert.equal(res.json.id, `${lo}:${hi}`);
  assert.deepEqual([...res.json.names].sort(), [A.user.username, B.user.username].sort());
  dm = res.json.id;
  const again = await A.post('/room', { user1: A.user.id, user2: B.user.id });
  assertStatus(again, 200, 'repeat');
  assert.equal(again.json.id, dm);
  const reversed = await B.post('/room', { user1: B.user.id, user2: A.user.id });
  assertStatus(reversed, 200, 'reversed by B');
  assert.equal(reversed.json.id, dm);
  const numbers = await A.post('/room', { user1: Number(A.user.id), user2: Number(B.user.id) });
  assertStatus(numbers, 200, 'ids as numbers');
  assert.equal(numbers.json.id, dm);
});

test('DM ids compare numerically: A (one digit) with D (two digits) → "a:d", not "d:a"', T, async () => {
  const res = await D.post('/room', { user1: D.user.id, user2: A.user.id });
  assertStatus(res, 201, 'create DM A–D');
  assert.equal(res.json.id, `${A.user.id}:${D.user.id}`);
});

test('POST /room: bad bodies → 400; unknown user → 404; two other users → 403', T, async () => {
  assertError(await A.post('/room', { user1: A.user.id, user2: A.user.id }), 400, 'bad_request', 'DM with self');
  assertError(await A.post('/room', { user1: A.user.id, user2: 'abc' }), 400, 'bad_request', 'non-numeric id');
  assertError(await A.post('/room', { user1: A.user.id }), 400, 'bad_request', 'missing user2');
  assertError(await A.post('/room', { user1: A.user.id, user2: true }), 400, 'bad_request', 'boolean id');
  assertError(await A.post('/room', { user1: A.user.id, user2: '999999' }), 404, 'not_found', 'unknown user');
  assertError(await C.post('/room', { user1: A.user.id, user2: B.user.id }), 403, 'forbidden', 'C creates A–B');
  assertError(await C.post('/room', { user1: A.user.id, user2: D.user.id }), 403, 'forbidden', 'C creates A–D');
  const cRooms = await C.get(`/rooms/${C.user.id}`);
  assert.deepEqual(cRooms.json.map((r) => r.id), ['0'], 'nothing was added to C');
});

test('DM: members read and write; a third user C gets 403 on read (both paging styles) and write, and nothing is stored', T, async () => {
  const sent = await A.post(`/room/${dm}/messages`, { message: 'secret for B' });
  assertStatus(sent, 201, 'A sends');
  const byB = await B.get(`/room/${dm}/messages?offset=0&size=15`);
  assertStatus(byB, 200, 'B reads');
  assert.deepEqual(byB.json.map((m) => m.message), ['secret for B']);
  assertStatus(await B.post(`/room/${dm}/messages`, { message: 'reply' }), 201, 'B replies');

  const r1 = await C.get(`/room/${dm}/messages?offset=0&size=15`);
  assertError(r1, 403, 'forbidden', 'C reads (offset)');
  assert.ok(!r1.text.includes('secret'), 'no content leaks in the 403');
  assertError(await C.get(`/room/${dm}/messages?before=${sent.json.id + 1000}&limit=50`), 403, 'forbidden', 'C reads (cursor)');
  assertError(await C.get(`/room/${dm}/messages`), 403, 'forbidden', 'C reads (defaults)');
  assertError(await C.post(`/room/${dm}/messages`, { message: 'intrusion' }), 403, 'forbidden', 'C writes');
  const all = await allMessages(A, dm);
  assert.deepEqual(all.map((m) => m.message), ['reply', 'secret for B'], 'C\'s message was not stored');
});

test('a DM id the caller is not part of / that was never created → 403 or 404, never 200', T, async () => {
  // B–C never created: B is one of the users, so "not found" (a DM exists only once created)
  const [lo, hi] = [B.user.id, C.user.id].sort((x, y) => Number(x) - Number(y));
  assertError(await B.get(`/room/${lo}:${hi}/messages`), 404, 'not_found', 'uncreated DM, GET');
  assertError(await B.post(`/room/${lo}:${hi}/messages`, { message: 'x' }), 404, 'not_found', 'uncreated DM, POST');
  // reversed order of an existing DM is not the DM
  const [a, b] = dm.split(':');
  const rev = await A.get(`/room/${b}:${a}/messages`);
  assert.ok([400, 403, 404].includes(rev.status), `reversed DM id → ${rev.status}`);
});

test('GET /rooms/{other user} → 403; own list → 200 with the DM; C\'s list has no DM', T, async () => {
  assertError(await C.get(`/rooms/${A.user.id}`), 403, 'forbidden', 'C lists A\'s rooms');
  assertError(await C.get(`/rooms/${B.user.id}`), 403, 'forbidden', 'C lists B\'s rooms');
  assertError(await A.get(`/rooms/${C.user.id}`), 403, 'forbidden', 'A lists C\'s rooms');
  const a = await A.get(`/rooms/${A.user.id}`);
  assertStatus(a, 200, 'own list');
  assert.ok(a.json.some((r) => r.id === dm), 'A sees the DM');
  assert.ok(a.json.some((r) => r.id === '0'), 'A sees General');
  const c = await C.get(`/rooms/${C.user.id}`);
  assert.deepEqual(c.json.map((r) => r.id), ['0']);
});

test('unknown rooms → 404 not_found for GET and POST', T, async () => {
  for (const id of ['424242', '999999999', '12:424242']) {
    assertError(await A.get(`/room/${id}/messages`), 404, 'not_found', `GET room ${id}`);
    assertError(await A.post(`/room/${id}/messages`, { message: 'into the void' }), 404, 'not_found', `POST room ${id}`);
  }
  // a malformed id may be rejected as bad_request or as not_found
  for (const id of ['nosuchroom', '-1', '1:2:3']) {
    const g = await A.get(`/room/${id}/messages`);
    assertError(g, g.status === 400 ? 400 : 404, g.status === 400 ? 'bad_request' : 'not_found', `GET room ${id}`);
    const p = await A.post(`/room/${id}/messages`, { message: 'into the void' });
    assertError(p, p.status === 400 ? 400 : 404, p.status === 400 ? 'bad_request' : 'not_found', `POST room ${id}`);
  }
  assertError(await A.post('/rooms/424242/join'), 404, 'not_found', 'join unknown');
  assertError(await A.post('/rooms/424242/leave'), 404, 'not_found', 'leave unknown');
});

// Every auth-only route from protocol.md §1, with a body that would otherwise be valid.
const AUTH_ROUTES = [
  ['GET', '/users?ids[]=1'],
  ['GET', '/users/online'],
  ['GET', '/rooms/1'],
  ['GET', '/room/0/messages?offset=0&size=15'],
  ['GET', '/room/0/messages?limit=50'],
  ['POST', '/room/0/messages', { message: 'anonymous' }],
  ['POST', '/room', { user1: '1', user2: '2' }],
  ['POST', '/rooms', { name: 'anon-channel' }],
  ['GET', '/rooms/public'],
  ['POST', '/rooms/1/join'],
  ['POST', '/rooms/1/leave'],
];

test('no session → 401 unauthorized on every auth-only route (no cookie, unknown cookie, unknown bearer, junk header)', T, async () => {
  const before = (await allMessages(A, '0')).length;
  const variants = [
    ['no credentials', {}],
    ['unknown cookie', { Cookie: `chat_session=${'a'.repeat(64)}` }],
    ['malformed cookie', { Cookie: 'chat_session=../../etc/passwd' }],
    ['unknown bearer', { Authorization: `Bearer ${'b'.repeat(64)}` }],
    ['basic auth', { Authorization: 'Basic dXNlcjpwYXNz' }],
  ];
  for (const [what, headers] of variants) {
    for (const [method, path, body] of AUTH_ROUTES) {
      const res = await api(node).request(method, path, { headers, body });
      assertError(res, 401, 'unauthorized', `${what}: ${method} ${path}`);
    }
  }
  assert.equal((await allMessages(A, '0')).length, before, 'nothing was posted');
  const pub = await A.get('/rooms/public');
  assert.ok(!pub.json.some((r) => r.name === 'anon-channel'), 'no channel was created');
});

test('channels: create → 201 {id,name,members:1,joined:true,…settings}; name trimmed; duplicate (any case) → 409', T, async () => {
  const name = uniqueName('Team');
  const res = await A.post('/rooms', { name: `  ${name}  ` });
  assertStatus(res, 201, 'create channel');
  assert.match(res.json.id, /^[1-9][0-9]*$/, 'channel ids are numeric strings');
  assert.notEqual(res.json.id, '0');
  assert.deepEqual(res.json, { id: res.json.id, name, members: 1, joined: true, topic: '', private: false, archived: false, owner: A.user.id });
  channel = res.json;
  assertError(await B.post('/rooms', { name }), 409, 'conflict', 'same name');
  assertError(await B.post('/rooms', { name: name.toUpperCase() }), 409, 'conflict', 'upper case');
  assertError(await B.post('/rooms', { name: ` ${name.toLowerCase()} ` }), 409, 'conflict', 'lower case, padded');
  assertError(await B.post('/rooms', { name: '   ' }), 400, 'bad_request', 'blank name');
  assertError(await B.post('/rooms', { name: '' }), 400, 'bad_request', 'empty name');
  assertError(await B.post('/rooms', { name: 'x'.repeat(65) }), 400, 'bad_request', '65 chars');
  assertError(await B.post('/rooms', {}), 400, 'bad_request', 'no name');
  assertError(await B.post('/rooms', { name: 7 }), 400, 'bad_request', 'number name');
  const second = await B.post('/rooms', { name: uniqueName('Other') });
  assertStatus(second, 201, 'another channel');
  assert.notEqual(second.json.id, channel.id);
});

test('channels: names of 1 to 64 characters (not bytes) are accepted', T, async () => {
  const hex = () => Math.random().toString(16).slice(2, 10);
  const names = [
    ['64 ASCII characters', `L_${hex()}`.padEnd(64, 'x')],
    ['1 character', String.fromCharCode(65 + Math.floor(Math.random() * 26))],
    ['64 characters, 114+ bytes', `${'é'.repeat(56)}${hex()}`.slice(0, 64)],
  ];
  const got = [];
  for (const [what, name] of names) {
    const res = await B.post('/rooms', { name });
    got.push(`${what}: ${res.status} ${res.status === 201 ? '' : res.text}`);
    if (res.status === 201) assert.equal(res.json.name, name);
  }
  assert.ok(got.every((g) => / 201 /.test(g)), `every name is accepted with 201:\n${got.join('\n')}`);
});

test('channels: public list shows members and joined per caller', T, async () => {
  const a = await A.get('/rooms/public');
  assertStatus(a, 200, 'A public');
  assert.deepEqual(a.json.find((r) => r.id === channel.id), { id: channel.id, name: channel.name, members: 1, joined: true });
  const b = await B.get('/rooms/public');
  assert.deepEqual(b.json.find((r) => r.id === channel.id), { id: channel.id, name: channel.name, members: 1, joined: false });
  const aRooms = await A.get(`/rooms/${A.user.id}`);
  const { lastRead, unread, mentions, muted, ...listed } = aRooms.json.find((r) => r.id === channel.id);
  assert.deepEqual(listed, { id: channel.id, names: [channel.name], topic: '', private: false, archived: false, owner: A.user.id });
  assert.deepEqual([typeof lastRead, unread, mentions, muted], ['number', 0, 0, false], 'read state and mute (issue #22)');
});

test('channels: a non-member gets 403 on messages; join → 200 and access; leave → 200 null and 403 again', T, async () => {
  assertStatus(await A.post(`/room/${channel.id}/messages`, { message: 'members only' }), 201, 'A posts');
  assertError(await B.get(`/room/${channel.id}/messages`), 403, 'forbidden', 'B reads before join');
  assertError(await B.post(`/room/${channel.id}/messages`, { message: 'x' }), 403, 'forbidden', 'B writes before join');

  const join = await B.post(`/rooms/${channel.id}/join`);
  assertStatus(join, 200, 'join');
  assert.deepEqual(join.json, { id: channel.id, names: [channel.name], topic: '', private: false, archived: false, owner: A.user.id });
  const again = await B.post(`/rooms/${channel.id}/join`);
  assertStatus(again, 200, 'join twice');
  const pub = await B.get('/rooms/public');
  assert.deepEqual(pub.json.find((r) => r.id === channel.id), { id: channel.id, name: channel.name, members: 2, joined: true });
  const read = await B.get(`/room/${channel.id}/messages`);
  assertStatus(read, 200, 'B reads after join');
  assert.deepEqual(read.json.map((m) => m.message), ['members only']);
  assertStatus(await B.post(`/room/${channel.id}/messages`, { message: 'hello team' }), 201, 'B writes after join');
  const bRooms = await B.get(`/rooms/${B.user.id}`);
  assert.ok(bRooms.json.some((r) => r.id === channel.id), 'channel in B\'s rooms');

  const leave = await B.post(`/rooms/${channel.id}/leave`);
  assertStatus(leave, 200, 'leave');
  assert.equal(leave.text.trim(), 'null');
  assertError(await B.get(`/room/${channel.id}/messages`), 403, 'forbidden', 'B reads after leave');
  assertError(await B.post(`/room/${channel.id}/messages`, { message: 'x' }), 403, 'forbidden', 'B writes after leave');
  const pub2 = await B.get('/rooms/public');
  assert.deepEqual(pub2.json.find((r) => r.id === channel.id), { id: channel.id, name: channel.name, members: 1, joined: false });
  const bRooms2 = await B.get(`/rooms/${B.user.id}`);
  assert.ok(!bRooms2.json.some((r) => r.id === channel.id), 'channel gone from B\'s rooms');
  const all = await allMessages(A, channel.id);
  assert.deepEqual(all.map((m) => m.message), ['hello team', 'members only'], 'messages stay after leave');
});

test('leave General → 400; leave a DM → 400; joining a DM you are not in never gives access', T, async () => {
  assertError(await A.post('/rooms/0/leave'), 400, 'bad_request', 'leave General');
  assertError(await A.post(`/rooms/${dm}/leave`), 400, 'bad_request', 'leave DM');
  assertStatus(await A.get('/room/0/messages'), 200, 'A still in General');
  assertStatus(await A.get(`/room/${dm}/messages`), 200, 'A still in DM');
  const j = await C.post(`/rooms/${dm}/join`);
  assert.ok([400, 403, 404].includes(j.status), `C joining the DM → ${j.status} ${j.text}`);
  assertError(await C.get(`/room/${dm}/messages`), 403, 'forbidden', 'C still cannot read the DM');
});

test('General: every user is a member (read and write)', T, async () => {
  for (const u of [A, B, C, D]) {
    assertStatus(await u.get('/room/0/messages'), 200, `${u.user.username} reads General`);
  }
  assertStatus(await C.post('/room/0/messages', { message: 'hi all' }), 201, 'C posts to General');
});

test('shutdown: SIGTERM → exit 0', T, async () => {
  await node.stop();
});
