// Debian's nginx as the ingress of the rolling-restart test: scripts/nginx/chatnode.conf (the file
// docs/deploy.md quotes) with its placeholders filled in, wrapped in a minimal main configuration
// that runs nginx unprivileged on loopback from a temp prefix (pid, logs and temp files there).
// Also parses the access log (log_format chatnode) into one record per request.

import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { HOST, sleep, tail, waitFor } from '../../integration/lib/common.mjs';
import { freePort, makeTmpDir, spawnTracked, waitExit } from '../../integration/lib/processes.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const TEMPLATE = path.join(root, 'scripts/nginx/chatnode.conf');
export const NGINX_BIN = process.env.NGINX_BIN || '/usr/sbin/nginx';

/** The template with @LISTEN@, @LOG_DIR@ filled in and the @NODE@ line repeated per upstream. */
export function renderConf({ listen, logDir, upstreams, balance }) {
  const out = [];
  for (const line of fs.readFileSync(TEMPLATE, 'utf8').split('\n')) {
    if (line.includes('@NODE@') && !line.trimStart().startsWith('#')) {
      for (const u of upstreams) out.push(line.replace('@NODE@', u));
      // An experiment (ROLLING_BALANCE=least_conn): another balancing method, ahead of the servers.
      if (balance) out.splice(out.length - upstreams.length, 0, `    ${balance};`);
      continue;
    }
    out.push(line.replaceAll('@LISTEN@', listen).replaceAll('@LOG_DIR@', logDir));
  }
  return out.join('\n');
}

function mainConf(dir, workers) {
  const tmp = path.join(dir, 'tmp');
  return `# written by tests/rolling/lib/nginx.mjs: nginx unprivileged on loopback, everything under ${dir}
worker_processes ${workers};
worker_rlimit_nofile 16384;
error_log ${dir}/error.log warn;
events { worker_connections 8192; }
http {
    client_body_temp_path ${tmp}/body;
    proxy_temp_path ${tmp}/proxy;
    fastcgi_temp_path ${tmp}/fastcgi;
    uwsgi_temp_path ${tmp}/uwsgi;
    scgi_temp_path ${tmp}/scgi;
    include ${dir}/chatnode.conf;
}
`;
}

function portOpen(port) {
  return new Promise((resolve) => {
    const s = net.connect({ host: HOST, port });
    s.setTimeout(500, () => { s.destroy(); resolve(false); });
    s.on('error', () => resolve(false));
    s.on('connect', () => { s.destroy(); resolve(true); });
  });
}

/**
 * Starts nginx in front of `upstreams` (["127.0.0.1:port", …]). Resolves with
 * {port, dir, accessLog, stop(), records()} once it accepts connections.
 */
export async function startNginx({ upstreams, workers = 2, balance } = {}) {
  if (!fs.existsSync(NGINX_BIN)) throw new Error(`${NGINX_BIN} not found: apt-get install nginx (never as a service: the test runs its own)`);
  const dir = makeTmpDir('chat-nginx');
  fs.mkdirSync(path.join(dir, 'tmp'));
  const port = await freePort();
  fs.writeFileSync(path.join(dir, 'chatnode.conf'), renderConf({ listen: `${HOST}:${port}`, logDir: dir, upstreams, balance }));
  fs.writeFileSync(path.join(dir, 'nginx.conf'), mainConf(dir, workers));
  const args = ['-p', dir, '-c', path.join(dir, 'nginx.conf'), '-e', path.join(dir, 'error.log'),
    '-g', `daemon off; pid ${path.join(dir, 'nginx.pid')};`];
  const check = spawnTracked(NGINX_BIN, [...args, '-t'], {});
  const checked = await waitExit(check.proc, check.exited, 10000);
  if (checked.code !== 0) throw new Error(`nginx -t failed:\n${check.out.stderr}\n${errorLog(dir)}`);
  const t = spawnTracked(NGINX_BIN, args, {});
  const accessLog = path.join(dir, 'chatnode-access.log');
  try {
    await waitFor(async () => {
      if (t.proc.exitCode !== null) throw new Error(`nginx exited with ${t.proc.exitCode}`);
      return portOpen(port);
    }, { timeout: 10000, interval: 50, what: `nginx on port ${port}` });
  } catch (e) {
    throw new Error(`${e.message}\n${t.out.stderr}\n${errorLog(dir)}`);
  }
  return {
    port,
    dir,
    accessLog,
    errorLog: () => errorLog(dir),
    /** Access log records so far (a WebSocket / SSE request is logged when it ends). */
    records: () => parseAccessLog(fs.existsSync(accessLog) ? fs.readFileSync(accessLog, 'utf8') : ''),
    /** Graceful stop (SIGQUIT: open requests finish first), SIGTERM after `timeout` ms. */
    async stop(timeout = 5000) {
      if (t.proc.exitCode !== null || t.proc.signalCode !== null) return;
      t.proc.kill('SIGQUIT');
      const r = await Promise.race([t.exited, sleep(timeout).then(() => null)]);
      if (!r) { t.proc.kill('SIGTERM'); await waitExit(t.proc, t.exited, 5000); }
    },
  };
}

function errorLog(dir) {
  const f = path.join(dir, 'error.log');
  return fs.existsSync(f) ? `--- nginx error.log ---\n${tail(fs.readFileSync(f, 'utf8'))}` : '';
}

/**
 * One record per access log line: {end, start (unix ms), status, method, uri, upstream (the last
 * address nginx tried, "-" when none), client, rid}.
 */
export function parseAccessLog(text) {
  const out = [];
  const re = /^(\d+\.\d+) (\d+\.\d+) (\d+) (\S+) (\S+) upstream=(.*) client=(\S+) rid=(\S*)$/;
  for (const line of text.split('\n')) {
    const m = re.exec(line);
    if (!m) continue;
    const end = Number(m[1]) * 1000;
    const tried = m[6].split(/\s*,\s*|\s+:\s+/).map((s) => s.trim()).filter(Boolean);
    out.push({
      end, start: end - Number(m[2]) * 1000, status: Number(m[3]), method: m[4], uri: m[5],
      upstream: tried.at(-1) ?? '-', tried, client: m[7], rid: m[8] === '-' ? '' : m[8],
    });
  }
  return out;
}
