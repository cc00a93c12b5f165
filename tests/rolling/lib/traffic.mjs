// Steady traffic and the reconnect analysis of the rolling-restart test.
//
// Senders: per room one WebSocket member (frames with clientIds, acked by `ack`) and one SSE member
// (POST /room/{id}/messages through the ingress, acked by 201), alternating at a fixed rate on an
// absolute schedule. Each text carries its send time, so receivers measure delivery latency.
// A WebSocket sender that is reconnecting skips its turn (counted), as a user would wait.

import { now } from './clients.mjs';
import { sleep } from '../../integration/lib/common.mjs';

export class RoomSender {
  constructor({ roomId, ws, sse, label }) {
    Object.assign(this, { roomId, ws, sse, label });
    this.seq = 0;
    this.acked = []; // {id, sentAt, via}
    this.failed = []; // {via, why, sentAt}
    this.skipped = 0;
    this.inflight = new Set();
  }

  one(via) {
    const seq = ++this.seq;
    const sentAt = now();
    const text = `rr|${sentAt.toFixed(3)}|${this.label}|${via}|${seq}`;
    if (via === 'ws' && !this.ws.isOpen) { this.skipped += 1; return; }
    const p = (via === 'ws' ? this.ws.sendWs(this.roomId, text, `${this.label}-${seq}`) : this.sse.sendHttp(this.roomId, text))
      .then((r) => {
        if (r.error || typeof r.id !== 'number') this.failed.push({ via, why: String(r.error ?? 'no id'), sentAt });
        else this.acked.push({ id: r.id, sentAt, via });
      });
    this.inflight.add(p);
    p.finally(() => this.inflight.delete(p));
  }
}

/** Every sender sends `perSecond` messages a second (WebSocket and HTTP in turn) until stop(). */
export function runSenders(senders, { perSecond }) {
  let stopped = false;
  const interval = 1000 / perSecond;
  const loops = senders.map(async (s, i) => {
    await sleep((interval / senders.length) * i);
    const t0 = now();
    for (let k = 0; !stopped; k++) {
      s.one(k % 2 === 0 ? 'ws' : 'http');
      await sleep(Math.max(0, t0 + (k + 1) * interval - now()));
    }
    const all = Promise.all([...s.inflight]);
    await Promise.race([all, sleep(15000)]);
  });
  return { stop: () => { stopped = true; }, done: Promise.all(loops) };
}

/** The node that served each connection attempt (by its X-Request-ID), from nginx's access log. */
export function attemptNodes(records, nodeByPort) {
  const out = new Map();
  for (const r of records) {
    if (!r.rid) continue;
    const port = Number(r.upstream.split(':').at(-1));
    out.set(r.rid, { node: nodeByPort.get(port) ?? null, status: r.status, upstream: r.upstream, tried: r.tried });
  }
  return out;
}

/** The most entries of sorted times (ms) within any window of `windowMs`. */
export function maxInWindow(times, windowMs = 1000) {
  let best = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (times[i] - times[j] >= windowMs) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

/**
 * For a node stopped at `t0`: the clients whose open connection on it ended after t0 (movers), and
 * where and when each one's next connection opened. Returns {movers: [{client, ended, code, drain,
 * next: {node, openedAt} | null}], byNode: Map(node → sorted reconnect times, ms after t0)}.
 */
export function reconnectWave(clients, nodeOf, node, t0, until) {
  const movers = [];
  for (const c of clients) {
    const conns = c.attempts;
    const k = conns.findIndex((a) => a.openedAt !== null && a.openedAt < t0 && a.endedAt !== null && a.endedAt >= t0
      && a.endedAt < until && nodeOf.get(a.tag)?.node === node);
    if (k < 0) continue;
    const a = conns[k];
    const nextA = conns.slice(k + 1).find((b) => b.openedAt !== null);
    movers.push({
      client: c, tag: a.tag, ended: a.endedAt - t0, code: a.code, drain: a.drain,
      next: nextA ? { tag: nextA.tag, node: nodeOf.get(nextA.tag)?.node ?? '?', openedAt: nextA.openedAt - t0, resumed: nextA.resumedAt !== null } : null,
    });
  }
  const byNode = new Map();
  for (const m of movers) {
    if (!m.next) continue;
    if (!byNode.has(m.next.node)) byNode.set(m.next.node, []);
    byNode.get(m.next.node).push(m.next.openedAt);
  }
  for (const ts of byNode.values()) ts.sort((a, b) => a - b);
  return { movers, byNode };
}

/** "n1: 61 (max 38 in 1 s) …" for a wave's byNode, plus a per-250-ms histogram line. */
export function describeWave(byNode) {
  const parts = [];
  for (const [node, ts] of [...byNode].sort()) {
    const hist = [];
    for (const t of ts) { const b = Math.floor(t / 250); hist[b] = (hist[b] ?? 0) + 1; }
    parts.push(`${node}: ${ts.length} (max ${maxInWindow(ts)} in any 1 s; per 250 ms from the signal: ${Array.from(hist, (v) => v ?? 0).join(' ')})`);
  }
  return parts.join('; ');
}
