// Keeps N clients uploading files on running nodes while a chatbench scenario measures chat
// (docs/benchmarks.md, "Chat while files upload"; bench/scenario.sh starts it with
// CHAT_BENCH_UPLOADS=N). Each uploader (its own user, nodes alternating) loops: upload a file of
// --mib MiB (random bytes) to a private channel of its own, attach it to a message, delete the
// message (which deletes the file, so Redis memory stays bounded), until SECONDS have passed or
// SIGTERM. The channel is its own so that the measured chat carries no traffic of the uploaders
// (in General, every upload's message and its deletion went to all of the bench's 1,000 clients:
// two bursts of 1,000 deliveries per upload, which is chat load, not upload load). A user whose
// daily quota is used up is replaced by a new one. Prints one JSON line at the end.
//
//   node bench/upload_load.mjs --nodes 127.0.0.1:28181,127.0.0.1:28182 --uploaders 4 --mib 10 --seconds 60
// (uses tests/integration/lib: `npm ci` in tests/integration)
import crypto from 'node:crypto';
import { register, request } from '../tests/integration/lib/http.mjs';
import { uniqueName } from '../tests/integration/lib/common.mjs';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const nodes = arg('nodes', '127.0.0.1:28181').split(',').map((hp) => ({ port: Number(hp.split(':')[1]) }));
const uploaders = Number(arg('uploaders', 4));
const mib = Number(arg('mib', 10));
const seconds = Number(arg('seconds', 60));
let end = Date.now() + seconds * 1000;
process.on('SIGTERM', () => { end = Date.now(); });

const stats = { mode: 'upload_load', uploaders, mib, uploads: 0, bytes: 0, refused: {}, errors: 0, upload_ms: [] };
const body = crypto.randomBytes(mib * 1024 * 1024);
const started = Date.now();

async function uploaderIn(node, i) {
  const me = await register(node, uniqueName(`up${i}`));
  const made = await me.post('/rooms', { name: uniqueName(`uploads${i}`), private: true });
  if (made.status !== 201) throw new Error(`create channel: ${made.status} ${made.text}`);
  return { me, room: made.json.id };
}

async function uploader(i) {
  const node = nodes[i % nodes.length];
  let { me, room } = await uploaderIn(node, i);
  while (Date.now() < end) {
    const t0 = performance.now();
    let r;
    try {
      r = await request(node.port, 'POST', `/room/${room}/files`, {
        headers: { Cookie: `chat_session=${me.token}`, 'X-File-Name': `load-${i}.bin` },
        body, contentType: 'application/octet-stream', timeout: 60000,
      });
    } catch {
      stats.errors++;
      continue;
    }
    if (r.status !== 201) {
      stats.refused[r.status] = (stats.refused[r.status] ?? 0) + 1;
      if (r.status === 429) ({ me, room } = await uploaderIn(node, i)); // quota used up
      else await new Promise((res) => setTimeout(res, 200));
      continue;
    }
    stats.uploads++;
    stats.bytes += body.length;
    stats.upload_ms.push(performance.now() - t0);
    const sent = await me.post(`/room/${room}/messages`, { message: '', attachments: [r.json.id] });
    if (sent.status === 201) await me.request('DELETE', `/room/${room}/messages/${sent.json.id}`);
    else stats.errors++;
  }
}

await Promise.all(Array.from({ length: uploaders }, (_, i) => uploader(i)));
const ms = stats.upload_ms.sort((a, b) => a - b);
const out = { ...stats, upload_ms: undefined, upload_p50_ms: Math.round(ms[Math.floor(ms.length / 2)] ?? 0),
  upload_max_ms: Math.round(ms[ms.length - 1] ?? 0), mib_per_s: +(stats.bytes / 1048576 / ((Date.now() - started) / 1000)).toFixed(1) };
console.log(JSON.stringify(out));
