// Files, images and location in the client (issue #24), without a browser: the pure rules of
// web/js/files.js (sizes, the fitted preview box, the OpenStreetMap link, refusal texts), the upload
// state machine of web/js/upload.js over a fake XMLHttpRequest (headers, progress, done, refusals,
// network error, cancel = abort, checks before any upload), the position lookup of web/js/geo.js
// over a fake navigator.geolocation, and the message frame and pending / acked / edited / deleted
// copies of a message carrying files and a location (sender.js, store_pending.js).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  accuracyText, attachmentsOf, attachmentSig, attachmentSummary, coord, coordsText, fitBox, formatSize, geoErrorText,
  isImage, locationFromPosition, locationOf, MAX_UPLOAD_BYTES, osmLink, pastedName, precheckText, uploadErrorText,
} from '../../web/js/files.js';
import { percent, Uploads } from '../../web/js/upload.js';
import { currentLocation } from '../../web/js/geo.js';
import { Store } from '../../web/js/store.js';
import { Sender } from '../../web/js/sender.js';

test('sizes for people: bytes, then KB / MB / GB (1024), one decimal below 10', () => {
  const cases = [[0, '0 B'], [1, '1 B'], [1023, '1023 B'], [1024, '1 KB'], [1536, '1.5 KB'], [10 * 1024, '10 KB'],
    [1048575, '1 MB'], [1048576, '1 MB'], [2.25 * 1048576, '2.3 MB'], [MAX_UPLOAD_BYTES, '10 MB'], [1.5 * 1024 ** 3, '1.5 GB']];
  for (const [n, want] of cases) assert.equal(formatSize(n), want, `${n}`);
  assert.equal(formatSize(-1), '');
  assert.equal(formatSize('x'), '');
});

test('an image preview box: scaled down to fit 360 × 320, never up, whole pixels; null without sizes', () => {
  assert.deepEqual(fitBox(100, 50), { width: 100, height: 50 });
  assert.deepEqual(fitBox(1000, 500), { width: 360, height: 180 });
  assert.deepEqual(fitBox(500, 1000), { width: 160, height: 320 });
  assert.deepEqual(fitBox(4000, 1), { width: 360, height: 1 });
  assert.equal(fitBox(0, 10), null);
  assert.equal(fitBox(undefined, 10), null);
  assert.equal(fitBox(10, Infinity), null);
  assert.ok(isImage({ type: 'image/png' }) && !isImage({ type: 'application/octet-stream' }) && !isImage(null));
});

test('a location: 5 decimals, ± accuracy in m, the OpenStreetMap link with marker and zoom 16; bad ones ignored', () => {
  assert.equal(coord(48.8583701), '48.85837');
  assert.equal(coord(-0.000001), '0.00000');
  assert.equal(coordsText({ lat: -33.8567844, lon: 151.213108 }), '-33.85678, 151.21311');
  assert.equal(accuracyText(25.4), '± 25 m');
  assert.equal(accuracyText(1234.5), '± 1,235 m');
  assert.equal(accuracyText(0), '± 0 m');
  assert.equal(accuracyText(undefined), '');
  assert.equal(osmLink(48.8583701, 2.2944813), 'https://www.openstreetmap.org/?mlat=48.85837&mlon=2.29448#map=16/48.85837/2.29448');
  assert.deepEqual(locationOf({ location: { lat: 1, lon: 2, accuracy: 3, label: 'Here' } }), { lat: 1, lon: 2, accuracy: 3, label: 'Here' });
  assert.deepEqual(locationOf({ location: { lat: '1.5', lon: 2, label: '  ' } }), { lat: 1.5, lon: 2 });
  assert.equal(locationOf({ location: { lat: 91, lon: 0 } }), null);
  assert.equal(locationOf({ location: { lat: 0, lon: 'x' } }), null);
  assert.equal(locationOf({}), null);
  assert.deepEqual(locationFromPosition({ coords: { latitude: 10.123456789, longitude: -20.5, accuracy: 12.345 } }), { lat: 10.123456789, lon: -20.5, accuracy: 12.3 });
});

