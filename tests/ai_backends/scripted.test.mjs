// Checks that the scripted backends behave as scripted (so that the assistant's tests that rely on
// them cannot pass against a silently broken fake): run with `node --test tests/ai_backends/`.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { startScriptedBackend } from './scripted_backends.mjs';

/**
 * POSTs `body` and reads the response as it streams: {status, headers, pieces: [{at, data}], text,
 * error, ended}. `abortAfterFirst`: destroy the request at the first body bytes.
 */
function post(url, body, { headers = {}, ca, abortAfterFirst = false, timeoutMs = 5000 } = {}) {
  return new Promise((resolve) => {
    const u = new URL(url);
    const mod = u.protocol === 'https:' ? https : http;
    const started = Date.now();
    const out = { status: 0, headers: {}, pieces: [], text: '', error: null, ended: false };
    const req = mod.request(u, {
      method: 'POST', ca,
      headers: { 'Content-Type': 'application/json', ...headers },
    }, (res) => {
      out.status = res.statusCode;
      out.headers = res.headers;
      res.setEncoding('utf8');
      res.on('data', (d) => {
        out.pieces.push({ at: Date.now() - started, data: d });
        out.text += d;
        if (abortAfterFirst) { req.destroy(); resolve(out); }
      });
      res.on('end', () => { out.ended = true; resolve(out); });
      res.on('error', (e) => { out.error = e.code ?? e.message; resolve(out); });
      res.on('aborted', () => { out.error = 'aborted'; });
      res.on('close', () => resolve(out));
    });
    req.setTimeout(timeoutMs, () => { out.error = 'timeout'; req.destroy(); resolve(out); });
    req.on('error', (e) => { out.error = e.code ?? e.message; resolve(out); });
    req.end(typeof body === 'string' ? body : JSON.stringify(body));
  });
}

/** The `data:` payloads of an SSE body. */
const sseData = (text) => text.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6));
const deltas = (text) => sseData(text).filter((d) => d !== '[DONE]')
  .map((d) => JSON.parse(d).choices[0].delta.content).filter((c) => c);

let b;
before(async () => { b = await startScriptedBackend(); });
after(async () => { await b.close(); });

const chat = { model: 'm', stream: true, messages: [{ role: 'system', content: 'sys' }, { role: 'user', content: 'hi there' }] };

test('openai: SSE chunks with delays, [DONE], and the request recorded', async () => {
  b.reset();
  b.script({ chunks: ['A', 'B', 'C'], delayMs: 60 });
  const r = await post(`${b.openaiUrl}/chat/completions`, chat, { headers: { Authorization: 'Bearer sk-x' } });
  assert.equal(r.status, 200);
  assert.match(r.headers['content-type'], /^text\/event-stream/);
  assert.equal(r.headers['transfer-encoding'], 'chunked');
  assert.deepEqual(deltas(r.text), ['A', 'B', 'C']);
  assert.equal(sseData(r.text).at(-1), '[DONE]');
  assert.ok(r.pieces.length >= 3, 'several reads');
  assert.ok(r.pieces.at(-1).at - r.pieces[0].at >= 100, 'the chunks were spread over time');
  const [rec] = await b.waitForRequests(1);
  assert.equal(rec.method, 'POST');
  assert.equal(rec.path, '/v1/chat/completions');
  assert.equal(rec.authorization, 'Bearer sk-x');
  assert.equal(rec.headers['content-type'], 'application/json');
  assert.deepEqual(rec.json, chat);
  assert.equal(rec.finished, true);
});

test('openai: queued scripts apply in order, then the default; echo repeats the user text', async () => {
  b.reset();
  b.queue({ status: 500, errorMessage: 'boom' }, { echo: true, delayMs: 0 });
  const first = await post(`${b.openaiUrl}/chat/completions`, chat);
  assert.equal(first.status, 500);
  assert.equal(JSON.parse(first.text).error.message, 'boom');
  const second = await post(`${b.openaiUrl}/chat/completions`, chat);
  assert.equal(deltas(second.text).join(''), 'echo: hi there');
  const third = await post(`${b.openaiUrl}/chat/completions`, chat);
  assert.equal(deltas(third.text).join(''), 'Hello from the scripted backend.');
});

test('openai: a malformed chunk, a mid-stream disconnect, no [DONE]', async () => {
  b.reset();
  b.queue({ chunks: ['x', 'y'], malformedAfter: 1, delayMs: 0 },
    { chunks: ['x', 'y', 'z'], disconnectAfter: 2, delayMs: 0 },
    { chunks: ['x'], done: false, delayMs: 0 });
  const bad = await post(`${b.openaiUrl}/chat/completions`, chat);
  const data = sseData(bad.text);
  assert.deepEqual(deltas(bad.text.split('data: {"choices":[{"delta":{"content":\n')[0]), ['x']);
  assert.throws(() => JSON.parse(data.at(-1)));
  const cut = await post(`${b.openaiUrl}/chat/completions`, chat);
  assert.equal(cut.ended, false);
  assert.ok(cut.error, 'the connection was cut');
  assert.deepEqual(deltas(cut.text), ['x', 'y']);
  assert.equal(b.requests[1].clientClosed, false);
  const open = await post(`${b.openaiUrl}/chat/completions`, chat);
  assert.ok(open.ended);
  assert.ok(!sseData(open.text).includes('[DONE]'));
});

