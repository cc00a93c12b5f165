// Raw sockets: arbitrary bytes to a port (malformed HTTP, half-close) and a minimal parser for the
// raw HTTP response that comes back.

import net from 'node:net';
import { HOST } from './common.mjs';

/**
 * Writes raw bytes to the port and collects whatever comes back until the server closes the
 * connection or `timeout` ms pass. Returns {text, status, closed, error}.
 */
export function raw(port, bytes, { timeout = 3000, halfClose = false } = {}) {
  return new Promise((resolve) => {
    const s = net.connect({ host: HOST, port });
    const chunks = [];
    let closed = false;
    let error = null;
    let timer;
    const finish = () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString('latin1');
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(text);
      resolve({ text, status: m ? Number(m[1]) : null, closed, error });
      s.destroy();
    };
    timer = setTimeout(finish, timeout);
    s.on('data', (d) => chunks.push(d));
    s.on('error', (e) => { error = e.code || e.message; });
    s.on('close', () => { closed = true; finish(); });
    s.on('end', () => { closed = true; });
    s.on('connect', () => {
      s.write(bytes, () => { if (halfClose) s.end(); });
    });
  });
}

/** Body of a raw HTTP response (after the blank line), parsed as JSON if possible. */
export function rawJson(rawRes) {
  const i = rawRes.text.indexOf('\r\n\r\n');
  if (i < 0) return undefined;
  let body = rawRes.text.slice(i + 4);
  if (/\r\ntransfer-encoding:\s*chunked/i.test(rawRes.text.slice(0, i))) {
    // minimal de-chunking
    let out = '';
    let rest = body;
    for (;;) {
      const j = rest.indexOf('\r\n');
      if (j < 0) break;
      const n = parseInt(rest.slice(0, j), 16);
      if (!n) break;
      out += rest.slice(j + 2, j + 2 + n);
      rest = rest.slice(j + 2 + n + 2);
    }
    body = out;
  }
  try { return JSON.parse(Buffer.from(body, 'latin1').toString('utf8')); } catch { return undefined; }
}

/**
 * Sends `head` then `bodyBytes` bytes of body (in 64 KiB writes, respecting back-pressure; as
 * chunked encoding when `chunked`), and collects the answer until the server closes or 15 s pass.
 * Returns {status, text, error, sent}.
 */
export function sendWhole(port, head, bodyBytes, { chunked = false, fill = 'a' } = {}) {
  return new Promise((resolve) => {
    const s = net.connect({ host: HOST, port });
    const chunks = [];
    let error = null;
    let sent = 0;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString('latin1');
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(text);
      resolve({ status: m ? Number(m[1]) : null, text, error, sent });
      s.destroy();
    };
    const timer = setTimeout(finish, 15000);
    s.on('data', (d) => chunks.push(d));
    s.on('error', (e) => { error = e.code || e.message; finish(); });
    s.on('close', finish);
    const piece = Buffer.alloc(64 * 1024, fill);
    const pump = () => {
      while (sent < bodyBytes) {
        const n = Math.min(piece.length, bodyBytes - sent);
        const data = chunked ? Buffer.concat([Buffer.from(`${n.toString(16)}\r\n`), piece.subarray(0, n), Buffer.from('\r\n')])
          : piece.subarray(0, n);
        sent += n;
        if (!s.write(data)) { s.once('drain', pump); return; }
      }
      if (chunked) s.write('0\r\n\r\n');
      s.end(); // all sent: half-close; the server's FIN ends the exchange
    };
    s.on('connect', () => { s.write(head); pump(); });
  });
}