test('refusal texts: too large (the server\'s number when it gives one), quota, busy, network, session, archived', () => {
  assert.equal(uploadErrorText({ status: 413 }), 'File too large (max 10 MB)');
  assert.equal(uploadErrorText({ status: 413, message: 'over the limit of 1048576 bytes' }), 'File too large (max 1 MB)');
  assert.equal(uploadErrorText({ status: 429, retryAfter: 3600 }), 'Upload quota reached for today. Try again in 60 min.');
  assert.equal(uploadErrorText({ status: 429 }), 'Upload quota reached for today.');
  assert.equal(uploadErrorText({ status: 503, code: 'busy' }), 'Server busy, try again in a moment');
  assert.equal(uploadErrorText({ status: 0, code: 'network' }), 'Network error: the upload did not reach the server');
  assert.equal(uploadErrorText({ status: 401 }), 'Your session has ended: sign in again');
  assert.equal(uploadErrorText({ status: 403, code: 'archived' }), 'This channel is archived');
  assert.equal(uploadErrorText({ status: 403, code: 'forbidden' }), 'You cannot upload files to this room');
  assert.equal(uploadErrorText({ status: 400, message: 'empty body' }), 'Refused: empty body');
  assert.equal(precheckText(MAX_UPLOAD_BYTES), null);
  assert.equal(precheckText(MAX_UPLOAD_BYTES + 1), 'File too large (max 10 MB)');
  assert.equal(precheckText(0), 'Empty file: nothing to upload');
  for (const code of [1, 2, 3, undefined]) assert.ok(geoErrorText({ code }).length > 10);
  assert.match(geoErrorText({ code: 1 }), /denied/);
  assert.match(geoErrorText({ code: 3 }), /too long/);
});

/** A fake XMLHttpRequest: records what was sent; the test answers (respond) or fails it (error). */
function fakeXhrs() {
  const made = [];
  const create = () => {
    const x = {
      headers: {}, upload: {}, aborted: false, status: 0, responseText: '', respHeaders: {},
      open(method, url) { Object.assign(x, { method, url }); },
      setRequestHeader(k, v) { x.headers[k] = v; },
      getResponseHeader(k) { return x.respHeaders[k] ?? null; },
      send(body) { x.body = body; },
      abort() { x.aborted = true; },
      progress(loaded, total) { x.upload.onprogress({ loaded, total, lengthComputable: true }); },
      respond(status, json, headers = {}) { x.status = status; x.responseText = JSON.stringify(json); x.respHeaders = headers; x.onload(); },
      error() { x.onerror(); },
    };
    made.push(x);
    return x;
  };
  return { made, create };
}

const file = (name, size, type = 'image/png') => ({ name, size, type });
const stored = (id, name = 'a.png', extra = {}) => ({ id, name, size: 10, type: 'image/png', width: 4, height: 3, url: `/files/${id}/${encodeURIComponent(name)}`, ...extra });

test('uploads: one POST per file to its room, the name percent-encoded; progress, then done; Send waits for all', () => {
  const { made, create } = fakeXhrs();
  const changes = [];
  const u = new Uploads({ createXhr: create, onChange: (roomId, item) => changes.push([roomId, item?.state ?? null]) });
  u.add('1:2', [file('ünï code.png', 100), file('notes.txt', 50, '')]);
  assert.equal(made.length, 2);
  assert.equal(made[0].method, 'POST');
  assert.equal(made[0].url, '/room/1%3A2/files');
  assert.equal(made[0].headers['X-File-Name'], encodeURIComponent('ünï code.png'));
  assert.equal(made[0].headers['Content-Type'], 'image/png');
  assert.equal(made[1].headers['Content-Type'], 'application/octet-stream');
  assert.equal(made[0].body.name, 'ünï code.png', 'the file itself is the body');
  assert.ok(u.busy('1:2'));
  made[0].progress(40, 100);
  assert.equal(percent(u.items('1:2')[0]), 40);
  made[0].respond(201, stored('f1', 'ünï code.png'));
  assert.ok(u.busy('1:2'), 'the second one still uploads');
  assert.deepEqual(u.done('1:2').map((f) => f.id), ['f1']);
  made[1].respond(201, stored('f2', 'notes.txt', { type: 'application/octet-stream' }));
  assert.ok(!u.busy('1:2'));
  assert.deepEqual(u.take('1:2').map((f) => f.id), ['f1', 'f2']);
  assert.deepEqual(u.items('1:2'), [], 'taken: the strip is empty');
  assert.deepEqual(u.items('0'), [], 'per room');
  assert.ok(changes.some(([, s]) => s === 'uploading') && changes.some(([, s]) => s === 'done'));
});

test('uploads: refusals and network errors fail with their sentence and stay until dismissed; taking leaves them', () => {
  const { made, create } = fakeXhrs();
  const u = new Uploads({ createXhr: create });
  u.add('0', [file('big.bin', 5000), file('q.png', 10), file('busy.png', 10), file('net.png', 10), file('ok.png', 10)]);
  made[0].respond(413, { error: { code: 'payload_too_large', message: 'file too large' } });
  made[1].respond(429, { error: { code: 'quota_exceeded', message: 'quota' } }, { 'Retry-After': '120' });
  made[2].respond(503, { error: 'busy', message: 'busy' }); // the other error shape of the API
  made[3].error();
  made[4].respond(201, stored('ok'));
  const items = u.items('0');
  assert.deepEqual(items.map((i) => i.state), ['failed', 'failed', 'failed', 'failed', 'done']);
  assert.equal(items[0].error, 'File too large (max 10 MB)');
  assert.equal(items[1].error, 'Upload quota reached for today. Try again in 2 min.');
  assert.equal(items[2].error, 'Server busy, try again in a moment');
  assert.equal(items[3].error, 'Network error: the upload did not reach the server');
  assert.deepEqual(u.take('0').map((f) => f.id), ['ok']);
  assert.equal(u.items('0').length, 4, 'the failed ones stay to be read');
  u.cancel(u.items('0')[0].key);
  assert.equal(u.items('0').length, 3);
  const bad = new Uploads({ createXhr: create });
  bad.add('0', [file('x.png', 10)]);
  made.at(-1).respond(201, { nope: true });
  assert.equal(bad.items('0')[0].state, 'failed', 'an unreadable 201 is no file');
});

