// Client addresses behind a reverse proxy (--trusted-proxies) and login throttling per
// (username, address) and per address. Contract: docs/deploy.md "Client addresses and login
// throttling", docs/protocol.md §1.
//
// The test plays the ingress: it connects from 127.0.0.1, which the node trusts, and names the
// client in X-Forwarded-For / Forwarded. A second node trusts nobody: there the same headers are
// ignored and the TCP peer is the client.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import {
  startRedis, startNode, runChatnode, cleanup, register, uniqueName, assertError, assertStatus,
  sessionCookie, request, waitFor,
} from './lib/harness.mjs';

const T = { timeout: 60000 };
let redis;
let proxied; // trusts 127.0.0.0/8: X-Forwarded-For names the client
let direct;  // trusts nobody

after(cleanup);

const PAIR_LIMIT = 3;    // --login-attempts-per-minute: failures per (username, address), registrations per address
const ADDRESS_LIMIT = 5; // --login-failures-per-address-per-minute

function limits() {
  return ['--login-attempts-per-minute', String(PAIR_LIMIT),
    '--login-failures-per-address-per-minute', String(ADDRESS_LIMIT)];
}

/** POST /login over a connection from the local address `local` (127.0.0.x: all loopback). */
function loginFromLocal(node, local, username, password) {
  return new Promise((resolve, reject) => {
    const body = Buffer.from(JSON.stringify({ username, password }));
    const req = http.request({
      host: '127.0.0.1', port: node.port, method: 'POST', path: '/login', localAddress: local, agent: false,
      headers: { 'Content-Type': 'application/json', 'Content-Length': String(body.length) },
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json;
        try { json = JSON.parse(text); } catch { json = undefined; }
        resolve({ status: res.statusCode, headers: res.headers, text, json });
      });
    });
    req.setTimeout(10000, () => req.destroy(new Error('no answer')));
    req.on('error', reject);
    req.end(body);
  });
}

/** POST /login as the client at `from` (X-Forwarded-For, as the ingress sends it). */
function loginFrom(node, from, username, password, headers = {}) {
  return request(node.port, 'POST', '/login', {
    body: { username, password },
    headers: from === null ? headers : { 'X-Forwarded-For': from, ...headers },
  });
}

function registerFrom(node, from, username, password = 'password123') {
  return request(node.port, 'POST', '/register', { body: { username, password }, headers: { 'X-Forwarded-For': from } });
}

function assertLimited(res, what) {
  assertError(res, 429, 'rate_limited', what);
  const ra = Number(res.headers['retry-after']);
  assert.ok(Number.isInteger(ra) && ra >= 1 && ra <= 60, `${what}: Retry-After in 1..60 seconds: ${res.headers['retry-after']}`);
}

/** Whether the node logged an `event` line whose fields include `fields`. */
function logged(node, event, fields) {
  return node.logLines().some((l) => l.event === event && Object.entries(fields).every(([k, v]) => l[k] === v));
}

test('--trusted-proxies: an invalid CIDR is a configuration error (exit 2) naming the entry', T, async () => {
  for (const [value, needle] of [['10.0.0.1/8', 'did you mean 10.0.0.0/8'], ['10.0.0.0/8,ingress', '"ingress"'],
    ['fd00::/129', 'prefix length']]) {
    const r = await runChatnode(['--trusted-proxies', value, '--print-config']);
    assert.equal(r.code, 2, `--trusted-proxies ${value}: exit code ${r.code}\n${r.stdout}\n${r.stderr}`);
    assert.match(r.stderr + r.stdout, /trusted-proxies/, `the message names the option: ${r.stderr}`);
    assert.ok((r.stderr + r.stdout).includes(needle), `the message says what is wrong (${needle}): ${r.stderr}`);
  }
  const ok = await runChatnode(['--trusted-proxies', '10.0.0.0/8, fd00::/8,192.0.2.7', '--print-config']);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /^trusted-proxies = 10\.0\.0\.0\/8,fd00::\/8,192\.0\.2\.7$/m);
  const env = await runChatnode(['--print-config'], { env: { CHAT_TRUSTED_PROXIES: '172.16.0.0/12' } });
  assert.match(env.stdout, /^trusted-proxies = 172\.16\.0\.0\/12$/m, 'CHAT_TRUSTED_PROXIES is read');
});

