// The real-time connection (docs/protocol.md §2): one WebSocket to /ws on this origin, with
// reconnect (exponential backoff 500 ms → 20 s with jitter), `resume` as the first frame of every
// connection, an application-level ping watchdog, fast reconnect on drain (close 1012), and none
// once the session ended (close 4002: logout elsewhere, expiry): the login screen instead. After an
// administrator's disconnect (close 4001) it waits for the user's reconnect(); after a ban (close
// 4003) it stops for good (issue #23).
//
// Emits (EventTarget):
//   'status'  detail {state: 'connecting'|'open'|'reconnecting'|'stopped', attempt, retryAt, first}
//   'open'    detail {gen}        after resume was sent; safe to send frames
//   'event'   detail {type, data} every server event (also `resumed`: the catch-up of a resume
//             is complete; it resets the reconnect backoff)
//   'unauthorized'                 the session is gone (the app shows the login screen)
//   'banned'                       closed with 4003: the account is banned (no retry)
// State 'kicked' (status): closed with 4001 by an administrator; nothing until reconnect().

const MIN_DELAY = 500;
const MAX_DELAY = 20000;
const CONNECT_TIMEOUT = 10000;
const PING_AFTER = 25000; // silent this long → send a ping
const DEAD_AFTER = 40000; // silent this long → the connection is dead
const HEALTHY_AFTER = 10000; // open this long → backoff starts again from the minimum
export const KICKED = 4001; // an administrator disconnected the user (docs/protocol.md §2.5)
export const SESSION_ENDED = 4002; // the server ended the session (docs/protocol.md §2.5)
export const BANNED = 4003; // the account was banned (docs/protocol.md §1.1)

/**
 * What a close means for the next step: 'ended' (the session is over: no reconnect, sign in again),
 * 'banned' (no reconnect ever), 'kicked' (reconnect only when the user asks), 'drain' (the node
 * restarts: reconnect at once), or 'retry' (reconnect with backoff).
 */
export function closeAction(code, drainHint = false) {
  if (code === SESSION_ENDED) return 'ended';
  if (code === BANNED) return 'banned';
  if (code === KICKED) return 'kicked';
  if (code === 1012 || drainHint) return 'drain';
  return 'retry';
}

export function backoffDelay(attempt, random = Math.random) {
  const cap = Math.min(MAX_DELAY, MIN_DELAY * 2 ** attempt);
  return Math.max(MIN_DELAY, Math.round(cap / 2 + random() * (cap / 2))); // "equal jitter": [cap/2, cap], ≥ 500 ms
}

export class Live extends EventTarget {
  /**
   * @param {object} o
   * @param {() => object} o.getResume  {roomId: lastId} for the resume frame
   * @param {() => Promise<boolean>} o.checkSession  false when the session is gone
   * @param {string} [o.url]
   */
  constructor({ getResume, checkSession, url }) {
    super();
    // batch=1: the server may put several events in one message, one JSON object per line.
    // presence=watch: presence only of the users the page names (presence.js), nobody's before.
    this.url = url || `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws?batch=1&presence=watch`;
    this.getResume = getResume;
    this.checkSession = checkSession;
    this.ws = null;
    this.gen = 0; // increments at every successful open
    this.attempt = 0;
    this.everOpened = false;
    this.stopped = true;
    this.retryTimer = null;
    this.watchdog = null;
    this.healthyTimer = null;
    this.connectTimer = null;
    this.lastInbound = 0;
    this.state = 'stopped';
    this.lastCloseCode = null; // for diagnostics (shown as data-close-code on #conn-state)
    this.onOnline = () => { if (this.state === 'reconnecting' && !this.ws) this.retryNow(); };
  }

  get isOpen() {
    return this.ws !== null && this.ws.readyState === WebSocket.OPEN && this.state === 'open';
  }

  start() {
    if (!this.stopped) return;
    this.everOpened = false; // a new session: its first connection is not a "reconnect"
    this.begin();
  }

  /** After an administrator's disconnect (state 'kicked'): connect again, resuming as usual. */
  reconnect() {
    if (!this.stopped || this.state !== 'kicked') return;
    this.begin();
  }

  begin() {
    this.stopped = false;
    this.attempt = 0;
    window.addEventListener('online', this.onOnline);
    this.watchdog = setInterval(() => this.checkAlive(), 5000);
    this.connect();
  }

  stop() {
    this.halt();
    this.setState('stopped');
  }

  /** Closes the connection and cancels every timer (no state change). */
  halt() {
    this.stopped = true;
    window.removeEventListener('online', this.onOnline);
    clearInterval(this.watchdog);
    clearTimeout(this.retryTimer);
    clearTimeout(this.healthyTimer);
    clearTimeout(this.connectTimer);
    const ws = this.ws;
    this.ws = null;
    if (ws) { this.detach(ws); try { ws.close(1000, 'bye'); } catch { /* closed */ } }
  }

  /** Sends a frame when open; false otherwise (the caller keeps it for later). */
  send(frame) {
    if (!this.isOpen) return false;
    try {
      this.ws.send(JSON.stringify(frame));
      return true;
    } catch {
      return false;
    }
  }

