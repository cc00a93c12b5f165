// Multi-node helpers for the cluster_* integration tests: one real Redis, N real chatnode processes,
// logical users whose real-time view spans several connections (reconnects to other nodes with
// `resume` / Last-Event-ID), paced senders (WS with clientIds, HTTP), and exactly-once checks.
//
// Builds on lib/harness.mjs (processes, HTTP) and lib/live.mjs (WS/SSE clients). Every wait bounded.

import assert from 'node:assert/strict';
import {
  startRedis, startNode, register, internal, waitFor, sleep, allMessages,
} from './harness.mjs';
import { WsClient, SseClient, orderProblem } from './live.mjs';

export const now = () => performance.now();
export const secs = (ms) => (ms / 1000).toFixed(1);

/** One Redis and `n` nodes with distinct server ids `<prefix>-1..n`. */
export async function startCluster({ n = 3, appendonly = false, prefix = 'c', nodeArgs = [], perNodeArgs = {} } = {}) {
  const redis = await startRedis({ appendonly });
  const tag = `${prefix}-${process.pid}`;
  const nodes = await Promise.all(Array.from({ length: n }, (_, i) => startNode({
    redisUrl: redis.url,
    serverId: `${tag}-${i + 1}`,
    args: [...nodeArgs, ...(perNodeArgs[i] ?? [])],
  })));
  return { redis, nodes, tag };
}

export async function readyStatus(node) {
  try { return (await internal(node, '/readyz', { timeout: 1000 })).status; } catch (e) { return `error ${e.message}`; }
}

/** Redis' pid (INFO server), to SIGKILL it. */
export function redisPid(redis) {
  const m = /process_id:(\d+)/.exec(redis.cli('INFO', 'server'));
  assert.ok(m, 'INFO server has no process_id');
  return Number(m[1]);
}

// ---------------------------------------------------------------------------------------------
// A user whose real-time view spans one or more connections over time.

/**
 * LiveUser wraps a registered harness Client. It holds its current real-time connection (WS or SSE)
 * and every connection it had before; `ids(room)` is the concatenation of the `message` ids each
 * connection delivered, in order (connections are sequential), which is what the user saw.
 */
export class LiveUser {
  constructor(client, label) {
    this.client = client;
    this.label = label ?? client.user.username;
    this.conns = []; // {kind, node, conn, closeInfo}
    this.reconnects = [];
  }

  get id() { return this.client.user.id; }
  get conn() { return this.conns.at(-1)?.conn; }
  get kind() { return this.conns.at(-1)?.kind; }
  get node() { return this.conns.at(-1)?.node; }

  /** Message events of a room across all connections, in the order seen. */
  messages(roomId) {
    return this.conns.flatMap((c) => c.conn.messages(roomId));
  }

  ids(roomId) { return this.messages(roomId).map((m) => m.id); }

  /** Every event across all connections (each tagged with the connection index). */
  events() { return this.conns.flatMap((c, i) => c.conn.events.map((e) => ({ ...e, conn: i }))); }

  /** Last message id seen per room (over every connection); `baseline` fills rooms with none yet. */
  lastIds(baseline = {}) {
    const out = { ...baseline };
    for (const c of this.conns) {
      for (const e of c.conn.events) {
        if (e.type === 'message' && e.data && typeof e.data.id === 'number') {
          const r = e.data.roomId;
          if (out[r] === undefined || e.data.id > out[r]) out[r] = e.data.id;
        }
      }
    }
    return out;
  }

  async connectWs(node, { resume = null, label } = {}) {
    const conn = await WsClient.connect(node.port, { client: this.client.on(node), label: label ?? `ws(${this.label}@${node.serverId})` });
    if (resume) conn.send({ type: 'resume', rooms: resume });
    this.conns.push({ kind: 'ws', node, conn, resume });
    return conn;
  }

  async connectSse(node, { lastEventId, label } = {}) {
    const conn = await SseClient.connect(node.port, { client: this.client.on(node), lastEventId, label: label ?? `sse(${this.label}@${node.serverId})` });
    // `ready` is the stream's first frame: the connection is registered.
    await conn.waitFor((e) => e.type === 'ready', 5000, { what: 'SSE ready' });
    this.conns.push({ kind: 'sse', node, conn, lastEventId });
    return conn;
  }

