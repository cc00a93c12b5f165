// The one thread rule (docs/architecture.md §2 step 5): a command's completion runs on the
// connection's own loop, never on the Redis strand. Regression test of a data race found by the TSan
// leg: `room.join` and `resume` used to read the connection's session handle in the Redis callback
// while the connection's loop reset it when the peer went away. With two I/O loops, a client that
// joins/resumes and disconnects at once, many times, made the TSan chatnode report the race and exit
// 66 (halt_on_error), which node.stop() turns into a failure. Under the other builds it checks that
// these connections end cleanly and that the node keeps serving.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRedis, startNode, cleanup, register, sleep, assertStatus } from './lib/harness.mjs';
import { WsClient, closeAllLive } from './lib/live.mjs';

after(async () => {
  await closeAllLive();
  await cleanup();
});

test('room.join / resume answered after the connection closed: no race, the node keeps serving', { timeout: 180000 }, async () => {
  const redis = await startRedis();
  const node = await startNode({ redisUrl: redis.url, args: ['--threads', '2'] });
  const a = await register(node);
  for (let i = 0; i < 150; i++) {
    const c = await WsClient.connect(node.port, { client: a });
    c.ws.send(JSON.stringify({ type: 'room.join', roomId: '0' }));
    c.ws.send(JSON.stringify({ type: 'resume', rooms: { 0: 0 } }));
    c.ws.send(JSON.stringify({ type: 'room.join', roomId: '0' }));
    c.ws.send(JSON.stringify({ type: 'message.edit', roomId: '0', id: 1, message: 'x', clientId: `e${i}` }));
    if (i % 2) await sleep(1);
    c.ws.terminate();
  }
  // Still serving: a new connection joins and gets its own message back.
  const c = await WsClient.connect(node.port, { client: a });
  c.ws.send(JSON.stringify({ type: 'room.join', roomId: '0' }));
  const res = await a.post('/room/0/messages', { message: 'after the storm' });
  assertStatus(res, 201);
  const ev = await c.waitFor((e) => e.type === 'message' && e.data.message === 'after the storm', 10000);
  assert.equal(ev.data.id, res.json.id);
  await node.stop(); // a sanitizer report (TSan: exit 66) fails here
});
