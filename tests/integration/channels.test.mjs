// Channel management (issue 23): private channels (invisible in the listing, joined by invitation
// only), owners (the creator; transferable), invite / remove members, rename / topic / visibility /
// archive (`room.updated`, a positioned room event that `resume` replays), delete (`room.removed`), the
// archived channel's read-only rule and the owner's moderator delete in their channel, on three real nodes sharing one Redis. A removed member gets
// nothing of the room from then on, on any node, and every route refuses it (history, sending,
// `room.join`, `resume`); only the owner or an admin manages a channel (a moderator or member: 403).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { cleanup, assertStatus, assertError, uniqueName, sleep } from './lib/harness.mjs';
import { WsClient, SseClient, closeAllLive, expectNothing, sendWs, syncRoom } from './lib/live.mjs';
import { startCluster, registerUsers } from './lib/cluster.mjs';

const T = { timeout: 60000 };

let nodes;
let admin; // the first user: an admin
let O; // the channel's owner
let M; // a member O invites
let X; // never a member
let mod; // a moderator: moderates users, not channels
let R; // the private channel
let wsM3; // M's WebSocket on node 3
let sseM2; // M's SSE stream on node 2
let wsO1; // O's WebSocket on node 1
let syncId; // a message every connection of M had before the settings changed

after(async () => { await closeAllLive(); await cleanup(); });

const patch = (u, node, room, body) => u.on(node).request('PATCH', `/rooms/${room}`, { body });
const row = async (u, node, room) => (await u.on(node).get(`/rooms/${u.user.id}`)).json.find((r) => r.id === room);

test('setup: 3 nodes; an admin, a moderator, an owner, a member-to-be and an outsider', T, async () => {
  ({ nodes } = await startCluster({ n: 3, prefix: 'chan' }));
  [admin, mod, O, M, X] = await registerUsers(nodes, 5, 'ch');
  assert.equal(admin.user.role, 'admin');
  assertStatus(await admin.on(nodes[0]).request('PUT', `/admin/users/${mod.user.id}/role`, { body: { role: 'moderator' } }), 200, 'moderator');
  wsM3 = await WsClient.connect(nodes[2].port, { client: M.on(nodes[2]), label: 'wsM@3' });
  sseM2 = await SseClient.connect(nodes[1].port, { client: M.on(nodes[1]), label: 'sseM@2' });
  wsO1 = await WsClient.connect(nodes[0].port, { client: O.on(nodes[0]), label: 'wsO@1' });
});

test('a private channel: its creator owns it; it is not listed; outsiders can neither join nor read it', T, async () => {
  const name = uniqueName('ops');
  const created = await O.on(nodes[0]).post('/rooms', { name, private: true, topic: 'incident room' });
  assertStatus(created, 201, 'create private');
  R = created.json.id;
  assert.deepEqual(created.json, { id: R, name, members: 1, joined: true, topic: 'incident room', private: true, archived: false, owner: O.user.id });
  const listed = await X.on(nodes[1]).get(`/rooms/public?limit=100&q=${encodeURIComponent(name)}`);
  assertStatus(listed, 200, 'public listing');
  assert.deepEqual(listed.json.channels, [], 'a private channel is not listed');
  assertError(await X.on(nodes[1]).post(`/rooms/${R}/join`), 403, 'forbidden', 'join a private channel uninvited');
  assertError(await X.on(nodes[2]).get(`/room/${R}/messages`), 403, 'forbidden', 'outsider reads');
  assertError(await X.on(nodes[2]).get(`/rooms/${R}/members`), 403, 'forbidden', 'outsider lists members');
  const mine = await row(O, nodes[2], R);
  assert.equal(mine.private, true);
  assert.equal(mine.owner, O.user.id);
  assert.equal(mine.topic, 'incident room');
  assert.equal(mine.archived, false);
  const pub = await O.on(nodes[0]).post('/rooms', { name: uniqueName('pub') });
  assertStatus(pub, 201, 'create public');
  assert.equal(pub.json.private, false);
  assert.equal(pub.json.owner, O.user.id);
});

