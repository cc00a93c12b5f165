// WebSocket framing on /ws (RFC 6455; docs/protocol.md §2.6), spoken by hand over a raw TCP socket so
// that the bytes themselves are checked: fragmentation with a control frame in between, every server
// frame final/unmasked/RSV-clear, close 1002 for each protocol violation, 1007 for invalid UTF-8, the
// close handshake and its bound, frames split over many TCP segments, 1009 from a header alone, binary
// messages refused with an error event, and the node unharmed afterwards. (Whole oversized frames,
// close 1009, are in realtime_bad_input.test.mjs.)
import { test, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { createHash, randomBytes } from 'node:crypto';
import { startRedis, startNode, cleanup, register, uniqueName, internal, assertStatus, waitFor, sleep } from './lib/harness.mjs';
import { cookieHeader } from './lib/live.mjs';

const T = { timeout: 30000 };
const WAIT = 3000; // every wait for a frame or for the end of the socket
const OP = { cont: 0x0, text: 0x1, binary: 0x2, close: 0x8, ping: 0x9, pong: 0xA };
const PONG_EVENT = '{"type":"pong","data":{}}';
const open = new Set(); // raw sockets still open, destroyed after each test (and by after())
let node;
let A;

const destroyAll = () => { for (const s of open) s.destroy(); };
afterEach(destroyAll); // a failed test leaves no socket behind for the next one
after(async () => {
  destroyAll();
  await cleanup();
});

/** One client frame: fin/rsv/opcode/mask as given, the payload length in its shortest form. */
function frame(opcode, payload = Buffer.alloc(0), { fin = true, rsv = 0, mask = true } = {}) {
  const data = Buffer.from(payload);
  const n = data.length;
  const head = [(fin ? 0x80 : 0) | (rsv << 4) | opcode];
  const m = mask ? 0x80 : 0;
  if (n < 126) head.push(m | n);
  else if (n < 65536) head.push(m | 126, n >> 8, n & 0xff);
  else head.push(m | 127, 0, 0, 0, 0, (n >>> 24) & 0xff, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff);
  if (!mask) return Buffer.concat([Buffer.from(head), data]);
  const key = randomBytes(4);
  const body = Buffer.from(data.map((b, i) => b ^ key[i % 4]));
  return Buffer.concat([Buffer.from(head), key, body]);
}

/** A close payload: 2-byte code, then the reason. */
const closePayload = (code, reason = '') => Buffer.concat([Buffer.from([code >> 8, code & 0xff]), Buffer.from(reason)]);

/**
 * A raw /ws client: upgrade with the session cookie (101 and Sec-WebSocket-Accept checked), then every
 * server frame parsed from the byte stream into `frames` ({fin, rsv, opcode, masked, payload}), and
 * `ended` / `closed` set when the server ends the TCP connection / the socket is gone.
 */
class RawWs {
  /** `early`: bytes written together with the upgrade request (a client that does not wait for the 101). */
  static connect(port, client, early = Buffer.alloc(0)) {
    return new Promise((resolve, reject) => {
      const key = randomBytes(16).toString('base64');
      const s = net.connect({ host: '127.0.0.1', port });
      open.add(s);
      const c = new RawWs(s);
      let head = Buffer.alloc(0);
      const timer = setTimeout(() => { s.destroy(); reject(new Error('no upgrade answer within 3 s')); }, WAIT);
      const onHead = (d) => {
        head = Buffer.concat([head, d]);
        const i = head.indexOf('\r\n\r\n');
        if (i < 0) return;
        clearTimeout(timer);
        s.off('data', onHead);
        const text = head.subarray(0, i).toString('latin1');
        const accept = createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
        if (!/^HTTP\/1\.1 101 /.test(text) || !new RegExp(`\r\nsec-websocket-accept: *${accept.replace(/[+/]/g, '\\$&')}\r?$`, 'im').test(`${text}\r\n`)) {
          s.destroy();
          return reject(new Error(`bad upgrade answer:\n${text}`));
        }
        s.on('data', (chunk) => c.onData(chunk));
        c.onData(head.subarray(i + 4));
        resolve(c);
      };
      s.on('data', onHead);
      s.on('error', (e) => { c.error = e.code || e.message; });
      s.on('end', () => { c.ended = true; });
      s.on('close', () => { c.closed = true; open.delete(s); });
      s.on('connect', () => {
        const h = { Host: `127.0.0.1:${port}`, Upgrade: 'websocket', Connection: 'Upgrade', 'Sec-WebSocket-Key': key,
          'Sec-WebSocket-Version': '13', ...cookieHeader(client) };
        s.write(Buffer.concat([Buffer.from(`GET /ws HTTP/1.1\r\n${Object.entries(h).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`), early]));
      });
    });
  }

  constructor(socket) {
    Object.assign(this, { socket, buf: Buffer.alloc(0), frames: [], ended: false, closed: false, error: null });
  }

  onData(chunk) {
    this.buf = Buffer.concat([this.buf, chunk]);
    for (;;) {
      const b = this.buf;
      if (b.length < 2) return;
      const masked = (b[1] & 0x80) !== 0;
      let n = b[1] & 0x7f;
      let off = 2;
      if (n === 126) { if (b.length < 4) return; n = b.readUInt16BE(2); off = 4; }
      else if (n === 127) { if (b.length < 10) return; n = Number(b.readBigUInt64BE(2)); off = 10; }
      if (masked) off += 4;
      if (b.length < off + n) return;
      let payload = Buffer.from(b.subarray(off, off + n));
      if (masked) { const k = b.subarray(off - 4, off); payload = Buffer.from(payload.map((x, i) => x ^ k[i % 4])); }
      this.frames.push({ fin: (b[0] & 0x80) !== 0, rsv: (b[0] >> 4) & 7, opcode: b[0] & 0x0f, masked, payload });
      this.buf = b.subarray(off + n);
    }
  }

  send(...args) { this.socket.write(frame(...args)); }

  /** Polls fn for WAIT ms; on timeout the error lists the frames received by then. */
  async wait(fn, what) {
    try {
      return await waitFor(fn, { timeout: WAIT, interval: 10, what });
    } catch (e) {
      throw new Error(`${e.message}; frames: ${this.describe()}; ended: ${this.ended}, error: ${this.error}`);
    }
  }

  /** The first frame (from index `from`) that satisfies pred. */
  waitFrame(pred, what, from = 0) { return this.wait(() => this.frames.slice(from).find(pred), what); }

  waitEnded() { return this.wait(() => this.ended, 'the server to end the TCP connection'); }

  describe() {
    return JSON.stringify(this.frames.map((f) => `${f.opcode.toString(16)}${f.fin ? '' : '/nofin'}:${f.payload.toString('latin1').slice(0, 60)}`));
  }
}

/** Every server frame is final, has RSV bits clear and no mask (RFC 6455 §5.1, §5.2). */
function assertWellFormed(ws) {
  for (const f of ws.frames) {
    assert.deepEqual({ fin: f.fin, rsv: f.rsv, masked: f.masked }, { fin: true, rsv: 0, masked: false },
      `server frame opcode ${f.opcode} is final, RSV clear, unmasked: ${ws.describe()}`);
  }
}

/** The server's answer to a bad frame: a close with `code` as its last frame, then the TCP connection ends. */
async function assertClosedWith(ws, code, what) {
  const c = await ws.waitFrame((f) => f.opcode === OP.close, `close ${code} after ${what}`);
  assert.ok(c.payload.length >= 2, `close frame carries a code: ${ws.describe()}`);
  assert.equal(c.payload.readUInt16BE(0), code, `close code after ${what}: ${ws.describe()}`);
  await ws.waitEnded();
  assert.equal(ws.frames.at(-1), c, `nothing after the close frame: ${ws.describe()}`);
  assertWellFormed(ws);
  return c;
}

/** ws connections accepted, and closed summed over every reason label (the label is not asserted). */
async function wsCounts() {
  const res = await internal(node, '/metrics');
  assertStatus(res, 200, 'GET /metrics');
  const sum = (name) => [...res.text.matchAll(new RegExp(`^${name}\\{([^}]*)\\} (\\S+)$`, 'gm'))]
    .filter((m) => /(^|,)transport="ws"(,|$)/.test(m[1])).reduce((a, m) => a + Number(m[2]), 0);
  return { accepted: sum('chatnode_connections_accepted_total'), closed: sum('chatnode_connections_closed_total') };
}

test('setup: redis, one node, user A', T, async () => {
  const redis = await startRedis();
  node = await startNode({ redisUrl: redis.url });
  A = await register(node, uniqueName('wsp'));
});

test('1. fragmented text message with a ping between fragments: pong "abc" for the ping, the pong event for the message; every server frame final, RSV clear, unmasked', T, async () => {
  const ws = await RawWs.connect(node.port, A);
  ws.send(OP.text, '{"type"', { fin: false });
  ws.send(OP.cont, ':"pi', { fin: false });
  ws.send(OP.ping, 'abc');
  ws.send(OP.cont, 'ng"}');
  const pong = await ws.waitFrame((f) => f.opcode === OP.pong, 'the pong to the control ping');
  assert.equal(pong.payload.toString('latin1'), 'abc', 'the pong carries the ping payload');
  const ev = await ws.waitFrame((f) => f.opcode === OP.text && f.payload.toString().includes('"pong"'), 'the pong event');
  assert.equal(ev.payload.toString('utf8'), PONG_EVENT, 'the joined message was handled as one ping frame');
  assert.equal(ws.frames.filter((f) => f.opcode === OP.pong).length, 1, 'one control pong');
  assert.equal(ws.frames.filter((f) => f.opcode === OP.text && f.payload.toString() === PONG_EVENT).length, 1, 'one pong event');
  assert.ok(!ws.frames.some((f) => f.opcode === OP.close), `still open: ${ws.describe()}`);
  assertWellFormed(ws);
  ws.send(OP.close, closePayload(1000));
  await assertClosedWith(ws, 1000, 'the client close');
});

test('2. an unmasked client frame: close 1002, the TCP connection ends; connections_closed_total{transport="ws"} (all reasons) +1', T, async () => {
  // every connection accepted so far is counted as closed, so the next +1 is this test's
  const before = await waitFor(async () => { const c = await wsCounts(); return c.closed === c.accepted && c; },
    { timeout: WAIT, what: 'earlier ws connections all counted as closed' });
  const ws = await RawWs.connect(node.port, A);
  ws.send(OP.text, '{"type":"ping"}', { mask: false });
  await assertClosedWith(ws, 1002, 'an unmasked frame');
  assert.ok(!ws.frames.some((f) => f.opcode === OP.text && f.payload.toString() === PONG_EVENT), 'the unmasked ping was not handled');
  const after = await waitFor(async () => { const c = await wsCounts(); return c.closed > before.closed && c; },
    { timeout: WAIT, what: 'the close counted in chatnode_connections_closed_total{transport="ws"}' });
  assert.deepEqual(after, { accepted: before.accepted + 1, closed: before.closed + 1 }, 'one ws connection accepted and counted as closed');
});

// [test name, what is sent (a function of the raw client), expected close code]
const BAD = [
  ['3. RSV1 set on a text frame (no extension negotiated): close 1002', (ws) => ws.send(OP.text, '{"type":"ping"}', { rsv: 4 }), 1002],
  ['4. reserved opcode 3: close 1002', (ws) => ws.send(3, 'x'), 1002],
  ['5. a ping of 126 bytes (control frames are at most 125): close 1002', (ws) => ws.send(OP.ping, 'p'.repeat(126)), 1002],
  ['6. a continuation frame with no message started: close 1002', (ws) => ws.send(OP.cont, '{"type":"ping"}'), 1002],
  ['7. a text frame with invalid UTF-8 (C3 28): close 1007', (ws) => ws.send(OP.text, Buffer.from([0xc3, 0x28])), 1007],
];
/** One bad frame on a fresh connection: close `code`, the TCP connection ends, the frame was not handled. */
const badFrameTest = (name, send, code) => test(`${name}, then the TCP connection ends`, T, async () => {
  const ws = await RawWs.connect(node.port, A);
  send(ws);
  await assertClosedWith(ws, code, name);
  assert.ok(!ws.frames.some((f) => f.opcode === OP.pong || f.payload.toString() === PONG_EVENT), `the bad frame got no answer: ${ws.describe()}`);
});
for (const row of BAD) badFrameTest(...row);

test('8. client close 1000 "bye": the server answers with close 1000, then ends the TCP connection (first)', T, async () => {
  const ws = await RawWs.connect(node.port, A);
  ws.send(OP.text, '{"type":"ping"}');
  await ws.waitFrame((f) => f.payload.toString() === PONG_EVENT, 'the pong event');
  ws.send(OP.close, closePayload(1000, 'bye'));
  // the client never ends its side: `ended` means the server closed the TCP connection first (RFC 6455 §7.1.1)
  const c = await assertClosedWith(ws, 1000, 'the client close');
  assert.doesNotThrow(() => new TextDecoder('utf-8', { fatal: true }).decode(c.payload.subarray(2)), 'the close reason (if any) is UTF-8');
  assert.equal(ws.frames.filter((f) => f.opcode === OP.close).length, 1, 'one close frame');
});

badFrameTest('9. a client close with the reserved code 1005 in its payload: close 1002', (ws) => ws.send(OP.close, closePayload(1005)), 1002);

test('10. a binary frame: error event bad_request, the connection stays open and still answers ping', T, async () => {
  const ws = await RawWs.connect(node.port, A);
  ws.send(OP.binary, Buffer.from('{"type":"ping"}'));
  const err = await ws.waitFrame((f) => f.opcode === OP.text && f.payload.toString().includes('"error"'), 'the error event');
  // the exact event the Beast-based server sends today (docs/protocol.md §2.6: binary → bad_request)
  assert.deepEqual(JSON.parse(err.payload.toString('utf8')),
    { type: 'error', data: { code: 'bad_request', message: 'binary frames are not supported' } }, 'the exact error event');
  const from = ws.frames.length;
  ws.send(OP.text, '{"type":"ping"}');
  const ev = await ws.waitFrame((f) => f.opcode === OP.text && f.payload.toString().includes('"pong"'), 'the pong event after the binary frame', from);
  assert.equal(ev.payload.toString('utf8'), PONG_EVENT);
  assert.equal(ws.frames.filter((f) => f.payload.toString() === PONG_EVENT).length, 1, 'the binary frame itself was not handled as a ping');
  ws.send(OP.ping, 'still');
  const pong = await ws.waitFrame((f) => f.opcode === OP.pong, 'the control pong', from);
  assert.equal(pong.payload.toString(), 'still');
  assert.ok(!ws.frames.some((f) => f.opcode === OP.close) && !ws.ended, `still open: ${ws.describe()}`);
  assertWellFormed(ws);
  ws.send(OP.close, closePayload(1000));
  await assertClosedWith(ws, 1000, 'the client close');
});

test('11. after a bad-frame connection the node is up: a fresh connection answers ping, /metrics is served', T, async () => {
  const bad = await RawWs.connect(node.port, A);
  bad.send(3, 'x');
  await assertClosedWith(bad, 1002, 'reserved opcode 3');
  const ws = await RawWs.connect(node.port, A);
  ws.send(OP.text, '{"type":"ping"}');
  const ev = await ws.waitFrame((f) => f.opcode === OP.text && f.payload.toString().includes('"pong"'), 'the pong event');
  assert.equal(ev.payload.toString('utf8'), PONG_EVENT);
  const res = await internal(node, '/metrics');
  assertStatus(res, 200, 'GET /metrics');
  assert.match(res.text, /^chatnode_connections_closed_total\{/m, '/metrics has the closed-connections counter');
  ws.send(OP.close, closePayload(1000));
  await assertClosedWith(ws, 1000, 'the client close');
  assert.ok(node.alive, 'the node process is still running');
});

test('12. frames split over many TCP segments: a frame sent one byte at a time, and a 40,000-byte message (more than one read) are each handled once', T, async () => {
  const ws = await RawWs.connect(node.port, A);
  ws.socket.setNoDelay(true);
  const bytes = frame(OP.text, '{"type":"ping"}');
  for (const b of bytes) { // every byte its own segment: the header, the mask and the payload arrive in pieces
    ws.socket.write(Buffer.from([b]));
    await sleep(2);
  }
  const ev = await ws.waitFrame((f) => f.opcode === OP.text && f.payload.toString() === PONG_EVENT, 'the pong event of the byte-wise frame');
  assert.ok(ev);
  // Within --max-ws-frame-bytes (65536) but over --max-message-chars: the whole text is parsed (too_long, with its clientId).
  const big = JSON.stringify({ type: 'message', roomId: '0', message: 'x'.repeat(40000), clientId: 'big-1' });
  const from = ws.frames.length;
  ws.send(OP.text, big);
  const err = await ws.waitFrame((f) => f.opcode === OP.text && f.payload.toString().includes('"error"'), 'the answer to the 40,000-byte message', from);
  const e = JSON.parse(err.payload.toString('utf8'));
  assert.deepEqual([e.data.code, e.data.clientId], ['too_long', 'big-1'], 'the whole message was read and parsed');
  ws.send(OP.text, '{"type":"ping"}');
  await ws.waitFrame((f) => f.payload.toString() === PONG_EVENT, 'a ping after the large message', from);
  assert.equal(ws.frames.filter((f) => f.payload.toString() === PONG_EVENT).length, 2, 'each ping answered once');
  assertWellFormed(ws);
  ws.send(OP.close, closePayload(1000));
  await assertClosedWith(ws, 1000, 'the client close');
});

test('12b. frames written in the same segment as the upgrade request (the client did not wait for the 101) are read after the handshake, in order', T, async () => {
  const early = Buffer.concat([frame(OP.ping, 'early'), frame(OP.text, '{"type":"ping"}')]);
  const ws = await RawWs.connect(node.port, A, early);
  const pong = await ws.waitFrame((f) => f.opcode === OP.pong, 'the pong to the early control ping');
  assert.equal(pong.payload.toString(), 'early');
  const ev = await ws.waitFrame((f) => f.payload.toString() === PONG_EVENT, 'the pong event of the early text frame');
  assert.ok(ws.frames.indexOf(pong) < ws.frames.indexOf(ev), `the control pong first: ${ws.describe()}`);
  ws.send(OP.close, closePayload(1000));
  await assertClosedWith(ws, 1000, 'the client close');
});

test('13. a header announcing 100,000 bytes (limit 65536): close 1009 at once, before any payload is sent', T, async () => {
  const ws = await RawWs.connect(node.port, A);
  // FIN + text, masked, 64-bit length 100,000, a mask key; no payload follows
  ws.socket.write(Buffer.from([0x81, 0xff, 0, 0, 0, 0, 0, 0x01, 0x86, 0xa0, 1, 2, 3, 4]));
  await assertClosedWith(ws, 1009, 'an oversized header');
});

test('14. a close of the server (admin disconnect, 4001) that the peer never answers: the TCP connection ends within two keep-alive sweeps (--ws-idle-timeout 4s: 1 s each)', T, async () => {
  const adminName = uniqueName('wspadm');
  const redis = await startRedis();
  const kicker = await startNode({ redisUrl: redis.url, args: ['--admin', adminName, '--ws-idle-timeout', '4s'] });
  const admin = await register(kicker, adminName);
  const B = await register(kicker, uniqueName('wspb'));
  const ws = await RawWs.connect(kicker.port, B);
  ws.send(OP.text, '{"type":"ping"}');
  await ws.waitFrame((f) => f.payload.toString() === PONG_EVENT, 'the pong event');
  assertStatus(await admin.post(`/admin/users/${B.user.id}/disconnect`), 200, 'admin disconnect');
  const c = await ws.waitFrame((f) => f.opcode === OP.close, 'the close 4001');
  const closedAt = performance.now();
  assert.equal(c.payload.readUInt16BE(0), 4001);
  // The client keeps the socket open and never sends its close: the server cuts the connection after
  // two sweeps (1 to 2 s here; Beast's stream waited 10 s).
  await waitFor(() => ws.ended, { timeout: 4000, interval: 20, what: 'the server to end an unanswered close handshake' });
  const waited = performance.now() - closedAt;
  assert.ok(waited < 3500, `ended ${Math.round(waited)} ms after the close frame`);
  assert.equal(ws.frames.at(-1), c, 'nothing after the close frame');
  const res = await internal(kicker, '/metrics');
  assert.match(res.text, /^chatnode_connections_closed_total\{[^}]*reason="kicked"[^}]*transport="ws"[^}]*\} 1$|^chatnode_connections_closed_total\{[^}]*transport="ws"[^}]*reason="kicked"[^}]*\} 1$/m,
    'counted once as kicked');
  await kicker.stop();
});

test('shutdown: SIGTERM → exit 0', T, async () => {
  await node.stop();
});
