// Small bad-input fixes (issue 20, item 5): a NUL in a password, Transfer-Encoding other than
// chunked, non-canonical DM ids, and the case-insensitive username index against users the
// tutorial's servers create (at start-up and later). Contract: docs/protocol.md §0-§2.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startRedis, startNode, cleanup, api, register, login, uniqueName, assertError, assertStatus,
  request, internal, raw, rawJson, sleep, waitFor,
} from './lib/harness.mjs';

const T = { timeout: 120000 };
// bcrypt("password123", cost 10), as the tutorial stores it (tutorial_compat.test.mjs).
const TUTORIAL_HASH = '$2b$10$k2TZivkoCjD5rTNwQqGFfeuI8xLCd4b8EdQYsKb0F8rzY9YprRi1O';
let redis;
let node;

after(cleanup);

/** Writes a user the way the tutorial's server does: INCR, SET username:, HSET user:, SADD rooms. */
function tutorialCreateUser(r, name, { write = true } = {}) {
  const id = r.cli('INCR', 'total_users');
  if (write) tutorialWriteUser(r, id, name);
  return id;
}

function tutorialWriteUser(r, id, name) {
  r.cli('SET', `username:${name}`, `user:${id}`);
  r.cli('HSET', `user:${id}`, 'username', name, 'password', TUTORIAL_HASH);
  r.cli('SADD', `user:${id}:rooms`, '0');
}

test('setup: redis + node', T, async () => {
  redis = await startRedis();
  node = await startNode({ redisUrl: redis.url });
});

test('a NUL or invalid UTF-8 in a password is 400 bad_request (register and login), not 503', T, async () => {
  const name = uniqueName('nul');
  assertError(await api(node).post('/register', { username: name, password: 'pass\u0000word123' }), 400, 'bad_request', 'register with NUL');
  assertError(await api(node).post('/login', { username: name, password: 'pass\u0000word123' }), 400, 'bad_request', 'login with NUL');
  const bad = Buffer.concat([Buffer.from(`{"username":"${name}","password":"pass`), Buffer.from([0xff, 0xfe]), Buffer.from('word123"}')]);
  assertError(await request(node.port, 'POST', '/register', { body: bad }), 400, 'bad_request', 'register with invalid UTF-8');
  // Nothing was created; a normal password still works.
  assertError(await api(node).post('/login', { username: name, password: 'password123' }), 401, 'invalid_credentials');
  await register(node, name, 'pässwörd-ok');
  await login(node, name, 'pässwörd-ok');
});

const smuggled = 'GET /me HTTP/1.1\r\nHost: x\r\n\r\n';

function teRequest(teLines, body = smuggled) {
  return `POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n${teLines}\r\n${body}`;
}

test('Transfer-Encoding not ending in chunked (or any other coding) is 400 and the connection closes: its body is never a request', T, async () => {
  const cases = [
    'Transfer-Encoding: xchunked\r\n',
    'Transfer-Encoding: chunked, gzip\r\n',
    'Transfer-Encoding: gzip, chunked\r\n',
    'Transfer-Encoding: identity\r\n',
    'Transfer-Encoding: \r\n',
    'Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n',
  ];
  for (const te of cases) {
    const res = await raw(node.port, teRequest(te), { timeout: 3000 });
    const what = JSON.stringify(te);
    assert.equal(res.status, 400, `${what}: status ${res.status}\n${res.text}`);
    assert.equal((res.text.match(/HTTP\/1\.1 \d{3}/g) || []).length, 1, `${what}: exactly one response (the body is not a second request):\n${res.text}`);
    assert.equal(res.closed, true, `${what}: the connection is closed`);
    assert.match(res.text, /\r\nconnection: close\r\n/i, `${what}: Connection: close`);
    assert.equal(rawJson(res)?.error, 'bad_request', `${what}: error body`);
  }
  // chunked alone still works.
  const body = JSON.stringify({ username: uniqueName('nobody'), password: 'whatever-1' });
  const chunked = `${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`;
  const ok = await raw(node.port, teRequest('Transfer-Encoding: chunked\r\nConnection: close\r\n', chunked), { timeout: 5000 });
  assert.equal(ok.status, 401, `chunked body is read: ${ok.text}`);
  assert.equal(node.alive, true);
});

