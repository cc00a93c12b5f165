// WebSocket keep-alive (docs/protocol.md §2.5) on a node with --ws-idle-timeout 4s (one sweep per
// second per I/O thread): a client that sends nothing but answers pings stays connected; one that
// never answers is pinged after 2–3 s of silence and closed after 4–5 s, counted as reason="idle".
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRedis, startNode, cleanup, register, uniqueName, internal, sleep } from './lib/harness.mjs';
import { WebSocket } from './lib/live.mjs';

const T = { timeout: 60000 };
let node;

after(cleanup);

function idleClosed(text) {
  const m = text.match(/^chatnode_connections_closed_total\{[^}]*reason="idle"[^}]*transport="ws"[^}]*\} (\d+)/m)
    ?? text.match(/^chatnode_connections_closed_total\{[^}]*transport="ws"[^}]*reason="idle"[^}]*\} (\d+)/m);
  return m ? Number(m[1]) : 0;
}

/** Opens /ws for `client`; autoPong false: the client never answers the server's pings. */
function open(client, autoPong) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${node.port}/ws`, {
      headers: { Cookie: `chat_session=${client.token}` }, perMessageDeflate: false, autoPong,
    });
    const c = { ws, pings: [], closedAt: null, closeCode: null, openedAt: 0 };
    ws.on('ping', () => c.pings.push(performance.now() - c.openedAt));
    ws.on('close', (code) => { c.closedAt = performance.now() - c.openedAt; c.closeCode = code; });
    ws.on('error', () => {});
    ws.once('open', () => { c.openedAt = performance.now(); resolve(c); });
    ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
  });
}

test('setup: a node with --ws-idle-timeout 4s', T, async () => {
  const redis = await startRedis();
  node = await startNode({ redisUrl: redis.url, args: ['--ws-idle-timeout', '4s'] });
});

test('a silent client that answers pings stays; one that does not is pinged, then closed as idle', T, async () => {
  const A = await register(node, uniqueName('ka'));
  const B = await register(node, uniqueName('ka'));
  const before = idleClosed((await internal(node, "/metrics")).text);
  const answering = await open(A, true);
  const deaf = await open(B, false);
  const deadline = performance.now() + 8000;
  while (deaf.closedAt === null && performance.now() < deadline) await sleep(100);
  await sleep(1500); // the answering one outlives the deaf one's timeout by more than a sweep

  const problems = [];
  if (deaf.closedAt === null) problems.push('the client that never answers pings was not closed within 8 s');
  else if (deaf.closedAt < 3900 || deaf.closedAt > 6000)
    problems.push(`the deaf client was closed after ${Math.round(deaf.closedAt)} ms (expected 4–5 s of silence)`);
  if (deaf.pings.length === 0) problems.push('the deaf client was closed without a ping first');
  else if (deaf.pings[0] < 1900 || deaf.pings[0] > 3600)
    problems.push(`the first ping came after ${Math.round(deaf.pings[0])} ms (expected 2–3 s of silence)`);
  if (answering.closedAt !== null)
    problems.push(`the client that answers pings was closed after ${Math.round(answering.closedAt)} ms (code ${answering.closeCode})`);
  if (answering.pings.length === 0) problems.push('the silent but answering client was never pinged');
  const afterCount = idleClosed((await internal(node, "/metrics")).text);
  if (afterCount - before !== 1)
    problems.push(`chatnode_connections_closed_total{reason="idle",transport="ws"} rose by ${afterCount - before}, expected 1`);
  console.log(`deaf: pings at ${deaf.pings.map(Math.round)} ms, closed at ${Math.round(deaf.closedAt)} ms (code ${deaf.closeCode}); answering: pings at ${answering.pings.map(Math.round)} ms`);
  answering.ws.close();
  assert.deepEqual(problems, [], problems.join('\n'));
});
