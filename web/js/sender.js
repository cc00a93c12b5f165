// Optimistic sending over the live connection: pending → sent (ack) or failed (error frame or
// no ack within 10 s), with Retry. Frames written while the connection is down are queued and
// written after the next `resume` (never twice: a frame is written on one connection at most).
// A message the server shed (`overloaded`: refused before it reached storage, so nothing was
// written) stays pending and is sent again by itself, up to OVERLOAD_RETRIES times with growing,
// jittered pauses; only then does it fail. A reply in a thread (issue #22) is the same `message`
// frame with the parent's id (`parentId`). Files and a location (issue #24) ride on the same frame:
// `attachments` (the uploaded files' ids) and `location` {lat, lon, accuracy?, label?}.
//
// Edits and deletes of a message (`message.edit` / `message.delete`, docs/protocol.md §2.3) go over
// the live connection with a clientId and settle on its `ack` or `error`; when the connection is not
// open they go over HTTP instead (PATCH / DELETE /room/{roomId}/messages/{id}): an explicit action
// gets its answer now rather than waiting in a queue. Either way the caller gets a promise that
// rejects with an Error whose message is for the user (and `code`, `status`), and the change is
// applied to the store at once (the message.updated / message.deleted event that follows is the same
// change again, applied idempotently). Stopping an assistant's reply (`message.stop`, §2.7) goes the
// same way (HTTP: POST …/messages/{id}/stop); its final message.updated brings the result.

const ACK_TIMEOUT = 10000;
const OVERLOAD_RETRIES = 3;
const OVERLOAD_BACKOFF = 1000; // ms before the first automatic retry; doubles, ±50 % jitter

export function newClientId() {
  const b = new Uint8Array(12);
  crypto.getRandomValues(b);
  return `c${[...b].map((x) => x.toString(16).padStart(2, '0')).join('')}`;
}

export class Sender {
  /** @param {object} [api] the HTTP client (api.js): editMessage, deleteMessage, for the fallback */
  constructor(store, live, api = null) {
    this.store = store;
    this.live = live;
    this.api = api;
    this.timers = new Map(); // clientId → timeout
    this.ops = new Map(); // clientId → {kind, roomId, id, text, resolve, reject, timer}: edits, deletes
  }

  /**
   * Sends `text` to `roomId`; with `parentId`, as a reply in that message's thread; `extra`:
   * {attachments: [uploaded file {id, name, size, type, …}], location: {lat, lon, accuracy?, label?}}.
   */
  send(roomId, text, parentId = null, extra = {}) {
    const p = this.store.addPending(roomId, text, newClientId(), parentId, extra);
    this.arm(p);
    this.write(p);
    return p.clientId;
  }

  /** Sends a failed (or shed) message again under a new clientId; `automatic` keeps the count. */
  retry(clientId, automatic = false) {
    this.disarm(clientId);
    const p = this.store.renew(clientId, newClientId());
    if (!p) return;
    p.overloadRetries = automatic ? (p.overloadRetries ?? 0) + 1 : 0;
    this.arm(p);
    this.write(p);
  }

  /** After a (re)connect: write what never reached any connection. */
  flush() {
    for (const p of this.store.pending.values()) {
      if (p.status === 'pending' && p.sentGen === null) this.write(p);
    }
  }

  onAck(data) {
    if (!data || !data.clientId) return;
    if (this.ops.has(data.clientId)) { this.settleOp(data.clientId, data); return; }
    this.disarm(data.clientId);
    this.store.ack(data);
  }

  /** Returns true when the error belonged to one of our pending messages, edits or deletes. */
  onError(data) {
    if (data && data.clientId && this.ops.has(data.clientId)) { this.settleOp(data.clientId, null, data); return true; }
    if (!data || !data.clientId || !this.store.pending.has(data.clientId)) return false;
    this.disarm(data.clientId);
    const p = this.store.pending.get(data.clientId);
    if (data.code === 'overloaded' && (p.overloadRetries ?? 0) < OVERLOAD_RETRIES) {
      const pause = OVERLOAD_BACKOFF * 2 ** (p.overloadRetries ?? 0) * (0.5 + Math.random());
      this.timers.set(data.clientId, setTimeout(() => {
        this.timers.delete(data.clientId);
        this.retry(data.clientId, true);
      }, pause));
      return true;
    }
    this.store.fail(data.clientId, p.parentId !== undefined ? describeReply(data) : describe(data));
    return true;
  }

