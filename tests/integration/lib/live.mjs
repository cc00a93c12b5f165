// Real-time clients for the integration tests: a WebSocket client (/ws, package `ws`) and a
// Server-Sent Events client (/stream, node:http). docs/protocol.md §2.
//
// Both record every event in arrival order ({type, data} objects, §2.2), and every wait is bounded.
// Every client created here is registered; closeAllLive() (call it from after()) closes the ones
// still open, so no socket outlives its test file.

import http from 'node:http';
import WebSocket from 'ws';

export { WebSocket };

const HOST = '127.0.0.1';
const openClients = new Set();

/** Closes every WS/SSE client still open (bounded). For after(). */
export async function closeAllLive() {
  await Promise.all([...openClients].map((c) => c.close().catch(() => {})));
  openClients.clear();
}

function shortJson(v, n = 300) {
  let s;
  try { s = JSON.stringify(v); } catch { s = String(v); }
  return s.length > n ? `${s.slice(0, n)}…` : s;
}

function describeEvents(events, n = 12) {
  const last = events.slice(-n).map((e) => shortJson(e, 200));
  return `${events.length} event(s) so far${events.length > n ? `, last ${n}` : ''}: [${last.join(', ')}]`;
}

/** Cookie header for a harness Client (or a raw token). */
export function cookieHeader(clientOrToken) {
  const token = typeof clientOrToken === 'string' ? clientOrToken : clientOrToken.token;
  return { Cookie: `chat_session=${token}` };
}

/**
 * Shared event log with bounded waits. `push(ev)` appends; waiters are woken on every push and on
 * end(). A wait fails early when the connection ends and the event cannot come any more.
 */
class EventLog {
  constructor(label) {
    this.label = label;
    this.events = [];
    this.waiters = new Set();
    this.endedInfo = null;
  }

  push(ev) {
    this.events.push(ev);
    for (const w of [...this.waiters]) w.check();
  }

  end(info) {
    this.endedInfo = info;
    for (const w of [...this.waiters]) w.check();
  }

  /**
   * Resolves with the first event at index ≥ from that matches pred; rejects after timeoutMs (or
   * when the connection ended without such an event).
   */
  waitFor(pred, timeoutMs = 5000, { from = 0, what = 'matching event' } = {}) {
    return new Promise((resolve, reject) => {
      let scanned = from;
      let timer;
      const w = {
        check: () => {
          for (; scanned < this.events.length; scanned++) {
            const ev = this.events[scanned];
            let ok = false;
            try { ok = pred(ev); } catch { ok = false; }
            if (ok) { done(); resolve(ev); return; }
          }
          if (this.endedInfo) {
            done();
            reject(new Error(`${this.label}: connection ended (${shortJson(this.endedInfo)}) while waiting for ${what}; ${describeEvents(this.events)}`));
          }
        },
      };
      const done = () => { clearTimeout(timer); this.waiters.delete(w); };
      timer = setTimeout(() => {
        done();
        reject(new Error(`${this.label}: timed out after ${timeoutMs} ms waiting for ${what}; ${describeEvents(this.events)}`));
      }, timeoutMs);
      this.waiters.add(w);
      w.check();
    });
  }

  /** Resolves with the matching events once there are at least n of them (index ≥ from). */
  async waitForCount(pred, n, timeoutMs = 5000, { from = 0, what } = {}) {
    const label = what ?? `${n} matching events`;
    const matching = () => this.events.slice(from).filter((e) => { try { return pred(e); } catch { return false; } });
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = matching();
      if (m.length >= n) return m;
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(`${this.label}: timed out after ${timeoutMs} ms waiting for ${label} (have ${m.length}); ${describeEvents(this.events)}`);
      }
      // wake on the next event (or end), bounded by the time left
      await this.waitFor(() => true, left, { from: this.events.length, what: label }).catch((e) => {
        if (this.endedInfo && matching().length < n) throw e;
      });
    }
  }
}

// ---------------------------------------------------------------------------------------------
// WebSocket

