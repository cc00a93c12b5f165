// Accounts and sessions: register, login, logout, /me, Bearer tokens, sessions shared through Redis,
// login rate limit, concurrent registration. Contract: docs/protocol.md §0 and §1.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startRedis, startNode, cleanup, api, register, login, uniqueName, assertError, assertStatus,
  sessionCookie, internal, sha256hex,
} from './lib/harness.mjs';

const T = { timeout: 60000 };
let redis;
let nodeA;
let nodeB;
let first; // first user ever: admin
let second;
const secrets = []; // passwords and tokens that must never appear in logs or Redis

after(cleanup);

function assertUserBody(json, username, role) {
  assert.ok(json && typeof json === 'object', `user body: ${JSON.stringify(json)}`);
  assert.deepEqual(Object.keys(json).sort(), ['id', 'role', 'username'], `user body has exactly id, username, role: ${JSON.stringify(json)}`);
  assert.equal(typeof json.id, 'string');
  assert.match(json.id, /^[1-9][0-9]*$/);
  assert.equal(json.username, username);
  assert.equal(json.role, role);
}

function assertSessionCookie(res, what) {
  const c = sessionCookie(res);
  assert.ok(c, `${what}: Set-Cookie chat_session missing (headers: ${JSON.stringify(res.headers['set-cookie'])})`);
  assert.match(c.value, /^[0-9a-f]{64}$/, `${what}: token is 64 hex chars (256 random bits)`);
  assert.equal(c.attrs.httponly, true, `${what}: HttpOnly`);
  assert.equal(String(c.attrs.samesite).toLowerCase(), 'lax', `${what}: SameSite=Lax`);
  assert.equal(c.attrs.path, '/', `${what}: Path=/`);
  assert.ok(Number(c.attrs['max-age']) > 0, `${what}: Max-Age > 0 (${c.raw})`);
  assert.equal(c.attrs.secure, undefined, `${what}: no Secure without --cookie-secure`);
  return c.value;
}

test('setup: redis + node A', T, async () => {
  redis = await startRedis();
  nodeA = await startNode({ redisUrl: redis.url });
});

test('internal port: /livez 200, /readyz 200, /metrics is Prometheus text with chatnode_ names', T, async () => {
  assertStatus(await internal(nodeA, '/livez'), 200, '/livez');
  assertStatus(await internal(nodeA, '/readyz'), 200, '/readyz');
  const m = await internal(nodeA, '/metrics');
  assertStatus(m, 200, '/metrics');
  assert.match(String(m.headers['content-type']), /^text\/plain/);
  const names = m.text.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.split(/[{ ]/)[0]);
  assert.ok(names.length > 0, 'metrics has samples');
  for (const n of names) assert.match(n, /^chatnode_/, `metric name ${n} starts with chatnode_`);
});

test('register: the first user is admin; 201 {id,username,role} + chat_session cookie', T, async () => {
  const username = uniqueName('first');
  const c = api(nodeA);
  const res = await c.post('/register', { username, password: 'first-password-1' });
  assertStatus(res, 201, 'register first');
  assertUserBody(res.json, username, 'admin');
  const token = assertSessionCookie(res, 'register');
  c.user = res.json;
  c.password = 'first-password-1';
  first = c;
  secrets.push('first-password-1', token);
});

test('register: the second user is "user", with a new id', T, async () => {
  const username = uniqueName('second');
  const c = api(nodeA);
  const res = await c.post('/register', { username, password: 'second-password-2' });
  assertStatus(res, 201, 'register second');
  assertUserBody(res.json, username, 'user');
  assert.notEqual(res.json.id, first.user.id);
  secrets.push('second-password-2', assertSessionCookie(res, 'register second'));
  c.user = res.json;
  c.password = 'second-password-2';
  second = c;
});

test('register: duplicate username → 409 conflict, also with different case; the original account is untouched', T, async () => {
  const name = second.user.username;
  for (const variant of [name, name.toUpperCase(), name[0].toUpperCase() + name.slice(1)]) {
    const c = api(nodeA);
    const res = await c.post('/register', { username: variant, password: 'another-password' });
    assertError(res, 409, 'conflict', `register ${variant}`);
    assert.equal(sessionCookie(res), null, 'no session cookie on 409');
  }
  // the original password still works, the attacker's does not
  await login(nodeA, name, 'second-password-2');
  assertError(await api(nodeA).post('/login', { username: name, password: 'another-password' }), 401, 'invalid_credentials');
});

