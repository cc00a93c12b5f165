// Tutorial compatibility: a Redis laid out exactly as the Redis chat tutorial writes it
// (seed-protocol.md §3.1: keys, bcrypt $2b$10$ hashes, zset scores in seconds, HTML-escaped text,
// float dates) works with chatnode, and what chatnode writes stays readable by the tutorial.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  startRedis, startNode, cleanup, api, login, uniqueName, assertError, assertStatus, allMessages,
} from './lib/harness.mjs';

const T = { timeout: 60000 };
// Fallback: bcrypt("password123", cost 10) generated with python3 crypt (METHOD_BLOWFISH, rounds=1024).
const FALLBACK_HASH = '$2b$10$k2TZivkoCjD5rTNwQqGFfeuI8xLCd4b8EdQYsKb0F8rzY9YprRi1O';

function python(code) {
  const r = spawnSync('python3', ['-W', 'ignore', '-c', code], { encoding: 'utf8', timeout: 15000 });
  if (r.error || r.status !== 0) return null;
  return r.stdout.trim();
}

function bcryptHash(pw) {
  const h = python(`import crypt;print(crypt.crypt(${JSON.stringify(pw)}, crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=1024)))`);
  return h && h.startsWith('$2b$10$') && h.length === 60 ? h : null;
}

/** true/false when python3 can check, null when it cannot. */
function bcryptVerify(pw, hash) {
  const r = python(`import crypt;print(crypt.crypt(${JSON.stringify(pw)}, ${JSON.stringify(hash)}) == ${JSON.stringify(hash)})`);
  return r === null ? null : r === 'True';
}

// The tutorial rows, as the tutorial writes them (score = int(date) seconds).
const GENERAL_ROWS = [
  [1615480369, '{"roomId":"0","message":"Hello!","from":1,"date":1615480369}'],
  [1615480569, '{"from":2,"date":1615480569.1234567,"message":"Hi from Joe","roomId":"0"}'],
];
const DM_ROWS = [
  [1615480400, '{"from":2,"date":1615480400.75,"message":"&lt;b&gt;bold?&lt;/b&gt; &amp; &#x27;q&#x27;","roomId":"1:2"}'],
  [1615480401, '{"roomId":"1:2","message":"Hola","from":1,"date":1615480401}'],
];

const GITHUB = 'https://github.com/example/chat';
let redis;
let node;
let pablo;
let joe;
let mary;
let hash;

after(cleanup);

test('setup: lay out Redis as the tutorial does, then start chatnode on it', T, async () => {
  hash = bcryptHash('password123') ?? FALLBACK_HASH;
  assert.match(hash, /^\$2b\$10\$/);
  redis = await startRedis();
  const r = redis;
  r.cli('SET', 'total_users', '2');
  r.cli('SET', 'room:0:name', 'General');
  r.cli('SET', 'username:Pablo', 'user:1');
  r.cli('HSET', 'user:1', 'username', 'Pablo', 'password', hash);
  r.cli('SET', 'username:Joe', 'user:2');
  r.cli('HSET', 'user:2', 'username', 'Joe', 'password', hash);
  r.cli('SADD', 'user:1:rooms', '0', '1:2');
  r.cli('SADD', 'user:2:rooms', '0', '1:2');
  for (const [score, json] of GENERAL_ROWS) r.cli('ZADD', 'room:0', String(score), json);
  for (const [score, json] of DM_ROWS) r.cli('ZADD', 'room:1:2', String(score), json);
  r.cli('SADD', 'online_users', '1');
  node = await startNode({ redisUrl: redis.url, args: ['--tutorial-github-url', GITHUB] });
});

test('Pablo logs in with password123 (tutorial bcrypt hash) → 200 {id:"1", username:"Pablo", role:"user"}', T, async () => {
  pablo = await login(node, 'Pablo', 'password123');
  assert.deepEqual(pablo.user, { id: '1', username: 'Pablo', role: 'user' });
  assertError(await api(node).post('/login', { username: 'Pablo', password: 'password124' }), 401, 'invalid_credentials');
  const lower = await login(node, 'pablo', 'password123'); // case-insensitive on tutorial users too
  assert.equal(lower.user.id, '1');
  assert.equal(lower.user.username, 'Pablo');
});

