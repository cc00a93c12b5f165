// Scripted language-model backends for the assistant's tests: one loopback HTTP(S) server that
// speaks both protocols chatnode's ai/ backends use:
//   POST …/chat/completions  an OpenAI-compatible chat completions server (SSE, `data: [DONE]`)
//   POST any other path      an n8n-style webhook (streamed JSON lines begin/item/end, or {"output"})
// What it answers is scripted (chunks, delays, an error status, a malformed chunk, a stall, a
// mid-stream disconnect), per request (a queue) or by default; every request is recorded (method,
// path, headers incl. Authorization, body) with what happened to its connection.
// Control over HTTP for another process: POST /_control/script, POST /_control/queue,
// GET /_control/requests, POST /_control/reset. Only node's own modules; every wait is bounded.

import http from 'node:http';
import https from 'node:https';

export const DEFAULT_SCRIPT = Object.freeze({
  chunks: ['Hello', ' from', ' the', ' scripted', ' backend.'],
  echo: false,            // true: the reply is "echo: " + the last user message (its text)
  firstDelayMs: 0,        // before the status line
  delayMs: 20,            // before each chunk
  status: 200,            // anything else: an error response
  errorMessage: 'scripted failure',
  malformedAfter: null,   // after N chunks: one malformed chunk, then the response ends
  stallAfter: null,       // after N chunks: nothing more, the connection stays open
  disconnectAfter: null,  // after N chunks: the socket is destroyed
  done: true,             // openai: `data: [DONE]`; n8n: the end event
  n8nMode: 'stream',      // n8n: 'stream' (JSON lines) or 'json' ({"output": "…"} whole)
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Waits (polling, bounded) until pred() is truthy; throws with `what` on timeout. */
async function until(pred, timeoutMs, what) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = pred();
    if (v) return v;
    if (Date.now() > end) throw new Error(`scripted backend: timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** Resolves once `socket` has handed everything written so far to the kernel (bounded: 1 s). */
async function flushed(socket) {
  await new Promise((r) => setImmediate(r));
  if (socket.writableLength === 0 || socket.destroyed) return;
  await new Promise((r) => {
    const t = setTimeout(r, 1000);
    socket.once('drain', () => { clearTimeout(t); r(); });
  });
}

function lastUserText(json) {
  if (!json || typeof json !== 'object') return '';
  if (typeof json.text === 'string') return json.text;                 // n8n body
  const msgs = Array.isArray(json.messages) ? json.messages : [];      // openai body
  for (let i = msgs.length - 1; i >= 0; i--) if (msgs[i]?.role === 'user') return String(msgs[i].content ?? '');
  return '';
}

/**
 * Starts a scripted backend on 127.0.0.1 (port 0 = any free port).
 * @param {{port?: number, tls?: {cert: string|Buffer, key: string|Buffer}}} options
 */
export async function startScriptedBackend({ port = 0, tls = null } = {}) {
  let defaultScript = { ...DEFAULT_SCRIPT };
  let queue = [];
  const requests = [];
  const sockets = new Set();
  let closing = false; // close() destroys the sockets: not the client's doing

  const handler = async (req, res) => {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const body = Buffer.concat(chunks).toString('utf8');
    const path = req.url ?? '/';
    if (path.startsWith('/_control/')) return control(req.method, path, body, res);
    let json = null;
    try { json = JSON.parse(body); } catch { /* recorded as null */ }
    const rec = {
      id: requests.length,
      method: req.method,
      path,
      headers: { ...req.headers },
      authorization: req.headers.authorization ?? null,
      body,
      json,
      protocol: /\/chat\/completions$/.test(path.split('?')[0]) ? 'openai' : 'n8n',
      receivedAt: Date.now(),
      finished: false,        // the scripted response was sent completely
      clientClosed: false,    // the client closed the connection before it was
      closedAt: null,         // when the connection closed (either side)
    };
    requests.push(rec);
    const script = { ...DEFAULT_SCRIPT, ...(queue.length ? queue.shift() : defaultScript) };
    rec.script = script;
    req.socket.on('close', () => {
      rec.closedAt = Date.now();
      if (!rec.finished && !rec.serverClosed && !closing) rec.clientClosed = true;
    });
    try {
      await respond(rec, script, res, req.socket);
    } catch (err) {
      rec.error = String(err?.message ?? err);
    }
  };

  function control(method, path, body, res) {
    const reply = (status, obj) => {
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(obj));
    };
    let parsed = null;
    try { parsed = body ? JSON.parse(body) : null; } catch { return reply(400, { error: 'bad JSON' }); }
    if (method === 'POST' && path === '/_control/script') { defaultScript = { ...parsed }; return reply(200, { ok: true }); }
    if (method === 'POST' && path === '/_control/queue') {
      queue.push(...(Array.isArray(parsed) ? parsed : [parsed]));
      return reply(200, { ok: true, queued: queue.length });
    }
    if (method === 'GET' && path === '/_control/requests') return reply(200, requests.map(publicRecord));
    if (method === 'POST' && path === '/_control/reset') {
      defaultScript = { ...DEFAULT_SCRIPT };
      queue = [];
      requests.length = 0;
      return reply(200, { ok: true });
    }
    return reply(404, { error: 'unknown control path' });
  }

  async function respond(rec, script, res, socket) {
    if (script.firstDelayMs > 0) await sleep(script.firstDelayMs);
    if (socket.destroyed) return;
    if (script.status !== 200) {
      const errBody = rec.protocol === 'openai'
        ? { error: { message: script.errorMessage, type: 'scripted', code: script.status } }
        : { code: script.status, message: script.errorMessage };
      res.writeHead(script.status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(errBody));
      rec.finished = true;
      return;
    }
    const pieces = script.echo ? ['echo: ', lastUserText(rec.json)] : [...script.chunks];
    if (rec.protocol === 'n8n' && script.n8nMode === 'json') {
      if (script.delayMs > 0) await sleep(script.delayMs);
      res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify({ output: pieces.join('') }));
      rec.finished = true;
      return;
    }
    const openai = rec.protocol === 'openai';
    res.writeHead(200, openai
      ? { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' }
      : { 'Content-Type': 'application/json; charset=utf-8' });
    const created = Math.floor(Date.now() / 1000);
    const model = rec.json?.model ?? 'scripted';
    const sse = (delta, finish = null) => `data: ${JSON.stringify({
      id: `chatcmpl-${rec.id}`, object: 'chat.completion.chunk', created, model,
      choices: [{ index: 0, delta, finish_reason: finish }],
    })}\n\n`;
    const line = (obj) => `${JSON.stringify(obj)}\n`;
    const meta = { nodeId: 'scripted', nodeName: 'Scripted Agent', itemIndex: 0, runIndex: 0 };
    res.write(openai ? sse({ role: 'assistant', content: '' }) : line({ type: 'begin', metadata: { ...meta, timestamp: Date.now() } }));
    for (let i = 0; i <= pieces.length; i++) {
      if (script.malformedAfter === i) {
        res.write(openai ? 'data: {"choices":[{"delta":{"content":\n\n' : 'this is not JSON\n');
        res.end();
        rec.finished = true;
        return;
      }
      if (script.stallAfter === i) {
        rec.stalled = true;
        return; // the connection stays open until the client (or close()) ends it
      }
      if (script.disconnectAfter === i) {
        rec.serverClosed = true;
        await flushed(socket); // what was written goes out first (node corks until the next tick)
        socket.destroy();
        return;
      }
      if (i === pieces.length) break;
      if (script.delayMs > 0) await sleep(script.delayMs);
      if (socket.destroyed) return;
      res.write(openai ? sse({ content: pieces[i] }) : line({ type: 'item', content: pieces[i], metadata: meta }));
    }
    if (script.done) res.write(openai ? sse({}, 'stop') + 'data: [DONE]\n\n' : line({ type: 'end', metadata: meta }));
    res.end();
    rec.finished = true;
  }

  const server = tls
    ? https.createServer({ cert: tls.cert, key: tls.key }, handler)
    : http.createServer(handler);
  server.keepAliveTimeout = 1000;
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  server.on('secureConnection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  const actualPort = server.address().port;
  const url = `${tls ? 'https' : 'http'}://127.0.0.1:${actualPort}`;

  return {
    port: actualPort,
    url,
    openaiUrl: `${url}/v1`,                // chatnode --ai-url
    webhookUrl: `${url}/webhook/scripted`, // chatnode --ai-webhook-url
    /** Sets the script of every request without a queued one (merged over DEFAULT_SCRIPT). */
    script(s) { defaultScript = { ...s }; },
    /** Scripts for the next requests, in order. */
    queue(...scripts) { queue.push(...scripts); },
    /** The recorded requests (live objects). */
    requests,
    /** Waits until at least n requests arrived; returns them. */
    async waitForRequests(n, timeoutMs = 5000) {
      await until(() => requests.length >= n, timeoutMs, `${n} request(s)`);
      return requests.slice(0, n);
    },
    /** Waits until request i's connection closed before its response was complete. */
    async waitForClientClose(i, timeoutMs = 5000) {
      await until(() => requests[i]?.clientClosed, timeoutMs, `the client to close request ${i}`);
      return requests[i];
    },
    reset() { defaultScript = { ...DEFAULT_SCRIPT }; queue = []; requests.length = 0; },
    async close() {
      closing = true;
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** A request record as JSON (for /_control/requests). */
export function publicRecord(r) {
  const { script, ...rest } = r;
  return { ...rest, script };
}