test('uploads: cancel aborts a running upload and removes it; a late answer changes nothing', () => {
  const { made, create } = fakeXhrs();
  const u = new Uploads({ createXhr: create });
  u.add('0', [file('a.png', 10), file('b.png', 10)]);
  const [a] = u.items('0');
  assert.ok(u.cancel(a.key));
  assert.ok(made[0].aborted);
  assert.deepEqual(u.items('0').map((i) => i.name), ['b.png']);
  made[0].respond(201, stored('late'));
  assert.deepEqual(u.done('0'), []);
  assert.equal(u.cancel('nope'), false);
  u.clear();
  assert.ok(made[1].aborted, 'signed out: every upload aborted');
  assert.deepEqual(u.items('0'), []);
});

test('uploads: a thread\'s scope is apart from its room\'s, its files go to the room; a left room loses both', () => {
  const { made, create } = fakeXhrs();
  const seen = [];
  const u = new Uploads({ createXhr: create, onChange: (scope) => seen.push(scope) });
  u.add('0', [file('room.png', 10)]);
  u.add('0', [file('thread.png', 10)], [], 't:0:5');
  u.add('1:2', [file('dm.png', 10)]);
  assert.equal(made[1].url, '/room/0/files', 'a thread\'s file goes to its room');
  assert.deepEqual(u.items('0').map((i) => i.name), ['room.png']);
  assert.deepEqual(u.items('t:0:5').map((i) => i.name), ['thread.png']);
  made[1].respond(201, stored('t1'));
  assert.equal(seen.at(-1), 't:0:5', 'changes name their scope');
  assert.deepEqual(u.take('t:0:5').map((f) => f.id), ['t1']);
  assert.deepEqual(u.done('0'), []);
  u.add('0', [file('thread2.png', 10)], [], 't:0:5');
  assert.deepEqual([...u.roomIds()].sort(), ['0', '1:2']);
  u.clear('0');
  assert.ok(made[0].aborted && made[3].aborted && !made[2].aborted);
  assert.deepEqual([...u.roomIds()], ['1:2']);
});

test('uploads: once the body is out, no answer within the time limit fails it (aborted); an answer in time does not', async () => {
  const { made, create } = fakeXhrs();
  const u = new Uploads({ createXhr: create, answerTimeoutMs: 30 });
  u.add('0', [file('a.png', 10), file('b.png', 10)]);
  made[0].upload.onload();
  made[1].upload.onload();
  assert.ok(u.items('0')[0].sent && percent(u.items('0')[0]) === 100);
  made[1].respond(201, stored('b'));
  await new Promise((r) => { setTimeout(r, 80); });
  const [a, b] = u.items('0');
  assert.equal(a.state, 'failed');
  assert.equal(a.error, 'No answer from the server: try again');
  assert.ok(made[0].aborted);
  assert.equal(b.state, 'done', 'answered in time');
});

test('uploads: too large or empty files and the 11th file fail at once, without a request', () => {
  const { made, create } = fakeXhrs();
  const u = new Uploads({ createXhr: create });
  u.add('0', [file('huge.bin', MAX_UPLOAD_BYTES + 1), file('empty.txt', 0)]);
  assert.equal(made.length, 0);
  assert.deepEqual(u.items('0').map((i) => i.error), ['File too large (max 10 MB)', 'Empty file: nothing to upload']);
  assert.ok(!u.busy('0'));
  u.add('0', Array.from({ length: 11 }, (_, k) => file(`${k}.png`, 10)));
  assert.equal(made.length, 10);
  assert.equal(u.items('0').at(-1).error, 'At most 10 files per message');
  const named = new Uploads({ createXhr: create });
  named.add('0', [file('image.png', 10)], ['pasted.png']);
  assert.equal(made.at(-1).headers['X-File-Name'], 'pasted.png');
});