export class WsClient {
  /**
   * Opens /ws. auth: a harness Client (cookie), or {token} (sent as ?token=), or {headers}.
   * Resolves once open; rejects on a failed handshake with err.status / err.body set
   * (from the `unexpected-response` event), or after timeout ms.
   */
  static connect(port, { client, token, headers = {}, origin, path = '/ws', timeout = 5000, label, batch = false } = {}) {
    const h = { ...(client ? cookieHeader(client) : {}), ...headers };
    if (batch) path += `${path.includes('?') ? '&' : '?'}batch=1`; // several events per message, one per line
    const url = `ws://${HOST}:${port}${path}${token ? `${path.includes('?') ? '&' : '?'}token=${encodeURIComponent(token)}` : ''}`;
    const c = new WsClient(label ?? (client?.user ? `ws(${client.user.username})` : 'ws'));
    const opts = { headers: h, handshakeTimeout: timeout, perMessageDeflate: false };
    if (origin !== undefined) opts.origin = origin;
    const ws = new WebSocket(url, opts);
    c.ws = ws;
    openClients.add(c);
    c.multiEventFrames = 0; // batch mode: frames that carried more than one event
    ws.on('message', (data, isBinary) => {
      const text = isBinary ? data : data.toString('utf8');
      c.raw.push(text);
      const parts = batch && !isBinary ? text.split('\n') : [text];
      if (parts.length > 1) c.multiEventFrames += 1;
      for (const part of parts) {
        let ev;
        try { ev = JSON.parse(part); } catch { ev = { type: '<not json>', data: String(part) }; }
        c.log.push(ev);
      }
    });
    ws.on('close', (code, reason) => {
      c.closeInfo = { code, reason: reason.toString('utf8') };
      openClients.delete(c);
      c.log.end(c.closeInfo);
      c.resolveClosed(c.closeInfo);
    });
    ws.on('error', (e) => { c.errors.push(e); });
    return new Promise((resolve, reject) => {
      let settled = false;
      const fail = (err) => {
        if (settled) return;
        settled = true;
        openClients.delete(c);
        try { ws.terminate(); } catch { /* gone */ }
        reject(err);
      };
      ws.on('unexpected-response', (req, res) => {
        const chunks = [];
        res.on('data', (d) => chunks.push(d));
        const finish = () => {
          const body = Buffer.concat(chunks).toString('utf8');
          const err = new Error(`${c.label}: handshake refused with HTTP ${res.statusCode}: ${body.slice(0, 300)}`);
          err.status = res.statusCode;
          err.headers = res.headers;
          err.body = body;
          try { err.json = JSON.parse(body); } catch { err.json = undefined; }
          req.destroy();
          fail(err);
        };
        res.on('end', finish);
        res.on('error', finish);
        setTimeout(finish, 2000).unref();
      });
      ws.on('error', (e) => fail(e));
      ws.on('close', (code) => fail(new Error(`${c.label}: closed (${code}) before open`)));
      ws.on('open', () => { if (!settled) { settled = true; resolve(c); } });
    });
  }

  constructor(label) {
    this.label = label;
    this.log = new EventLog(label);
    this.raw = [];
    this.errors = [];
    this.closeInfo = null;
    this.closed = new Promise((r) => { this.resolveClosed = r; });
  }

  get events() { return this.log.events; }
  get isOpen() { return this.ws.readyState === WebSocket.OPEN; }

  /** Index to pass as {from} to only look at events that arrive after this point. */
  mark() { return this.log.events.length; }

  send(obj) { this.ws.send(JSON.stringify(obj)); }
  sendRaw(data) { this.ws.send(data); }

  waitFor(pred, timeoutMs = 5000, opts = {}) { return this.log.waitFor(pred, timeoutMs, opts); }
  waitForCount(pred, n, timeoutMs = 5000, opts = {}) { return this.log.waitForCount(pred, n, timeoutMs, opts); }

