// Server-Sent Events client for /stream (node:http), docs/protocol.md §2: event-stream parsing,
// Last-Event-ID, bounded waits on the ordered event log; and the SSE cursor parser.

import http from 'node:http';
import { HOST } from './common.mjs';
import { cookieHeader } from './http.mjs';
import { EventLog } from './event_log.mjs';
import { openClients } from './live_registry.mjs';

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
