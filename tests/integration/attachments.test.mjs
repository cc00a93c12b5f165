// Messages carrying files or a location (issue 24, /work/helpers/files-api.md "Messages carrying files
// or a location"): two real nodes on one Redis. Files are created as ready `chat:file:{id}` hashes
// directly in Redis (the upload route is not needed for this). A message over WS and over HTTP
// attaches files the sender uploaded to that room; the other node's client gets it with the files'
// metadata; history and resume carry them; a foreign, unknown, unready, already attached, duplicate or
// 11th file is refused (bad_request) and nothing of that message is written; empty text is fine with
// a location or files, not without; attached files lose their expiry; edits keep attachments and the
// location; deleting the message deletes its files; thread replies attach files too.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { cleanup, assertStatus, assertError, allMessages, uniqueName } from './lib/harness.mjs';
import { WsClient, closeAllLive, isMessage } from './lib/live.mjs';
import { startCluster, registerUsers } from './lib/cluster.mjs';
import { commandWs, editWs, deleteMessage, patchMessage, resumedWs } from './lib/message_events.mjs';

const T = { timeout: 60000 };

let redis;
let nodes;
let A; // sender, member of R and R2
let B; // member of R
let R;
let R2;
let wsA; // A on node 1
let wsB; // B on node 2
const sent = []; // {id, attachments?, location?} the messages with media, in order

after(async () => { await closeAllLive(); await cleanup(); });

/** A ready file of `owner` in `room` (as the upload route leaves it), expiring in 24 h → its descriptor. */
function makeFile(owner, room, { name = 'photo.png', size = 1234, type = 'image/png', width, height, state = 'ready' } = {}) {
  const id = randomBytes(16).toString('hex');
  const key = `chat:file:${id}`;
  const fields = ['room', room, 'owner', owner.user.id, 'name', name, 'size', String(size), 'type', type,
    'created', String(Date.now()), 'chunk', '262144', 'state', state];
  if (width !== undefined) fields.push('width', String(width), 'height', String(height));
  redis.cli('HSET', key, ...fields);
  redis.cli('HSET', `${key}:data`, '0', 'bytes');
  redis.cli('EXPIRE', key, '86400');
  redis.cli('EXPIRE', `${key}:data`, '86400');
  const d = { id, name, size, type };
  if (width !== undefined) { d.width = width; d.height = height; }
  d.url = `/files/${id}/${encodeURIComponent(name).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`;
  return d;
}

const ttl = (id, suffix = '') => Number(redis.cli('TTL', `chat:file:${id}${suffix}`));
const exists = (id, suffix = '') => Number(redis.cli('EXISTS', `chat:file:${id}${suffix}`));
const attachedTo = (id) => redis.cli('HGET', `chat:file:${id}`, 'message');
const sendWs = (ws, frame) => commandWs(ws, { type: 'message', roomId: R, ...frame });

/** The message `id` as B's WS on the other node got it. */
const deliveredToB = (id) => wsB.waitFor(isMessage(id, R), 10000, { what: `message ${id} on node 2` }).then((e) => e.data);

function assertRefused(ev, what) {
  assert.equal(ev.type, 'error', `${what}: ${JSON.stringify(ev)}`);
  assert.equal(ev.data.code, 'bad_request', `${what}: ${JSON.stringify(ev)}`);
}

test('setup: redis, 2 nodes; A and B in channel R, A also in R2; WS of A on node 1, of B on node 2', T, async () => {
  ({ redis, nodes } = await startCluster({ n: 2, prefix: 'attach', nodeArgs: ['--messages-per-10s', '1000'] }));
  [A, B] = await registerUsers(nodes, 2, 'f');
  const created = await A.on(nodes[0]).post('/rooms', { name: uniqueName('files') });
  assertStatus(created, 201, 'channel R');
  R = created.json.id;
  assertStatus(await B.post(`/rooms/${R}/join`), 200, 'B joins R');
  const other = await A.on(nodes[0]).post('/rooms', { name: uniqueName('files2') });
  assertStatus(other, 201, 'channel R2');
  R2 = other.json.id;
  wsA = await resumedWs(A, nodes[0], R, 'wsA@1');
  wsB = await resumedWs(B, nodes[1], R, 'wsB@2');
  await wsA.ping();
  await wsB.ping();
});