test('invite: only the owner or an admin; the invited user gets room.joined live on every node and can read', T, async () => {
  assertError(await X.on(nodes[0]).post(`/rooms/${R}/members`, { userId: X.user.id }), 403, 'forbidden', 'outsider invites themselves');
  assertError(await mod.on(nodes[0]).post(`/rooms/${R}/members`, { userId: M.user.id }), 403, 'forbidden', 'a moderator invites');
  assertError(await O.on(nodes[0]).post(`/rooms/${R}/members`, { userId: '999999' }), 404, 'not_found', 'unknown user');
  assertError(await O.on(nodes[0]).post(`/rooms/${R}/members`, { user: M.user.id }), 400, 'bad_request', 'no userId');
  assertError(await O.on(nodes[0]).post('/rooms/0/members', { userId: M.user.id }), 400, 'bad_request', 'General');
  const markWs = wsM3.mark();
  const markSse = sseM2.mark();
  const added = await O.on(nodes[1]).post(`/rooms/${R}/members`, { userId: M.user.id });
  assertStatus(added, 200, 'invite');
  assert.deepEqual(added.json, { roomId: R, userId: M.user.id, added: true });
  for (const [c, from] of [[wsM3, markWs], [sseM2, markSse]]) {
    const ev = await c.waitFor((e) => e.type === 'room.joined' && e.data.id === R, 5000, { from, what: `${c.label}: room.joined` });
    assert.equal(ev.data.private, true);
    assert.equal(ev.data.owner, O.user.id);
  }
  const again = await O.on(nodes[2]).post(`/rooms/${R}/members`, { userId: M.user.id });
  assert.deepEqual(again.json, { roomId: R, userId: M.user.id, added: false }, 'inviting a member changes nothing');
  assertStatus(await M.on(nodes[0]).get(`/room/${R}/messages`), 200, 'the member reads');
  const members = await M.on(nodes[2]).get(`/rooms/${R}/members`);
  assertStatus(members, 200, 'members');
  assert.equal(members.json.count, 2);
  assert.equal(members.json.owner, O.user.id);
  assert.equal(members.json.private, true);
  assert.deepEqual(members.json.members.map((u) => u.id).sort(), [O.user.id, M.user.id].sort());
  syncId = (await syncRoom(wsO1, R, [wsM3, sseM2])).id;
});

