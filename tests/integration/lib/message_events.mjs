// Message edit and delete (issue 19): WS commands (`message.edit` / `message.delete`), the HTTP
// routes (PATCH / DELETE /room/{roomId}/messages/{id}), and the positioned room timeline that a
// connection saw: `message` events are positioned by `data.id`, `message.updated` and
// `message.deleted` by `data.seq` (one per-room sequence), so a connection's timeline of a room must
// be strictly increasing by position and, against what was acknowledged, complete and exactly once.
// Also a reader for a Redis ZSET with scores (the tutorial's `room:{id}`). Additive: nothing here
// changes the other helpers.

import { newClientId } from './live_messages.mjs';
import { WsClient } from './ws_client.mjs';
import { SseClient, parseCursor } from './sse_client.mjs';

const roomList = (roomIds) => (Array.isArray(roomIds) ? roomIds : [roomIds]);

/** A WebSocket of `user` (a harness Client) on `node` that resumed room `roomId` (or each of an array) from its start. */
export async function resumedWs(user, node, roomId, label) {
  const c = await WsClient.connect(node.port, { client: user.on(node), label });
  c.send({ type: 'resume', rooms: Object.fromEntries(roomList(roomId).map((r) => [r, 0])) });
  return c;
}

/** An SSE stream of `user` on `node`, once its cursor covers room `roomId` (or each of an array). */
export async function followingSse(user, node, roomId, label) {
  const c = await SseClient.connect(node.port, { client: user.on(node), label });
  await c.waitForLastEventId((id) => id !== null && roomList(roomId).every((r) => r in parseCursor(id)), 5000);
  return c;
}

/** A WS client's `resume` cursors: per room the largest position of any room event it got (§2.4). */
export function wsCursors(conn, roomIds) {
  return Object.fromEntries(roomList(roomIds).map((r) => [r, roomCursor(conn, r, 0, ROOM_EVENT_TYPES)]));
}

/** Event types that take a position in a room's id sequence (messages and their edits / deletes). */
export const POSITIONED_TYPES = new Set(['message', 'message.updated', 'message.deleted']);

/** Every positioned room event type that `resume` / Last-Event-ID replay (§2.4, §2.8): also `reaction`, `read`. */
export const ROOM_EVENT_TYPES = new Set([...POSITIONED_TYPES, 'reaction', 'read']);

/** The room position of an event: `data.id` for `message`, `data.seq` for the other positioned ones. */
export function positionOf(ev) {
  if (!ev || !ev.data) return undefined;
  if (ev.type === 'message') return ev.data.id;
  if (ROOM_EVENT_TYPES.has(ev.type)) return ev.data.seq;
  return undefined;
}

/**
 * The positioned events of `roomId` a connection (WsClient or SseClient) delivered, in arrival order,
 * from event index `from`: [{type, id (the message id; for `read` the id read up to), pos, data}].
 * `types`: which event types count (ROOM_EVENT_TYPES for reactions and read markers too).
 */
export function roomTimeline(conn, roomId, from = 0, types = POSITIONED_TYPES) {
  return conn.events.slice(from)
    .filter((e) => types.has(e.type) && e.data?.roomId === roomId)
    .map((e) => ({ type: e.type, id: e.data.id, pos: positionOf(e), data: e.data }));
}

/** A short readable key of a timeline entry: `updated 1764…123@1764…130`. */
export function entryKey(t) {
  const short = t.type === 'message' ? 'message' : t.type.replace('message.', '');
  if (t.type === 'read') return `read ${t.data?.userId}:${t.id}@${t.pos}`;
  return `${short} ${t.id}@${t.pos}`;
}

/** A room cursor as a client keeps it: the largest position seen in `roomId` over the connections. */
export function roomCursor(conns, roomId, baseline = 0, types = POSITIONED_TYPES) {
  let cur = baseline;
  for (const c of Array.isArray(conns) ? conns : [conns]) {
    for (const t of roomTimeline(c, roomId, 0, types)) if (typeof t.pos === 'number' && t.pos > cur) cur = t.pos;
  }
  return cur;
}

