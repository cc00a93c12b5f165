// Optimistic sending over the live connection: pending → sent (ack) or failed (error frame or
// no ack within 10 s), with Retry. Frames written while the connection is down are queued and
// written after the next `resume` (never twice: a frame is written on one connection at most).

const ACK_TIMEOUT = 10000;

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

  retry(clientId) {
    this.disarm(clientId);
    const p = this.store.renew(clientId, newClientId());
    if (!p) return;
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
    default: return message || 'Not sent';
  }
}