test('the position: {lat, lon, accuracy}; denied, unavailable, timed out and no API reject with a sentence', async () => {
  const geo = (outcome) => ({ getCurrentPosition: (ok, fail, opts) => { assert.ok(opts.timeout > 0); if (outcome.coords) ok(outcome); else fail(outcome); } });
  assert.deepEqual(await currentLocation(geo({ coords: { latitude: 48.85837, longitude: 2.29448, accuracy: 20 } })), { lat: 48.85837, lon: 2.29448, accuracy: 20 });
  for (const code of [1, 2, 3]) {
    await assert.rejects(currentLocation(geo({ code })), (e) => e.code === code && e.message === geoErrorText({ code }));
  }
  await assert.rejects(currentLocation(undefined), (e) => e.code === 0);
  await assert.rejects(currentLocation(geo({ coords: { latitude: NaN, longitude: 1 } })), (e) => e.code === 2);
});

test('a message with files and a location: the frame carries their ids and the location; pending, acked, edited, deleted copies', () => {
  const s = new Store();
  s.setMe({ id: '1', username: 'ann', role: 'user' });
  s.addRoom({ id: '0', names: ['General'] });
  s.addHistory('0', [], 50, { initial: true });
  const sent = [];
  const live = { isOpen: true, gen: 1, send: (f) => { sent.push(f); return true; } };
  const sender = new Sender(s, live);
  const files = [stored('f1', 'a.png'), stored('f2', 'b.pdf', { type: 'application/octet-stream' })];
  const location = { lat: 48.85837, lon: 2.29448, accuracy: 20 };
  const clientId = sender.send('0', '', null, { attachments: files, location });
  assert.deepEqual(sent[0], { type: 'message', roomId: '0', message: '', clientId, attachments: ['f1', 'f2'], location });
  const p = s.pendingOf('0')[0];
  assert.deepEqual(p.attachments, files, 'the pending copy shows the files at once');
  sender.send('0', 'plain');
  assert.ok(!('attachments' in sent[1]) && !('location' in sent[1]), 'a text message has neither field');

  sender.onAck({ clientId, id: 7, roomId: '0' });
  const m = s.rooms.get('0').msgs.get(7);
  assert.deepEqual(m.attachments, files);
  assert.deepEqual(m.location, location);
  // The server's copy replaces the local one; an edit changes the text only.
  s.receive({ id: 7, roomId: '0', from: '1', date: 1, message: '', attachments: files, location });
  s.applyUpdate({ id: 7, roomId: '0', message: 'now with words', edited: 5, seq: 9 });
  assert.equal(s.rooms.get('0').msgs.get(7).message, 'now with words');
  assert.deepEqual(s.rooms.get('0').msgs.get(7).attachments, files, 'an edit keeps the files');
  assert.deepEqual(s.rooms.get('0').msgs.get(7).location, location);
  s.applyDelete({ id: 7, roomId: '0', seq: 10 });
  const t = s.rooms.get('0').msgs.get(7);
  assert.ok(t.deleted && t.attachments === undefined && t.location === undefined, 'a tombstone shows nothing of them');
  sender.clear();
});

test('a lost ack: my echoed message settles the pending one only when its files match too', () => {
  const s = new Store();
  s.setMe({ id: '1', username: 'ann', role: 'user' });
  s.addRoom({ id: '0', names: ['General'] });
  s.addHistory('0', [], 50, { initial: true });
  s.gen = 1;
  s.addPending('0', '', 'c1', null, { attachments: [stored('f1')] }).sentGen = 1;
  s.addPending('0', '', 'c2', null, { attachments: [stored('f2')] }).sentGen = 1;
  s.gen = 2; // reconnected: the acks were lost
  s.receive({ id: 3, roomId: '0', from: '1', date: 1, message: '', attachments: [stored('f2')] });
  assert.deepEqual(s.pendingOf('0').map((p) => p.clientId), ['c1']);
});

test('summaries and signatures of files and locations; pasted images get a name', () => {
  const m = { attachments: [stored('f1', 'a.png'), { id: 'x' }, stored('f2', 'b.pdf')], location: { lat: 1, lon: 2 } };
  assert.equal(attachmentsOf(m).length, 2, 'an entry without a url is skipped');
  assert.equal(attachmentSummary(m), '📎 a.png, b.pdf · 📍 Location');
  assert.equal(attachmentSummary({ location: { lat: 1, lon: 2, label: 'Office' } }), '📍 Office');
  assert.equal(attachmentSummary({ message: 'hi' }), '');
  assert.notEqual(attachmentSig(m), attachmentSig({ ...m, location: undefined }));
  assert.equal(attachmentSig({}), '|');
  const at = new Date(2026, 11, 7, 2, 15, 30);
  assert.equal(pastedName('image.png', 'image/png', at), 'pasted-image-20261207-021530.png');
  assert.equal(pastedName('', 'image/jpeg', at), 'pasted-image-20261207-021530.jpg');
  assert.equal(pastedName('holiday.png', 'image/png', at), 'holiday.png');
});
