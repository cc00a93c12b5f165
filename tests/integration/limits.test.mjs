// Per-user limits (issue 20.4, docs/protocol.md §1 and §2.1), with the nodes' default options:
// * --max-connections-per-user 20, cluster-wide: 20 WS + SSE connections spread over two nodes, the
//   21st (WS or SSE, either node) refused before the upgrade with 429 too_many_connections; a closed
//   connection frees its slot at once; a kill -9'd node's slots are freed when it is reaped.
// * --channel-creations-per-hour 10: the 11th creation within the hour is 429 rate_limited with
//   Retry-After; admins are exempt.
// * --max-rooms-per-user 500: joining, creating or opening a DM beyond it is 403 too_many_rooms; a DM
//   someone else opens still arrives; leaving a channel makes room.
// * GET /rooms/public?limit=&after=&q=: pages in name order (case-insensitive) that walk 250+ channels
//   exactly once, also channels written without the name index (older nodes); no parameters = the
//   plain array of old clients.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startRedis, startNode, cleanup, register, assertError, assertStatus, uniqueName, waitFor,
} from './lib/harness.mjs';
import { WsClient, SseClient, closeAllLive } from './lib/live.mjs';

const T = { timeout: 120000 };
const MAX_CONNECTIONS = 20;
const CREATIONS_PER_HOUR = 10;
const MAX_ROOMS = 500;

let redis;
let n1;
let n2;
let admin;
let U; // holds MAX_CONNECTIONS connections
let V; // another user, never limited by U
let held = []; // U's open connections: {client, node}

after(async () => {
  await closeAllLive();
  await cleanup();
});

// Channels as a node without the name index (or the tutorial era) wrote them; `uid` (optional) joins each.
const LEGACY_CHANNELS = `
local uid, n, prefix = ARGV[1], tonumber(ARGV[2]), ARGV[3]
local ids = {}
for i = 1, n do
  local id = tostring(redis.call('INCR', 'chat:room_seq'))
  local name = prefix .. i
  redis.call('SET', 'room:' .. id .. ':name', name)
  redis.call('SADD', 'chat:channels', id)
  redis.call('HSET', 'chat:channel_names', string.lower(name), id)
  if uid ~= '' then
    redis.call('SADD', 'room:' .. id .. ':members', uid)
    redis.call('SADD', 'user:' .. uid .. ':rooms', id)
  end
  ids[#ids + 1] = id
end
return ids`;

function legacyChannels(uid, n, prefix) {
  return redis.cli('EVAL', LEGACY_CHANNELS, 0, uid, n, prefix).split('\n').filter(Boolean);
}

/** Opens one connection of `client` on `node`: kind 'ws' or 'sse'. Rejects with err.status/err.json when refused. */
function connect(kind, node, client, label) {
  return kind === 'ws'
    ? WsClient.connect(node.port, { client, label, timeout: 10000 })
    : SseClient.connect(node.port, { client, label, timeout: 10000 });
}

async function assertRefused(kind, node, client, what) {
  let err = null;
  let opened = null;
  try {
    opened = await connect(kind, node, client, `${what}`);
  } catch (e) {
    err = e;
  }
  if (opened) {
    await opened.close();
    assert.fail(`${what}: the connection was accepted (expected 429 too_many_connections before the upgrade)`);
  }
  assert.equal(err?.status, 429, `${what}: HTTP status (${err?.message})`);
  assert.equal(err.json?.error, 'too_many_connections', `${what}: error code in ${err.body}`);
  assert.ok(typeof err.json?.message === 'string' && err.json.message.length > 0, `${what}: message`);
}

async function closeConn(c) {
  if (c instanceof WsClient) await c.close();
  else await c.close();
}

/** ASCII lower case (what the server compares names with). */
const lowerAscii = (s) => s.replace(/[A-Z]/g, (c) => c.toLowerCase());
const byteOrder = (a, b) => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return Buffer.compare(x, y);
};

