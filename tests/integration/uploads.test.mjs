// Files (issue #24): uploads stream into Redis and any node serves them. Two nodes on one Redis:
// upload on one, fetch on the other; the type is decided from magic bytes (a PNG named .txt is an
// image, HTML named .png is a sandboxed download); Range, ETag; the size limit decided from
// Content-Length before the body and counted for chunked bodies, with the answer read by the client
// (lingering close); a 40 MiB body without Content-Length does not grow the node's memory; members
// only; the daily quota; the node-wide concurrent upload limit; bad names; expiry.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import {
  startRedis, startNode, cleanup, register, request, assertError, assertStatus, sendWhole, raw, uniqueName,
  sleep,
} from './lib/harness.mjs';

const T = { timeout: 120000 };
const HOST = '127.0.0.1';
const MiB = 1024 * 1024;
let redis;
let n1;
let n2;
let A; // member of General and owner of the private channel
let B; // member of General, not of the channel
let channel;

after(cleanup);

/** A PNG of `w`×`h` pixels as far as its header goes (signature + IHDR), padded to `size` bytes. */
function png(w, h, size = 1000) {
  const b = Buffer.alloc(size, 7);
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(b, 0);
  b.writeUInt32BE(13, 8);
  b.write('IHDR', 12, 'latin1');
  b.writeUInt32BE(w, 16);
  b.writeUInt32BE(h, 20);
  return b;
}

const sha = (buf) => crypto.createHash('sha256').update(buf).digest('hex');

/** POST the bytes as a file; `name` is percent-encoded into X-File-Name unless `rawName`. */
function upload(node, who, room, name, body, { headers = {}, rawName = false } = {}) {
  const h = { Cookie: `chat_session=${who.token}`, ...headers };
  if (name !== null) h['X-File-Name'] = rawName ? name : encodeURIComponent(name);
  return request(node.port, 'POST', `/room/${encodeURIComponent(room)}/files`, { headers: h, body, contentType: 'application/octet-stream', timeout: 60000 });
}

/** GET a path as raw bytes (the harness' request() decodes UTF-8). */
function fetchBytes(node, who, path, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: HOST, port: node.port, path, method: headers.method ?? 'GET', agent: false,
      headers: { Cookie: `chat_session=${who.token}`, ...headers } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}
function rssKiB(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m[1]);
}

function uploadHead(node, who, { room = '0', name = 'big.bin', contentLength, chunked = false, expect = false } = {}) {
  const lines = [`POST /room/${room}/files HTTP/1.1`, `Host: ${HOST}:${node.port}`, `Cookie: chat_session=${who.token}`,
    'Content-Type: application/octet-stream', `X-File-Name: ${name}`];
  if (contentLength !== undefined) lines.push(`Content-Length: ${contentLength}`);
  if (chunked) lines.push('Transfer-Encoding: chunked');
  if (expect) lines.push('Expect: 100-continue');
  return `${lines.join('\r\n')}\r\n\r\n`;
}

test('setup: redis, two nodes, A and B; A owns a private channel', T, async () => {
  redis = await startRedis();
  [n1, n2] = await Promise.all([startNode({ redisUrl: redis.url }), startNode({ redisUrl: redis.url })]);
  A = await register(n1);
  B = await register(n2);
  const r = await A.post('/rooms', { name: uniqueName('files'), private: true });
  assertStatus(r, 201, 'private channel');
  channel = r.json.id;
});