  /** Skips the backoff wait (the banner's "Retry now"). */
  retryNow() {
    if (this.stopped || this.ws) return;
    clearTimeout(this.retryTimer);
    this.connect();
  }

  // --- internals -------------------------------------------------------------------------------

  handleEvent(text) {
    let ev;
    try { ev = JSON.parse(text); } catch { return; }
    if (!ev || typeof ev.type !== 'string') return;
    if (ev.type === 'pong') return;
    // The server replayed everything this connection missed: it is healthy, so the next failure
    // starts the backoff from the minimum again (a long catch-up no longer counts as flapping).
    if (ev.type === 'resumed') this.attempt = 0;
    if (ev.type === 'reconnect') {
      // Draining node: it will close with 1012; reconnect as soon as it does.
      this.drainHint = true;
    }
    this.dispatchEvent(new CustomEvent('event', { detail: { type: ev.type, data: ev.data } }));
  }

  setState(state, extra = {}) {
    this.state = state;
    this.dispatchEvent(new CustomEvent('status', {
      detail: { state, attempt: this.attempt, first: !this.everOpened, closeCode: this.lastCloseCode, ...extra },
    }));
  }

  connect() {
    if (this.stopped) return;
    this.setState(this.everOpened || this.attempt > 0 ? 'reconnecting' : 'connecting', { connectingNow: true });
    let ws;
    try {
      ws = new WebSocket(this.url);
    } catch {
      this.scheduleRetry();
      return;
    }
    this.ws = ws;
    let opened = false;
    this.connectTimer = setTimeout(() => { if (!opened) { try { ws.close(); } catch { /* */ } this.onClosed(ws, 4000, false); } }, CONNECT_TIMEOUT);

    ws.onopen = () => {
      opened = true;
      clearTimeout(this.connectTimer);
      this.lastInbound = Date.now();
      // The resume frame must be the first frame of the connection.
      ws.send(JSON.stringify({ type: 'resume', rooms: this.getResume() }));
      this.gen += 1;
      const wasReconnect = this.everOpened;
      this.everOpened = true;
      this.setState('open', { reconnected: wasReconnect });
      this.dispatchEvent(new CustomEvent('open', { detail: { gen: this.gen, reconnected: wasReconnect } }));
      clearTimeout(this.healthyTimer);
      this.healthyTimer = setTimeout(() => { this.attempt = 0; }, HEALTHY_AFTER);
    };
    ws.onmessage = (e) => {
      this.lastInbound = Date.now();
      if (typeof e.data !== 'string') return;
      for (const line of e.data.split('\n')) this.handleEvent(line);
    };
    ws.onclose = (e) => this.onClosed(ws, e.code, opened);
    ws.onerror = () => { /* onclose follows */ };
  }

  detach(ws) {
    ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
  }

  async onClosed(ws, code, opened) {
    if (ws !== this.ws) return; // a socket we already gave up on
    this.detach(ws);
    this.ws = null;
    clearTimeout(this.connectTimer);
    clearTimeout(this.healthyTimer);
    if (this.stopped) return;
    // The code an open connection closed with; a failed attempt (never opened, always 1006) does not
    // overwrite it, so a drain's 1012 stays visible while the first retry hits the stopped node.
    if (opened) this.lastCloseCode = code;
    const action = closeAction(code, this.drainHint);
    this.drainHint = false;
    if (action === 'ended') {
      // Logged out (here or in another tab), the session expired: a reconnect would only be refused.
      this.stop();
      this.dispatchEvent(new CustomEvent('unauthorized'));
      return;
    }
    if (action === 'banned') {
      this.stop();
      this.dispatchEvent(new CustomEvent('banned'));
      return;
    }
    if (action === 'kicked') {
      // The session is still valid, but coming back by ourselves would defeat the disconnect.
      this.halt();
      this.setState('kicked');
      return;
    }
    if (action === 'drain') {
      // Planned restart of this node: come back right away (jitter ≤ 1 s spreads the herd).
      this.setState('reconnecting', { retryAt: Date.now() });
      this.retryTimer = setTimeout(() => this.connect(), Math.random() * 1000);
      return;
    }
    if (!opened) {
      // The upgrade failed: maybe the session expired (401 is invisible to WebSocket).
      let ok = true;
      try { ok = await this.checkSession(); } catch { ok = true; }
      if (this.stopped) return;
      if (!ok) {
        this.stop();
        this.dispatchEvent(new CustomEvent('unauthorized'));
        return;
      }
    }
    this.scheduleRetry();
  }

  scheduleRetry() {
    const delay = backoffDelay(this.attempt);
    this.attempt += 1;
    const retryAt = Date.now() + delay;
    this.setState('reconnecting', { retryAt });
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  checkAlive() {
    if (!this.isOpen) return;
    const silent = Date.now() - this.lastInbound;
    if (silent > DEAD_AFTER) {
      const ws = this.ws;
      try { ws.close(4000, 'no answer'); } catch { /* */ }
      this.onClosed(ws, 4000, true);
    } else if (silent > PING_AFTER) {
      this.send({ type: 'ping' });
    }
  }
}