  /** Events of a type (optionally only from index `from`). */
  ofType(type, from = 0) { return this.log.events.slice(from).filter((e) => e.type === type); }

  /** `message` events of a room (data objects), in arrival order. */
  messages(roomId, from = 0) {
    return this.log.events.slice(from).filter((e) => e.type === 'message' && e.data?.roomId === roomId).map((e) => e.data);
  }

  /** Sends ping, waits for the pong that follows (proves the connection is open and served). */
  async ping(timeoutMs = 5000) {
    const from = this.mark();
    this.send({ type: 'ping' });
    return this.waitFor((e) => e.type === 'pong', timeoutMs, { from, what: 'pong' });
  }

  /** Resolves with {code, reason} once closed; rejects after timeoutMs. */
  waitClosed(timeoutMs = 5000) {
    let timer;
    return Promise.race([
      this.closed,
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${this.label}: not closed within ${timeoutMs} ms; ${describeEvents(this.log.events)}`)), timeoutMs);
      }),
    ]).finally(() => clearTimeout(timer));
  }

  /** Clean close (1000), bounded; terminates the socket if the close handshake does not finish. */
  async close(code = 1000, timeoutMs = 3000) {
    if (this.closeInfo) return this.closeInfo;
    try { this.ws.close(code); } catch { /* not open */ }
    try {
      return await this.waitClosed(timeoutMs);
    } catch {
      try { this.ws.terminate(); } catch { /* gone */ }
      return this.waitClosed(2000).catch(() => null);
    }
  }

  /** Drops the TCP connection without a close frame. */
  async terminate() {
    if (this.closeInfo) return this.closeInfo;
    this.ws.terminate();
    return this.waitClosed(3000).catch(() => null);
  }
}

// ---------------------------------------------------------------------------------------------
// Server-Sent Events

/**
 * /stream client. Parses frames per the HTML event-stream rules: `id:`, `event:`, `data:` (joined
 * with \n), `retry:`, comment lines (`:`). lastEventId behaves like a browser's: set by every
 * dispatched frame that carried an `id:` line (also id-only frames), kept otherwise.
 */
export class SseClient {
  static connect(port, { client, headers = {}, lastEventId, path = '/stream', timeout = 5000, label } = {}) {
    const h = { Accept: 'text/event-stream', ...(client ? cookieHeader(client) : {}), ...headers };
    if (lastEventId !== undefined && lastEventId !== null) h['Last-Event-ID'] = lastEventId;
    const c = new SseClient(label ?? (client?.user ? `sse(${client.user.username})` : 'sse'));
    openClients.add(c);
    return new Promise((resolve, reject) => {
      let settled = false;
      const timer = setTimeout(() => {
        if (settled) return;
        settled = true;
        openClients.delete(c);
        req.destroy();
        reject(new Error(`${c.label}: no response headers within ${timeout} ms`));
      }, timeout);
      const req = http.request({ host: HOST, port, method: 'GET', path, headers: h, agent: false }, (res) => {
        c.res = res;
        c.status = res.statusCode;
        c.headers = res.headers;
        if (res.statusCode !== 200) {
          const chunks = [];
          res.on('data', (d) => chunks.push(d));
          res.on('end', () => {
            clearTimeout(timer);
            if (settled) return;
            settled = true;
            openClients.delete(c);
            const body = Buffer.concat(chunks).toString('utf8');
            const err = new Error(`${c.label}: HTTP ${res.statusCode}: ${body.slice(0, 300)}`);
            err.status = res.statusCode;
            err.headers = res.headers;
            err.body = body;
            try { err.json = JSON.parse(body); } catch { err.json = undefined; }
            reject(err);
          });
          return;
        }
        res.setEncoding('utf8');
        res.on('data', (d) => c.feed(d));
        res.on('end', () => c.finish('end'));
        res.on('close', () => c.finish('close'));
        res.on('error', (e) => c.finish(`error: ${e.message}`));
        clearTimeout(timer);
        settled = true;
        resolve(c);
      });
      c.req = req;
      req.on('error', (e) => {
        c.finish(`error: ${e.message}`);
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        openClients.delete(c);
        reject(e);
      });
      req.end();
    });
  }

  constructor(label) {
    this.label = label;
    this.log = new EventLog(label);
    this.frames = []; // every dispatched frame: {id, event, data, retry} (id/data null when absent)
    this.comments = [];
    this.lastEventId = null;
    this.retry = null;
    this.ended = null;
    this.buf = '';
    this.cur = { id: null, event: null, data: null, retry: null };
    this.endedPromise = new Promise((r) => { this.resolveEnded = r; });
  }

  get events() { return this.log.events; }
  mark() { return this.log.events.length; }

  feed(chunk) {
    this.buf += chunk;
    for (;;) {
      const m = /\r\n|\n|\r/.exec(this.buf);
      if (!m) break;
      // a lone \r at the very end might be the first half of \r\n: wait for more
      if (m[0] === '\r' && m.index === this.buf.length - 1) break;
      const line = this.buf.slice(0, m.index);
      this.buf = this.buf.slice(m.index + m[0].length);
      this.line(line);
    }
  }

  line(line) {
    if (line === '') { this.dispatch(); return; }
    if (line.startsWith(':')) { this.comments.push(line.slice(1).replace(/^ /, '')); return; }
    const i = line.indexOf(':');
    const field = i < 0 ? line : line.slice(0, i);
    let value = i < 0 ? '' : line.slice(i + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'id': if (!value.includes('\0')) this.cur.id = value; break;
      case 'event': this.cur.event = value; break;
      case 'data': this.cur.data = this.cur.data === null ? value : `${this.cur.data}\n${value}`; break;
      case 'retry': if (/^\d+$/.test(value)) { this.cur.retry = Number(value); this.retry = Number(value); } break;
      default: break; // ignored per spec
    }
  }

  dispatch() {
    const f = this.cur;
    this.cur = { id: null, event: null, data: null, retry: null };
    if (f.id === null && f.event === null && f.data === null && f.retry === null) return;
    if (f.id !== null) this.lastEventId = f.id;
    this.frames.push(f);
    if (f.data === null) return; // id-only / retry-only frame: no event
    let parsed;
    try { parsed = JSON.parse(f.data); } catch { parsed = undefined; }
    // Events are {"type","data"} envelopes (§2.2); keep the SSE fields alongside.
    const ev = parsed && typeof parsed === 'object' && !Array.isArray(parsed) && 'type' in parsed
      ? { ...parsed }
      : { type: f.event ?? 'message', data: parsed ?? f.data, notEnvelope: true };
    Object.defineProperty(ev, 'sse', { value: { id: f.id, event: f.event, lastEventId: this.lastEventId }, enumerable: false });
    this.log.push(ev);
  }

  finish(why) {
    if (this.ended) return;
    this.ended = why;
    openClients.delete(this);
    this.log.end({ ended: why });
    this.resolveEnded(why);
  }

  waitFor(pred, timeoutMs = 5000, opts = {}) { return this.log.waitFor(pred, timeoutMs, opts); }
  waitForCount(pred, n, timeoutMs = 5000, opts = {}) { return this.log.waitForCount(pred, n, timeoutMs, opts); }
  ofType(type, from = 0) { return this.log.events.slice(from).filter((e) => e.type === type); }
  messages(roomId, from = 0) {
    return this.log.events.slice(from).filter((e) => e.type === 'message' && e.data?.roomId === roomId).map((e) => e.data);
  }

  /** Waits until the last id: seen satisfies pred (e.g. covers a room). */
  async waitForLastEventId(pred, timeoutMs = 5000) {
    const deadline = Date.now() + timeoutMs;
    while (!pred(this.lastEventId)) {
      if (this.ended) throw new Error(`${this.label}: stream ended (${this.ended}); lastEventId=${this.lastEventId}`);
      if (Date.now() >= deadline) throw new Error(`${this.label}: lastEventId ${JSON.stringify(this.lastEventId)} did not match within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 25));
    }
    return this.lastEventId;
  }

  async close() {
    if (this.ended) return this.ended;
    try { this.req?.destroy(); } catch { /* gone */ }
    let timer;
    await Promise.race([this.endedPromise, new Promise((r) => { timer = setTimeout(r, 2000); })]);
    clearTimeout(timer);
    this.finish('closed by client');
    return this.ended;
  }
}