  // --- edit and delete -------------------------------------------------------------------------

  /** Replaces the text of my message `id` in `roomId`. Resolves when the server accepted it. */
  edit(roomId, id, text) { return this.op('edit', String(roomId), Number(id), text); }

  /** Deletes message `id` (mine, or anyone's for an admin). Resolves when the server accepted it. */
  remove(roomId, id) { return this.op('delete', String(roomId), Number(id)); }

  /** Sets (`on`) or removes my reaction `emoji` on message `id`. Resolves when the server accepted it. */
  react(roomId, id, emoji, on) { return this.op('react', String(roomId), Number(id), { emoji, on: Boolean(on) }); }

  /** Stops the assistant's reply `id` while it streams. Resolves when the server accepted it. */
  stop(roomId, id) { return this.op('stop', String(roomId), Number(id)); }

  op(kind, roomId, id, text) {
    if (!this.live.isOpen) return this.opOverHttp(kind, roomId, id, text);
    const clientId = newClientId();
    const frame = kind === 'edit' ? { type: 'message.edit', roomId, id, message: text, clientId }
      : kind === 'stop' ? { type: 'message.stop', roomId, id, clientId }
        : kind === 'react' ? { type: 'reaction', roomId, id, emoji: text.emoji, on: text.on, clientId }
        : { type: 'message.delete', roomId, id, clientId };
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.settleOp(clientId, null, { code: 'timeout' }), ACK_TIMEOUT);
      this.ops.set(clientId, { kind, roomId, id, text, resolve, reject, timer });
      if (!this.live.send(frame)) {
        // Closed between the check and the write: nothing was sent, so HTTP is safe.
        clearTimeout(timer);
        this.ops.delete(clientId);
        resolve(this.opOverHttp(kind, roomId, id, text));
      }
    });
  }

  settleOp(clientId, ack, error) {
    const o = this.ops.get(clientId);
    if (!o) return;
    this.ops.delete(clientId);
    clearTimeout(o.timer);
    if (error) { o.reject(opError(o.kind, error)); return; }
    if (o.kind === 'stop') { o.resolve(); return; } // its message.updated (the final reply) follows
    if (o.kind === 'react') { this.applyMyReaction(o.roomId, o.id, o.text); o.resolve(); return; }
    // Show the change now; the event that follows (same seq) brings the server's `edited` time.
    // (When the event came first, it is already shown, with that time.)
    const change = { id: o.id, roomId: o.roomId, seq: ack.seq };
    const cur = this.store.findMessage(o.roomId, o.id); // in the room's list or the open thread
    if (o.kind === 'delete') this.store.applyDelete(change, { cursor: false });
    else if (!(cur && Number(cur.seq) >= Number(ack.seq))) this.store.applyUpdate({ ...change, message: o.text, edited: Date.now() }, { cursor: false });
    o.resolve();
  }

  async opOverHttp(kind, roomId, id, text) {
    if (!this.api) throw opError(kind, { code: 'unavailable' });
    try {
      if (kind === 'edit') {
        const m = await this.api.editMessage(roomId, id, text);
        this.store.applyUpdate({ ...m, id, roomId, message: m?.message ?? text, edited: m?.edited ?? Date.now() }, { cursor: false });
      } else if (kind === 'react') {
        await this.api.react(roomId, id, text.emoji, text.on);
        this.applyMyReaction(roomId, id, text);
      } else if (kind === 'stop') {
        const m = await this.api.stopReply(roomId, id);
        if (m && typeof m.message === 'string') this.store.applyUpdate({ ...m, id, roomId }, { cursor: false });
      } else {
        const r = await this.api.deleteMessage(roomId, id);
        this.store.applyDelete({ id, roomId, seq: r?.seq }, { cursor: false });
      }
    } catch (e) {
      throw opError(kind, e, e.status);
    }
  }

  // --- internals -------------------------------------------------------------------------------

  /** Shows my accepted reaction now (the event that follows changes nothing then). */
  applyMyReaction(roomId, id, { emoji, on }) {
    this.store.applyReaction({ roomId, id, emoji, on, userId: this.store.me.id }, { cursor: false });
  }

  write(p) {
    const frame = { type: 'message', roomId: p.roomId, message: p.text, clientId: p.clientId };
    if (p.parentId !== undefined) frame.parentId = p.parentId;
    if (p.attachments) frame.attachments = p.attachments.map((a) => a.id);
    if (p.location) frame.location = p.location;
    const ok = this.live.send(frame);
    if (ok) p.sentGen = this.live.gen;
  }

  arm(p) {
    this.timers.set(p.clientId, setTimeout(() => {
      this.timers.delete(p.clientId);
      this.store.fail(p.clientId, this.live.isOpen ? 'No answer from the server' : 'Offline');
    }, ACK_TIMEOUT));
  }

  disarm(clientId) {
    clearTimeout(this.timers.get(clientId));
    this.timers.delete(clientId);
  }

  clear() {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    for (const o of this.ops.values()) clearTimeout(o.timer); // signed out: nobody waits for them
    this.ops.clear();
  }
}