let pngFile;
test('a PNG uploaded on one node is served by the other: inline image, its size, safe headers', T, async () => {
  const bytes = png(640, 480, 300 * 1024); // two chunks in Redis
  const r = await upload(n1, A, '0', 'holiday photo é.png', bytes);
  assertStatus(r, 201, 'upload');
  pngFile = r.json;
  assert.match(pngFile.id, /^[0-9a-f]{32}$/);
  assert.deepEqual({ ...pngFile, id: undefined }, {
    id: undefined, name: 'holiday photo é.png', size: bytes.length, type: 'image/png', width: 640, height: 480,
    url: `/files/${pngFile.id}/holiday%20photo%20%C3%A9.png`,
  });
  const g = await fetchBytes(n2, B, pngFile.url);
  assert.equal(g.status, 200);
  assert.equal(sha(g.body), sha(bytes), 'the same bytes from the other node');
  assert.equal(g.headers['content-type'], 'image/png');
  assert.equal(g.headers['content-length'], String(bytes.length));
  assert.equal(g.headers['x-content-type-options'], 'nosniff');
  assert.match(g.headers['cache-control'], /private/);
  assert.equal(g.headers.etag, `"${pngFile.id}"`);
  assert.match(g.headers['content-disposition'], /^inline; filename\*=UTF-8''holiday%20photo%20%C3%A9\.png$/);
  const head = await fetchBytes(n2, B, pngFile.url, { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(head.headers['content-length'], String(bytes.length));
  assert.equal(head.body.length, 0);
  // The metadata in Redis: ready, unattached, expiring within a day.
  assert.equal(redis.cli('HGET', `chat:file:${pngFile.id}`, 'state'), 'ready');
  const ttl = Number(redis.cli('TTL', `chat:file:${pngFile.id}`));
  assert.ok(ttl > 86000 && ttl <= 86400, `unattached files expire within 24 h (TTL ${ttl})`);
  assert.ok(Number(redis.cli('TTL', `chat:file:${pngFile.id}:data`)) > 86000);
});

test('the type comes from the bytes: a PNG named .txt is an image, HTML named .png a sandboxed download', T, async () => {
  const asTxt = await upload(n1, A, '0', 'notes.txt', png(16, 8));
  assertStatus(asTxt, 201);
  assert.equal(asTxt.json.type, 'image/png');
  assert.equal(asTxt.json.width, 16);
  const html = Buffer.from('<!doctype html><html><script>alert(document.cookie)</script></html>');
  const asPng = await upload(n1, A, '0', 'cat.png', html, { headers: { 'Content-Type': 'image/png' } });
  assertStatus(asPng, 201);
  assert.equal(asPng.json.type, 'application/octet-stream');
  assert.equal(asPng.json.width, undefined);
  const g = await fetchBytes(n2, B, asPng.json.url);
  assert.equal(g.status, 200);
  assert.equal(g.headers['content-type'], 'application/octet-stream', 'never text/html');
  assert.match(g.headers['content-disposition'], /^attachment; filename\*=UTF-8''cat\.png$/);
  assert.equal(g.headers['content-security-policy'], 'sandbox');
  assert.equal(g.headers['x-content-type-options'], 'nosniff');
  assert.equal(g.body.toString(), html.toString());
});

test('multipart/form-data (a plain HTML form): the file part is stored under its filename; a form without one is 400', T, async () => {
  const bytes = png(20, 10, 300 * 1024);
  const post = (fd) => fetch(`http://${HOST}:${n1.port}/room/0/files`, { method: 'POST', body: fd, headers: { Cookie: `chat_session=${A.token}` } });
  const fd = new FormData();
  fd.append('note', 'before the file');
  fd.append('file', new Blob([bytes], { type: 'text/plain' }), 'form é.png');
  fd.append('after', 'ignored');
  const r = await post(fd);
  const json = await r.json();
  assert.equal(r.status, 201, JSON.stringify(json));
  assert.equal(json.name, 'form é.png');
  assert.equal(json.size, bytes.length);
  assert.equal(json.type, 'image/png');
  assert.equal(json.width, 20);
  const g = await fetchBytes(n2, B, json.url);
  assert.equal(sha(g.body), sha(bytes), 'the part content, without the form around it');
  const noFile = new FormData();
  noFile.append('note', 'no file here');
  const bad = await post(noFile);
  assert.equal(bad.status, 400);
  assert.equal((await bad.json()).error, 'bad_request');
});

test('Range: 206 with Content-Range (across a chunk boundary, suffix), 416 outside; If-None-Match 304', T, async () => {
  const bytes = png(2, 2, 300 * 1024);
  const up = await upload(n1, A, '0', 'r.png', bytes);
  assertStatus(up, 201);
  const url = up.json.url;
  const from = 256 * 1024 - 10;
  const part = await fetchBytes(n2, B, url, { Range: `bytes=${from}-${from + 19}` });
  assert.equal(part.status, 206);
  assert.equal(part.headers['content-range'], `bytes ${from}-${from + 19}/${bytes.length}`);
  assert.deepEqual(part.body, bytes.subarray(from, from + 20));
  const suffix = await fetchBytes(n1, A, url, { Range: 'bytes=-5' });
  assert.equal(suffix.status, 206);
  assert.deepEqual(suffix.body, bytes.subarray(bytes.length - 5));
  const outside = await fetchBytes(n1, A, url, { Range: `bytes=${bytes.length}-` });
  assert.equal(outside.status, 416);
  assert.equal(outside.headers['content-range'], `bytes */${bytes.length}`);
  const cached = await fetchBytes(n1, A, url, { 'If-None-Match': `"${up.json.id}"` });
  assert.equal(cached.status, 304);
  assert.equal(cached.body.length, 0);
});

test('10 MiB exactly is stored; one byte more is 413 from Content-Length, read by the client (no reset)', T, async () => {
  const bytes = crypto.randomBytes(10 * MiB);
  const r = await upload(n1, A, '0', 'ten.bin', bytes);
  assertStatus(r, 201, '10 MiB');
  assert.equal(r.json.size, 10 * MiB);
  const g = await fetchBytes(n2, B, r.json.url);
  assert.equal(sha(g.body), sha(bytes), '10 MiB back from the other node, byte for byte');
  const over = await sendWhole(n1.port, uploadHead(n1, A, { contentLength: 10 * MiB + 1 }), 10 * MiB + 1);
  assert.equal(over.status, 413, `${over.error ?? ''} ${over.text.slice(0, 200)}`);
  assert.match(over.text, /payload_too_large/);
  assert.match(over.text, /file larger than 10485760 bytes/);
  assert.equal(over.error, null, 'the client sent its whole body without a reset');
});

test('a 40 MiB chunked body (no Content-Length) is refused at the limit; the node holds no more than a few MiB', T, async (t) => {
  // A node of its own; under ASan without the quarantine of freed memory, which would otherwise
  // hold every freed chunk (tens of MiB) and measure ASan instead of the node.
  const asan = `${process.env.ASAN_OPTIONS ?? ''}:quarantine_size_mb=0:thread_local_quarantine_size_kb=0`;
  const n = await startNode({ redisUrl: redis.url, env: { ASAN_OPTIONS: asan.replace(/^:/, '') } });
  const pid = n.proc.pid;
  const before = rssKiB(pid);
  let peak = before;
  const sampler = setInterval(() => { peak = Math.max(peak, rssKiB(pid)); }, 20);
  const keysBefore = Number(redis.cli('DBSIZE'));
  const r = await sendWhole(n.port, uploadHead(n, A, { chunked: true }), 40 * MiB, { chunked: true });
  clearInterval(sampler);
  peak = Math.max(peak, rssKiB(pid));
  assert.equal(r.status, 413, `${r.error ?? ''} ${r.text.slice(0, 200)}`);
  assert.equal(r.error, null, 'no reset');
  const grown = (peak - before) / 1024;
  t.diagnostic(`RSS before ${before} KiB, peak ${peak} KiB during the 40 MiB body: +${grown.toFixed(1)} MiB`);
  assert.ok(grown < 8, `RSS grew by ${grown.toFixed(1)} MiB during a 40 MiB upload (before ${before} KiB, peak ${peak} KiB)`);
  await sleep(200);
  assert.equal(Number(redis.cli('DBSIZE')), keysBefore, 'the refused upload left nothing in Redis');
  await n.stop();
});

test('members only: 403 for a non-member (upload refused before its body, fetch), 404 unknown, 401 without a session', T, async () => {
  const up = await upload(n1, A, channel, 'plan.pdf', Buffer.from('%PDF-1.4 secret'));
  assertStatus(up, 201);
  assertError(await upload(n2, B, channel, 'x.bin', Buffer.from('nope')), 403, 'forbidden');
  const g = await request(n2.port, 'GET', up.json.url, { headers: { Cookie: `chat_session=${B.token}` } });
  assertError(g, 403, 'forbidden');
  assertError(await request(n1.port, 'GET', up.json.url), 401, 'unauthorized');
  assertError(await upload(n1, A, '99999', 'x.bin', Buffer.from('x')), 404, 'not_found');
  assertError(await request(n1.port, 'GET', `/files/${'0'.repeat(32)}/x.bin`, { headers: { Cookie: `chat_session=${A.token}` } }), 404, 'not_found');
  assertError(await request(n1.port, 'GET', '/files/not-an-id/x.bin', { headers: { Cookie: `chat_session=${A.token}` } }), 404, 'not_found');
  // Expect: 100-continue: the refusal comes before the client sends a byte of its body.
  const refused = await raw(n2.port, uploadHead(n2, B, { room: channel, contentLength: 5 * MiB, expect: true }), { timeout: 5000 });
  assert.equal(refused.status, 403, refused.text.slice(0, 200));
  assert.doesNotMatch(refused.text, /100 Continue/);
});

test('bad names and empty files are 400; nothing is stored', T, async () => {
  const keysBefore = Number(redis.cli('DBSIZE'));
  assertError(await upload(n1, A, '0', null, Buffer.from('x')), 400, 'bad_request');
  assertError(await upload(n1, A, '0', 'a/b.txt', Buffer.from('x')), 400, 'bad_request');
  assertError(await upload(n1, A, '0', '..', Buffer.from('x')), 400, 'bad_request');
  assertError(await upload(n1, A, '0', '%0Aevil', Buffer.from('x'), { rawName: true }), 400, 'bad_request');
  assertError(await upload(n1, A, '0', 'empty.txt', Buffer.alloc(0)), 400, 'bad_request');
  assert.equal(Number(redis.cli('DBSIZE')), keysBefore);
});

test('an expired file is gone (404), its keys too', T, async () => {
  const up = await upload(n1, A, '0', 'short-lived.txt', Buffer.from('hello'));
  assertStatus(up, 201);
  redis.cli('PEXPIRE', `chat:file:${up.json.id}`, '1');
  redis.cli('PEXPIRE', `chat:file:${up.json.id}:data`, '1');
  await sleep(50);
  assertError(await request(n2.port, 'GET', up.json.url, { headers: { Cookie: `chat_session=${B.token}` } }), 404, 'not_found');
  assert.equal(redis.cli('EXISTS', `chat:file:${up.json.id}`, `chat:file:${up.json.id}:data`), '0');
});

test('the daily quota: 429 quota_exceeded with Retry-After, from Content-Length or as the body passes it', T, async () => {
  const n3 = await startNode({ redisUrl: redis.url, args: ['--upload-quota-bytes-per-day', '600000'] });
  const C = await register(n3);
  assertStatus(await upload(n3, C, '0', 'a.bin', Buffer.alloc(400000, 1)), 201);
  const early = await upload(n3, C, '0', 'b.bin', Buffer.alloc(400000, 2));
  assertError(early, 429, 'quota_exceeded');
  assert.ok(Number(early.headers['retry-after']) > 0);
  const late = await sendWhole(n3.port, uploadHead(n3, C, { chunked: true }), 400000, { chunked: true });
  assert.equal(late.status, 429, late.text.slice(0, 300));
  assert.match(late.text, /quota_exceeded/);
  assert.equal(late.error, null);
  // The refused uploads gave their bytes back: 200 000 still fit.
  assertStatus(await upload(n3, C, '0', 'c.bin', Buffer.alloc(190000, 3)), 201);
  await n3.stop();
});

test('--max-concurrent-uploads: over it, 503 busy with Retry-After; the slot frees when the upload ends', T, async () => {
  const n4 = await startNode({ redisUrl: redis.url, args: ['--max-concurrent-uploads', '1'] });
  const C = await register(n4);
  // One upload that sends half of its body, then waits.
  const s = net.connect({ host: HOST, port: n4.port });
  const answer = [];
  s.on('data', (d) => answer.push(d));
  await new Promise((r) => s.on('connect', r));
  s.write(uploadHead(n4, C, { contentLength: 2 * MiB }));
  s.write(Buffer.alloc(MiB, 9));
  await sleep(300);
  const busy = await upload(n4, C, '0', 'second.bin', Buffer.from('x'));
  assertError(busy, 503, 'busy');
  assert.equal(busy.headers['retry-after'], '1');
  s.write(Buffer.alloc(MiB, 9));
  await new Promise((r) => { const t = setInterval(() => { if (/\r\n\r\n\{/.test(Buffer.concat(answer).toString('latin1'))) { clearInterval(t); r(); } }, 20); });
  assert.match(Buffer.concat(answer).toString('latin1'), /^HTTP\/1\.1 201/);
  s.destroy();
  assertStatus(await upload(n4, C, '0', 'third.bin', Buffer.from('x')), 201, 'the slot is free again');
  await n4.stop();
});

test('a message attaches an uploaded file: no expiry, its metadata in the message; deleting the message deletes the file', T, async () => {
  const up = await upload(n1, A, '0', 'report.png', png(32, 16, 5000));
  assertStatus(up, 201);
  const sent = await A.post('/room/0/messages', { message: '', attachments: [up.json.id] });
  assertStatus(sent, 201, 'a message with only a file');
  assert.deepEqual(sent.json.attachments, [up.json]);
  assert.equal(redis.cli('TTL', `chat:file:${up.json.id}`), '-1');
  const history = await request(n2.port, 'GET', '/room/0/messages?limit=5', { headers: { Cookie: `chat_session=${B.token}` } });
  assert.deepEqual(history.json.find((m) => m.id === sent.json.id).attachments, [up.json], 'history on the other node');
  assert.equal((await fetchBytes(n2, B, up.json.url)).status, 200);
  const del = await request(n1.port, 'DELETE', `/room/0/messages/${sent.json.id}`, { headers: { Cookie: `chat_session=${A.token}` } });
  assertStatus(del, 200);
  assertError(await request(n2.port, 'GET', up.json.url, { headers: { Cookie: `chat_session=${B.token}` } }), 404, 'not_found');
  assert.equal(redis.cli('EXISTS', `chat:file:${up.json.id}`, `chat:file:${up.json.id}:data`), '0');
});

test('deleting a channel deletes the files its messages attached', T, async () => {
  const r = await A.post('/rooms', { name: uniqueName('gone') });
  assertStatus(r, 201);
  const room = r.json.id;
  const up = await upload(n1, A, room, 'minutes.txt', Buffer.from('minutes of the meeting'));
  assertStatus(up, 201);
  assertStatus(await A.post(`/room/${room}/messages`, { message: 'the minutes', attachments: [up.json.id] }), 201);
  assert.equal(redis.cli('SISMEMBER', `chat:room:${room}:files`, up.json.id), '1');
  assertStatus(await request(n1.port, 'DELETE', `/rooms/${room}`, { headers: { Cookie: `chat_session=${A.token}` } }), 200);
  assert.equal(redis.cli('EXISTS', `chat:file:${up.json.id}`, `chat:file:${up.json.id}:data`, `chat:room:${room}:files`), '0');
});

test('metrics count the bytes; the nodes are alive', T, async () => {
  const m = await request(n1.internalPort, 'GET', '/metrics');
  const up = Number(/^chatnode_upload_bytes_total (\S+)$/m.exec(m.text)?.[1]);
  assert.ok(up >= 10 * MiB, `upload bytes ${up}`);
  assert.match(m.text, /^chatnode_uploads_in_progress 0$/m);
  const m2 = await request(n2.internalPort, 'GET', '/metrics');
  assert.ok(Number(/^chatnode_download_bytes_total (\S+)$/m.exec(m2.text)?.[1]) >= 10 * MiB);
  assert.equal(n1.alive && n2.alive, true);
});
