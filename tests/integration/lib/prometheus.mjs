// Prometheus helpers for the integration tests: `promtool check metrics`, a real Prometheus server
// (Debian package `prometheus`: /usr/bin/prometheus, /usr/bin/promtool) started on a free loopback
// port with its own generated config and its own TSDB directory, PromQL over the HTTP API, and the
// PromQL expressions of the Grafana dashboard.
//
// Nothing here uses a system-wide Prometheus (port 9090, /var/lib/prometheus): every server is
// started by the test, tracked, and stopped by stopAllPrometheus() (call it from after()); on
// process exit anything left is SIGKILLed. Every wait is bounded.

import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { freePort, makeTmpDir, sleep, waitFor } from './harness.mjs';

const HOST = '127.0.0.1';
export const PROMETHEUS_BIN = process.env.PROMETHEUS_BIN || '/usr/bin/prometheus';
export const PROMTOOL_BIN = process.env.PROMTOOL_BIN || '/usr/bin/promtool';

const running = new Set();
process.on('exit', () => {
  for (const p of running) { try { p.kill('SIGKILL'); } catch { /* gone */ } }
});

/**
 * Why the Prometheus tests cannot run, or null when they can. A missing binary skips the tests
 * (reason returned) unless CHAT_REQUIRE_PROMETHEUS is set, in which case it throws: in CI
 * (scripts/test.sh installs the package and sets the variable) a missing binary is a failure.
 */
export function prometheusSkipReason() {
  const missing = [PROMETHEUS_BIN, PROMTOOL_BIN].filter((b) => !fs.existsSync(b));
  if (missing.length === 0) return null;
  const msg = `${missing.join(' and ')} not found: install the Debian package ` +
    '(apt-get install -y --no-install-recommends prometheus)';
  if (process.env.CHAT_REQUIRE_PROMETHEUS) throw new Error(`CHAT_REQUIRE_PROMETHEUS is set but ${msg}`);
  return `${msg}; skipped (set CHAT_REQUIRE_PROMETHEUS=1 to make this a failure)`;
}

/** Runs `promtool check metrics` on exposition text. Returns {status, output} (output: stdout + stderr). */
export function promtoolCheckMetrics(text) {
  const r = spawnSync(PROMTOOL_BIN, ['check', 'metrics'], { input: text, encoding: 'utf8', timeout: 20000 });
  if (r.error) throw r.error;
  return { status: r.status, signal: r.signal, output: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

/** GET on Prometheus' HTTP API → parsed JSON body (throws on a non-JSON answer). */
function getJson(port, urlPath, timeout = 5000) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: HOST, port, method: 'GET', path: urlPath, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        try { resolve({ status: res.statusCode, json: JSON.parse(text) }); } catch {
          reject(new Error(`GET ${urlPath}: HTTP ${res.statusCode}, not JSON: ${text.slice(0, 300)}`));
        }
      });
      res.on('error', reject);
    });
    req.setTimeout(timeout, () => req.destroy(new Error(`GET ${urlPath} on Prometheus :${port}: no answer within ${timeout} ms`)));
    req.on('error', reject);
    req.end();
  });
}

/**
 * Starts Prometheus on a free loopback port scraping `targets` ([{port, labels}], path /metrics)
 * every `scrapeInterval`. Waits (bounded) until it is ready. Returns a handle with query helpers.
 */