test('a stall keeps the connection open; the client closing it is recorded', async () => {
  b.reset();
  b.script({ chunks: ['a', 'b'], stallAfter: 1, delayMs: 0 });
  const r = await post(`${b.openaiUrl}/chat/completions`, chat, { timeoutMs: 400 });
  assert.equal(r.error, 'timeout'); // nothing more came, and the server did not end it
  assert.deepEqual(deltas(r.text), ['a']);
  const rec = await b.waitForClientClose(0, 2000);
  assert.equal(rec.stalled, true);
  assert.ok(rec.closedAt);
});

test('a client that aborts mid-stream is recorded as closing first', async () => {
  b.reset();
  b.script({ chunks: ['1', '2', '3', '4'], delayMs: 100 });
  await post(`${b.openaiUrl}/chat/completions`, chat, { abortAfterFirst: true });
  const rec = await b.waitForClientClose(0, 2000);
  assert.equal(rec.finished, false);
});

test('n8n: streamed JSON lines begin/item/end, and the whole-JSON answer', async () => {
  b.reset();
  b.queue({ chunks: ['Hi', ' Joe'], delayMs: 30 }, { chunks: ['Whole', ' answer'], n8nMode: 'json' },
    { status: 404, errorMessage: 'webhook not registered' });
  const body = { roomId: '1', userId: '2', username: 'Joe', text: 'hi', context: [{ role: 'user', content: 'hi' }] };
  const s = await post(b.webhookUrl, body, { headers: { Authorization: 'Bearer n8n-key' } });
  assert.equal(s.status, 200);
  assert.match(s.headers['content-type'], /^application\/json/);
  const lines = s.text.trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(lines.map((l) => l.type), ['begin', 'item', 'item', 'end']);
  assert.deepEqual(lines.filter((l) => l.type === 'item').map((l) => l.content), ['Hi', ' Joe']);
  const w = await post(b.webhookUrl, body);
  assert.deepEqual(JSON.parse(w.text), { output: 'Whole answer' });
  const e = await post(b.webhookUrl, body);
  assert.equal(e.status, 404);
  assert.equal(JSON.parse(e.text).message, 'webhook not registered');
  const recs = await b.waitForRequests(3);
  assert.equal(recs[0].protocol, 'n8n');
  assert.equal(recs[0].path, '/webhook/scripted');
  assert.equal(recs[0].authorization, 'Bearer n8n-key');
  assert.deepEqual(recs[0].json, body);
});

test('the control endpoints script and report over HTTP', async () => {
  b.reset();
  const ctl = (p, body) => post(`${b.url}/_control/${p}`, body ?? '');
  assert.equal((await ctl('script', { chunks: ['ctl'], delayMs: 0 })).status, 200);
  await post(`${b.openaiUrl}/chat/completions`, chat);
  const list = await new Promise((resolve, reject) => {
    http.get(`${b.url}/_control/requests`, (res) => {
      let t = '';
      res.on('data', (d) => { t += d; });
      res.on('end', () => resolve(JSON.parse(t)));
    }).on('error', reject);
  });
  assert.equal(list.length, 1);
  assert.equal(list[0].path, '/v1/chat/completions');
  assert.deepEqual(list[0].script.chunks, ['ctl']);
  assert.equal((await ctl('reset')).status, 200);
  assert.equal(b.requests.length, 0);
});

test('https with a certificate made by the openssl CLI', async (t) => {
  let dir;
  try {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ai-backends-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=localhost',
      '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], { stdio: 'ignore' });
  } catch {
    t.skip('no openssl CLI');
    return;
  }
  const cert = fs.readFileSync(path.join(dir, 'cert.pem'));
  const key = fs.readFileSync(path.join(dir, 'key.pem'));
  const s = await startScriptedBackend({ tls: { cert, key } });
  try {
    assert.match(s.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const ok = await post(`${s.openaiUrl}/chat/completions`, chat, { ca: cert });
    assert.equal(ok.status, 200);
    assert.equal(deltas(ok.text).join(''), 'Hello from the scripted backend.');
    const untrusted = await post(`${s.openaiUrl}/chat/completions`, chat);
    assert.match(String(untrusted.error), /SELF_SIGNED|CERT/);
  } finally {
    await s.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