test('without a proxy: failures at one address never lock the user out at another (127.0.0.2 vs 127.0.0.3)', T, async () => {
  redis = await startRedis();
  // Only the option that existed before: failures per (username, address) = 3.
  const node = await startNode({ redisUrl: redis.url, args: ['--login-attempts-per-minute', String(PAIR_LIMIT)] });
  const victim = uniqueName('local');
  await register(node, victim, 'right-password');
  const statuses = [];
  for (let i = 0; i < PAIR_LIMIT + 2; i++) statuses.push((await loginFromLocal(node, '127.0.0.2', victim, 'guess')).status);
  assert.equal(statuses.at(-1), 429, `the attacker's address is throttled: ${statuses}`);
  assert.deepEqual(statuses.slice(0, 2), [401, 401], `statuses: ${statuses}`);
  const own = await loginFromLocal(node, '127.0.0.3', victim, 'right-password');
  assertStatus(own, 200, 'the user, at another address, logs in with the right password');
  assertError(await loginFromLocal(node, '127.0.0.3', victim, 'typo'), 401, 'invalid_credentials', 'and a typo there is 401, not 429');
  assertLimited(await loginFromLocal(node, '127.0.0.2', victim, 'right-password'), 'the attacker\'s address stays throttled');
  await node.stop();
});

test('setup: a node behind a trusted proxy and a node that trusts nobody', T, async () => {
  proxied = await startNode({ redisUrl: redis.url, args: ['--trusted-proxies', '127.0.0.0/8', '--log-level', 'debug', ...limits()] });
  direct = await startNode({ redisUrl: redis.url, args: limits() });
});

test('an attacker elsewhere cannot lock a user out: failures count per (username, address)', T, async () => {
  const victim = uniqueName('victim');
  assertStatus(await registerFrom(proxied, '198.51.100.7', victim, 'right-password'), 201, 'register');
  const statuses = [];
  for (let i = 0; i < PAIR_LIMIT + 2; i++) statuses.push((await loginFrom(proxied, '203.0.113.66', victim, 'guess-' + i)).status);
  assert.deepEqual(statuses, [401, 401, 401, 429, 429], `the attacker's address is throttled after ${PAIR_LIMIT} failures`);
  assertLimited(await loginFrom(proxied, '203.0.113.66', victim, 'right-password'), 'the right password from the throttled address');
  // The user, at their own address, is not affected: typos → 401 (not 429), right password → 200.
  for (let i = 0; i < PAIR_LIMIT - 1; i++)
    assertError(await loginFrom(proxied, '198.51.100.7', victim, 'typo'), 401, 'invalid_credentials', 'a typo at the own address');
  const own = await loginFrom(proxied, '198.51.100.7', victim, 'right-password');
  assertStatus(own, 200, 'the victim logs in from their own address');
  assert.ok(sessionCookie(own), 'and gets a session');
  // The client's own X-Forwarded-For entries left of the proxy's are not believed.
  assertLimited(await loginFrom(proxied, '1.2.3.4, 203.0.113.66', victim, 'guess'), 'a spoofed hop left of the real one');
  // The success forgot the 2 earlier failures at this address: PAIR_LIMIT new ones are allowed.
  const again = [];
  for (let i = 0; i < PAIR_LIMIT + 1; i++) again.push((await loginFrom(proxied, '198.51.100.7', victim, 'typo-' + i)).status);
  assert.deepEqual(again, [401, 401, 401, 429], `after a success the count starts again: ${again}`);
  assertLimited(await loginFrom(proxied, '198.51.100.7', victim, 'right-password'), 'now limited at this address');
});