test('register: invalid username/password → 400 bad_request', T, async () => {
  const cases = [
    { username: 'a', password: 'password123' }, // too short
    { username: 'x'.repeat(33), password: 'password123' }, // too long
    { username: 'has space', password: 'password123' },
    { username: 'semi;colon', password: 'password123' },
    { username: 'ünïcode', password: 'password123' },
    { username: uniqueName('shortpw'), password: 'short' }, // < 8 bytes
    { username: uniqueName('longpw'), password: 'p'.repeat(73) }, // > 72 bytes
    { username: uniqueName('nopw') },
    { password: 'password123' },
    { username: 42, password: 'password123' },
    { username: uniqueName('numpw'), password: 12345678 },
  ];
  for (const body of cases) {
    const res = await api(nodeA).post('/register', body);
    assertError(res, 400, 'bad_request', `register ${JSON.stringify(body).slice(0, 80)}`);
  }
  // boundaries that are valid: 2 and 32 chars, every allowed character class, 8- and 72-byte passwords
  const hex = () => Math.random().toString(16).slice(2, 10);
  const ok = [
    { username: `q${hex()[0]}`, password: 'p'.repeat(8) },
    { username: `A.z_0-${hex()}${hex()}${hex()}`.slice(0, 32).padEnd(32, '9'), password: 'p'.repeat(72) },
  ];
  for (const body of ok) {
    const res = await api(nodeA).post('/register', body);
    if (res.status === 409 && body.username.length === 2) continue; // a 2-char name may already exist
    assertStatus(res, 201, `register ${body.username}`);
    assert.equal(res.json.username, body.username);
  }
});

test('login: 200 {id,username,role} with a NEW token each time; case-insensitive username', T, async () => {
  const seen = new Set([second.token]);
  for (const name of [second.user.username, second.user.username.toUpperCase()]) {
    const c = api(nodeA);
    const res = await c.post('/login', { username: name, password: 'second-password-2' });
    assertStatus(res, 200, `login ${name}`);
    assertUserBody(res.json, second.user.username, 'user'); // canonical spelling
    assert.equal(res.json.id, second.user.id);
    const token = assertSessionCookie(res, 'login');
    assert.ok(!seen.has(token), 'login issues a new token every time');
    seen.add(token);
    secrets.push(token);
    const me = await c.get('/me');
    assertStatus(me, 200, '/me after login');
    assert.deepEqual(me.json, second.user);
  }
});

test('login: wrong password and unknown user both → 401 invalid_credentials with the same body', T, async () => {
  const wrong = await api(nodeA).post('/login', { username: second.user.username, password: 'wrong-password' });
  assertError(wrong, 401, 'invalid_credentials', 'wrong password');
  assert.equal(sessionCookie(wrong), null, 'no session cookie on 401');
  const unknown = await api(nodeA).post('/login', { username: uniqueName('nobody'), password: 'wrong-password' });
  assertError(unknown, 401, 'invalid_credentials', 'unknown user');
  assert.deepEqual(unknown.json, wrong.json, 'same answer for unknown user and wrong password');
  // unlike the tutorial, a failed login never creates the user: the name is still free afterwards
  const ghost = uniqueName('ghost');
  assertError(await api(nodeA).post('/login', { username: ghost, password: 'whatever-pw' }), 401, 'invalid_credentials');
  assertError(await api(nodeA).post('/login', { username: ghost, password: 'whatever-pw' }), 401, 'invalid_credentials', 'second attempt');
  assertStatus(await api(nodeA).post('/register', { username: ghost, password: 'whatever-pw' }), 201, 'the name is still free');
});

test('/me: with cookie → the user; without → 200 null; unknown token → null', T, async () => {
  const me = await first.get('/me');
  assertStatus(me, 200, '/me');
  assert.deepEqual(me.json, first.user);
  const anon = await api(nodeA).get('/me');
  assertStatus(anon, 200, '/me anonymous');
  assert.equal(anon.text.trim(), 'null');
  const bogus = api(nodeA, { token: 'f'.repeat(64) });
  const r = await bogus.get('/me');
  assertStatus(r, 200, '/me with unknown token');
  assert.equal(r.text.trim(), 'null');
});

