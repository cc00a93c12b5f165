// RSS per WebSocket connection of one user who is a member of many rooms (docs/benchmarks.md,
// "Memory per connection"). Starts its own redis-server and chatnode (the integration harness of
// tests/integration/lib; run `npm ci` there once), makes one user a member of ROOMS channels,
// opens CONNS WebSocket connections of that user (batch mode, each sends `resume` first, like the
// web client), waits WAIT_MS after the last connect and reports the node's VmRSS growth per
// connection.
//
//   CHATNODE_BIN=build/release/app/chatnode node bench/room_memory.mjs [ROOMS=300] [CONNS=200]
//   (env WAIT_MS, default 60000)
import fs from 'node:fs';
import { startRedis, startNode, cleanup, register, uniqueName, sleep } from '../tests/integration/lib/harness.mjs';
import { WsClient, closeAllLive } from '../tests/integration/lib/live.mjs';

const rooms = Number(process.argv[2] ?? 300);
const conns = Number(process.argv[3] ?? 200);
const waitMs = Number(process.env.WAIT_MS ?? 60000);
const rssKib = (pid) => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);

const redis = await startRedis();
const node = await startNode({ redisUrl: redis.url, args: ['--bcrypt-cost', '4', '--log-level', 'warn'] });
try {
  const user = await register(node, uniqueName('m'));
  for (let i = 0; i < rooms; i++) {
    const r = await user.post('/rooms', { name: uniqueName('r') });
    if (r.status !== 201) throw new Error(`POST /rooms: ${r.status} ${r.text}`);
  }
  const first = await WsClient.connect(node.port, { client: user, batch: true });
  first.send({ type: 'resume', rooms: {} });
  await sleep(3000);
  const base = rssKib(node.proc.pid);
  for (let i = 0; i < conns; i++) {
    const ws = await WsClient.connect(node.port, { client: user, batch: true });
    ws.send({ type: 'resume', rooms: {} });
  }
  await sleep(waitMs);
  const after = rssKib(node.proc.pid);
  console.log(JSON.stringify({
    mode: 'room_memory', rooms, connections: conns, wait_ms: waitMs, rss_base_kib: base, rss_after_kib: after,
    kib_per_connection: Number(((after - base) / conns).toFixed(2)),
  }));
} finally {
  await closeAllLive();
  await cleanup();
}
process.exit(0);