test('failures per address: one address trying many usernames is throttled after the address limit', T, async () => {
  const from = '203.0.113.90';
  const statuses = [];
  for (let i = 0; i < ADDRESS_LIMIT + 2; i++) statuses.push((await loginFrom(proxied, from, uniqueName('spray'), 'guess')).status);
  assert.deepEqual(statuses.slice(0, ADDRESS_LIMIT), Array(ADDRESS_LIMIT).fill(401), `statuses: ${statuses}`);
  assert.deepEqual(statuses.slice(ADDRESS_LIMIT), [429, 429], `statuses: ${statuses}`);
  const res = await loginFrom(proxied, from, uniqueName('spray'), 'guess');
  assertLimited(res, 'the address limit');
  // Another address is not affected.
  assertError(await loginFrom(proxied, '203.0.113.91', uniqueName('spray'), 'guess'), 401, 'invalid_credentials', 'another address');
  // IPv6 clients count per /64: another address of the same /64 shares the bucket.
  for (let i = 0; i < ADDRESS_LIMIT; i++) await loginFrom(proxied, `2001:db8:5:6::${i + 1}`, uniqueName('v6'), 'guess');
  assertLimited(await loginFrom(proxied, '2001:db8:5:6:ffff::1', uniqueName('v6'), 'guess'), 'same IPv6 /64');
  assertError(await loginFrom(proxied, '2001:db8:5:7::1', uniqueName('v6'), 'guess'), 401, 'invalid_credentials', 'another /64');
});

test('registrations count per client address: users behind one ingress do not share a bucket', T, async () => {
  for (let i = 0; i < PAIR_LIMIT; i++) assertStatus(await registerFrom(proxied, '192.0.2.10', uniqueName('reg')), 201, `registration ${i + 1}`);
  assertLimited(await registerFrom(proxied, '192.0.2.10', uniqueName('reg')), `registration ${PAIR_LIMIT + 1} from the same address`);
  assertStatus(await registerFrom(proxied, '192.0.2.11', uniqueName('reg')), 201, 'another client behind the same proxy');
});

test('Forwarded (RFC 7239) when there is no X-Forwarded-For: quoted IPv6 with a port; logs carry the client address', T, async () => {
  const name = uniqueName('fwd');
  assertStatus(await registerFrom(proxied, '192.0.2.20', name, 'fwd-password'), 201, 'register');
  const res = await request(proxied.port, 'POST', '/login', {
    body: { username: name, password: 'fwd-password' },
    headers: { Forwarded: 'for=192.0.2.99;proto=https, for="[2001:db8:cafe::17]:4711"' },
  });
  assertStatus(res, 200, 'login through Forwarded');
  await waitFor(() => logged(proxied, 'http_session_started', { addr: '2001:db8:cafe::17' }),
    { timeout: 5000, what: 'a http_session_started line with addr 2001:db8:cafe::17' });
  assert.ok(logged(proxied, 'http_user_registered', { addr: '192.0.2.20' }), 'http_user_registered carries the X-Forwarded-For client');
  // A WebSocket/SSE connection is opened by an HTTP request: it carries the same client address.
  const c = await register(proxied, uniqueName('sse'));
  const sse = await new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: proxied.port, path: '/stream', method: 'GET', agent: false,
      headers: { Cookie: `chat_session=${c.token}`, Accept: 'text/event-stream', 'X-Forwarded-For': '198.51.100.44' } }, (res) => {
      resolve({ status: res.statusCode, close: () => req.destroy() });
    });
    req.on('error', reject);
    req.end();
  });
  assert.equal(sse.status, 200, 'SSE stream opened');
  await waitFor(() => logged(proxied, 'stream_opened', { addr: '198.51.100.44', transport: 'sse', user: c.user.id }),
    { timeout: 5000, what: 'a stream_opened line with the forwarded address' });
  sse.close();
});

test('a node that trusts nobody ignores forwarding headers: the TCP peer is the client', T, async () => {
  const name = uniqueName('direct');
  await register(direct, name, 'right-password');
  const statuses = [];
  // Each attempt claims another address: all count against 127.0.0.1.
  for (let i = 0; i < PAIR_LIMIT + 1; i++) statuses.push((await loginFrom(direct, `203.0.113.${100 + i}`, name, 'guess')).status);
  assert.deepEqual(statuses, [401, 401, 401, 429], `statuses: ${statuses}`);
  assertLimited(await loginFrom(direct, '198.51.100.200', name, 'right-password', { Forwarded: 'for=198.51.100.201' }),
    'a Forwarded header does not escape the limit either');
});

test('shutdown: both nodes exit 0', T, async () => {
  await proxied.stop();
  await direct.stop();
});
