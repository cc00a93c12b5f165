// Load clients of the rolling-restart test: long-lived WebSocket and SSE users that behave like the
// real clients across node restarts, and check every delivery as it arrives.
//
// * WebSocket (/ws?batch=1&presence=watch, like the web client): `resume` with the last id per room
//   as the first frame of every connection; after a close, the web client's own policy
//   (web/js/live.js closeAction/backoffDelay): drain (1012, or a `reconnect` event) → again after a
//   random 0–1 s, anything else → exponential backoff from 500 ms, reset by `resumed`.
// * SSE (/stream, like a browser's EventSource): after the stream ends, again after the `retry:`
//   the server sent (2000 ms) with Last-Event-ID = the last `id:`. SSE has no `resumed` event: a
//   stream counts as resumed once its cursor (`id:`) names every room of the client.
// Every connection names itself in X-Request-ID (`c<client>.<attempt>`), which nginx's access log
// records next to the node that served it. Per room a client checks that ids strictly increase
// (a duplicate or a reordering is recorded at once), and records each delivery's latency from the
// send time stamped in the text.

import http from 'node:http';
import { WebSocket } from '../../integration/lib/ws_client.mjs';
import { HOST } from '../../integration/lib/common.mjs';
import { backoffDelay, closeAction } from '../../../web/js/live.js';

export const now = () => performance.now();

/** Every delivery: when its message was sent, its latency, and whether it came by replay. */
export class Deliveries {
  constructor() { this.sent = []; this.ms = []; this.replay = []; }
  add(sentAt, ms, replay) { this.sent.push(sentAt); this.ms.push(ms); this.replay.push(replay); }
  /** {n, p50, p99, max} (ms) of the deliveries of messages sent in [from, to), live only or all. */
  stats(from, to, { live = false } = {}) {
    const xs = [];
    for (let i = 0; i < this.ms.length; i++) {
      if (this.sent[i] >= from && this.sent[i] < to && !(live && this.replay[i])) xs.push(this.ms[i]);
    }
    xs.sort((a, b) => a - b);
    const q = (p) => (xs.length ? xs[Math.min(xs.length - 1, Math.ceil(p * xs.length) - 1)] : NaN);
    return { n: xs.length, p50: q(0.5), p99: q(0.99), max: xs.length ? xs.at(-1) : NaN };
  }
}

export class RollingClient {
  /**
   * kind 'ws' | 'sse'; token (session); rooms: the room ids whose messages are checked; port: the
   * ingress; localAddress: the loopback source address (the client address the node should log).
   */
  constructor({ idx, kind, token, userId, rooms, port, localAddress, deliveries }) {
    Object.assign(this, { idx, kind, token, userId, rooms, port, localAddress, deliveries });
    this.attempts = []; // every connection attempt: {tag, startedAt, openedAt, endedAt, code, drain, resumedAt, failed}
    this.last = Object.fromEntries(rooms.map((r) => [r, 0]));
    this.seen = Object.fromEntries(rooms.map((r) => [r, new Set()]));
    this.problems = []; // duplicates and reorderings, as they arrived
    this.errors = []; // error events without a clientId, fatal closes
    this.backoff = 0;
    this.retryMs = 2000;
    this.lastEventId = null;
    this.pending = new Map(); // clientId → resolve (WebSocket sends)
    this.stopped = false;
    this.firstResumed = new Promise((r) => { this.resolveFirst = r; });
  }

  get current() { return this.attempts.at(-1); }
  get connections() { return this.attempts.filter((a) => a.openedAt !== null); }
  get isOpen() { const a = this.current; return !!a && a.openedAt !== null && a.endedAt === null; }
  get isResumed() { return this.isOpen && this.current.resumedAt !== null; }

  start() { this.#connect(); return this.firstResumed; }

  #connect() {
    if (this.stopped) return;
    const a = {
      tag: `c${this.idx}.${this.attempts.length}`, startedAt: now(), openedAt: null, endedAt: null,
      code: null, drain: false, resumedAt: null, messages: 0, failed: null,
    };
    this.attempts.push(a);
    if (this.kind === 'ws') this.#ws(a); else this.#sse(a);
  }