test('GET /users?ids[]=1&ids[]=2 → object keyed by id with online flags (online_users respected)', T, async () => {
  const expected = {
    1: { id: '1', username: 'Pablo', online: true },
    2: { id: '2', username: 'Joe', online: false },
  };
  const res = await pablo.get('/users?ids[]=1&ids[]=2&ids[]=99');
  assertStatus(res, 200, '/users');
  assert.deepEqual(res.json, expected, 'unknown id 99 is left out');
  const enc = await pablo.get('/users?ids%5B%5D=1&ids%5B%5D=2');
  assertStatus(enc, 200, '/users with %5B%5D');
  assert.deepEqual(enc.json, expected);
  const online = await pablo.get('/users/online');
  assertStatus(online, 200, '/users/online');
  assert.deepEqual(online.json['1'], expected['1']);
  assert.equal(online.json['2'], undefined, 'Joe is not online');
  assertError(await pablo.get('/users'), 400, 'bad_request', '/users without ids');
});

test('GET /rooms/1 lists General and the DM 1:2 with names', T, async () => {
  const res = await pablo.get('/rooms/1');
  assertStatus(res, 200, '/rooms/1');
  const rooms = [...res.json].sort((a, b) => a.id.localeCompare(b.id));
  assert.equal(rooms.length, 2, JSON.stringify(res.json));
  // The tutorial's fields, plus chatnode's read state and mute (issue #22), which the tutorial client ignores.
  const tutorial = rooms.map(({ lastRead, unread, mentions, peerRead, muted, ...r }) => r);
  assert.deepEqual(tutorial[0], { id: '0', names: ['General'] });
  assert.equal(tutorial[1].id, '1:2');
  assert.deepEqual([...tutorial[1].names].sort(), ['Joe', 'Pablo']);
  assert.deepEqual(Object.keys(tutorial[1]).sort(), ['id', 'names']);
  // Never marked: General counts as read up to its head at the first listing; a DM counts from its start.
  assert.deepEqual([rooms[0].lastRead, rooms[0].unread], [1615480569, 0]);
  assert.equal(rooms[1].lastRead, 0);
  assert.ok(rooms[1].unread > 0, JSON.stringify(rooms[1]));
});

test('history: tutorial rows normalised (id = score, from string, date integer, text unchanged)', T, async () => {
  const general = [
    { id: 1615480569, roomId: '0', from: '2', date: 1615480569, message: 'Hi from Joe' },
    { id: 1615480369, roomId: '0', from: '1', date: 1615480369, message: 'Hello!' },
  ];
  const dm = [
    { id: 1615480401, roomId: '1:2', from: '1', date: 1615480401, message: 'Hola' },
    { id: 1615480400, roomId: '1:2', from: '2', date: 1615480400, message: '&lt;b&gt;bold?&lt;/b&gt; &amp; &#x27;q&#x27;' },
  ];
  const g = await pablo.get('/room/0/messages?offset=0&size=15');
  assertStatus(g, 200, 'room 0 offset');
  assert.deepEqual(g.json, general);
  const gc = await pablo.get('/room/0/messages?limit=50');
  assertStatus(gc, 200, 'room 0 cursor');
  assert.deepEqual(gc.json, general);
  const gb = await pablo.get('/room/0/messages?before=1615480569&limit=50');
  assert.deepEqual(gb.json, general.slice(1), 'before is exclusive on tutorial ids too');
  const d = await pablo.get('/room/1:2/messages?offset=0&size=15');
  assertStatus(d, 200, 'room 1:2');
  assert.deepEqual(d.json, dm);
  const d2 = await pablo.get('/room/1%3A2/messages?offset=0&size=1');
  assertStatus(d2, 200, 'room 1%3A2 (encoded colon)');
  assert.deepEqual(d2.json, dm.slice(0, 1));
});

