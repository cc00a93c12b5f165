// Session revocation (issue 20, item 2): ending a session (POST /logout, a new login that replaces
// the token, expiry) closes every live connection of that session on every node at once: WebSocket
// close 4002 "session ended", SSE `event: session.ended` and then the end of the stream. A frame
// that arrives after the logout is never acked (nor stored). The same user's other sessions stay
// open and keep working. Two nodes on one Redis; a third node with a short --session-ttl for expiry.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startRedis, startNode, register, login, uniqueName, assertError, assertStatus, allMessages, cleanup, sleep,
} from './lib/harness.mjs';
import { WsClient, SseClient, closeAllLive, sendWs, syncRoom } from './lib/live.mjs';

const T = { timeout: 60000 };
const SESSION_ENDED = 4002; // docs/protocol.md §2.5
const CLOSE_WITHIN_MS = 2000; // "at once": about 1 s, with room for the sanitizer builds

let redis;
let A;
let B;

after(async () => { await closeAllLive(); await cleanup(); });

/** Resolves with what `promise` gives, or fails after `ms` naming `what`. */
async function within(promise, ms, what) {
  let timer;
  try {
    return await Promise.race([promise, new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
    })]);
  } finally {
    clearTimeout(timer);
  }
}

async function openSse(node, client, label) {
  const sse = await SseClient.connect(node.port, { client: client.on(node), label });
  await sse.waitFor((e) => e.type === 'ready', 5000, { what: `${label} ready` });
  return sse;
}

/** The SSE stream got the final `session.ended` event and then ended. */
async function assertSseSessionEnded(sse, ms) {
  const ev = await sse.waitFor((e) => e.type === 'session.ended', ms, { what: `${sse.label}: session.ended` });
  assert.equal(ev.sse.event, 'session.ended', 'the SSE frame is a named event (event: session.ended)');
  await within(sse.endedPromise, 1000, `${sse.label}: end of the stream after session.ended`);
}

test('setup: redis and two nodes', T, async () => {
  redis = await startRedis();
  const tag = `rev-${process.pid}`;
  [A, B] = await Promise.all([1, 2].map((i) => startNode({ redisUrl: redis.url, serverId: `${tag}-${i}` })));
});

test('logout closes the session\'s WS (node A) and SSE (node B) at once; a frame sent after it is never acked; the other session keeps working', T, async () => {
  const name = uniqueName('rev');
  const s1 = await register(A, name); // session 1
  const s2 = await login(B, name); // session 2: the same user, another token
  assert.notEqual(s1.token, s2.token);

  const ws1 = await WsClient.connect(A.port, { client: s1, label: 'ws s1@A' });
  const sse1 = await openSse(B, s1, 'sse s1@B');
  const ws2 = await WsClient.connect(A.port, { client: s2, label: 'ws s2@A' });
  const sse2 = await openSse(B, s2, 'sse s2@B');
  // Every connection follows General live (and is registered on its node).
  await syncRoom(ws2, '0', [ws1, sse1, ws2, sse2]);
  await ws1.ping();

  const t0 = performance.now();
  const res = await s1.post('/logout');
  assertStatus(res, 200, 'logout');
  // Right after the answer, session 1's WebSocket sends a message: it must never be acked.
  const late = `after logout ${Math.random().toString(16).slice(2)}`;
  const fromWs1 = ws1.mark();
  try { ws1.send({ type: 'message', roomId: '0', message: late, clientId: 'late-1' }); } catch { /* closing already */ }

  const info = await within(ws1.closed, CLOSE_WITHIN_MS, 'session 1\'s WebSocket on node A to close');
  const wsMs = performance.now() - t0;
  assert.equal(info.code, SESSION_ENDED, `close code (reason "${info.reason}")`);
  assert.equal(info.reason, 'session ended');
  await assertSseSessionEnded(sse1, CLOSE_WITHIN_MS);
  const sseMs = performance.now() - t0;
  console.log(`logout → WS closed after ${wsMs.toFixed(0)} ms (same node), SSE ended after ${sseMs.toFixed(0)} ms (other node)`);
  assert.deepEqual(ws1.events.slice(fromWs1).filter((e) => e.type === 'ack'), [], 'no ack after the logout');

  // Session 2 stays: its WS and SSE are open, send and receive.
  assert.equal(ws2.closeInfo, null, 'session 2\'s WebSocket stays open');
  assert.equal(sse2.ended, null, 'session 2\'s SSE stream stays open');
  const ans = await sendWs(ws2, '0', 'session 2 still here');
  assert.equal(ans.type, 'ack', `session 2 sends: ${JSON.stringify(ans)}`);
  await sse2.waitFor((e) => e.type === 'message' && e.data?.id === ans.data.id, 5000, { what: 'session 2\'s SSE receives' });
  await ws2.waitFor((e) => e.type === 'message' && e.data?.id === ans.data.id, 5000, { what: 'session 2\'s WS receives' });
  assertStatus(await s2.get('/me'), 200, 'session 2 over HTTP');

  // Session 1 is gone for HTTP and for new connections, and the late frame was not stored.
  assertError(await s1.on(B).get('/users/online'), 401, 'unauthorized', 'HTTP with session 1');
  await assert.rejects(WsClient.connect(B.port, { client: s1.on(B), label: 'ws s1 again' }), (e) => e.status === 401);
  const history = await allMessages(s2, '0');
  assert.ok(!history.some((m) => m.message === late), 'the frame sent after the logout was not stored');
  await ws2.close();
  await sse2.close();
});

