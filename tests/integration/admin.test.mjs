// Admin (issue #5): /admin (page) and /admin/stats are admins only (401 without a session, 403 for
// another role); the stats cover every node of the cluster; disconnecting a user closes their
// connections on every node (WebSocket 4001, SSE stream end) with an audit log line; role changes.
// One Redis, two real nodes; the admin is named with --admin on both.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import {
  startRedis, startNode, register, request, uniqueName, assertError, assertStatus, waitFor, cleanup,
} from './lib/harness.mjs';
import { WsClient, SseClient, closeAllLive } from './lib/live.mjs';

// The real web client (web/admin/index.html) is served: the harness' default root is a stub.
process.env.CHAT_WEB_ROOT ??= fileURLToPath(new URL('../../web', import.meta.url));

const T = { timeout: 60000 };
const adminName = uniqueName('boss');
let redis;
let nodes;
let admin; // Client (admin) on node 1
let alice; // Client (plain user) on node 1

after(async () => { await closeAllLive(); await cleanup(); });

const put = (client, path, body) => client.request('PUT', path, { body });

test('setup: redis, two nodes started with --admin, an admin and a plain user', T, async () => {
  redis = await startRedis();
  const tag = `adm-${process.pid}`;
  nodes = await Promise.all([1, 2].map((i) => startNode({
    redisUrl: redis.url, serverId: `${tag}-${i}`, args: ['--admin', adminName],
  })));
  admin = await register(nodes[0], adminName);
  assert.equal(admin.user.role, 'admin', 'the --admin name registers as admin');
  alice = await register(nodes[0], uniqueName('alice'));
  assert.equal(alice.user.role, 'user');
});

test('unauthenticated: GET /admin/stats, GET /admin, admin actions → 401', T, async () => {
  for (const path of ['/admin/stats', '/admin', '/admin/', '/admin/index.html']) {
    const res = await request(nodes[0].port, 'GET', path);
    assertError(res, 401, 'unauthorized', `GET ${path}`);
    assert.ok(!res.text.includes('<html'), `GET ${path} must not serve the page`);
  }
  assertError(await request(nodes[0].port, 'POST', `/admin/users/${alice.user.id}/disconnect`), 401, 'unauthorized', 'disconnect');
  assertError(await request(nodes[0].port, 'PUT', `/admin/users/${alice.user.id}/role`, { body: { role: 'admin' } }), 401, 'unauthorized', 'role');
  // A bogus token is no better.
  const res = await request(nodes[1].port, 'GET', '/admin/stats', { headers: { Authorization: `Bearer ${'0'.repeat(64)}` } });
  assertError(res, 401, 'unauthorized', 'bogus bearer');
});

test('non-admin: 403 on the page, the stats and the actions', T, async () => {
  for (const path of ['/admin/stats', '/admin', '/admin/']) {
    const res = await alice.get(path);
    assertError(res, 403, 'forbidden', `alice GET ${path}`);
  }
  // A browser navigating to the page (Accept: text/html) gets the page with the refusal's status; the
  // page then shows its access card, because /admin/stats refuses it the same way.
  const asBrowser = { headers: { Accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } };
  const denied = await alice.get('/admin', asBrowser);
  assert.equal(denied.status, 403, 'browser navigation by a non-admin: 403');
  assert.match(denied.headers['content-type'], /text\/html/);
  assert.match(denied.text, /admin\.js/, 'the (data-free) page, which shows "Administrators and moderators only"');
  const anonymous = await request(nodes[0].port, 'GET', '/admin', asBrowser);
  assert.equal(anonymous.status, 401, 'browser navigation without a session: 401');
  assert.match(anonymous.text, /admin\.js/);
  assertError(await alice.get('/admin/stats', asBrowser), 403, 'forbidden', 'the stats stay JSON 403 whatever Accept says');
  assertError(await alice.post(`/admin/users/${admin.user.id}/disconnect`), 403, 'forbidden', 'alice disconnect');
  assertError(await put(alice, `/admin/users/${alice.user.id}/role`, { role: 'admin' }), 403, 'forbidden', 'alice promotes herself');
  const me = await alice.get('/me');
  assert.equal(me.json.role, 'user', 'the refused promotion changed nothing');
});