/**
 * Problems (strings) of a delivered timeline against the expected one (both [{type,id,pos}]):
 * positions not strictly increasing, duplicates, missing, extra. [] = complete, once, in order.
 */
export function timelineProblems(label, got, expected) {
  const problems = [];
  for (let i = 1; i < got.length; i++) {
    if (!(got[i].pos > got[i - 1].pos)) {
      problems.push(`${label}: not strictly increasing at ${i}: ${entryKey(got[i - 1])} then ${entryKey(got[i])}`);
      break;
    }
  }
  const counts = new Map();
  for (const t of got) counts.set(entryKey(t), (counts.get(entryKey(t)) ?? 0) + 1);
  const dups = [...counts].filter(([, n]) => n > 1).map(([k, n]) => `${k} ×${n}`);
  if (dups.length) problems.push(`${label}: delivered more than once: ${dups.slice(0, 6).join(', ')}`);
  const exp = new Set(expected.map(entryKey));
  const missing = [...exp].filter((k) => !counts.has(k));
  if (missing.length) problems.push(`${label}: ${missing.length} of ${exp.size} missing: ${missing.slice(0, 6).join(', ')}${missing.length > 6 ? ', …' : ''}`);
  const extra = [...counts.keys()].filter((k) => !exp.has(k));
  if (extra.length) problems.push(`${label}: ${extra.length} unexpected: ${extra.slice(0, 6).join(', ')}`);
  return problems;
}

/**
 * Sends a WS command frame with a clientId and resolves with the `ack` or `error` answering it.
 * `frame` is the frame without clientId; clientId: null sends none (then the answer is matched by
 * `match`, a predicate on the event).
 */
export async function commandWs(ws, frame, { clientId = newClientId('cmd'), timeoutMs = 5000, match } = {}) {
  const from = ws.mark();
  const out = clientId === null ? { ...frame } : { ...frame, clientId };
  ws.send(out);
  const pred = clientId === null
    ? (e) => (e.type === 'ack' || e.type === 'error') && match(e)
    : (e) => (e.type === 'ack' || e.type === 'error') && e.data?.clientId === clientId;
  return ws.waitFor(pred, timeoutMs, { from, what: `ack/error for ${frame.type} ${clientId ?? ''}` });
}

/** `{"type":"message.edit","roomId","id","message","clientId"}` → the ack or error event. */
export function editWs(ws, roomId, id, message, opts = {}) {
  return commandWs(ws, { type: 'message.edit', roomId, id, message }, opts);
}

/** `{"type":"message.delete","roomId","id","clientId"}` → the ack or error event. */
export function deleteWs(ws, roomId, id, opts = {}) {
  return commandWs(ws, { type: 'message.delete', roomId, id }, opts);
}

const messagePath = (roomId, id) => `/room/${encodeURIComponent(roomId)}/messages/${encodeURIComponent(String(id))}`;

/** PATCH /room/{roomId}/messages/{id} through a harness Client (body: object, or a raw string). */
export function patchMessage(client, roomId, id, body, opts = {}) {
  return client.request('PATCH', messagePath(roomId, id), { ...opts, body });
}

/** DELETE /room/{roomId}/messages/{id} through a harness Client. */
export function deleteMessage(client, roomId, id, opts = {}) {
  return client.request('DELETE', messagePath(roomId, id), opts);
}

/** ZRANGE key 0 -1 WITHSCORES through redis-cli → [{member, score}] (members are one-line JSON). */
export function zsetWithScores(redis, key) {
  const out = redis.cli('ZRANGE', key, '0', '-1', 'WITHSCORES');
  if (out === '') return [];
  const lines = out.split('\n');
  if (lines.length % 2 !== 0) throw new Error(`ZRANGE ${key} WITHSCORES: odd line count ${lines.length}: ${out.slice(0, 300)}`);
  const rows = [];
  for (let i = 0; i < lines.length; i += 2) rows.push({ member: lines[i], score: Number(lines[i + 1]) });
  return rows;
}
