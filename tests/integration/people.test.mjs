// People (docs/protocol.md §1): GET /users/search (case-insensitive username prefix, from a Redis
// index that also covers users the tutorial writes), GET /users/all (paged by id) and
// GET /room/{id}/members, on two nodes sharing one Redis (online state is cluster-wide).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startRedis, startNode, cleanup, api, register, login, assertError, assertStatus, waitFor,
} from './lib/harness.mjs';
import { WsClient, closeAllLive } from './lib/live.mjs';

const T = { timeout: 60000 };
const HASH = '$2b$10$k2TZivkoCjD5rTNwQqGFfeuI8xLCd4b8EdQYsKb0F8rzY9YprRi1O'; // bcrypt("password123")
const ROW_KEYS = ['id', 'online', 'role', 'username'];

let redis;
let n1;
let n2;
let alice; // Ppl_Alice on n1
let alan;  // ppl_alan
let bob;   // PPL_Bob
let carol; // Carol_x, member of nothing but General

after(async () => {
  await closeAllLive();
  await cleanup();
});

/** A user the way the tutorial writes one (seed-protocol.md): INCR total_users, username:{name}, user:{id}. */
function tutorialUser(name) {
  const id = redis.cli('INCR', 'total_users');
  redis.cli('SET', `username:${name}`, `user:${id}`);
  redis.cli('HSET', `user:${id}`, 'username', name, 'password', HASH);
  redis.cli('SADD', `user:${id}:rooms`, '0');
  return id;
}

function checkRows(rows, what) {
  assert.ok(Array.isArray(rows), `${what}: users is an array`);
  for (const r of rows) {
    assert.deepEqual(Object.keys(r).sort(), ROW_KEYS, `${what}: row keys ${JSON.stringify(r)}`);
    assert.equal(typeof r.online, 'boolean');
    assert.ok(['user', 'admin', 'bot'].includes(r.role), `${what}: role ${r.role}`);
    assert.ok(!JSON.stringify(r).includes('$2b$'), `${what}: no hash`);
  }
}

async function search(client, q, extra = '') {
  const res = await client.get(`/users/search?q=${encodeURIComponent(q)}${extra}`);
  assertStatus(res, 200, `search ${q}`);
  checkRows(res.json.users, `search ${q}`);
  return res.json.users;
}

test('setup: tutorial users in Redis before the start (name index of an older node, no search index), two nodes, registered users', T, async () => {
  redis = await startRedis();
  redis.cli('SET', 'total_users', '0');
  redis.cli('SET', 'room:0:name', 'General');
  tutorialUser('Zelda_Tut');
  tutorialUser('zebra_tut');
  // As a node from before user search left it: the name index complete, no search index yet.
  redis.cli('HSET', 'chat:usernames', 'zelda_tut', '1', 'zebra_tut', '2');
  redis.cli('SET', 'chat:usernames:upto', '2');
  n1 = await startNode({ redisUrl: redis.url });
  n2 = await startNode({ redisUrl: redis.url });
  alice = await register(n1, 'Ppl_Alice');
  alan = await register(n1, 'ppl_alan');
  bob = await register(n2, 'PPL_Bob');
  carol = await register(n1, 'Carol_x');
});

test('search: case-insensitive prefix, name order, exact row shape, unknown prefix → []', T, async () => {
  const all = await search(alice, 'ppl_');
  assert.deepEqual(all.map((u) => u.username), ['ppl_alan', 'Ppl_Alice', 'PPL_Bob'], 'by lower-case name');
  assert.deepEqual((await search(alice, 'PPL_A')).map((u) => u.id).sort(), [alice.user.id, alan.user.id].sort());
  assert.deepEqual((await search(bob.on(n1), 'ppl_b')).map((u) => u.username), ['PPL_Bob']);
  const row = (await search(alice, 'ppl_alic'))[0];
  assert.deepEqual(row, { id: alice.user.id, username: 'Ppl_Alice', online: false, role: 'user' });
  assert.deepEqual(await search(alice, 'nobody_here_'), []);
  assert.deepEqual(await search(alice, 'ppl_alan_'), [], 'longer than the name');
});

test('search: limit (default 20, 1-50), bad parameters → 400, no session → 401', T, async () => {
  assert.equal((await search(alice, 'ppl_', '&limit=2')).length, 2);
  assert.equal((await search(alice, 'ppl_', '&limit=1'))[0].username, 'ppl_alan');
  for (const bad of ['limit=0', 'limit=51', 'limit=abc', 'limit=', 'limit=2.5']) {
    assertError(await alice.get(`/users/search?q=ppl&${bad}`), 400, 'bad_request', bad);
  }
  assertError(await alice.get('/users/search'), 400, 'bad_request', 'no q');
  assertError(await alice.get('/users/search?q='), 400, 'bad_request', 'empty q');
  assertError(await alice.get(`/users/search?q=${'a'.repeat(65)}`), 400, 'bad_request', '65 bytes');
  assertError(await alice.get('/users/search?q=a%01'), 400, 'bad_request', 'control character');
  assertStatus(await alice.get(`/users/search?q=${'a'.repeat(64)}`), 200, '64 bytes');
  assertError(await api(n1).get('/users/search?q=ppl'), 401, 'unauthorized', 'anonymous');
  assertError(await api(n2).get('/users/all'), 401, 'unauthorized', 'anonymous /users/all');
});

