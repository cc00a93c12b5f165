// Optimistic sending over the live connection: pending → sent (ack) or failed (error frame or
// no ack within 10 s), with Retry. Frames written while the connection is down are queued and
// written after the next `resume` (never twice: a frame is written on one connection at most).
// A message the server shed (`overloaded`: refused before it reached storage, so nothing was
// written) stays pending and is sent again by itself, up to OVERLOAD_RETRIES times with growing,
// jittered pauses; only then does it fail.

const ACK_TIMEOUT = 10000;
const OVERLOAD_RETRIES = 3;
const OVERLOAD_BACKOFF = 1000; // ms before the first automatic retry; doubles, ±50 % jitter

export function newClientId() {
  const b = new Uint8Array(12);
  crypto.getRandomValues(b);
  return `c${[...b].map((x) => x.toString(16).padStart(2, '0')).join('')}`;
}

export class Sender {
  constructor(store, live) {
    this.store = store;
    this.live = live;
    this.timers = new Map(); // clientId → timeout
  }

  send(roomId, text) {
    const p = this.store.addPending(roomId, text, newClientId());
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
    this.disarm(data.clientId);
    this.store.ack(data);
  }

  /** Returns true when the error belonged to one of our pending messages. */
  onError(data) {
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
    this.store.fail(data.clientId, describe(data));
    return true;
  }

  // --- internals -------------------------------------------------------------------------------

  write(p) {
    const ok = this.live.send({ type: 'message', roomId: p.roomId, message: p.text, clientId: p.clientId });
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
    default: return message || 'Not sent';
  }
}