/** Walks GET /rooms/public page by page; returns the channels in order and the pages' sizes. */
async function walk(client, { limit, q } = {}) {
  const out = [];
  const sizes = [];
  let after = null;
  for (let pages = 0; ; pages++) {
    assert.ok(pages < 1000, 'the walk ends');
    const params = new URLSearchParams();
    if (limit !== undefined) params.set('limit', String(limit));
    if (q !== undefined) params.set('q', q);
    if (after !== null) params.set('after', after);
    if ([...params.keys()].length === 0) params.set('limit', '50');
    const res = await client.get(`/rooms/public?${params}`);
    assertStatus(res, 200, `page ${pages} (${params})`);
    assert.ok(res.json && Array.isArray(res.json.channels), `paged shape {channels, next}: ${res.text.slice(0, 200)}`);
    assert.ok(res.json.next === null || typeof res.json.next === 'string', 'next is a string or null');
    out.push(...res.json.channels);
    sizes.push(res.json.channels.length);
    if (res.json.next === null) return { channels: out, sizes };
    assert.equal(res.json.next, res.json.channels[res.json.channels.length - 1].id, 'next = the id of the page\'s last channel');
    after = res.json.next;
  }
}

test('setup: Redis, two nodes with default limits, users', T, async () => {
  redis = await startRedis();
  [n1, n2] = await Promise.all([
    startNode({ redisUrl: redis.url, args: ['--bcrypt-cost', '4'] }),
    startNode({ redisUrl: redis.url, args: ['--bcrypt-cost', '4'] }),
  ]);
  admin = await register(n1, uniqueName('admin')); // the first user is an admin
  assert.equal(admin.user.role, 'admin');
  U = await register(n1, uniqueName('conns'));
  V = await register(n2, uniqueName('other'));
});

test(`connections: ${MAX_CONNECTIONS} WS + SSE over two nodes are accepted; the 21st (WS or SSE, either node) is 429 too_many_connections before the upgrade`, T, async () => {
  // 8 WS + 4 SSE on node 1, 5 WS + 3 SSE on node 2.
  const plan = [
    ...Array.from({ length: 8 }, () => ['ws', n1]), ...Array.from({ length: 4 }, () => ['sse', n1]),
    ...Array.from({ length: 5 }, () => ['ws', n2]), ...Array.from({ length: 3 }, () => ['sse', n2]),
  ];
  assert.equal(plan.length, MAX_CONNECTIONS);
  for (const [i, [kind, node]] of plan.entries()) {
    const c = await connect(kind, node, U.on(node), `U#${i} ${kind}@${node === n1 ? 'n1' : 'n2'}`);
    held.push({ client: c, node, kind });
  }
  await assertRefused('ws', n1, U.on(n1), '21st: WS on node 1');
  await assertRefused('ws', n2, U.on(n2), '21st: WS on node 2');
  await assertRefused('sse', n1, U.on(n1), '21st: SSE on node 1');
  await assertRefused('sse', n2, U.on(n2), '21st: SSE on node 2');
  // Refusals take no slot, and the held connections still work.
  await held[0].client.ping();
  // Another user is not affected.
  const v = await connect('ws', n2, V, 'V on node 2');
  await v.ping();
  await v.close();
  const slots = redis.cli('HLEN', `chat:user:${U.user.id}:conns`);
  assert.equal(Number(slots), MAX_CONNECTIONS, 'one slot per open connection in Redis');
});