/** Parses an SSE cursor `<roomId>=<id>,…` into {roomId: id}. */
export function parseCursor(s) {
  const out = {};
  if (!s) return out;
  for (const part of s.split(',')) {
    if (part === '') continue;
    const i = part.lastIndexOf('=');
    out[part.slice(0, i)] = Number(part.slice(i + 1));
  }
  return out;
}

/** Asserts nothing matching pred arrives at `c` (from index `from`) within ms; returns what did. */
export async function expectNothing(c, pred, ms, { from = 0 } = {}) {
  await new Promise((r) => setTimeout(r, ms));
  return c.events.slice(from).filter((e) => { try { return pred(e); } catch { return false; } });
}

let clientSeq = 0;
/** A fresh clientId. */
export function newClientId(prefix = 'c') {
  clientSeq += 1;
  return `${prefix}${process.pid}-${clientSeq}`;
}

/**
 * Sends a chat message over WS and waits for the answer to its clientId: resolves with the `ack`
 * or `error` event (whichever comes first for that clientId).
 */
export async function sendWs(ws, roomId, message, { clientId = newClientId(), timeoutMs = 5000 } = {}) {
  const from = ws.mark();
  ws.send({ type: 'message', roomId, message, clientId });
  return ws.waitFor((e) => (e.type === 'ack' || e.type === 'error') && e.data?.clientId === clientId, timeoutMs,
    { from, what: `ack/error for clientId ${clientId}` });
}

