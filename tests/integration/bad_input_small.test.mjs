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

test('shutdown: node exits 0', T, async () => {
  await node.stop();
});