test('a non-canonical DM id ("2:1") answers 404 not_found on POST, PATCH and DELETE as on GET', T, async () => {
  const a = await register(node, uniqueName('dma'));
  const b = await register(node, uniqueName('dmb'));
  const dm = await a.post('/room', { user1: a.user.id, user2: b.user.id });
  assert.ok(dm.status === 200 || dm.status === 201, `POST /room: ${dm.status} ${dm.text}`);
  const [lo, hi] = dm.json.id.split(':');
  assert.ok(Number(lo) < Number(hi), `canonical id ${dm.json.id}`);
  const flipped = `${hi}:${lo}`;
  assertStatus(await a.post(`/room/${dm.json.id}/messages`, { message: 'canonical' }), 201, 'POST to the canonical id');
  assertError(await a.get(`/room/${flipped}/messages`), 404, 'not_found', 'GET flipped');
  assertError(await a.post(`/room/${flipped}/messages`, { message: 'hi' }), 404, 'not_found', 'POST flipped');
  assertError(await a.request('PATCH', `/room/${flipped}/messages/1`, { body: { message: 'x' } }), 404, 'not_found', 'PATCH flipped');
  assertError(await a.request('DELETE', `/room/${flipped}/messages/1`), 404, 'not_found', 'DELETE flipped');
  for (const id of ['0:1', `${lo}:${lo}`, `0${lo}:${hi}`]) {
    assertError(await a.get(`/room/${id}/messages`), 404, 'not_found', `GET ${id}`);
    assertError(await a.post(`/room/${id}/messages`, { message: 'hi' }), 404, 'not_found', `POST ${id}`);
  }
});

test('users the tutorial creates later: a registration differing only in case is 409, and login finds them case-insensitively', T, async () => {
  const name = `Maria${Date.now() % 100000}x`;
  tutorialCreateUser(redis, name);
  assertError(await api(node).post('/register', { username: name.toUpperCase(), password: 'password123' }), 409, 'conflict', 'upper-case variant');
  assertError(await api(node).post('/register', { username: name.toLowerCase(), password: 'password123' }), 409, 'conflict', 'lower-case variant');
  const c = await login(node, name.toLowerCase(), 'password123');
  assert.equal(c.user.username, name);
  // A tutorial user whose id was counted (INCR) but whose keys were written only after a
  // registration had looked at the index is still indexed later (pending ids are looked at again).
  const late = `Zed${Date.now() % 100000}x`;
  const id = tutorialCreateUser(redis, late, { write: false });
  await register(node, uniqueName('between'));
  tutorialWriteUser(redis, id, late);
  assertError(await api(node).post('/register', { username: late.toLowerCase(), password: 'password123' }), 409, 'conflict', 'written after its INCR');
  assert.equal(redis.cli('HGET', 'chat:usernames', late.toLowerCase()), String(id));
});

test('shutdown: node exits 0', T, async () => {
  await node.stop();
});

test('start-up: registrations while the username index is backfilled never create a case variant of a tutorial user', T, async () => {
  const r = await startRedis();
  // 100,000 tutorial users (as its server writes them), among them Pablo0..Pablo19 at spread ids.
  const n = 100000;
  const names = Array.from({ length: 20 }, (_, i) => `Pablo${i}`);
  r.cli('EVAL', `
    local n = tonumber(ARGV[1])
    for i = 1, n do
      local name = 'filler' .. i
      local k = (i - 1) % 5000
      if k == 2500 then name = 'Pablo' .. math.floor((i - 1) / 5000) end
      redis.call('SET', 'username:' .. name, 'user:' .. i)
      redis.call('HSET', 'user:' .. i, 'username', name, 'password', ARGV[2])
    end
    redis.call('SET', 'total_users', n)
    redis.call('SET', 'room:0:name', 'General')
    return n`, '0', String(n), TUTORIAL_HASH);
  const fresh = await startNode({ redisUrl: r.url, waitReady: false, args: ['--bcrypt-cost', '4'] });
  const outcomes = await Promise.all(names.map(async (name) => {
    const seen = [];
    for (let i = 0; i < 200; i++) {
      const res = await api(fresh).post('/register', { username: name.toUpperCase(), password: 'password123' });
      seen.push(res.status);
      if (res.status !== 503) return { name, seen, res };
      assert.ok(Number(res.headers['retry-after']) >= 1, `503 carries Retry-After: ${JSON.stringify(res.headers)}`);
      await sleep(100);
    }
    return { name, seen, res: null };
  }));
  for (const o of outcomes) {
    assert.ok(o.res, `${o.name}: still 503 after 200 tries (${o.seen.join(',')})`);
    assertError(o.res, 409, 'conflict', `${o.name.toUpperCase()} (answers ${o.seen.join(',')})`);
  }
  await waitFor(async () => (await internal(fresh, '/readyz')).status === 200, { timeout: 20000, what: 'ready once the backfill is done' });
  assert.equal(r.cli('HGET', 'chat:usernames', 'pablo7'), String(7 * 5000 + 2501));
  await fresh.stop();
});
