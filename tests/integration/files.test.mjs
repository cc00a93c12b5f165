// Files (issue #24), server slice 1. So far: the lingering close. A request refused before its body
// was read (413 from Content-Length or from a body over --max-body-bytes) must reach the client as
// the answer, not as a connection reset: the node answers, half-closes and reads and discards the
// rest of the body (bounded) before it closes. The client here sends the WHOLE body, as browsers
// and most HTTP clients do, and must both read the status line and finish writing without an
// EPIPE/ECONNRESET.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRedis, startNode, cleanup, register, sendWhole } from './lib/harness.mjs';

const T = { timeout: 60000 };
const HOST = '127.0.0.1';
const MiB = 1024 * 1024;
let redis;
let node;
let A;

after(cleanup);

function postHead({ path = '/room/0/messages', contentLength, chunked = false } = {}) {
  const lines = [`POST ${path} HTTP/1.1`, `Host: ${HOST}:${node.port}`, `Cookie: chat_session=${A.token}`,
    'Content-Type: application/json'];
  if (contentLength !== undefined) lines.push(`Content-Length: ${contentLength}`);
  if (chunked) lines.push('Transfer-Encoding: chunked');
  return `${lines.join('\r\n')}\r\n\r\n`;
}

test('setup: redis, a node with the default --max-body-bytes (64 KiB), user A', T, async () => {
  redis = await startRedis();
  node = await startNode({ redisUrl: redis.url });
  A = await register(node);
});

test('lingering close: a 3 MiB JSON POST with Content-Length gets its 413, sent in full, no reset', T, async () => {
  for (let i = 0; i < 3; i++) {
    const r = await sendWhole(node.port, postHead({ contentLength: 3 * MiB }), 3 * MiB);
    assert.equal(r.status, 413, `attempt ${i}: the status line arrives (${r.error ?? 'no error'}): ${r.text.slice(0, 200)}`);
    assert.match(r.text, /payload_too_large/);
    assert.equal(r.error, null, `attempt ${i}: the client could send its whole body (no reset)`);
    assert.equal(r.sent, 3 * MiB);
  }
});

test('lingering close: a 3 MiB chunked JSON POST refused as it passes the limit gets its 413, no reset', T, async () => {
  for (let i = 0; i < 3; i++) {
    const r = await sendWhole(node.port, postHead({ chunked: true }), 3 * MiB, { chunked: true });
    assert.equal(r.status, 413, `attempt ${i}: the status line arrives (${r.error ?? 'no error'}): ${r.text.slice(0, 200)}`);
    assert.equal(r.error, null, `attempt ${i}: the client could send its whole body (no reset)`);
  }
});

test('lingering is bounded: the node still answers afterwards', T, async () => {
  assert.equal(node.alive, true, node.output());
  const me = await A.get('/me');
  assert.equal(me.status, 200);
});