  #ended(a, code, why) {
    if (a.endedAt !== null) return;
    a.endedAt = now();
    a.code = code;
    if (a.openedAt === null) a.failed = why;
    for (const [id, resolve] of this.pending) resolve({ error: `connection ended (${why})`, id });
    this.pending.clear();
    if (this.stopped) return;
    let delay;
    if (this.kind === 'sse') delay = this.retryMs;
    else {
      const action = closeAction(code, a.drain);
      if (action === 'drain') delay = Math.random() * 1000;
      else if (action === 'retry') delay = backoffDelay(this.backoff++);
      else { this.errors.push(`${a.tag}: closed with ${code} (${action}): no reconnect`); return; }
    }
    setTimeout(() => this.#connect(), delay);
  }

  #ws(a) {
    const ws = new WebSocket(`ws://${HOST}:${this.port}/ws?batch=1&presence=watch`, {
      headers: { Cookie: `chat_session=${this.token}`, 'X-Request-ID': a.tag },
      localAddress: this.localAddress, perMessageDeflate: false, handshakeTimeout: 10000,
    });
    this.ws = ws;
    ws.on('open', () => {
      a.openedAt = now();
      // The first frame, as the web client's: the last id seen per room (0: the test's rooms are
      // new, so "after 0" is all of a room, and a client that saw nothing yet still misses nothing).
      const rooms = Object.fromEntries(this.rooms.map((r) => [r, this.last[r]]));
      ws.send(JSON.stringify({ type: 'resume', rooms }));
    });
    ws.on('message', (data) => {
      for (const line of data.toString('utf8').split('\n')) {
        let ev;
        try { ev = JSON.parse(line); } catch { this.errors.push(`${a.tag}: not JSON: ${line.slice(0, 100)}`); continue; }
        this.#event(a, ev);
      }
    });
    ws.on('error', () => { /* 'close' follows */ });
    ws.on('close', (code) => this.#ended(a, code, `close ${code}`));
  }