test('admin: the page is served, and /admin/stats lists both nodes with their stats', T, async () => {
  const page = await admin.get('/admin');
  assertStatus(page, 200, 'GET /admin');
  assert.match(page.headers['content-type'], /text\/html/);
  assert.match(page.text, /admin\.js/, 'the admin page');
  const slash = await admin.on(nodes[1]).get('/admin/');
  assertStatus(slash, 200, 'GET /admin/ on node 2');

  // A live connection on node 2, so its stats differ from node 1's.
  const ws = await WsClient.connect(nodes[1].port, { client: alice, label: 'alice-ws-stats' });
  const ids = nodes.map((n) => n.serverId).sort();
  const stats = await waitFor(async () => {
    const res = await admin.get('/admin/stats');
    assertStatus(res, 200, 'GET /admin/stats');
    const s = res.json;
    const byId = new Map(s.nodes.map((n) => [n.id, n]));
    // Node 1's stats sampled after alice's refused requests above (the hash is written periodically:
    // an older sample may not count them yet).
    const ok = ids.every((id) => byId.get(id)?.alive && byId.get(id)?.stats)
      && byId.get(nodes[1].serverId).connections.ws >= 1
      && (byId.get(nodes[0].serverId).errors?.forbidden ?? 0) >= 1;
    return ok ? s : false;
  }, { timeout: 8000, interval: 250, what: 'both nodes alive with stats (node 2 with a WS connection, node 1 counting the refusals)' });
  assert.deepEqual(stats.nodes.map((n) => n.id).filter((id) => ids.includes(id)), ids, 'both server ids');
  for (const n of stats.nodes) {
    assert.equal(typeof n.connections.ws, 'number');
    assert.equal(typeof n.connections.sse, 'number');
    assert.equal(typeof n.messages.persisted, 'number');
    assert.equal(typeof n.messages.delivered, 'number');
    assert.equal(typeof n.rooms, 'number');
    assert.equal(typeof n.presence, 'number');
    assert.equal(typeof n.errors, 'object');
    assert.ok(n.version.length > 0, 'version');
    assert.ok(n.startedAt > 0 && n.sampledAt >= n.startedAt, 'startedAt / sampledAt');
  }
  const n1 = stats.nodes.find((n) => n.id === nodes[0].serverId);
  // alice's refused requests above were counted on node 1.
  assert.ok((n1.errors.forbidden ?? 0) >= 1, `node 1 errors include forbidden: ${JSON.stringify(n1.errors)}`);
  assert.ok(stats.totalUsers >= 2, 'totalUsers');
  assert.ok(stats.onlineUsers >= 1, 'alice is online');
  assert.equal(typeof stats.channels, 'number');
  assert.ok(Math.abs(stats.generatedAt - Date.now()) < 60000, 'generatedAt is a ms timestamp');
  // A message sent on node 1 shows up in node 1's persisted counter.
  const before = n1.messages.persisted;
  assertStatus(await alice.post('/room/0/messages', { message: 'for the counters' }), 201, 'send');
  await waitFor(async () => {
    const s = (await admin.get('/admin/stats')).json;
    return s.nodes.find((n) => n.id === nodes[0].serverId).messages.persisted > before;
  }, { timeout: 6000, interval: 250, what: 'persisted counter of node 1 to grow' });
  ws.ws.close();
  await ws.closed;
});