test('a login that replaces the session cookie ends the old session: its connection closes with 4002, the new one works', T, async () => {
  const c = await register(A, uniqueName('relog'));
  const ws = await WsClient.connect(B.port, { client: c.on(B), label: 'ws old session@B' });
  await ws.ping();
  const old = c.token;
  const res = await c.post('/login', { username: c.user.username, password: c.password }); // sends the old cookie
  assertStatus(res, 200, 'login again');
  assert.notEqual(c.token, old, 'a new token');
  const info = await within(ws.closed, CLOSE_WITHIN_MS, 'the old session\'s WebSocket to close');
  assert.equal(info.code, SESSION_ENDED);
  const again = await WsClient.connect(B.port, { client: c.on(B), label: 'ws new session@B' });
  await again.ping();
  await again.close();
});

test('an expired session closes its live connections (--session-ttl 3s, --session-check-interval 1s); a longer session of the same user stays', T, async () => {
  const C = await startNode({ redisUrl: redis.url, args: ['--session-ttl', '3s', '--session-check-interval', '1s'] });
  const name = uniqueName('exp');
  const t0 = performance.now();
  const short = await register(C, name); // created by C: lives 3 s
  const long = await login(A, name); // created by A: 14 days
  const wsShort = await WsClient.connect(C.port, { client: short.on(C), label: 'ws short@C' });
  const sseShort = await openSse(C, short, 'sse short@C');
  const wsLong = await WsClient.connect(C.port, { client: long.on(C), label: 'ws long@C' });
  await wsShort.ping();
  await wsLong.ping();

  const info = await within(wsShort.closed, 8000, 'the expired session\'s WebSocket to close');
  const ms = performance.now() - t0;
  console.log(`session expired (TTL 3 s) → WS closed ${ms.toFixed(0)} ms after the login`);
  assert.equal(info.code, SESSION_ENDED);
  assert.ok(ms > 2500, `closed only once the session expired (${ms.toFixed(0)} ms after the login)`);
  await assertSseSessionEnded(sseShort, 2000);
  assertError(await short.on(C).get('/users/online'), 401, 'unauthorized', 'HTTP with the expired session');

  // The same user's other session is untouched, through more checks.
  await sleep(1500); // a few more checks
  assert.equal(wsLong.closeInfo, null, 'the long session stays open');
  const ans = await sendWs(wsLong, '0', 'long session still here');
  assert.equal(ans.type, 'ack');
  await wsLong.close();
  await C.stop();
});

test('shutdown: SIGTERM → exit 0', T, async () => {
  await closeAllLive();
  await Promise.all([A.stop(), B.stop()]);
});
