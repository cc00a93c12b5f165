// Moderation (issue 23, first part): roles admin / moderator / user, bans and the audit log, on three
// real nodes sharing one Redis. A ban closes every WebSocket (4003 "banned") and SSE stream (`banned`
// event) of the user on every node within a second, their sessions stop resolving (401), and login
// answers 403 `banned` with the reason and end (after the right password only); a ban with an end
// lifts itself; nothing the user sent before is lost. Moderators may ban and disconnect users but not
// admins or moderators, and may not change roles; every action is in GET /admin/audit, newest first.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { cleanup, assertStatus, assertError, allMessages, sleep } from './lib/harness.mjs';
import { WsClient, SseClient, closeAllLive, sendWs } from './lib/live.mjs';
import { startCluster, registerUsers } from './lib/cluster.mjs';

const T = { timeout: 60000 };

let nodes;
let admin; // the first user: an admin
let mod;
let U; // a user who gets banned
let V; // another user
let wsU;
let sseU;
let wsU3;

after(async () => { await closeAllLive(); await cleanup(); });

const ban = (who, node, target, body) => who.on(node).post(`/admin/users/${target.user.id}/ban`, body);

test('setup: 3 nodes; an admin makes a moderator; U is online on every node', T, async () => {
  ({ nodes } = await startCluster({ n: 3, prefix: 'mod' }));
  [admin, mod, U, V] = await registerUsers(nodes, 4, 'mo');
  assert.equal(admin.user.role, 'admin', 'the first user is an admin');
  const r = await admin.on(nodes[0]).request('PUT', `/admin/users/${mod.user.id}/role`, { body: { role: 'moderator' } });
  assertStatus(r, 200, 'make a moderator');
  assert.equal(r.json.role, 'moderator');
  wsU = await WsClient.connect(nodes[0].port, { client: U.on(nodes[0]), label: 'wsU@1' });
  sseU = await SseClient.connect(nodes[1].port, { client: U.on(nodes[1]), label: 'sseU@2' });
  wsU3 = await WsClient.connect(nodes[2].port, { client: U.on(nodes[2]), label: 'wsU@3' });
});

test('a moderator may not change roles, nor moderate admins, moderators or themselves', T, async () => {
  assertError(await mod.on(nodes[1]).request('PUT', `/admin/users/${V.user.id}/role`, { body: { role: 'admin' } }), 403, 'forbidden', 'role change by a moderator');
  assertError(await ban(mod, nodes[1], admin, { reason: 'x' }), 403, 'forbidden', 'moderator bans an admin');
  assertError(await ban(mod, nodes[2], mod, { reason: 'x' }), 403, 'forbidden', 'moderator bans themselves');
  assertError(await mod.on(nodes[0]).post(`/admin/users/${admin.user.id}/disconnect`), 403, 'forbidden', 'moderator disconnects an admin');
  assertError(await V.on(nodes[0]).post(`/admin/users/${U.user.id}/ban`, { reason: 'x' }), 403, 'forbidden', 'a user bans');
  assertError(await V.on(nodes[0]).get('/admin/audit'), 403, 'forbidden', 'a user reads the audit log');
  assertError(await ban(admin, nodes[0], admin, { reason: 'x' }), 403, 'forbidden', 'an admin bans themselves');
});

test('a ban by a moderator closes U everywhere within a second; sessions end; login says banned; U\'s messages stay', T, async () => {
  const m = await sendWs(wsU, '0', 'my last words');
  assert.equal(m.type, 'ack', JSON.stringify(m));
  const t0 = Date.now();
  const res = await ban(mod, nodes[1], U, { reason: 'spam' });
  assertStatus(res, 200, 'ban');
  assert.deepEqual(res.json, { id: U.user.id, username: U.user.username, banned: true, reason: 'spam', until: null });
  const [c1, c3] = await Promise.all([wsU.waitClosed(5000), wsU3.waitClosed(5000)]);
  assert.equal(c1.code, 4003, JSON.stringify(c1));
  assert.equal(c1.reason, 'banned');
  assert.equal(c3.code, 4003, JSON.stringify(c3));
  await sseU.waitFor((e) => e.type === 'banned', 5000, { what: 'SSE banned' });
  assert.ok(Date.now() - t0 < 1500, `closed within about a second: ${Date.now() - t0} ms`);
  for (const n of nodes) {
    assertError(await U.on(n).get(`/rooms/${U.user.id}`), 401, 'unauthorized', `the old session on ${n.port}`);
    const me = await U.on(n).get('/me');
    assert.equal(me.json, null, 'GET /me: signed out');
  }
  const wrong = await U.on(nodes[0]).post('/login', { username: U.user.username, password: 'not the password' });
  assertError(wrong, 401, 'invalid_credentials', 'a wrong password learns nothing of the ban');
  const login = await U.on(nodes[2]).post('/login', { username: U.user.username, password: U.password });
  assertError(login, 403, 'banned', 'login');
  assert.equal(login.json.reason, 'spam');
  assert.equal(login.json.until, null);
  const hist = await allMessages(V.on(nodes[0]), '0');
  assert.ok(hist.some((x) => x.id === m.data.id && x.message === 'my last words'), 'nothing U sent is lost');
});