test('settings: rename, topic and visibility by the owner or an admin reach every member live as room.updated', T, async () => {
  assertError(await patch(M, nodes[0], R, { topic: 'mine now' }), 403, 'forbidden', 'a member edits');
  assertError(await patch(mod, nodes[0], R, { topic: 'mod' }), 403, 'forbidden', 'a moderator edits');
  assertError(await patch(O, nodes[0], R, {}), 400, 'bad_request', 'nothing to change');
  assertError(await patch(O, nodes[0], R, { archived: 'yes' }), 400, 'bad_request', 'archived not a boolean');
  assertError(await patch(O, nodes[0], R, { name: '   ' }), 400, 'bad_request', 'blank name');
  assertError(await patch(O, nodes[0], R, { topic: 'x'.repeat(251) }), 400, 'bad_request', 'long topic');
  assertError(await patch(O, nodes[0], '0', { topic: 'x' }), 400, 'bad_request', 'General');
  assertError(await patch(O, nodes[0], '987654', { topic: 'x' }), 404, 'not_found', 'unknown channel');
  const taken = uniqueName('taken');
  assertStatus(await X.on(nodes[0]).post('/rooms', { name: taken }), 201, 'another channel');
  assertError(await patch(O, nodes[0], R, { name: taken.toUpperCase() }), 409, 'conflict', 'a taken name');
  const marks = [wsM3.mark(), sseM2.mark()];
  const name = uniqueName('war-room');
  const res = await patch(O, nodes[0], R, { name, topic: 'all hands' });
  assertStatus(res, 200, 'rename + topic');
  const want = { roomId: R, name, topic: 'all hands', private: true, archived: false, owner: O.user.id, seq: res.json.seq };
  assert.deepEqual(res.json, want);
  for (const [i, c] of [wsM3, sseM2].entries()) {
    const ev = await c.waitFor((e) => e.type === 'room.updated', 5000, { from: marks[i], what: `${c.label}: room.updated` });
    assert.deepEqual(ev.data, want);
  }
  assert.equal((await row(M, nodes[1], R)).names[0], name, 'the room list has the new name');
  const byAdmin = await patch(admin, nodes[2], R, { private: false });
  assertStatus(byAdmin, 200, 'an admin makes it public');
  const found = await X.on(nodes[1]).get(`/rooms/public?limit=100&q=${encodeURIComponent(name)}`);
  assert.deepEqual(found.json.channels.map((c) => c.id), [R], 'listed once public');
  assertStatus(await patch(O, nodes[1], R, { private: true }), 200, 'private again');
  const hidden = await X.on(nodes[1]).get(`/rooms/public?limit=100&q=${encodeURIComponent(name)}`);
  assert.deepEqual(hidden.json.channels, [], 'hidden again');
  const audit = await admin.on(nodes[0]).get('/admin/audit?limit=20');
  assert.ok(audit.json.entries.some((e) => e.action === 'update_channel' && e.roomId === R && e.actor === admin.user.id), 'audited');
});

test('resume replays room.updated like any room event, exactly once', T, async () => {
  const ws = await WsClient.connect(nodes[1].port, { client: M.on(nodes[1]), label: 'wsM@2 (resume)' });
  ws.send({ type: 'resume', rooms: { [R]: syncId } });
  await ws.waitFor((e) => e.type === 'resumed', 5000, { what: 'resumed' });
  const updates = ws.events.filter((e) => e.type === 'room.updated' && e.data.roomId === R);
  // The live connection's last update may still be on its way (a plain /ws write waits for its pacing tick).
  const live = await wsM3.waitForCount((e) => e.type === 'room.updated' && e.data.roomId === R, 3, 5000,
    { what: 'the three updates live' });
  assert.equal(updates.length, 3, 'the three updates after the cursor are replayed');
  assert.deepEqual(updates.map((e) => e.data), live.map((e) => e.data), 'as the live connection got them');
  const seqs = updates.map((e) => e.data.seq);
  assert.deepEqual(seqs, [...new Set(seqs)].sort((a, b) => a - b), 'in order, once each');
  ws.close();
});