test('Bearer token: accepted on /me and on auth-only endpoints; a bad one → 401', T, async () => {
  const b = api(nodeA, { bearer: true, token: first.token });
  const me = await b.get('/me');
  assertStatus(me, 200, '/me bearer');
  assert.deepEqual(me.json, first.user);
  assertStatus(await b.get(`/rooms/${first.user.id}`), 200, 'GET /rooms/self with bearer');
  assertStatus(await b.post('/room/0/messages', { message: 'via bearer' }), 201, 'post with bearer');
  const bad = api(nodeA, { bearer: true, token: '0'.repeat(64) });
  assertError(await bad.get(`/rooms/${first.user.id}`), 401, 'unauthorized', 'unknown bearer token');
  const malformed = await api(nodeA).get(`/rooms/${first.user.id}`, { headers: { Authorization: 'Bearer' } });
  assertError(malformed, 401, 'unauthorized', 'empty bearer');
});

test('logout: 200 null, cookie cleared, /me null; the old token → 401 on auth-only endpoints', T, async () => {
  const c = await login(nodeA, second.user.username, 'second-password-2');
  const oldToken = c.token;
  assertStatus(await c.get(`/rooms/${second.user.id}`), 200, 'before logout');
  const res = await c.post('/logout');
  assertStatus(res, 200, 'logout');
  assert.equal(res.text.trim(), 'null');
  const cookie = sessionCookie(res);
  assert.ok(cookie, 'logout sends Set-Cookie to clear chat_session');
  const expired = cookie.attrs.expires && Date.parse(cookie.attrs.expires) < Date.now();
  assert.ok(cookie.value === '' || cookie.attrs['max-age'] === '0' || expired, `cookie cleared: ${cookie.raw}`);
  // the deleted token, replayed as cookie and as bearer
  const replay = api(nodeA, { token: oldToken });
  const me = await replay.get('/me');
  assertStatus(me, 200, '/me after logout');
  assert.equal(me.text.trim(), 'null');
  assertError(await replay.get(`/rooms/${second.user.id}`), 401, 'unauthorized', 'old cookie after logout');
  assertError(await api(nodeA, { bearer: true, token: oldToken }).post('/room/0/messages', { message: 'x' }), 401, 'unauthorized', 'old bearer after logout');
  // other sessions of the same user are not affected
  assertStatus(await second.get(`/rooms/${second.user.id}`), 200, 'another session of the same user');
  // logout without a session is fine
  const anon = await api(nodeA).post('/logout');
  assertStatus(anon, 200, 'anonymous logout');
  assert.equal(anon.text.trim(), 'null');
});

test('sessions live in Redis: a session from node A works on a second node B, and back', T, async () => {
  nodeB = await startNode({ redisUrl: redis.url });
  const onB = first.on(nodeB);
  const me = await onB.get('/me');
  assertStatus(me, 200, '/me on B');
  assert.deepEqual(me.json, first.user);
  assertStatus(await onB.get(`/rooms/${first.user.id}`), 200, 'auth endpoint on B');
  const c = await login(nodeB, second.user.username, 'second-password-2');
  const meA = await c.on(nodeA).get('/me');
  assert.deepEqual(meA.json, second.user, 'login on B is valid on A');
  await c.on(nodeA).post('/logout');
  assertError(await c.on(nodeB).get(`/rooms/${second.user.id}`), 401, 'unauthorized', 'logout on A ends the session on B');
});

test('Redis stores only the SHA-256 of a token, never the token', T, async () => {
  const keys = redis.cli('--scan').split('\n').filter(Boolean);
  assert.ok(keys.length > 0);
  for (const t of [first.token, second.token]) {
    assert.ok(!keys.some((k) => k.includes(t)), 'no key contains a raw token');
    assert.ok(keys.some((k) => k.includes(sha256hex(t))), `a key contains sha256(token) (keys: ${keys.slice(0, 30).join(' ')})`);
  }
  const stringKeys = keys.filter((k) => redis.cli('TYPE', k) === 'string');
  for (const k of stringKeys) {
    const v = redis.cli('GET', k);
    assert.ok(![first.token, second.token].some((t) => v.includes(t)), `value of ${k} contains a raw token`);
  }
});