test('admin disconnects a user everywhere: WS on the other node closes with 4001, SSE ends, audit line', T, async () => {
  const bob = await register(nodes[1], uniqueName('bob'));
  const wsRemote = await WsClient.connect(nodes[1].port, { client: bob, label: 'bob-ws-node2' });
  const sseLocal = await SseClient.connect(nodes[0].port, { client: bob, label: 'bob-sse-node1' });
  const bystander = await WsClient.connect(nodes[1].port, { client: alice, label: 'alice-ws-node2' });
  await wsRemote.ping();
  await bystander.ping();
  await new Promise((r) => setTimeout(r, 300)); // the SSE session actor registers with presence

  const res = await admin.post(`/admin/users/${bob.user.id}/disconnect`);
  assertStatus(res, 200, 'disconnect');
  assert.equal(res.json.id, bob.user.id);

  const info = await Promise.race([
    wsRemote.closed,
    new Promise((_, reject) => setTimeout(() => reject(new Error('bob\'s WS on node 2 was not closed within 5 s')), 5000)),
  ]);
  assert.equal(info.code, 4001, `close code (reason ${info.reason})`);
  await Promise.race([
    sseLocal.endedPromise,
    new Promise((_, reject) => setTimeout(() => reject(new Error('bob\'s SSE stream on node 1 did not end within 5 s')), 5000)),
  ]);
  assert.equal(bystander.closeInfo, null, 'another user on the same node stays connected');

  const audit = await waitFor(() => nodes[0].logLines().find((l) => l.event === 'admin_action'
    && l.action === 'disconnect' && l.target === bob.user.id), { timeout: 3000, what: 'audit log line' });
  assert.equal(audit.admin, admin.user.id, 'the audit line names the admin');
  assert.equal(audit.level, 'info');

  // The session itself stays valid: bob can reconnect.
  const again = await WsClient.connect(nodes[1].port, { client: bob, label: 'bob-ws-again' });
  assert.equal(again.closeInfo, null);
  // Unknown user → 404.
  assertError(await admin.post('/admin/users/999999/disconnect'), 404, 'not_found', 'unknown user');
  assertError(await admin.post('/admin/users/abc/disconnect'), 404, 'not_found', 'malformed id');
});

test('role change: promotion shows in GET /me and grants access; bad role 400; unknown user 404', T, async () => {
  const carol = await register(nodes[1], uniqueName('carol'));
  assertError(await carol.get('/admin/stats'), 403, 'forbidden', 'carol before');

  const res = await put(admin, `/admin/users/${carol.user.id}/role`, { role: 'admin' });
  assertStatus(res, 200, 'promote');
  assert.equal(res.json.role, 'admin');
  assert.equal(res.json.id, carol.user.id);
  const me = await carol.get('/me');
  assert.equal(me.json.role, 'admin', 'GET /me shows the new role');
  assertStatus(await carol.get('/admin/stats'), 200, 'carol is an admin now (same session)');
  const audit = await waitFor(() => nodes[0].logLines().find((l) => l.event === 'admin_action'
    && l.action === 'set_role' && l.target === carol.user.id), { timeout: 3000, what: 'role audit line' });
  assert.equal(audit.role, 'admin');
  assert.equal(audit.admin, admin.user.id);

  assertStatus(await put(admin, `/admin/users/${carol.user.id}/role`, { role: 'user' }), 200, 'demote');
  assert.equal((await carol.get('/me')).json.role, 'user');
  assertError(await carol.get('/admin/stats'), 403, 'forbidden', 'carol after the demotion');

  assertError(await put(admin, `/admin/users/${carol.user.id}/role`, { role: 'root' }), 400, 'bad_request', 'bad role');
  assertError(await put(admin, `/admin/users/${carol.user.id}/role`, { role: 1 }), 400, 'bad_request', 'role not a string');
  assertError(await put(admin, `/admin/users/${carol.user.id}/role`, {}), 400, 'bad_request', 'no role');
  assertError(await put(admin, '/admin/users/999999/role', { role: 'admin' }), 404, 'not_found', 'unknown user');
  assert.equal((await carol.get('/me')).json.role, 'user', 'refused changes changed nothing');
});