  /**
   * Reconnects to `node` the way a client does: WS → a new socket + `resume` with the last id seen
   * per room (rooms with none from `baseline`); SSE → Last-Event-ID = the stream's last `id:`.
   */
  async reconnect(node, { baseline = {} } = {}) {
    const prev = this.conns.at(-1);
    const t0 = now();
    let conn;
    if (prev.kind === 'ws') conn = await this.connectWs(node, { resume: this.lastIds(baseline) });
    else conn = await this.connectSse(node, { lastEventId: prev.conn.lastEventId ?? undefined });
    this.reconnects.push({ from: prev.node.serverId, to: node.serverId, ms: now() - t0 });
    return conn;
  }

  /** Resolves once the current connection has ended (WS closed / SSE stream ended). */
  async waitEnded(timeoutMs) {
    const c = this.conn;
    if (this.kind === 'ws') return c.waitClosed(timeoutMs);
    let timer;
    return Promise.race([
      c.endedPromise,
      new Promise((_, rej) => { timer = setTimeout(() => rej(new Error(`${c.label}: stream did not end within ${timeoutMs} ms`)), timeoutMs); }),
    ]).finally(() => clearTimeout(timer));
  }

  get ended() {
    const c = this.conn;
    return this.kind === 'ws' ? c.closeInfo !== null : c.ended !== null;
  }

  /**
   * Keeps the user connected: when the current connection ends, reconnects to pickNode() (bounded
   * retries). Returns a stop() function. Each reconnect is recorded in `this.reconnects`.
   */
  autoReconnect(pickNode, { baseline = {}, onEnd } = {}) {
    let stopped = false;
    const loop = async () => {
      while (!stopped) {
        const c = this.conn;
        const ended = this.kind === 'ws' ? c.closed : c.endedPromise;
        const info = await ended;
        if (stopped) return;
        onEnd?.(this, info);
        let ok = false;
        for (let attempt = 0; attempt < 20 && !stopped && !ok; attempt++) {
          try {
            await this.reconnect(pickNode(this, attempt), { baseline });
            ok = true;
          } catch (e) {
            this.reconnectErrors = [...(this.reconnectErrors ?? []), e.message];
            await sleep(250);
          }
        }
        if (!ok) return;
      }
    };
    this.reconnectLoop = loop();
    return () => { stopped = true; };
  }
}

/**
 * Connects clients[i] as a LiveUser to spots[i] = [node, 'ws' | 'sse'] (labelled r<i>-<kind>@<serverId>),
 * one after the other; returns them.
 */
export async function connectReceivers(clients, spots) {
  const users = [];
  for (let i = 0; i < spots.length; i++) {
    const [node, kind] = spots[i];
    const u = new LiveUser(clients[i], `r${i}-${kind}@${node.serverId}`);
    if (kind === 'sse') await u.connectSse(node); else await u.connectWs(node);
    users.push(u);
  }
  return users;
}

