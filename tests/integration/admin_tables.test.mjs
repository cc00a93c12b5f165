// The admin panel's tables (issue 23): GET /admin/users and GET /admin/rooms on a real node and Redis.
// Users: every user by lower-case name, case-insensitive prefix search, cursor paging, `created` (set at
// registration; null for older users), `lastSeen` (set when the last connection goes), `online`, and
// the ban / mutes in force. Rooms: every channel (public and private, newest first) with its settings
// (chat:room:{id}:meta), members, messages and last activity. Admins and moderators only (401 / 403);
// bad parameters answer 400. The page GET /admin loads for moderators too; /admin/stats stays admin-only.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { cleanup, assertStatus, assertError, register, startNode, waitFor } from './lib/harness.mjs';
import { WsClient, closeAllLive } from './lib/live.mjs';
import { startCluster } from './lib/cluster.mjs';

const T = { timeout: 60000 };

let redis;
let node;
let admin;
let mod;
let plain;
let tag; // a unique lower-case name prefix of this run's table users
let one; let two; let three; // users named <Tag>One, <tag>two, <tag>Three
let t0;

after(async () => { await closeAllLive(); await cleanup(); });

const users = (who, query) => who.get(`/admin/users${query}`);
const rooms = (who, query) => who.get(`/admin/rooms${query}`);

test('setup: an admin, a moderator, a plain user and three users sharing a name prefix', T, async () => {
  let nodes;
  ({ redis, nodes } = await startCluster({ n: 1, prefix: 'at' }));
  node = nodes[0];
  admin = await register(node, `boss_${Math.random().toString(16).slice(2, 8)}`);
  assert.equal(admin.user.role, 'admin');
  mod = await register(node, `mod_${Math.random().toString(16).slice(2, 8)}`);
  plain = await register(node, `pat_${Math.random().toString(16).slice(2, 8)}`);
  assertStatus(await admin.request('PUT', `/admin/users/${mod.user.id}/role`, { body: { role: 'moderator' } }), 200, 'make a moderator');
  tag = `tbl${Math.random().toString(36).slice(2, 7)}`;
  t0 = Date.now();
  one = await register(node, `${tag.toUpperCase()}One`);
  two = await register(node, `${tag}two`);
  three = await register(node, `${tag}Three`);
});

test('GET /admin/users: rows by name with created, presence and no moderation state; search ignores case', T, async () => {
  const res = await users(admin, `?q=${tag.toUpperCase()}`);
  assertStatus(res, 200, 'users');
  assert.equal(res.json.next, null);
  assert.deepEqual(res.json.users.map((u) => u.id), [one.user.id, three.user.id, two.user.id], 'lower-case name order');
  const now = Date.now();
  for (const u of res.json.users) {
    assert.deepEqual(Object.keys(u).sort(), ['banned', 'created', 'id', 'lastSeen', 'muted', 'online', 'role', 'username'].sort());
    assert.equal(u.role, 'user');
    assert.equal(u.online, false);
    assert.equal(u.lastSeen, null, 'never connected');
    assert.ok(Number.isInteger(u.created) && u.created >= t0 - 2000 && u.created <= now + 2000, `created ${u.created}`);
    assert.equal(u.banned, null);
    assert.deepEqual(u.muted, []);
  }
  assert.equal(res.json.users[0].username, `${tag.toUpperCase()}One`);
  // without q: every user (admin, moderator and plain included), the moderator with its role
  const all = await users(admin, '');
  assertStatus(all, 200, 'all users');
  assert.equal(all.json.users.length, 6);
  assert.equal(all.json.users.find((u) => u.id === mod.user.id).role, 'moderator');
  assert.equal(all.json.users.find((u) => u.id === admin.user.id).role, 'admin');
});

test('paging: limit and after walk the rows once each; a user without `created` (older) shows null', T, async () => {
  const p1 = await users(admin, `?q=${tag}&limit=2`);
  assertStatus(p1, 200, 'page 1');
  assert.deepEqual(p1.json.users.map((u) => u.id), [one.user.id, three.user.id]);
  assert.equal(typeof p1.json.next, 'string');
  const p2 = await users(admin, `?q=${tag}&limit=2&after=${encodeURIComponent(p1.json.next)}`);
  assertStatus(p2, 200, 'page 2');
  assert.deepEqual(p2.json.users.map((u) => u.id), [two.user.id]);
  assert.equal(p2.json.next, null);
  // no q: pages of 1 cover every user exactly once
  const seen = [];
  let after = null;
  for (let i = 0; i < 20; i++) {
    const r = await users(admin, `?limit=1${after ? `&after=${encodeURIComponent(after)}` : ''}`);
    assertStatus(r, 200, `page ${i}`);
    seen.push(...r.json.users.map((u) => u.id));
    after = r.json.next;
    if (after === null) break;
  }
  assert.equal(seen.length, 6);
  assert.equal(new Set(seen).size, 6);
  redis.cli('HDEL', `user:${two.user.id}`, 'created');
  const r = await users(admin, `?q=${tag}two`);
  assert.equal(r.json.users[0].created, null);
});