test('a new message gets an id larger than every tutorial score, sorts newest, and is stored tutorial-readable', T, async () => {
  const before = Math.floor(Date.now() / 1000);
  const res = await pablo.post('/room/0/messages', { message: 'new <i>text</i> & stuff' });
  assertStatus(res, 201, 'send');
  const m = res.json;
  assert.ok(Number.isInteger(m.id) && m.id > 1615480569, `id ${m.id} > old scores`);
  assert.ok(m.id > 1e12, `id ${m.id} is milliseconds-based`);
  assert.equal(m.from, '1');
  assert.equal(m.roomId, '0');
  assert.equal(m.message, 'new <i>text</i> & stuff', 'text stored exactly as sent');
  assert.ok(Math.abs(m.date - before) <= 60, `date ${m.date} is now in seconds`);
  const h = await pablo.get('/room/0/messages?offset=0&size=15');
  assert.deepEqual(h.json.map((x) => x.id), [m.id, 1615480569, 1615480369]);
  assert.deepEqual(h.json[0], { id: m.id, roomId: '0', from: '1', date: m.date, message: m.message });
  // in Redis: score = id, member is JSON with the tutorial's fields; old rows byte-for-byte unchanged
  const [member, score] = redis.cli('ZRANGE', 'room:0', '-1', '-1', 'WITHSCORES').split('\n');
  assert.equal(Number(score), m.id);
  const stored = JSON.parse(member);
  assert.equal(stored.roomId, '0');
  assert.equal(stored.message, m.message);
  assert.equal(String(stored.from), '1');
  assert.equal(Math.floor(Number(stored.date)), m.date);
  const old = redis.cli('ZRANGE', 'room:0', '0', '1').split('\n');
  assert.deepEqual(old, GENERAL_ROWS.map(([, j]) => j));
});

test('Joe logs in, sees the same DM, and sees Pablo\'s new DM message first', T, async () => {
  joe = await login(node, 'Joe', 'password123');
  assert.deepEqual(joe.user, { id: '2', username: 'Joe', role: 'user' });
  const rooms = await joe.get('/rooms/2');
  assertStatus(rooms, 200, '/rooms/2');
  assert.deepEqual(rooms.json.map((r) => r.id).sort(), ['0', '1:2']);
  const sent = await pablo.post('/room/1:2/messages', { message: 'to Joe' });
  assertStatus(sent, 201, 'DM send');
  const all = await allMessages(joe, '1:2');
  assert.deepEqual(all.map((x) => x.id), [sent.json.id, 1615480401, 1615480400]);
  assert.equal(all[0].from, '1');
  // the tutorial DM already exists: POST /room answers 200 with the same id
  const again = await joe.post('/room', { user1: '1', user2: '2' });
  assertStatus(again, 200, 'POST /room for an existing tutorial DM');
  assert.equal(again.json.id, '1:2');
  assert.deepEqual([...again.json.names].sort(), ['Joe', 'Pablo']);
});

test('registering "pablo" / "PABLO" / "joe" (different case) → 409 conflict', T, async () => {
  for (const name of ['pablo', 'PABLO', 'Pablo', 'joe']) {
    assertError(await api(node).post('/register', { username: name, password: 'password999' }), 409, 'conflict', name);
  }
  assert.equal(redis.cli('GET', 'username:pablo'), '', 'no second key created');
  assert.equal(redis.cli('HGET', 'user:1', 'password'), hash, 'Pablo\'s hash untouched');
});