function describe({ code, message }) {
  switch (code) {
    case 'rate_limited': return 'Too many messages, slow down';
    case 'too_long': return 'Too long';
    case 'forbidden': return 'You are not a member of this room';
    case 'not_found': return 'This room no longer exists';
    case 'unavailable': return 'Server busy, try again';
    case 'overloaded': return 'Server overloaded, try again';
    case 'not_replicated': return 'Stored, but not yet safe on a replica: check that it arrived before sending again';
    case 'muted': return 'You are muted';
    case 'archived': return 'This channel is archived';
    default: return message || 'Not sent';
  }
}

/** Why a reply was refused (issue #22): its parent is gone, or is itself a reply, or still streams. */
function describeReply(data) {
  switch (data.code) {
    case 'not_found': return 'The message of this thread was deleted';
    case 'bad_request': return data.message || 'Replies are one level deep';
    case 'conflict': return 'The reply is still being written: try again when it ends';
    default: return describe(data);
  }
}

/** A refused edit or delete as an Error for the user; `code` from the error frame or HTTP answer. */
function opError(kind, { code, message, until, body }, status) {
  const what = kind === 'edit' ? 'edit' : kind === 'stop' ? 'stop' : kind === 'react' ? 'react to' : 'delete';
  let text;
  switch (code) {
    case 'forbidden':
      text = kind === 'edit' ? 'You can only edit your own messages'
        : kind === 'react' ? 'You are not a member of this room'
        : kind === 'stop' ? 'Only the person who asked (or an admin) can stop this reply' : 'You are not allowed to delete this message';
      break;
    case 'not_found': text = kind === 'stop' ? 'The reply has already ended' : 'This message no longer exists'; break;
    case 'too_long': text = 'Too long: at most 4,000 characters'; break;
    case 'too_many_reactions': text = 'This message has the most different reactions it can have'; break;
    case 'conflict': text = message || 'Not now, try again'; break;
    case 'rate_limited': text = 'Too many changes, slow down'; break;
    case 'unavailable':
    case 'overloaded': text = 'Server busy, try again'; break;
    case 'timeout': text = 'No answer from the server'; break;
    case 'network': text = message || 'Cannot reach the server'; break;
    case 'unauthorized': text = 'Your session has ended'; break;
    case 'muted': text = 'You are muted'; break;
    case 'archived': text = 'This channel is archived (read-only)'; break;
    default: text = message || `Could not ${what} the ${kind === 'stop' ? 'reply' : 'message'}`;
  }
  const e = new Error(text);
  e.code = code;
  if (code === 'muted') e.until = until ?? body?.until ?? null; // WebSocket error event / HTTP 403 body
  if (status !== undefined) e.status = status;
  return e;
}