/** Registers `count` users, each through node nodes[i % n] (any node works: sessions are in Redis). */
export async function registerUsers(nodes, count, prefix = 'u') {
  const out = [];
  for (let i = 0; i < count; i++) {
    const node = nodes[i % nodes.length];
    const c = await register(node, `${prefix}${i}_${Math.random().toString(16).slice(2, 8)}`);
    out.push(c);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Senders

/**
 * A sender: kind 'ws' (a LiveUser whose current connection is a WS; frames with clientIds) or 'http'
 * (POST /room/{id}/messages through `node`). Every attempt is recorded with its text; `acked` holds
 * what the server confirmed (ack event / 201) as {id, text, clientId?}.
 */
export class Sender {
  constructor({ kind, user, client, node, roomId = '0', label }) {
    this.kind = kind;
    this.user = user; // LiveUser for ws
    this.client = client; // harness Client for http
    this.node = node;
    this.roomId = roomId;
    this.label = label ?? `${kind}:${(user?.label ?? client?.user.username)}`;
    this.seq = 0;
    this.attempted = []; // texts
    this.acked = []; // {id, text}
    this.failed = []; // {text, why}
    this.pending = new Set();
  }

  /** Sends one message; resolves when it was answered (never rejects). */
  sendOne() {
    this.seq += 1;
    const text = `${this.label} #${this.seq} ${Math.random().toString(16).slice(2, 8)}`;
    this.attempted.push(text);
    const p = this.kind === 'ws' ? this.#ws(text) : this.#http(text);
    this.pending.add(p);
    p.finally(() => this.pending.delete(p));
    return p;
  }

  async #ws(text) {
    const conn = this.user.conn;
    const clientId = `${this.label}-${this.seq}`;
    if (!conn || this.user.kind !== 'ws' || !conn.isOpen) { this.failed.push({ text, why: 'ws not open' }); return; }
    const from = conn.mark();
    try {
      conn.send({ type: 'message', roomId: this.roomId, message: text, clientId });
      const ev = await conn.waitFor((e) => (e.type === 'ack' || e.type === 'error') && e.data?.clientId === clientId, 10000, { from, what: `ack ${clientId}` });
      if (ev.type === 'ack') {
        assert.equal(ev.data.roomId, this.roomId, `ack roomId for ${clientId}`);
        this.acked.push({ id: ev.data.id, text, clientId });
      } else this.failed.push({ text, why: `error ${ev.data?.code}` });
    } catch (e) {
      this.failed.push({ text, why: e.message.slice(0, 200) });
    }
  }

  async #http(text) {
    try {
      const res = await this.client.on(this.node).post(`/room/${encodeURIComponent(this.roomId)}/messages`, { message: text }, { timeout: 10000 });
      if (res.status === 201) this.acked.push({ id: res.json.id, text });
      else this.failed.push({ text, why: `HTTP ${res.status} ${res.json?.error ?? ''}` });
    } catch (e) {
      this.failed.push({ text, why: e.message.slice(0, 200) });
    }
  }

  async settle(timeoutMs = 15000) {
    const all = Promise.all([...this.pending]);
    let timer;
    await Promise.race([all, new Promise((r) => { timer = setTimeout(r, timeoutMs); })]);
    clearTimeout(timer);
    assert.equal(this.pending.size, 0, `${this.label}: ${this.pending.size} sends still unanswered after ${timeoutMs} ms`);
  }
}

/**
 * Runs senders concurrently, each at `perSecond` messages/s (not waiting for answers: pipelined), for
 * `durationMs`, or until stop(). Returns {done, stop}; `done` resolves after every send was answered.
 */
export function runSenders(senders, { perSecond = 10, durationMs = 5000 } = {}) {
  let stopped = false;
  const interval = 1000 / perSecond;
  const loops = senders.map(async (s, i) => {
    await sleep((interval / senders.length) * i); // interleave
    const t0 = now();
    let k = 0;
    while (!stopped && now() - t0 < durationMs) {
      s.sendOne();
      k += 1;
      const next = t0 + k * interval;
      await sleep(Math.max(0, next - now()));
    }
    await s.settle();
  });
  return { done: Promise.all(loops), stop: () => { stopped = true; } };
}

export function ackedIds(senders) {
  return senders.flatMap((s) => s.acked.map((a) => a.id)).sort((a, b) => a - b);
}

// ---------------------------------------------------------------------------------------------
// Checks

/**
 * Problems (strings) of `got` (ids in arrival order) against `expected` (a set/array of ids):
 * duplicates, out-of-order, missing, extra. Empty array = exactly once, in order.
 */
export function exactlyOnceProblems(label, got, expected) {
  const exp = new Set(expected);
  const problems = [];
  const seen = new Map();
  const dups = [];
  for (const id of got) {
    seen.set(id, (seen.get(id) ?? 0) + 1);
    if (seen.get(id) === 2) dups.push(id);
  }
  if (dups.length) problems.push(`${label}: ${dups.length} id(s) delivered more than once: ${dups.slice(0, 5).join(', ')}`);
  const order = orderProblem(got);
  if (order) problems.push(`${label}: out of order: ${order}`);
  const missing = [...exp].filter((id) => !seen.has(id));
  if (missing.length) problems.push(`${label}: ${missing.length} of ${exp.size} id(s) missing: ${missing.slice(0, 8).join(', ')}${missing.length > 8 ? ', …' : ''}`);
  const extra = [...seen.keys()].filter((id) => !exp.has(id));
  if (extra.length) problems.push(`${label}: ${extra.length} unexpected id(s): ${extra.slice(0, 8).join(', ')}`);
  return problems;
}