test('unban: login works again; a ban with an end lifts itself', T, async () => {
  assertStatus(await admin.on(nodes[0]).request('DELETE', `/admin/users/${U.user.id}/ban`), 200, 'unban');
  const fresh = U.on(nodes[1]);
  const login = await fresh.post('/login', { username: U.user.username, password: U.password });
  assertStatus(login, 200, 'login after the unban');
  U.token = fresh.token; // U's new session, for the tests below
  const until = Date.now() + 1500;
  const res = await ban(admin, nodes[2], V, { reason: 'cool down', until });
  assertStatus(res, 200, 'timed ban');
  assert.equal(res.json.until, until);
  const refused = await V.on(nodes[0]).post('/login', { username: V.user.username, password: V.password });
  assertError(refused, 403, 'banned', 'during the ban');
  assert.equal(refused.json.until, until);
  await sleep(Math.max(0, until - Date.now()) + 300);
  const again = V.on(nodes[0]);
  assertStatus(await again.post('/login', { username: V.user.username, password: V.password }), 200, 'after its end');
  V.token = again.token; // V's new session, for the tests below
  assertError(await ban(admin, nodes[0], V, { reason: 'late', until: Date.now() - 1000 }), 400, 'bad_request', 'an end in the past');
  assertError(await ban(admin, nodes[0], V, { until: 5 }), 400, 'bad_request', 'no reason');
  assertError(await ban(admin, nodes[0], V, { reason: 'x', until: 'soon' }), 400, 'bad_request', 'until not a number');
  assertError(await admin.on(nodes[0]).post('/admin/users/999999/ban', { reason: 'x' }), 404, 'not_found', 'unknown user');
});

test('mute: a muted user\'s sends, replies, edits and reactions are refused with the end on every node; reading works; a room mute is that room only', T, async () => {
  // U signed in again after the unban (test 4): fresh connections on every node
  const ws = await Promise.all(nodes.map((n, i) => WsClient.connect(n.port, { client: U.on(n), label: `wsU#${i + 1}` })));
  const before = await sendWs(ws[0], '0', 'before the mute');
  assert.equal(before.type, 'ack', JSON.stringify(before));
  const until = Date.now() + 60000;
  const m = await mod.on(nodes[1]).post(`/admin/users/${U.user.id}/mute`, { until });
  assertStatus(m, 200, 'mute');
  assert.deepEqual(m.json, { id: U.user.id, username: U.user.username, muted: true, roomId: null, until });
  for (const c of ws) {
    const r = await sendWs(c, '0', 'while muted');
    assert.equal(r.type, 'error', `${c.label}: ${JSON.stringify(r)}`);
    assert.equal(r.data.code, 'muted');
    assert.equal(r.data.until, until, 'the error carries the end');
    assert.match(r.data.message, /muted/);
  }
  const http = await U.on(nodes[2]).post('/room/0/messages', { message: 'over HTTP' });
  assertError(http, 403, 'muted', 'HTTP send');
  assert.equal(http.json.until, until);
  assertError(await U.on(nodes[0]).post('/room/0/messages', { message: 'a reply', parentId: before.data.id }), 403, 'muted', 'reply');
  assertError(await U.on(nodes[1]).request('PATCH', `/room/0/messages/${before.data.id}`, { body: { message: 'edited' } }), 403, 'muted', 'edit');
  assertError(await U.on(nodes[1]).request('PUT', `/room/0/messages/${before.data.id}/reactions/${encodeURIComponent(':eyes:')}`), 403, 'muted', 'reaction');
  assertStatus(await U.on(nodes[2]).get('/room/0/messages?limit=5'), 200, 'reading stays allowed');
  assertStatus(await U.on(nodes[2]).request('DELETE', `/room/0/messages/${before.data.id}`), 200, 'deleting an own message stays allowed');
  // lifted: sending works again
  assertStatus(await mod.on(nodes[0]).request('DELETE', `/admin/users/${U.user.id}/mute`), 200, 'unmute');
  const after = await sendWs(ws[2], '0', 'after the mute');
  assert.equal(after.type, 'ack', JSON.stringify(after));
  // a mute in one room (until lifted): only there
  const dm = await U.on(nodes[0]).post('/room', { user1: U.user.id, user2: V.user.id });
  assert.ok(dm.status === 200 || dm.status === 201, dm.text);
  const rm = await admin.on(nodes[2]).post(`/admin/users/${U.user.id}/mute`, { roomId: '0' });
  assertStatus(rm, 200, 'room mute');
  assert.equal(rm.json.until, null);
  const inGeneral = await sendWs(ws[1], '0', 'in General');
  assert.equal(inGeneral.data?.code, 'muted', JSON.stringify(inGeneral));
  assert.equal(inGeneral.data.until, null, 'until lifted');
  const inDm = await sendWs(ws[1], dm.json.id, 'in the DM');
  assert.equal(inDm.type, 'ack', `the DM is not muted: ${JSON.stringify(inDm)}`);
  assertStatus(await admin.on(nodes[2]).request('DELETE', `/admin/users/${U.user.id}/mute?roomId=0`), 200, 'room unmute');
  assert.equal((await sendWs(ws[1], '0', 'free again')).type, 'ack');
  assertError(await mod.on(nodes[0]).post(`/admin/users/${admin.user.id}/mute`, { until }), 403, 'forbidden', 'a moderator mutes an admin');
  assertError(await mod.on(nodes[0]).post(`/admin/users/${U.user.id}/mute`, { until: Date.now() - 5 }), 400, 'bad_request', 'an end in the past');
  assertError(await mod.on(nodes[0]).post(`/admin/users/${U.user.id}/mute`, { roomId: 'no room' }), 400, 'bad_request', 'bad roomId');
  for (const c of ws) await c.close();
});