test('a user registered by chatnode is written with the tutorial keys (id 3, $2b$10$ hash, General)', T, async () => {
  const name = uniqueName('Mary');
  const c = api(node);
  const res = await c.post('/register', { username: name, password: 'mary-password' });
  assertStatus(res, 201, 'register');
  assert.deepEqual(res.json, { id: '3', username: name, role: 'user' });
  c.user = res.json;
  mary = c;
  assert.equal(redis.cli('GET', 'total_users'), '3');
  assert.equal(redis.cli('GET', `username:${name}`), 'user:3');
  assert.equal(redis.cli('HGET', 'user:3', 'username'), name);
  const h = redis.cli('HGET', 'user:3', 'password');
  assert.match(h, /^\$2b\$10\$.{53}$/, 'bcrypt $2b$ cost 10');
  const ok = bcryptVerify('mary-password', h);
  if (ok !== null) assert.equal(ok, true, 'the tutorial (bcrypt) can verify the stored hash');
  assert.equal(redis.cli('SISMEMBER', 'user:3:rooms', '0'), '1');
  const rooms = await mary.get('/rooms/3');
  assertStatus(rooms, 200, '/rooms/3');
  assert.deepEqual(rooms.json.map(({ lastRead, unread, mentions, muted, ...r }) => r), [{ id: '0', names: ['General'] }]);
});

test('POST /room {user1:3,user2:1} (numbers) → 201 "1:3", written into both users\' room sets', T, async () => {
  const res = await mary.post('/room', { user1: 3, user2: 1 });
  assertStatus(res, 201, 'create DM');
  assert.equal(res.json.id, '1:3');
  assert.deepEqual([...res.json.names].sort(), [mary.user.username, 'Pablo'].sort());
  assert.equal(redis.cli('SISMEMBER', 'user:1:rooms', '1:3'), '1');
  assert.equal(redis.cli('SISMEMBER', 'user:3:rooms', '1:3'), '1');
  const sent = await mary.post('/room/1:3/messages', { message: 'hi Pablo' });
  assertStatus(sent, 201, 'send in new DM');
  assert.equal(redis.cli('ZCARD', 'room:1:3'), '1');
  const p = await pablo.get('/rooms/1');
  assert.deepEqual(p.json.map((r) => r.id).sort(), ['0', '1:2', '1:3']);
  assert.equal(redis.cli('GET', 'room:0:name'), 'General');
});

test('GET /randomname (the login form\'s suggestion) → 200, a first name as plain text (UP-node: res.send(string))', T, async () => {
  const res = await api(node).get('/randomname');
  assertStatus(res, 200, '/randomname');
  assert.match(res.headers['content-type'], /^text\/plain/);
  assert.match(res.text, /^[A-Z][a-z]{1,15}$/);
});

test('GET /links → {"github":<--tutorial-github-url>}; without the option → {}', T, async () => {
  const res = await api(node).get('/links');
  assertStatus(res, 200, '/links');
  assert.deepEqual(res.json, { github: GITHUB });
  const plain = await startNode({ redisUrl: redis.url });
  try {
    const none = await api(plain).get('/links');
    assertStatus(none, 200, '/links without the option');
    assert.deepEqual(none.json, {});
  } finally {
    await plain.stop();
  }
});

test('GET /room/0/preload → {id:"0", name:"General", messages: newest first, up to 21}; 401 without a session', T, async () => {
  assertError(await api(node).get('/room/0/preload'), 401, 'unauthorized');
  for (let i = 0; i < 22; i++) assertStatus(await pablo.post('/room/0/messages', { message: `preload ${i}` }), 201, 'send');
  const res = await pablo.get('/room/0/preload');
  assertStatus(res, 200, '/room/0/preload');
  assert.deepEqual(Object.keys(res.json).sort(), ['id', 'messages', 'name']);
  assert.equal(res.json.id, '0');
  assert.equal(res.json.name, 'General');
  assert.equal(res.json.messages.length, 21, 'ZREVRANGE 0 20: 21 messages');
  assert.equal(res.json.messages[0].message, 'preload 21', 'newest first');
  const page = await pablo.get('/room/0/messages?offset=0&size=21');
  assert.deepEqual(res.json.messages, page.json, 'the same rows as the history page');
  for (const m of res.json.messages) {
    assert.equal(m.roomId, '0');
    assert.equal(typeof m.from, 'string');
    assert.equal(typeof m.date, 'number');
  }
});

test('shutdown: SIGTERM → exit 0', T, async () => {
  await node.stop();
});