/**
 * Waits (bounded) until every user has seen every id of `expected` in `roomId` (ids > baseline),
 * then asserts exactly once and in order for each (only ids > `after` are looked at). Returns the ms it
 * took until every user had every id.
 */
export async function assertAllReceivedExactlyOnce(users, roomId, expected, { timeoutMs = 10000, after = -Infinity, what = '' } = {}) {
  const exp = new Set(expected);
  const t0 = now();
  const seenAll = (u) => {
    const got = new Set(u.ids(roomId));
    for (const id of exp) if (!got.has(id)) return false;
    return true;
  };
  try {
    await waitFor(() => users.every(seenAll), { timeout: timeoutMs, interval: 50, what: `every user to see ${exp.size} messages of room ${roomId}` });
  } catch { /* reported below with details */ }
  const completeMs = now() - t0;
  await sleep(300); // late duplicates would show up now
  const problems = users.flatMap((u) => exactlyOnceProblems(`${u.label} [${u.conns.map((c) => `${c.kind}@${c.node.serverId}`).join(' → ')}]`,
    u.ids(roomId).filter((id) => id > after), exp));
  if (problems.length) {
    // Details for the first few users with a problem: where each connection started and ended.
    const bad = users.filter((u) => exactlyOnceProblems('', u.ids(roomId).filter((id) => id > after), exp).length).slice(0, 3);
    const sorted = [...exp].sort((a, b) => a - b);
    const detail = bad.map((u) => `${u.label}:\n${u.conns.map((c, i) => {
      const ids = c.conn.messages(roomId).map((m) => m.id);
      const resume = c.resume ? ` resume=${JSON.stringify(c.resume)}` : '';
      const lei = c.lastEventId ? ` Last-Event-ID=${c.lastEventId}` : '';
      return `  conn ${i} ${c.kind}@${c.node.serverId}${resume}${lei}: ${ids.length} ids, first ${ids.slice(0, 6).join(',')} … last ${ids.slice(-6).join(',')}`
        + `${c.conn.closeInfo ? ` closed ${c.conn.closeInfo.code}` : ''}${c.conn.ended ? ` ended ${c.conn.ended}` : ''}`;
    }).join('\n')}`).join('\n');
    const missing = new Set(bad.flatMap((u) => sorted.filter((id) => !u.ids(roomId).includes(id))));
    const around = [...missing].slice(0, 3).map((id) => {
      const k = sorted.indexOf(id);
      return `expected around ${id}: ${sorted.slice(Math.max(0, k - 3), k + 4).join(',')}`;
    }).join('\n');
    assert.fail(`${what}: delivery of room ${roomId} (${exp.size} messages) was not exactly once and in order:\n${problems.join('\n')}\n${detail}\n${around}`);
  }
  return completeMs;
}

/** Newest id of a room (0 when empty), read through a client. */
export async function headId(client, roomId) {
  const res = await client.get(`/room/${encodeURIComponent(roomId)}/messages?limit=1`);
  assert.equal(res.status, 200, `head of ${roomId}: ${res.status} ${res.text.slice(0, 200)}`);
  return res.json.length ? res.json[0].id : 0;
}

/** History ids (ascending) of a room with id > after. */
export async function historyIds(client, roomId, after = 0) {
  const all = await allMessages(client, roomId);
  return all.map((m) => m.id).filter((id) => id > after).reverse();
}

export async function onlineIds(client) {
  const res = await client.get('/users/online', { timeout: 3000 });
  assert.equal(res.status, 200, `/users/online: ${res.status} ${res.text.slice(0, 200)}`);
  return new Set(Object.keys(res.json));
}

/** Connection summary for logs: users × connections. */
export function describeUsers(users) {
  return users.map((u) => `${u.label}: ${u.conns.map((c) => `${c.kind}@${c.node.serverId}${c.conn.closeInfo ? `(closed ${c.conn.closeInfo.code})` : ''}${c.conn.ended ? `(ended ${c.conn.ended})` : ''}`).join(' → ')}`).join('\n');
}

export { waitFor, sleep };
