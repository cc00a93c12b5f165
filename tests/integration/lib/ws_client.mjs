// WebSocket client for /ws (package `ws`), docs/protocol.md §2: connect (cookie, ?token= or
// headers; batch mode), send, bounded waits on the ordered event log, ping, clean close.

import WebSocket from 'ws';
import { HOST } from './common.mjs';
import { cookieHeader } from './http.mjs';
import { EventLog, describeEvents } from './event_log.mjs';
import { openClients } from './live_registry.mjs';

export { WebSocket };

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