  #sse(a) {
    const headers = { Accept: 'text/event-stream', Cookie: `chat_session=${this.token}`, 'X-Request-ID': a.tag };
    if (this.lastEventId !== null) headers['Last-Event-ID'] = this.lastEventId;
    a.lastEventId = this.lastEventId;
    const req = http.request({ host: HOST, port: this.port, path: '/stream', headers, agent: false, localAddress: this.localAddress }, (res) => {
      if (res.statusCode !== 200) { res.resume(); res.on('end', () => this.#ended(a, res.statusCode, `HTTP ${res.statusCode}`)); return; }
      a.openedAt = now();
      res.setEncoding('utf8');
      let buf = '';
      let cur = { id: null, data: null };
      res.on('data', (chunk) => {
        buf += chunk;
        let i;
        while ((i = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, i).replace(/\r$/, '');
          buf = buf.slice(i + 1);
          if (line === '') {
            if (cur.id !== null) {
              this.lastEventId = cur.id;
              // SSE has no `resumed` event: the stream follows every room of the client once its
              // cursor names them all (an id-only frame at the start); replayed messages follow.
              if (a.resumedAt === null && this.#covers(cur.id)) this.#resumed(a);
            }
            if (cur.data !== null) {
              try { this.#event(a, JSON.parse(cur.data)); } catch { this.errors.push(`${a.tag}: bad data ${cur.data.slice(0, 100)}`); }
            }
            cur = { id: null, data: null };
          } else if (line.startsWith('id:')) cur.id = line.slice(3).trimStart();
          else if (line.startsWith('data:')) cur.data = (cur.data === null ? '' : `${cur.data}\n`) + line.slice(5).trimStart();
          else if (line.startsWith('retry:')) this.retryMs = Number(line.slice(6).trim()) || this.retryMs;
        }
      });
      res.on('end', () => this.#ended(a, 'end', 'end'));
      res.on('close', () => this.#ended(a, 'closed', 'closed'));
      res.on('error', (e) => this.#ended(a, 'error', e.message));
    });
    this.req = req;
    req.setTimeout(10000, () => { if (a.openedAt === null) req.destroy(new Error('no response headers within 10 s')); });
    req.on('error', (e) => this.#ended(a, 'error', e.message));
    req.end();
  }

  #event(a, ev) {
    const d = ev.data;
    switch (ev.type) {
      case 'message': {
        const room = d?.roomId;
        if (!(room in this.seen)) return;
        const id = d.id;
        if (this.seen[room].has(id)) this.problems.push(`${a.tag}: room ${room}: id ${id} delivered again`);
        else if (id < this.last[room]) this.problems.push(`${a.tag}: room ${room}: id ${id} after ${this.last[room]} (out of order)`);
        this.seen[room].add(id);
        if (id > this.last[room]) this.last[room] = id;
        a.messages += 1;
        const m = /^rr\|(\d+\.\d+)\|/.exec(d.message ?? '');
        if (m) {
          const sentAt = Number(m[1]);
          this.deliveries.add(sentAt, now() - sentAt, sentAt < a.openedAt);
        }
        return;
      }
      case 'resumed': this.#resumed(a); return;
      case 'reconnect': a.drain = true; return;
      case 'ack': this.#answer(d?.clientId, d); return;
      case 'error':
        if (d?.clientId && this.pending.has(d.clientId)) this.#answer(d.clientId, { error: d.code });
        else this.errors.push(`${a.tag}: error ${JSON.stringify(d).slice(0, 200)}`);
        return;
      default: return;
    }
  }

  #resumed(a) {
    if (a.resumedAt === null) a.resumedAt = now();
    this.backoff = 0;
    this.resolveFirst();
  }

  #covers(cursor) {
    const named = new Set(cursor.split(',').map((p) => p.slice(0, p.lastIndexOf('='))));
    return this.rooms.every((r) => named.has(r));
  }

  #answer(clientId, v) {
    const resolve = this.pending.get(clientId);
    if (!resolve) return;
    this.pending.delete(clientId);
    resolve(v);
  }

  /** Sends a chat message over the open WebSocket; resolves with the ack's data or {error}. */
  sendWs(roomId, text, clientId, timeoutMs = 10000) {
    if (!this.isOpen || this.kind !== 'ws') return Promise.resolve({ error: 'not connected' });
    return new Promise((resolve) => {
      const timer = setTimeout(() => { this.pending.delete(clientId); resolve({ error: 'no ack within 10 s' }); }, timeoutMs);
      this.pending.set(clientId, (v) => { clearTimeout(timer); resolve(v); });
      this.ws.send(JSON.stringify({ type: 'message', roomId, message: text, clientId }));
    });
  }

  /** Sends a chat message with POST /room/{id}/messages through the ingress; {id} or {error}. */
  sendHttp(roomId, text, timeoutMs = 10000) {
    const body = JSON.stringify({ message: text });
    return new Promise((resolve) => {
      const req = http.request({
        host: HOST, port: this.port, method: 'POST', path: `/room/${encodeURIComponent(roomId)}/messages`, agent: false,
        localAddress: this.localAddress,
        headers: { Cookie: `chat_session=${this.token}`, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) },
      }, (res) => {
        let t = '';
        res.setEncoding('utf8');
        res.on('data', (c) => { t += c; });
        res.on('end', () => {
          if (res.statusCode === 201) { try { resolve({ id: JSON.parse(t).id }); } catch { resolve({ error: `bad 201 body ${t.slice(0, 100)}` }); } }
          else resolve({ error: `HTTP ${res.statusCode} ${t.slice(0, 100)}` });
        });
        res.on('error', (e) => resolve({ error: e.message }));
      });
      req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      req.on('error', (e) => resolve({ error: e.message }));
      req.end(body);
    });
  }

  /** Ends the client (no reconnect). */
  close() {
    this.stopped = true;
    try { this.ws?.close(1000); } catch { /* gone */ }
    try { this.req?.destroy(); } catch { /* gone */ }
  }
}