test('concurrent registration of one name: exactly one 201, the rest 409; the winner\'s password is stored', T, async () => {
  const name = uniqueName('race');
  const results = await Promise.all(Array.from({ length: 20 }, (_, i) => api(nodeA).post('/register', { username: name, password: `race-password-${i}` })));
  const statuses = results.map((r) => r.status);
  assert.equal(statuses.filter((s) => s === 201).length, 1, `statuses: ${statuses.join(',')}`);
  assert.equal(statuses.filter((s) => s === 409).length, 19, `statuses: ${statuses.join(',')}`);
  for (const r of results) if (r.status === 409) assertError(r, 409, 'conflict');
  const winner = statuses.indexOf(201);
  const res = await api(nodeA).post('/login', { username: name, password: `race-password-${winner}` });
  assertStatus(res, 200, 'winner logs in');
  assert.equal(res.json.id, results[winner].json.id);
  const loser = (winner + 1) % 20;
  assertError(await api(nodeA).post('/login', { username: name, password: `race-password-${loser}` }), 401, 'invalid_credentials', 'a loser\'s password');
  // and with mixed case in parallel
  const name2 = uniqueName('Race');
  const variants = [name2, name2.toLowerCase(), name2.toUpperCase()];
  const r2 = await Promise.all(Array.from({ length: 12 }, (_, i) => api(nodeA).post('/register', { username: variants[i % 3], password: 'password123' })));
  assert.equal(r2.filter((r) => r.status === 201).length, 1, `mixed case statuses: ${r2.map((r) => r.status).join(',')}`);
  assert.equal(r2.filter((r) => r.status === 409).length, 11);
});

test('login rate limit: --login-attempts-per-minute 3 → 429 rate_limited with Retry-After, even with the right password', T, async () => {
  const r2 = await startRedis();
  const limited = await startNode({ redisUrl: r2.url, args: ['--login-attempts-per-minute', '3'] });
  try {
    const name = uniqueName('limited');
    await register(limited, name, 'right-password');
    const statuses = [];
    let limitedRes = null;
    for (let i = 0; i < 5; i++) {
      const res = await api(limited).post('/login', { username: name, password: 'wrong-password' });
      statuses.push(res.status);
      if (res.status === 429) limitedRes = limitedRes ?? res;
      else assertError(res, 401, 'invalid_credentials', `attempt ${i + 1}`);
    }
    // 3 attempts per minute: the 4th is refused (the 3rd too if registering counted as an attempt).
    assert.equal(statuses[0], 401, `statuses: ${statuses}`);
    const first429 = statuses.indexOf(429);
    assert.ok(first429 === 3 || first429 === 2, `first 429 after 3 attempts; statuses: ${statuses}`);
    assert.ok(statuses.slice(first429).every((s) => s === 429), `stays limited: ${statuses}`);
    assertError(limitedRes, 429, 'rate_limited');
    const ra = Number(limitedRes.headers['retry-after']);
    assert.ok(Number.isInteger(ra) && ra >= 1 && ra <= 60, `Retry-After in seconds, 1..60: ${limitedRes.headers['retry-after']}`);
    const right = await api(limited).post('/login', { username: name, password: 'right-password' });
    assertError(right, 429, 'rate_limited', 'right password while limited');
    assert.equal(sessionCookie(right), null, 'no session while limited');
    assert.equal(limited.alive, true);
    await limited.stop();
  } finally {
    await limited.kill();
    await r2.stop();
  }
});

test('logs: stdout is JSON lines and never contains a password or a session token', T, async () => {
  for (const node of [nodeA, nodeB]) {
    const lines = node.logLines();
    assert.ok(lines.length > 0, 'the node logs something');
    for (const l of lines) assert.equal(typeof l, 'object');
    for (const s of secrets) assert.ok(!node.stdout.includes(s) && !node.stderr.includes(s), `log leaks a secret (${s.slice(0, 6)}…)`);
  }
});

test('shutdown: SIGTERM → exit 0 (no sanitizer report) for both nodes', T, async () => {
  await nodeB.stop();
  await nodeA.stop();
});