/** Predicate: a `message` event with this id (and room). */
export const isMessage = (id, roomId) => (e) => e.type === 'message' && e.data?.id === id && (roomId === undefined || e.data.roomId === roomId);

/** Asserts ids are strictly increasing; returns a readable problem or null. */
export function orderProblem(ids) {
  for (let i = 1; i < ids.length; i++) {
    if (!(ids[i] > ids[i - 1])) return `ids[${i - 1}]=${ids[i - 1]} then ids[${i}]=${ids[i]} (not strictly increasing)`;
  }
  return null;
}

/**
 * Readiness probe: proves that every receiver follows `roomId` live. `sender` (a WsClient) sends a
 * message there until one reaches every receiver (WS or SSE), a new one each `retryMs`. A WS
 * connection has no "following" signal (the server subscribes it asynchronously after the upgrade
 * and starts it at the room's head), so tests that need a connection to be live without `resume`
 * start with this. Every receiver has the returned (last) sync id, so any earlier sync message that
 * it will ever get has arrived too. Returns {id, ids (all sync ids sent), attempts}.
 */
export async function syncRoom(sender, roomId, receivers, { timeoutMs = 10000, retryMs = 1000, text = 'sync' } = {}) {
  const deadline = Date.now() + timeoutMs;
  const ids = [];
  for (;;) {
    const ans = await sendWs(sender, roomId, `${text} ${ids.length + 1}`);
    if (ans.type !== 'ack') throw new Error(`${sender.label}: sync message refused: ${JSON.stringify(ans)}`);
    ids.push(ans.data.id);
    const wait = Math.max(1, Math.min(retryMs, deadline - Date.now()));
    try {
      await Promise.all(receivers.map((r) => r.waitFor(isMessage(ans.data.id, roomId), wait, { what: `sync message ${ans.data.id} in ${roomId}` })));
      return { id: ans.data.id, ids, attempts: ids.length };
    } catch (e) {
      if (Date.now() >= deadline) throw new Error(`syncRoom ${roomId}: no sync message reached every receiver within ${timeoutMs} ms (${ids.length} sent): ${e.message}`);
    }
  }
}