test('a moderator deletes anyone\'s message: the tombstone and the event say so; a user may not', T, async () => {
  const ws = await WsClient.connect(nodes[1].port, { client: V.on(nodes[1]), label: 'wsV@2' });
  const m = await U.on(nodes[0]).post('/room/0/messages', { message: 'rule-breaking text' });
  assertStatus(m, 201, 'U posts');
  assertError(await V.on(nodes[2]).request('DELETE', `/room/0/messages/${m.json.id}`), 403, 'forbidden', 'a user deletes another\'s message');
  const d = await mod.on(nodes[2]).request('DELETE', `/room/0/messages/${m.json.id}`);
  assertStatus(d, 200, 'the moderator deletes');
  const ev = await ws.waitFor((e) => e.type === 'message.deleted' && e.data?.id === m.json.id, 5000, { what: 'message.deleted' });
  assert.equal(ev.data.moderated, true, JSON.stringify(ev.data));
  const tomb = (await allMessages(V.on(nodes[0]), '0')).find((x) => x.id === m.json.id);
  assert.deepEqual([tomb.deleted, tomb.moderated, tomb.message], [true, true, undefined], JSON.stringify(tomb));
  const own = await V.on(nodes[0]).post('/room/0/messages', { message: 'mine' });
  assertStatus(await V.on(nodes[1]).request('DELETE', `/room/0/messages/${own.json.id}`), 200, 'own delete');
  const ownTomb = (await allMessages(V.on(nodes[0]), '0')).find((x) => x.id === own.json.id);
  assert.equal(ownTomb.moderated, undefined, 'an own delete is not moderated');
  await ws.close();
});

test('the audit log has every action, newest first, and pages', T, async () => {
  const all = [];
  let before = '';
  for (let i = 0; i < 10; i++) {
    const page = await mod.on(nodes[i % 3]).get(`/admin/audit?limit=2${before ? `&before=${encodeURIComponent(before)}` : ''}`);
    assertStatus(page, 200, 'audit page');
    all.push(...page.json.entries);
    if (page.json.next === null) break;
    before = page.json.next;
  }
  const actions = all.map((e) => `${e.action} ${e.targetName} by ${e.actorName}`);
  assert.deepEqual(actions, [
    `delete_message ${U.user.username} by ${mod.user.username}`,
    `unmute ${U.user.username} by ${admin.user.username}`,
    `mute ${U.user.username} by ${admin.user.username}`,
    `unmute ${U.user.username} by ${mod.user.username}`,
    `mute ${U.user.username} by ${mod.user.username}`,
    `ban ${V.user.username} by ${admin.user.username}`,
    `unban ${U.user.username} by ${admin.user.username}`,
    `ban ${U.user.username} by ${mod.user.username}`,
    `set_role ${mod.user.username} by ${admin.user.username}`,
  ]);
  assert.equal(all[0].roomId, '0');
  assert.ok(all[0].messageId > 0);
  assert.equal(all[1].roomId, '0');
  assert.equal(all[7].reason, 'spam');
  assert.equal(all[8].role, 'moderator');
  assert.ok(all.every((e, i) => i === 0 || e.ts <= all[i - 1].ts), 'newest first');
  assertError(await mod.on(nodes[0]).get('/admin/audit?before=nope'), 400, 'bad_request', 'bad cursor');
  assertError(await mod.on(nodes[0]).get('/admin/audit?limit=0'), 400, 'bad_request', 'limit 0');
});