test('connections: a closed connection frees its slot at once (WS closed on node 1 → WS on node 2; SSE closed → WS)', T, async () => {
  for (const kind of ['ws', 'sse']) {
    const i = held.findIndex((h) => h.kind === kind && h.node === n1);
    const [gone] = held.splice(i, 1);
    await closeConn(gone.client);
    const t0 = Date.now();
    let c = null;
    let lastErr = null;
    while (!c && Date.now() - t0 < 3000) {
      try {
        c = await connect('ws', n2, U.on(n2), `replacement for a closed ${kind}`);
      } catch (e) {
        lastErr = e;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    assert.ok(c, `a slot freed within 3 s of closing a ${kind} connection (last refusal: ${lastErr?.message})`);
    const ms = Date.now() - t0;
    console.log(`slot of a closed ${kind} connection reused after ${ms} ms`);
    assert.ok(ms < 1000, `the slot is free at once (took ${ms} ms)`);
    held.push({ client: c, node: n2, kind: 'ws' });
    await assertRefused('ws', n1, U.on(n1), `full again after replacing the ${kind}`);
  }
});

test(`channel creations: a user's ${CREATIONS_PER_HOUR + 1}th within the hour is 429 rate_limited with Retry-After; admins are exempt`, T, async () => {
  const C = await register(n1, uniqueName('creator'));
  for (let i = 0; i < CREATIONS_PER_HOUR; i++) {
    assertStatus(await C.post('/rooms', { name: uniqueName(`cr${i}`) }), 201, `creation ${i + 1}`);
  }
  const over = await C.post('/rooms', { name: uniqueName('over') });
  assertError(over, 429, 'rate_limited', `creation ${CREATIONS_PER_HOUR + 1}`);
  const retry = Number(over.headers['retry-after']);
  assert.ok(Number.isInteger(retry) && retry >= 3500 && retry <= 3600, `Retry-After is the rest of the hour in seconds: ${over.headers['retry-after']}`);
  // Also through the other node (the limit lives in Redis), and a refused attempt creates nothing.
  assertError(await C.on(n2).post('/rooms', { name: 'never-created' }), 429, 'rate_limited', 'on node 2');
  const listed = await C.get('/rooms/public?q=never-created');
  assertStatus(listed, 200, 'search');
  assert.deepEqual(listed.json.channels, [], 'the refused channel does not exist');
  for (let i = 0; i <= CREATIONS_PER_HOUR; i++) {
    assertStatus(await admin.post('/rooms', { name: uniqueName(`adm${i}`) }), 201, `admin creation ${i + 1}`);
  }
});

test('GET /rooms/public pages: 250 channels (plus some written without the index) walked exactly once, in name order; search by prefix; bad parameters 400; no parameters = the old array', T, async () => {
  // 25 users create 10 channels each (their hourly allowance), with mixed-case names.
  const creators = await Promise.all(Array.from({ length: 25 }, (_, i) => register(i % 2 ? n1 : n2, uniqueName(`pg${i}`))));
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  const created = [];
  await Promise.all(creators.map(async (c, i) => {
    for (let k = 0; k < 10; k++) {
      const first = letters[(i * 7 + k * 3) % 26];
      const name = `${k % 2 ? first.toUpperCase() : first}${k % 3 ? 'Page' : 'page'}-${i}-${k}-${uniqueName('x').slice(2)}`;
      const res = await c.post('/rooms', { name });
      assertStatus(res, 201, `create ${name}`);
      created.push(res.json);
    }
  }));
  assert.equal(created.length, 250);
  legacyChannels('', 7, 'Legacy-Zeta-');
  const all = redis.cli('SMEMBERS', 'chat:channels').split('\n').filter(Boolean);
  assert.ok(all.length >= 257, `at least 257 channels (${all.length})`);

  for (const limit of [50, 7, 100]) {
    const { channels, sizes } = await walk(V, { limit });
    const ids = channels.map((c) => c.id);
    assert.equal(new Set(ids).size, ids.length, `limit ${limit}: no channel twice`);
    assert.deepEqual([...ids].sort(), [...all].sort(), `limit ${limit}: every channel once`);
    assert.ok(sizes.slice(0, -1).every((s) => s === limit), `limit ${limit}: full pages but the last (${sizes.join(',')})`);
    for (let i = 1; i < channels.length; i++) {
      assert.ok(byteOrder(lowerAscii(channels[i - 1].name), lowerAscii(channels[i].name)) < 0,
        `limit ${limit}: name order at ${i}: ${channels[i - 1].name} before ${channels[i].name}`);
    }
    for (const c of channels) assert.deepEqual(Object.keys(c).sort(), ['id', 'joined', 'members', 'name']);
  }
  // The default page is 50.
  const first = await V.get('/rooms/public?after=');
  assertStatus(first, 200, 'default page');
  assert.equal(first.json.channels.length, 50);

  // Prefix search, case-insensitive, paged too.
  const zeta = await walk(V, { limit: 3, q: 'LEGACY-zeta' });
  assert.deepEqual(zeta.channels.map((c) => c.name).sort(), Array.from({ length: 7 }, (_, i) => `Legacy-Zeta-${i + 1}`).sort());
  const one = created[0];
  const found = await V.get(`/rooms/public?q=${encodeURIComponent(one.name.toUpperCase())}`);
  assertStatus(found, 200, 'search one');
  assert.deepEqual(found.json, { channels: [{ id: one.id, name: one.name, members: 1, joined: false }], next: null });

  // Bad parameters.
  for (const q of ['limit=0', 'limit=101', 'limit=x', 'after=abc', 'after=1:2', `after=${10 ** 12}`, `q=${'x'.repeat(65)}`, 'q=%01']) {
    assertError(await V.get(`/rooms/public?${q}`), 400, 'bad_request', q);
  }
  // Without parameters: the old shape, a plain array (the first 1,000 by name).
  const plain = await V.get('/rooms/public');
  assertStatus(plain, 200, 'unpaged');
  assert.ok(Array.isArray(plain.json), 'a plain array without parameters');
  assert.deepEqual(plain.json.map((c) => c.id).sort(), [...all].sort());
});

test(`rooms per user: at ${MAX_ROOMS} rooms (General aside) joining, creating and opening a DM are 403 too_many_rooms; others' DMs still arrive; leaving makes room`, T, async () => {
  const R = await register(n1, uniqueName('rooms'));
  const S = await register(n2, uniqueName('dmpeer'));
  const W = await register(n1, uniqueName('dmpeer2'));
  const mine = legacyChannels(R.user.id, MAX_ROOMS - 1, `${R.user.username}-r`);
  const target = await admin.post('/rooms', { name: uniqueName('target') });
  assertStatus(target, 201, 'a channel to join');
  const extra = await admin.post('/rooms', { name: uniqueName('extra') });
  assertStatus(extra, 201, 'another channel');
  // 499 rooms: one more is fine.
  assertStatus(await R.post(`/rooms/${target.json.id}/join`), 200, `join as room ${MAX_ROOMS}`);
  assertError(await R.post(`/rooms/${extra.json.id}/join`), 403, 'too_many_rooms', `join as room ${MAX_ROOMS + 1}`);
  assertError(await R.on(n2).post(`/rooms/${extra.json.id}/join`), 403, 'too_many_rooms', 'the same on node 2');
  assertError(await R.post('/rooms', { name: uniqueName('mine') }), 403, 'too_many_rooms', 'create');
  assertError(await R.post('/room', { user1: R.user.id, user2: S.user.id }), 403, 'too_many_rooms', 'R opens a DM');
  assertStatus(await R.post(`/rooms/${target.json.id}/join`), 200, 'joining a channel R is in again');
  // Someone else's DM is never refused (nobody can be locked out of DMs); it counts.
  const dm = await S.post('/room', { user1: S.user.id, user2: R.user.id });
  assertStatus(dm, 201, 'S opens a DM with R');
  assertStatus(await R.post('/room', { user1: R.user.id, user2: S.user.id }), 200, 'R opens the DM that exists');
  assertError(await R.post('/room', { user1: W.user.id, user2: R.user.id }), 403, 'too_many_rooms', 'R opens another DM');
  const rooms = await R.get(`/rooms/${R.user.id}`);
  assertStatus(rooms, 200, 'R\'s rooms');
  assert.equal(rooms.json.length, 1 + MAX_ROOMS + 1, 'General + 500 + the DM S opened');
  assert.ok(!rooms.json.some((r) => r.id === extra.json.id), 'the refused join did not happen');
  // Leaving two channels makes room for one (the DM S opened is the 501st).
  assertStatus(await R.post(`/rooms/${mine[0]}/leave`), 200, 'leave one');
  assertError(await R.post(`/rooms/${extra.json.id}/join`), 403, 'too_many_rooms', 'still at 500');
  assertStatus(await R.post(`/rooms/${mine[1]}/leave`), 200, 'leave another');
  assertStatus(await R.post(`/rooms/${extra.json.id}/join`), 200, 'join after leaving');
});

test('connections: a kill -9\'d node\'s slots are freed when it is reaped (node 1 then takes exactly as many)', T, async () => {
  const onN2 = held.filter((h) => h.node === n2).length;
  assert.ok(onN2 > 0);
  await n2.kill();
  const t0 = Date.now();
  const fresh = [];
  fresh.push(await waitFor(async () => {
    try { return await connect('ws', n1, U.on(n1), 'after the kill'); } catch { return null; }
  }, { timeout: 20000, interval: 250, what: 'a slot of the killed node to be freed' }));
  console.log(`first slot of the killed node free after ${Date.now() - t0} ms`);
  for (let i = 1; i < onN2; i++) fresh.push(await connect(i % 2 ? 'sse' : 'ws', n1, U.on(n1), `after the kill #${i}`));
  await assertRefused('ws', n1, U.on(n1), `${MAX_CONNECTIONS} again after taking over the ${onN2} slots`);
  // The reaper deletes the dead node's slots (not only ignores them).
  await waitFor(() => !redis.cli('HVALS', `chat:user:${U.user.id}:conns`).split('\n').includes(n2.serverId),
    { timeout: 15000, what: 'the killed node\'s slots deleted' });
  assert.equal(redis.cli('EXISTS', `chat:node:${n2.serverId}:conn_users`), '0', 'its index is gone');
  for (const c of fresh) await closeConn(c);
});

test('connections: a node restarted with the same server id right after a kill -9 frees the slots of its previous life', T, async () => {
  const serverId = `limits-restart-${process.pid}`;
  let n3 = await startNode({ redisUrl: redis.url, serverId, args: ['--bcrypt-cost', '4'] });
  const onN1 = Number(redis.cli('HLEN', `chat:user:${U.user.id}:conns`));
  const room = MAX_CONNECTIONS - onN1;
  assert.ok(room > 0, `U has room on node 3 (${onN1} slots held)`);
  for (let i = 0; i < room; i++) await connect(i % 2 ? 'sse' : 'ws', n3, U.on(n3), `U on node 3 #${i}`);
  await assertRefused('ws', n1, U.on(n1), 'full with node 3\'s connections');
  await n3.kill();
  const t0 = Date.now();
  n3 = await startNode({ redisUrl: redis.url, serverId, args: ['--bcrypt-cost', '4'] });
  const restartMs = Date.now() - t0;
  console.log(`node 3 ready again ${restartMs} ms after the kill`);
  // The old life's heartbeat is renewed by the new one, so only the restart's reset frees its slots.
  const fresh = [];
  for (let i = 0; i < room; i++) fresh.push(await connect('ws', n3, U.on(n3), `U on node 3 again #${i}`));
  await assertRefused('ws', n3, U.on(n3), 'full again');
  for (const c of fresh) await closeConn(c);
  await n3.stop();
});

test('shutdown: SIGTERM → exit 0', T, async () => {
  await closeAllLive();
  await n1.stop();
});
