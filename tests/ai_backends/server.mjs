#!/usr/bin/env node
// Runs the scripted backends as a process (for tests that are not written in node, or by hand):
//   node tests/ai_backends/server.mjs [--port N] [--tls-cert cert.pem --tls-key key.pem]
// Prints one JSON line {"port","url","openaiUrl","webhookUrl"} on stdout once listening; scripted
// and inspected through its /_control/ endpoints (README.md); stops on SIGTERM, SIGINT or stdin EOF.

import fs from 'node:fs';
import { startScriptedBackend } from './scripted_backends.mjs';

const args = process.argv.slice(2);
const opt = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const port = Number(opt('--port') ?? 0);
const cert = opt('--tls-cert');
const key = opt('--tls-key');
if ((cert && !key) || (!cert && key)) {
  process.stderr.write('server.mjs: --tls-cert and --tls-key go together\n');
  process.exit(2);
}
const backend = await startScriptedBackend({
  port,
  tls: cert ? { cert: fs.readFileSync(cert), key: fs.readFileSync(key) } : null,
});
process.stdout.write(`${JSON.stringify({
  port: backend.port, url: backend.url, openaiUrl: backend.openaiUrl, webhookUrl: backend.webhookUrl,
})}\n`);
const stop = async () => {
  await backend.close();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.stdin.on('end', stop);
process.stdin.resume();