test('archived: read-only for members (send, reply, edit, react, own delete: `archived`), readable; the owner still removes messages', T, async () => {
  const before = await sendWs(wsM3, R, 'written before the archive');
  assert.equal(before.type, 'ack');
  const mark = wsM3.mark();
  const res = await patch(O, nodes[0], R, { archived: true });
  assertStatus(res, 200, 'archive');
  assert.equal(res.json.archived, true);
  await wsM3.waitFor((e) => e.type === 'room.updated' && e.data.archived === true, 5000, { from: mark, what: 'archived update' });
  const ws = await sendWs(wsM3, R, 'into an archived channel');
  assert.equal(ws.type, 'error', JSON.stringify(ws));
  assert.equal(ws.data.code, 'archived');
  assertError(await M.on(nodes[1]).post(`/room/${R}/messages`, { message: 'http' }), 403, 'archived', 'HTTP send');
  assertError(await M.on(nodes[1]).post(`/room/${R}/messages`, { message: 'reply', parentId: before.data.id }), 403, 'archived', 'thread reply');
  assertError(await M.on(nodes[2]).request('PATCH', `/room/${R}/messages/${before.data.id}`, { body: { message: 'edit' } }), 403, 'archived', 'edit');
  assertError(await M.on(nodes[2]).request('PUT', `/room/${R}/messages/${before.data.id}/reactions/${encodeURIComponent('👍')}`), 403, 'archived', 'react');
  assertError(await M.on(nodes[2]).request('DELETE', `/room/${R}/messages/${before.data.id}`), 403, 'archived', 'own delete');
  const history = await M.on(nodes[0]).get(`/room/${R}/messages?limit=5`);
  assertStatus(history, 200, 'history stays readable');
  assert.ok(history.json.some((m) => m.id === before.data.id));
  assert.equal((await row(M, nodes[0], R)).archived, true, 'listed as archived');
  assertError(await X.on(nodes[1]).request('DELETE', `/room/${R}/messages/${before.data.id}`), 403, 'forbidden', 'an outsider deletes');
  const removed = await O.on(nodes[1]).request('DELETE', `/room/${R}/messages/${before.data.id}`);
  assertStatus(removed, 200, 'the channel\'s owner removes a member\'s message, also in an archived channel');
  const gone = await M.on(nodes[0]).get(`/room/${R}/messages?limit=5`);
  assert.equal(gone.json.find((m) => m.id === before.data.id).moderated, true, 'a tombstone removed by a moderator');
  assertStatus(await patch(admin, nodes[2], R, { archived: false }), 200, 'unarchive');
  const after = await sendWs(wsM3, R, 'open again');
  assert.equal(after.type, 'ack', JSON.stringify(after));
});

test('owner transfer: only to a member; the old owner no longer manages', T, async () => {
  assertError(await patch(O, nodes[0], R, { owner: X.user.id }), 400, 'bad_request', 'a non-member as owner');
  const res = await patch(O, nodes[0], R, { owner: M.user.id });
  assertStatus(res, 200, 'transfer');
  assert.equal(res.json.owner, M.user.id);
  assertError(await patch(O, nodes[1], R, { topic: 'not mine' }), 403, 'forbidden', 'the old owner edits');
  assertStatus(await patch(M, nodes[1], R, { owner: O.user.id }), 200, 'transfer back');
});

test('remove: the member gets room.removed on every node, then nothing of the room; every route refuses them', T, async () => {
  assertError(await M.on(nodes[0]).request('DELETE', `/rooms/${R}/members/${O.user.id}`), 403, 'forbidden', 'a member removes the owner');
  assertError(await admin.on(nodes[0]).request('DELETE', `/rooms/${R}/members/${O.user.id}`), 409, 'conflict', 'the owner cannot be removed');
  const marks = [wsM3.mark(), sseM2.mark()];
  const res = await O.on(nodes[0]).request('DELETE', `/rooms/${R}/members/${M.user.id}`);
  assertStatus(res, 200, 'remove');
  assert.deepEqual(res.json, { roomId: R, userId: M.user.id, removed: true });
  for (const [i, c] of [wsM3, sseM2].entries()) {
    const ev = await c.waitFor((e) => e.type === 'room.removed', 1000, { from: marks[i], what: `${c.label}: room.removed within 1 s` });
    assert.deepEqual(ev.data, { roomId: R, reason: 'removed' });
  }
  const afterMarks = [wsM3.mark(), sseM2.mark()];
  const sent = await sendWs(wsO1, R, 'after the removal');
  assert.equal(sent.type, 'ack');
  const leaked = [
    ...(await expectNothing(wsM3, (e) => e.data?.roomId === R || e.data?.id === sent.data.id, 800, { from: afterMarks[0] })),
    ...(await expectNothing(sseM2, (e) => e.data?.roomId === R, 10, { from: afterMarks[1] })),
  ];
  assert.deepEqual(leaked, [], 'nothing of the room reaches the removed member');
  assertError(await M.on(nodes[1]).get(`/room/${R}/messages`), 403, 'forbidden', 'history');
  assertError(await M.on(nodes[2]).post(`/room/${R}/messages`, { message: 'still here?' }), 403, 'forbidden', 'send');
  const viaWs = await sendWs(wsM3, R, 'ws send');
  assert.equal(viaWs.data.code, 'forbidden', JSON.stringify(viaWs));
  const ws = await WsClient.connect(nodes[0].port, { client: M.on(nodes[0]), label: 'wsM@1 (after removal)' });
  ws.send({ type: 'resume', rooms: { [R]: 0 } });
  ws.send({ type: 'room.join', roomId: R });
  await ws.waitFor((e) => e.type === 'error' && e.data.code === 'forbidden', 5000, { what: 'room.join refused' });
  await sleep(300);
  assert.equal(ws.events.filter((e) => e.type === 'message' && e.data.roomId === R).length, 0, 'resume replays nothing of the room');
  const sse = await SseClient.connect(nodes[2].port, { client: M.on(nodes[2]), label: 'sseM@3', lastEventId: `${R}=0` });
  await sleep(500);
  assert.equal(sse.events.filter((e) => e.data?.roomId === R).length, 0, 'SSE with a cursor of the room replays nothing of it');
  assert.equal(await row(M, nodes[0], R), undefined, 'gone from the room list');
  const again = await O.on(nodes[0]).request('DELETE', `/rooms/${R}/members/${M.user.id}`);
  assert.deepEqual(again.json, { roomId: R, userId: M.user.id, removed: false }, 'removing again changes nothing');
});