test('lastSeen is set when the last connection goes; online while connected', T, async () => {
  const ws = await WsClient.connect(node.port, { client: one, label: 'one' });
  await waitFor(async () => (await users(admin, `?q=${tag}one`)).json.users[0].online === true, { timeout: 5000, what: 'online' });
  const before = Date.now();
  await ws.close();
  let row;
  await waitFor(async () => {
    row = (await users(admin, `?q=${tag}one`)).json.users[0];
    return row.online === false && row.lastSeen !== null;
  }, { timeout: 5000, what: 'offline with lastSeen' });
  assert.ok(row.lastSeen >= before - 1000 && row.lastSeen <= Date.now() + 1000, `lastSeen ${row.lastSeen}`);
});

test('lastSeen is also set when the node holding the last connection dies (the reaper of a live node)', T, async () => {
  const n2 = await startNode({ redisUrl: redis.url, serverId: `at-dead-${process.pid}` });
  const ws = await WsClient.connect(n2.port, { client: three.on(n2), label: 'three@2' });
  await waitFor(async () => (await users(admin, `?q=${tag}three`)).json.users[0].online === true, { timeout: 5000, what: 'online on node 2' });
  assert.equal((await users(admin, `?q=${tag}three`)).json.users[0].lastSeen, null);
  const killed = Date.now();
  await n2.kill(); // SIGKILL: no offline transition of its own
  ws.close().catch(() => {});
  let row;
  await waitFor(async () => {
    row = (await users(admin, `?q=${tag}three`)).json.users[0];
    return row.online === false;
  }, { timeout: 20000, interval: 200, what: 'reaped offline' });
  assert.ok(row.lastSeen >= killed - 1000 && row.lastSeen <= Date.now() + 1000, `lastSeen ${row.lastSeen} after the reap`);
});

test('bans and mutes in force are in the rows; lifted ones are not', T, async () => {
  const until = Date.now() + 3600000;
  assertStatus(await mod.post(`/admin/users/${two.user.id}/ban`, { reason: 'spam <b>', until }), 200, 'ban');
  assertStatus(await mod.post(`/admin/users/${three.user.id}/mute`, {}), 200, 'mute everywhere');
  assertStatus(await mod.post(`/admin/users/${three.user.id}/mute`, { roomId: '0', until }), 200, 'mute in General');
  let r = await users(mod, `?q=${tag}`);
  assertStatus(r, 200, 'users as a moderator');
  const byId = new Map(r.json.users.map((u) => [u.id, u]));
  assert.deepEqual(byId.get(two.user.id).banned, { reason: 'spam <b>', until });
  const muted = byId.get(three.user.id).muted.sort((a, b) => String(a.roomId).localeCompare(String(b.roomId)));
  assert.deepEqual(muted, [{ roomId: '0', until }, { roomId: null, until: null }]);
  assert.equal(byId.get(one.user.id).banned, null);
  assertStatus(await mod.request('DELETE', `/admin/users/${two.user.id}/ban`), 200, 'unban');
  assertStatus(await mod.request('DELETE', `/admin/users/${three.user.id}/mute`), 200, 'unmute everywhere');
  r = await users(admin, `?q=${tag}`);
  const after = new Map(r.json.users.map((u) => [u.id, u]));
  assert.equal(after.get(two.user.id).banned, null);
  assert.deepEqual(after.get(three.user.id).muted, [{ roomId: '0', until }]);
});