test('WS: files and a location; the other node delivers the metadata; attached files lose their expiry', T, async () => {
  const img = makeFile(A, R, { name: 'cat "one".png', size: 4096, type: 'image/png', width: 640, height: 480 });
  const doc = makeFile(A, R, { name: 'résumé 1/2?.pdf'.replace('/', '_'), size: 77, type: 'application/octet-stream' });
  assert.ok(ttl(img.id) > 0 && ttl(doc.id, ':data') > 0, 'unattached files expire');
  const location = { lat: 48.8566, lon: 2.3522, accuracy: 12.5, label: 'Paris "centre"' };
  const ack = await sendWs(wsA, { message: 'look', attachments: [img.id, doc.id], location });
  assert.equal(ack.type, 'ack', JSON.stringify(ack));
  const got = await deliveredToB(ack.data.id);
  assert.deepEqual(got.attachments, [img, doc], JSON.stringify(got));
  assert.deepEqual(got.location, location);
  assert.equal(got.message, 'look');
  for (const f of [img, doc]) {
    assert.equal(ttl(f.id), -1, 'attached: no expiry');
    assert.equal(ttl(f.id, ':data'), -1, 'attached: its bytes no expiry');
    assert.equal(attachedTo(f.id), String(ack.data.id));
  }
  sent.push({ id: ack.data.id, attachments: [img, doc], location, files: [img, doc] });
});

test('HTTP: POST with attachments and empty text; the other node delivers it', T, async () => {
  const f = makeFile(A, R, { name: 'notes.txt', size: 5, type: 'application/octet-stream' });
  const res = await A.on(nodes[1]).post(`/room/${R}/messages`, { message: '', attachments: [f.id], clientId: 'h1' });
  assertStatus(res, 201, 'HTTP send with a file');
  assert.deepEqual(res.json.attachments, [f]);
  assert.equal(res.json.message, '');
  const got = await deliveredToB(res.json.id);
  assert.deepEqual(got.attachments, [f]);
  assert.equal(got.location, undefined);
  assert.equal(ttl(f.id), -1);
  sent.push({ id: res.json.id, attachments: [f], files: [f] });
});

test('empty text with a location is fine; blank text without files or location is refused', T, async () => {
  const location = { lat: -33.8688, lon: 151.2093 };
  const ack = await sendWs(wsA, { message: '', location });
  assert.equal(ack.type, 'ack', JSON.stringify(ack));
  const got = await deliveredToB(ack.data.id);
  assert.deepEqual(got.location, location);
  assert.equal(got.attachments, undefined);
  sent.push({ id: ack.data.id, location });
  const http = await A.post(`/room/${R}/messages`, { message: '', location: { lat: 0, lon: 0, label: '' } });
  assertStatus(http, 201, 'HTTP location only');
  assert.deepEqual(http.json.location, { lat: 0, lon: 0, label: '' });
  sent.push({ id: http.json.id, location: { lat: 0, lon: 0, label: '' } });
  assertRefused(await sendWs(wsA, { message: '  ' }), 'blank WS');
  assertRefused(await sendWs(wsA, { message: '', attachments: [] }), 'empty attachments are none');
  assertError(await A.post(`/room/${R}/messages`, { message: '' }), 400, 'bad_request', 'blank HTTP');
});

test('location ranges and shapes are refused over WS and HTTP', T, async () => {
  const bad = [
    { lat: 90.5, lon: 0 }, { lat: 0, lon: -181 }, { lat: 1, lon: 1, accuracy: -1 }, { lat: '1', lon: 1 },
    { lat: 1 }, { lat: 1, lon: 1, label: 'x'.repeat(201) }, { lat: 1, lon: 1, label: 5 }, [1, 2], 'here',
  ];
  for (const location of bad) {
    assertRefused(await sendWs(wsA, { message: 'where', location }), `WS location ${JSON.stringify(location)}`);
    assertError(await A.post(`/room/${R}/messages`, { message: 'where', location }), 400, 'bad_request',
      `HTTP location ${JSON.stringify(location)}`);
  }
  const ok = await sendWs(wsA, { message: '', location: { lat: 1, lon: 1, label: 'é'.repeat(200) } });
  assert.equal(ok.type, 'ack', '200 characters of label are fine');
  sent.push({ id: ok.data.id, location: { lat: 1, lon: 1, label: 'é'.repeat(200) } });
});