test('delete: owner or admin only; every member gets room.removed (deleted); the room is gone everywhere', T, async () => {
  assertStatus(await O.on(nodes[0]).post(`/rooms/${R}/members`, { userId: M.user.id }), 200, 're-invite');
  await wsM3.waitFor((e) => e.type === 'room.joined' && e.data.id === R, 5000, { what: 'joined again' });
  assertError(await M.on(nodes[0]).request('DELETE', `/rooms/${R}`), 403, 'forbidden', 'a member deletes');
  assertError(await mod.on(nodes[0]).request('DELETE', `/rooms/${R}`), 403, 'forbidden', 'a moderator deletes');
  assertError(await O.on(nodes[0]).request('DELETE', '/rooms/1:2'), 400, 'bad_request', 'a DM');
  const marks = [wsM3.mark(), wsO1.mark()];
  const res = await O.on(nodes[1]).request('DELETE', `/rooms/${R}`);
  assertStatus(res, 200, 'delete');
  assert.deepEqual(res.json, { id: R, deleted: true });
  for (const [i, c] of [wsM3, wsO1].entries()) {
    const ev = await c.waitFor((e) => e.type === 'room.removed', 2000, { from: marks[i], what: `${c.label}: room.removed` });
    assert.deepEqual(ev.data, { roomId: R, reason: 'deleted' });
  }
  assertError(await O.on(nodes[2]).get(`/room/${R}/messages`), 404, 'not_found', 'history of a deleted channel');
  assertError(await patch(O, nodes[2], R, { topic: 'x' }), 404, 'not_found', 'settings of a deleted channel');
  assertError(await O.on(nodes[2]).post(`/room/${R}/messages`, { message: 'x' }), 404, 'not_found', 'send to a deleted channel');
  assert.equal(await row(O, nodes[0], R), undefined, 'gone from the owner\'s room list');
  assert.equal(await row(M, nodes[2], R), undefined, 'gone from the member\'s room list');
  const audit = await admin.on(nodes[0]).get('/admin/audit?limit=50');
  assert.ok(audit.json.entries.some((e) => e.action === 'delete_channel' && e.roomId === R && e.actor === O.user.id), 'audited');
  assert.ok(audit.json.entries.some((e) => e.action === 'remove_member' && e.roomId === R && e.target === M.user.id), 'removal audited');
  const name = uniqueName('reborn');
  const fresh = await X.on(nodes[0]).post('/rooms', { name });
  assertStatus(fresh, 201, 'a new channel');
  assert.notEqual(fresh.json.id, R, 'ids are never reused');
});
