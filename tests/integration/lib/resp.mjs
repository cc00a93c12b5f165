// A tiny RESP2 client over one TCP connection, for tests that must talk to Redis the way another
// program does (e.g. playing a tutorial server: PUBLISH, SUBSCRIBE). Commands are answered in
// order; after subscribe() the connection only delivers Pub/Sub messages to `onMessage`.
import net from 'node:net';

const HOST = '127.0.0.1';

/** Parses one RESP value from buf at pos: {value, pos} or null when incomplete. */
function parse(buf, pos) {
  if (pos >= buf.length) return null;
  const eol = buf.indexOf('\r\n', pos);
  if (eol < 0) return null;
  const kind = String.fromCharCode(buf[pos]);
  const line = buf.toString('utf8', pos + 1, eol);
  const next = eol + 2;
  if (kind === '+') return { value: line, pos: next };
  if (kind === '-') return { value: new Error(line), pos: next };
  if (kind === ':') return { value: Number(line), pos: next };
  if (kind === '$') {
    const n = Number(line);
    if (n < 0) return { value: null, pos: next };
    if (buf.length < next + n + 2) return null;
    return { value: buf.toString('utf8', next, next + n), pos: next + n + 2 };
  }
  if (kind === '*') {
    const n = Number(line);
    if (n < 0) return { value: null, pos: next };
    const items = [];
    let p = next;
    for (let i = 0; i < n; i++) {
      const r = parse(buf, p);
      if (!r) return null;
      items.push(r.value);
      p = r.pos;
    }
    return { value: items, pos: p };
  }
  throw new Error(`bad RESP type byte ${kind}`);
}

function encode(args) {
  const parts = [`*${args.length}\r\n`];
  for (const a of args) {
    const s = Buffer.from(String(a), 'utf8');
    parts.push(`$${s.length}\r\n`, s, '\r\n');
  }
  return Buffer.concat(parts.map((p) => (Buffer.isBuffer(p) ? p : Buffer.from(p, 'utf8'))));
}

export class RespClient {
  /** Connects to Redis on `port`. */
  static connect(port) {
    return new Promise((resolve, reject) => {
      const sock = net.createConnection({ host: HOST, port }, () => resolve(new RespClient(sock)));
      sock.once('error', reject);
    });
  }

  constructor(sock) {
    this.sock = sock;
    this.buf = Buffer.alloc(0);
    this.waiting = []; // {resolve, reject} per command, in order
    this.onMessage = null; // (channel, payload) after subscribe()
    sock.on('data', (d) => this.#data(d));
    sock.on('error', () => {});
  }

  #data(d) {
    this.buf = Buffer.concat([this.buf, d]);
    let pos = 0;
    for (;;) {
      const r = parse(this.buf, pos);
      if (!r) break;
      pos = r.pos;
      const v = r.value;
      if (Array.isArray(v) && v[0] === 'message' && this.onMessage) {
        this.onMessage(v[1], v[2]);
        continue;
      }
      const w = this.waiting.shift();
      if (!w) continue;
      if (v instanceof Error) w.reject(v); else w.resolve(v);
    }
    this.buf = this.buf.subarray(pos);
  }

  /** Sends one command; resolves with its reply (rejects on an error reply). */
  command(...args) {
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.sock.write(encode(args));
    });
  }

  /** SUBSCRIBE `channel`; every message then goes to onMessage(channel, payload). */
  async subscribe(channel, onMessage) {
    this.onMessage = onMessage;
    await this.command('SUBSCRIBE', channel);
  }

  close() { this.sock.destroy(); }
}