test('files that may not be attached are refused and nothing of the message is written', T, async () => {
  const before = (await allMessages(A, R)).length;
  const mine = makeFile(A, R, { name: 'ok.png' });
  const foreignUser = makeFile(B, R);
  const foreignRoom = makeFile(A, R2);
  const uploading = makeFile(A, R, { state: 'uploading' });
  const unknown = randomBytes(16).toString('hex');
  const already = sent[0].files[0].id;
  const cases = {
    'another user\'s file': [mine.id, foreignUser.id],
    'a file of another room': [mine.id, foreignRoom.id],
    'an upload not finished': [mine.id, uploading.id],
    'an unknown id': [mine.id, unknown],
    'a file attached already': [mine.id, already],
    'a duplicate': [mine.id, mine.id],
    'eleven files': Array.from({ length: 11 }, () => makeFile(A, R).id),
    'not a file id': ['../etc/passwd'],
  };
  for (const [what, attachments] of Object.entries(cases)) {
    assertRefused(await sendWs(wsA, { message: what, attachments }), `WS ${what}`);
    assertError(await A.on(nodes[1]).post(`/room/${R}/messages`, { message: what, attachments }), 400, 'bad_request', `HTTP ${what}`);
    const reply = await sendWs(wsA, { message: what, attachments, parentId: sent[0].id });
    assertRefused(reply, `thread reply ${what}`);
  }
  assertError(await A.post(`/room/${R}/messages`, { message: 'x', attachments: 'nope' }), 400, 'bad_request', 'attachments not an array');
  assertError(await A.post(`/room/${R}/messages`, { message: 'x', attachments: [1] }), 400, 'bad_request', 'attachments of numbers');
  assert.equal((await allMessages(A, R)).length, before, 'nothing stored');
  for (const f of [mine, foreignUser, foreignRoom]) {
    assert.ok(ttl(f.id) > 0, 'unattached files keep their expiry');
    assert.equal(attachedTo(f.id), '', 'and no message');
  }
  assert.equal(attachedTo(already), String(sent[0].id), 'the attached file stays with its message');
  // the file that was refused along with the others can still be attached
  const ack = await sendWs(wsA, { message: 'now alone', attachments: [mine.id] });
  assert.equal(ack.type, 'ack', JSON.stringify(ack));
  sent.push({ id: ack.data.id, attachments: [mine], files: [mine] });
});

test('in one burst (batched send calls) each message is judged on its own: refused ones write nothing, the others carry their files', T, async () => {
  const frames = [];
  const expect = new Map(); // clientId → attachments (null: refused)
  for (let i = 0; i < 24; i++) {
    const clientId = `burst-${i}`;
    if (i % 3 === 0) {
      frames.push({ type: 'message', roomId: R, message: `plain ${i}`, clientId });
      expect.set(clientId, undefined);
    } else if (i % 3 === 1) {
      const f = makeFile(A, R, { name: `b${i}.bin`, type: 'application/octet-stream', size: i });
      frames.push({ type: 'message', roomId: R, message: `file ${i}`, attachments: [f.id], clientId });
      expect.set(clientId, [f]);
    } else {
      frames.push({ type: 'message', roomId: R, message: `bad ${i}`, attachments: [makeFile(B, R).id], clientId });
      expect.set(clientId, null);
    }
  }
  const from = wsA.mark();
  for (const f of frames) wsA.send(f);
  const answers = await Promise.all(frames.map((f) => wsA.waitFor(
    (e) => (e.type === 'ack' || e.type === 'error') && e.data?.clientId === f.clientId, 10000, { from, what: f.clientId })));
  for (const [i, ev] of answers.entries()) {
    const want = expect.get(frames[i].clientId);
    if (want === null) { assertRefused(ev, frames[i].clientId); continue; }
    assert.equal(ev.type, 'ack', JSON.stringify(ev));
    const got = await deliveredToB(ev.data.id);
    assert.equal(got.message, frames[i].message);
    assert.deepEqual(got.attachments, want, frames[i].clientId);
  }
  const texts = (await allMessages(A, R)).map((m) => m.message);
  for (const f of frames) assert.equal(texts.includes(f.message), expect.get(f.clientId) !== null, f.message);
});