test('GET /admin/rooms: channels newest first with settings, members, messages and last activity', T, async () => {
  const made = [];
  for (const n of ['Alpha', 'beta', 'Gamma']) {
    const res = await plain.post('/rooms', { name: `${tag}${n}` });
    assertStatus(res, 201, `create ${n}`);
    made.push(res.json.id);
  }
  assertStatus(await one.post(`/rooms/${made[0]}/join`), 200, 'join');
  const t1 = Date.now();
  for (const text of ['a', 'b']) assertStatus(await plain.post(`/room/${made[0]}/messages`, { message: text }), 201, 'send');
  // a private channel with its settings (the keys of channel management, issue 23)
  redis.cli('SREM', 'chat:channels', made[1]);
  redis.cli('SADD', 'chat:private_channels', made[1]);
  redis.cli('HSET', `chat:room:${made[1]}:meta`, 'owner', plain.user.id, 'topic', 'secret "plans"', 'private', '1', 'archived', String(Date.now()));
  const res = await rooms(mod, `?q=${tag.toUpperCase()}`);
  assertStatus(res, 200, 'rooms');
  assert.equal(res.json.next, null);
  assert.deepEqual(res.json.rooms.map((r) => r.id), [...made].reverse(), 'newest first');
  const [gamma, beta, alpha] = res.json.rooms;
  assert.deepEqual(Object.keys(alpha).sort(), ['archived', 'id', 'lastActivity', 'members', 'messages', 'name', 'owner', 'ownerName', 'private', 'topic'].sort());
  assert.equal(alpha.name, `${tag}Alpha`);
  assert.equal(alpha.members, 2);
  assert.equal(alpha.messages, 2);
  assert.ok(alpha.lastActivity >= t1 - 1000 && alpha.lastActivity <= Date.now() + 1000, `lastActivity ${alpha.lastActivity}`);
  assert.equal(alpha.private, false);
  assert.equal(alpha.archived, false);
  assert.equal(gamma.messages, 0);
  assert.equal(gamma.lastActivity, null);
  assert.deepEqual({ p: beta.private, a: beta.archived, t: beta.topic, o: beta.owner, n: beta.ownerName },
    { p: true, a: true, t: 'secret "plans"', o: plain.user.id, n: plain.user.username });
  // paging
  const p1 = await rooms(admin, `?q=${tag}&limit=2`);
  assert.deepEqual(p1.json.rooms.map((r) => r.id), [made[2], made[1]]);
  assert.equal(typeof p1.json.next, 'string');
  const p2 = await rooms(admin, `?q=${tag}&limit=2&after=${p1.json.next}`);
  assert.deepEqual(p2.json.rooms.map((r) => r.id), [made[0]]);
  // without q every channel is listed; General and DMs are not channels here
  const all = await rooms(admin, '');
  assert.deepEqual(all.json.rooms.map((r) => r.id), [...made].reverse());
});

test('channels made through the channel routes: private, owner, archived as PATCH /rooms/{id} leaves them', T, async () => {
  const made = await plain.post('/rooms', { name: `${tag}Secret`, private: true, topic: 'the plan' });
  assertStatus(made, 201, 'create a private channel');
  const id = made.json.id;
  assertStatus(await plain.request('PATCH', `/rooms/${id}`, { body: { archived: true } }), 200, 'archive');
  let row = (await rooms(admin, `?q=${tag}secret`)).json.rooms[0];
  assert.deepEqual({ id: row.id, p: row.private, a: row.archived, t: row.topic, o: row.owner, n: row.ownerName, m: row.members },
    { id, p: true, a: true, t: 'the plan', o: plain.user.id, n: plain.user.username, m: 1 });
  assertStatus(await plain.request('PATCH', `/rooms/${id}`, { body: { archived: false, private: false } }), 200, 'unarchive, make public');
  row = (await rooms(admin, `?q=${tag}secret`)).json.rooms[0];
  assert.deepEqual({ p: row.private, a: row.archived }, { p: false, a: false });
  assertStatus(await plain.request('DELETE', `/rooms/${id}`), 200, 'delete');
  assert.deepEqual((await rooms(admin, `?q=${tag}secret`)).json.rooms, [], 'a deleted channel is no row');
});

test('who may read the tables: no session 401, a plain user 403; bad parameters 400', T, async () => {
  for (const path of ['/admin/users', '/admin/rooms']) {
    assertError(await plain.get(path), 403, 'forbidden', `${path} as a user`);
    assertError(await register(node).then((c) => c.get(path)), 403, 'forbidden', `${path} as a new user`);
    const anon = await fetch(`http://127.0.0.1:${node.port}${path}`);
    assert.equal(anon.status, 401, `${path} without a session`);
    for (const q of ['?limit=0', '?limit=101', '?limit=x', `?q=${'a'.repeat(65)}`, '?after=nonsense']) {
      assertError(await admin.get(`${path}${q}`), 400, 'bad_request', `${path}${q}`);
    }
  }
  // the page itself loads for moderators (it hides the admin-only parts); the node stats stay admin-only
  const page = await mod.get('/admin', { headers: { Accept: 'text/html' } });
  assertStatus(page, 200, 'GET /admin as a moderator');
  assert.match(page.text, /admin\.js/);
  assertStatus(await mod.get('/admin/'), 200, 'GET /admin/ as a moderator (JSON client)');
  assertError(await mod.get('/admin/stats'), 403, 'forbidden', '/admin/stats as a moderator');
  // a cursor of another prefix is not a cursor of this search
  assertError(await admin.get(`/admin/users?q=zzz&after=${encodeURIComponent(`${one.user.id}:${tag}one`)}`), 400, 'bad_request', 'cursor outside q');
});