export async function startPrometheus({ targets, scrapeInterval = '1s', jobName = 'chatnode', readyTimeout = 20000 }) {
  const dir = makeTmpDir('chat-prom');
  const port = await freePort();
  // JSON is YAML: no YAML library needed.
  const config = {
    global: { scrape_interval: scrapeInterval, evaluation_interval: scrapeInterval, scrape_timeout: scrapeInterval },
    scrape_configs: [{
      job_name: jobName,
      metrics_path: '/metrics',
      static_configs: targets.map((t) => ({ targets: [`${HOST}:${t.port}`], labels: t.labels ?? {} })),
    }],
  };
  const configFile = path.join(dir, 'prometheus.yml');
  fs.writeFileSync(configFile, JSON.stringify(config, null, 2));
  const dataDir = path.join(dir, 'data');
  fs.mkdirSync(dataDir);
  const args = [
    `--config.file=${configFile}`,
    `--storage.tsdb.path=${dataDir}`,
    `--web.listen-address=${HOST}:${port}`,
    '--storage.tsdb.retention.time=1h',
    '--log.level=warn',
  ];
  const proc = spawn(PROMETHEUS_BIN, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: dir });
  running.add(proc);
  let output = '';
  proc.stdout.setEncoding('utf8');
  proc.stderr.setEncoding('utf8');
  proc.stdout.on('data', (d) => { output += d; });
  proc.stderr.on('data', (d) => { output += d; });
  proc.on('error', (e) => { output += `\n[spawn error] ${e.message}`; });
  const exited = new Promise((resolve) => proc.on('close', (code, signal) => { running.delete(proc); resolve({ code, signal }); }));
  const alive = () => proc.exitCode === null && proc.signalCode === null;

  const prom = {
    port,
    configFile,
    get output() { return output.length > 4000 ? `…${output.slice(-4000)}` : output; },
    /** Instant query → the `data.result` array (throws on an API error). */
    async query(expr) {
      const r = await getJson(port, `/api/v1/query?query=${encodeURIComponent(expr)}`);
      if (r.json.status !== 'success') throw new Error(`query ${expr}: ${r.json.errorType}: ${r.json.error}`);
      return r.json.data.result;
    },
    /** Instant query of a scalar-valued expression (sum(...)): the number, or null when empty. */
    async value(expr) {
      const res = await prom.query(expr);
      if (res.length === 0) return null;
      return Number(res[0].value[1]);
    },
    /** Active scrape targets: [{pod, health, lastError, scrapeUrl}]. */
    async targets() {
      const r = await getJson(port, '/api/v1/targets?state=active');
      return r.json.data.activeTargets.map((t) => ({ labels: t.labels, health: t.health, lastError: t.lastError, scrapeUrl: t.scrapeUrl }));
    },
    /** Waits until every configured target is up (scraped successfully at least once). */
    async waitTargetsUp(timeout = 15000) {
      let last = [];
      try {
        await waitFor(async () => {
          last = await prom.targets();
          return last.length === targets.length && last.every((t) => t.health === 'up');
        }, { timeout, interval: 250, what: 'every Prometheus target up' });
      } catch (e) {
        throw new Error(`${e.message}\ntargets: ${JSON.stringify(last)}\n${prom.output}`);
      }
    },
    async stop(timeout = 10000) {
      if (!alive()) return exited;
      proc.kill('SIGTERM');
      const r = await Promise.race([exited, sleep(timeout).then(() => null)]);
      if (r) return r;
      try { proc.kill('SIGKILL'); } catch { /* gone */ }
      return Promise.race([exited, sleep(5000).then(() => ({ code: null, signal: 'SIGKILL?' }))]);
    },
  };

  try {
    await waitFor(async () => {
      if (!alive()) throw new Error(`prometheus exited early (code ${proc.exitCode}, signal ${proc.signalCode})`);
      const r = await new Promise((resolve) => {
        const req = http.get({ host: HOST, port, path: '/-/ready', agent: false }, (res) => { res.resume(); resolve(res.statusCode); });
        req.setTimeout(1000, () => req.destroy());
        req.on('error', () => resolve(0));
      });
      return r === 200;
    }, { timeout: readyTimeout, interval: 200, what: 'prometheus /-/ready = 200' });
  } catch (e) {
    const out = prom.output;
    await prom.stop();
    throw new Error(`${e.message}\n--- prometheus ${args.join(' ')} ---\n${out}`);
  }
  return prom;
}

/** Stops every Prometheus started here (for after()). */
export async function stopAllPrometheus() {
  const procs = [...running];
  for (const p of procs) { try { p.kill('SIGTERM'); } catch { /* gone */ } }
  const deadline = Date.now() + 8000;
  while (running.size > 0 && Date.now() < deadline) await sleep(50);
  for (const p of [...running]) { try { p.kill('SIGKILL'); } catch { /* gone */ } }
}

/**
 * Every panel target of a Grafana dashboard JSON (rows and nested panels included):
 * [{panelId, title, refId, expr, legend}].
 */
export function dashboardTargets(file) {
  const d = JSON.parse(fs.readFileSync(file, 'utf8'));
  const out = [];
  const walk = (panels) => {
    for (const p of panels ?? []) {
      for (const t of p.targets ?? []) {
        if (typeof t.expr === 'string' && t.expr.trim() !== '') {
          out.push({ panelId: p.id, title: p.title, refId: t.refId, expr: t.expr, legend: t.legendFormat });
        }
      }
      walk(p.panels);
    }
  };
  walk(d.panels);
  return out;
}

/**
 * Replaces Grafana variables in a PromQL expression: vars maps a name to its value
 * ($name, ${name} and ${name:format} forms). An unknown variable left over throws.
 */
export function substituteVars(expr, vars) {
  const out = expr.replace(/\$\{(\w+)(?::\w+)?\}|\$(\w+)/g, (m, a, b) => {
    const name = a ?? b;
    if (!(name in vars)) throw new Error(`dashboard expression uses an unknown variable ${m}: ${expr}`);
    return vars[name];
  });
  return out;
}