test('history and resume on the other node carry attachments and location', T, async () => {
  const history = new Map((await allMessages(B.on(nodes[1]), R)).map((m) => [m.id, m]));
  const resumed = await WsClient.connect(nodes[1].port, { client: B.on(nodes[1]), label: 'wsB@2 resumed' });
  resumed.send({ type: 'resume', rooms: { [R]: 0 } });
  for (const s of sent) {
    const h = history.get(s.id);
    assert.ok(h, `history has ${s.id}`);
    assert.deepEqual(h.attachments, s.attachments, `history attachments of ${s.id}`);
    assert.deepEqual(h.location, s.location, `history location of ${s.id}`);
    const r = (await resumed.waitFor(isMessage(s.id, R), 10000, { what: `resume ${s.id}` })).data;
    assert.deepEqual(r.attachments, s.attachments, `resumed attachments of ${s.id}`);
    assert.deepEqual(r.location, s.location, `resumed location of ${s.id}`);
  }
  resumed.close?.();
});

test('edits keep attachments and location (WS and HTTP; message.updated, history)', T, async () => {
  const s = sent[0];
  const from = wsB.mark();
  const ed = await editWs(wsA, R, s.id, 'look again');
  assert.equal(ed.type, 'ack', JSON.stringify(ed));
  const upd = (await wsB.waitFor((e) => e.type === 'message.updated' && e.data?.id === s.id, 10000, { from, what: 'update' })).data;
  assert.equal(upd.message, 'look again');
  assert.deepEqual(upd.attachments, s.attachments);
  assert.deepEqual(upd.location, s.location);
  const p = await patchMessage(A.on(nodes[1]), R, sent[1].id, { message: 'edited over HTTP' });
  assertStatus(p, 200, 'PATCH');
  assert.deepEqual(p.json.attachments, sent[1].attachments, p.text);
  const h = new Map((await allMessages(B, R)).map((m) => [m.id, m]));
  assert.equal(h.get(s.id).message, 'look again');
  assert.deepEqual(h.get(s.id).attachments, s.attachments);
  assert.deepEqual(h.get(s.id).location, s.location);
  assert.deepEqual(h.get(sent[1].id).attachments, sent[1].attachments);
});

test('thread replies attach files; the replies page has them', T, async () => {
  const f = makeFile(A, R, { name: 'reply.gif', type: 'image/gif', width: 1, height: 1, size: 43 });
  const location = { lat: 10, lon: 20 };
  const ack = await sendWs(wsA, { message: '', parentId: sent[0].id, attachments: [f.id], location });
  assert.equal(ack.type, 'ack', JSON.stringify(ack));
  const got = await deliveredToB(ack.data.id);
  assert.equal(got.parentId, sent[0].id);
  assert.deepEqual(got.attachments, [f]);
  assert.deepEqual(got.location, location);
  assert.equal(ttl(f.id), -1);
  const page = await B.get(`/room/${R}/messages/${sent[0].id}/replies`);
  assertStatus(page, 200, 'replies');
  const reply = page.json.find((m) => m.id === ack.data.id);
  assert.deepEqual(reply?.attachments, [f], page.text);
  const del = await deleteMessage(A, R, ack.data.id);
  assertStatus(del, 200, 'delete the reply');
  assert.equal(exists(f.id), 0, 'a deleted reply\'s file is gone');
  assert.equal(exists(f.id, ':data'), 0);
});

test('deleting a message deletes its files', T, async () => {
  const s = sent[0];
  for (const f of s.files) assert.equal(exists(f.id), 1);
  const del = await deleteMessage(A.on(nodes[1]), R, s.id);
  assertStatus(del, 200, 'DELETE');
  for (const f of s.files) {
    assert.equal(exists(f.id), 0, 'file metadata deleted');
    assert.equal(exists(f.id, ':data'), 0, 'file bytes deleted');
  }
  const other = sent[1].files[0];
  assert.equal(exists(other.id), 1, 'another message\'s file stays');
});