test('search finds tutorial users written before the start and after it (index catches up)', T, async () => {
  assert.equal(redis.cli('ZCARD', 'chat:user_search'), '6', 'every user, the tutorial ones included, is in the search index');
  assert.deepEqual((await search(alice, 'ZE')).map((u) => u.username), ['zebra_tut', 'Zelda_Tut']);
  const id = tutorialUser('Zed_Later');
  const found = await search(bob, 'zed');
  assert.deepEqual(found, [{ id, username: 'Zed_Later', online: false, role: 'user' }]);
  // and a registration after that still refuses the name case-insensitively
  assertError(await api(n1).post('/register', { username: 'zed_later', password: 'password123' }), 409, 'conflict');
  assert.equal((await login(n2, 'zed_later')).user.id, id);
});

test('GET /users/all: pages by id, no duplicate and no gap, bad parameters → 400', T, async () => {
  for (let i = 0; i < 12; i += 1) tutorialUser(`bulk_${String(i).padStart(2, '0')}`);
  const total = Number(redis.cli('GET', 'total_users'));
  const seen = [];
  let after = '';
  for (let page = 0; page < 50; page += 1) {
    const res = await alice.get(`/users/all?limit=4${after ? `&after=${after}` : ''}`);
    assertStatus(res, 200, `page ${page}`);
    checkRows(res.json.users, `page ${page}`);
    assert.ok(res.json.users.length <= 4);
    seen.push(...res.json.users.map((u) => Number(u.id)));
    if (res.json.next === null) break;
    assert.equal(typeof res.json.next, 'string');
    after = res.json.next;
  }
  const expected = Array.from({ length: total }, (_, i) => i + 1);
  assert.deepEqual(seen, expected, 'every id once, ascending');
  const first = await alice.get('/users/all');
  assertStatus(first, 200, 'defaults');
  assert.equal(first.json.users.length, total);
  assert.equal(first.json.next, null);
  for (const bad of ['after=abc', 'after=-1', 'after=01', 'limit=0', 'limit=101', 'limit=x']) {
    assertError(await alice.get(`/users/all?${bad}`), 400, 'bad_request', bad);
  }
  assert.deepEqual((await alice.get(`/users/all?after=${total}`)).json, { users: [], next: null });
});

test('GET /room/{id}/members: channel, DM and General for members; 403 for others, 404 unknown', T, async () => {
  const ch = await alice.post('/rooms', { name: 'people-room' });
  assertStatus(ch, 201, 'create channel');
  assertStatus(await bob.post(`/rooms/${ch.json.id}/join`), 200, 'bob joins');
  const m = await bob.get(`/room/${ch.json.id}/members`);
  assertStatus(m, 200, 'members');
  checkRows(m.json.members, 'members');
  assert.equal(m.json.roomId, ch.json.id);
  assert.equal(m.json.count, 2);
  assert.equal(m.json.everyone, false);
  assert.deepEqual(m.json.members.map((u) => u.username), ['Ppl_Alice', 'PPL_Bob']);
  assertError(await carol.get(`/room/${ch.json.id}/members`), 403, 'forbidden', 'non-member');
  assertError(await carol.get('/room/999999/members'), 404, 'not_found', 'unknown channel');
  assertError(await api(n1).get(`/room/${ch.json.id}/members`), 401, 'unauthorized', 'anonymous');

  const dm = await alice.post('/room', { user1: alice.user.id, user2: alan.user.id });
  assertStatus(dm, 201, 'dm');
  const dmm = await alan.get(`/room/${dm.json.id}/members`);
  assertStatus(dmm, 200, 'dm members');
  assert.deepEqual(dmm.json.members.map((u) => u.id).sort(), [alice.user.id, alan.user.id].sort());
  assertError(await bob.get(`/room/${dm.json.id}/members`), 403, 'forbidden', 'dm non-member');

  const g = await carol.get('/room/0/members');
  assertStatus(g, 200, 'general');
  assert.equal(g.json.everyone, true);
  assert.equal(g.json.count, Number(redis.cli('GET', 'total_users')));
  assert.ok(g.json.members.every((u) => u.online), 'General lists online users');
});

test('online state across nodes: Bob connected to n2 is online in search and members asked on n1', T, async () => {
  const ws = await WsClient.connect(n2.port, { client: bob, label: 'bob@n2' });
  await ws.ping();
  await waitFor(async () => (await search(alice, 'ppl_bob'))[0]?.online === true, { timeout: 10000, what: 'bob online on n1' });
  const g = await alice.get('/room/0/members');
  assert.ok(g.json.members.some((u) => u.id === bob.user.id && u.online), 'General members list Bob');
  const page = await alice.get(`/users/all?after=${Number(bob.user.id) - 1}&limit=1`);
  assert.deepEqual(page.json.users, [{ id: bob.user.id, username: 'PPL_Bob', online: true, role: 'user' }]);
  await ws.close();
  await waitFor(async () => (await search(alice, 'ppl_bob'))[0]?.online === false, { timeout: 10000, what: 'bob offline after close' });
});
