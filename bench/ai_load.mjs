// Keeps N assistant replies streaming on running nodes while a chatbench scenario measures chat
// (docs/benchmarks.md, "Chat while the assistant streams"; bench/scenario.sh starts it with
// CHAT_BENCH_AI_REPLIES=N). N users, each in a DM with the bot on alternating nodes, each with a
// batching WebSocket that follows its DM (so every delta is delivered, not only written): a user
// asks, waits for the reply's final `message.updated`, asks again, until SECONDS have passed.
// Prints one JSON line at the end (SECONDS, or SIGTERM): replies finished, deltas received, errors.
//
//   node bench/ai_load.mjs --nodes 127.0.0.1:28181,127.0.0.1:28182 --replies 8 --seconds 60
// (uses tests/integration/lib, whose `ws` dependency `npm ci` in tests/integration installs)
import { Client, register } from '../tests/integration/lib/http.mjs';
import { WsClient, closeAllLive } from '../tests/integration/lib/live.mjs';
import { uniqueName, sleep, waitFor } from '../tests/integration/lib/common.mjs';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const nodes = arg('nodes', '127.0.0.1:28181').split(',').map((hp) => ({ port: Number(hp.split(':')[1]) }));
const replies = Number(arg('replies', 8));
const seconds = Number(arg('seconds', 60));
let end = Date.now() + seconds * 1000;
// SIGTERM (scenario.sh, when chatbench is done): finish the replies in flight, then report.
process.on('SIGTERM', () => { end = Date.now(); });

const stats = { mode: 'ai_load', replies, finished: 0, deltas: 0, refused: 0, errors: {}, first_reply_ms: null };
const started = Date.now();

async function user(i) {
  const node = nodes[i % nodes.length];
  const me = await register(node, uniqueName(`ai${i}`));
  let botId;
  await waitFor(async () => {
    const online = (await me.get('/users/online')).json ?? {};
    botId = Object.values(online).find((u) => u.username === 'Assistant')?.id;
    return botId !== undefined;
  }, { timeout: 10000, what: 'the bot user' });
  const dm = (await me.post('/room', { user1: me.user.id, user2: botId })).json.id;
  const ws = await WsClient.connect(node.port, { client: me, batch: true, label: `ai${i}` });
  ws.send({ type: 'resume', rooms: { [dm]: 0 } });
  await ws.ping();
  return { ws, dm, botId };
}

async function loop({ ws, dm, botId }) {
  let n = 0;
  while (Date.now() < end) {
    const from = ws.mark();
    ws.send({ type: 'message', roomId: dm, message: `question ${++n}`, clientId: `q${n}` });
    let final;
    try {
      final = await ws.waitFor((e) => (e.type === 'message.updated' && e.data?.from === botId && e.data.streaming === false)
        || (e.type === 'error' && e.data?.code !== undefined), Math.max(1000, end - Date.now() + 30000), { from });
    } catch {
      break; // the run ended mid-reply
    }
    if (final.type === 'error') {
      stats.refused += 1;
      stats.errors[final.data.code] = (stats.errors[final.data.code] ?? 0) + 1;
      await sleep(500);
      continue;
    }
    stats.finished += 1;
    stats.first_reply_ms ??= Date.now() - started;
    if (final.data.error) stats.errors[final.data.error] = (stats.errors[final.data.error] ?? 0) + 1;
  }
  stats.deltas += ws.events.filter((e) => e.type === 'message.delta').length;
}

try {
  const users = await Promise.all(Array.from({ length: replies }, (_, i) => user(i)));
  await Promise.all(users.map(loop));
} finally {
  stats.seconds = Math.round((Date.now() - started) / 1000);
  console.log(JSON.stringify(stats));
  await closeAllLive();
}
