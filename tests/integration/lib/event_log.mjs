// The ordered event log behind every real-time client (WS and SSE): events in arrival order and
// bounded waits on them that fail early once the connection has ended.

/** JSON for error messages, cut to n characters. */
export function shortJson(v, n = 300) {
  let s;
  try { s = JSON.stringify(v); } catch { s = String(v); }
  return s.length > n ? `${s.slice(0, n)}…` : s;
}

/** The count and the last n events, for error messages. */
export function describeEvents(events, n = 12) {
  const last = events.slice(-n).map((e) => shortJson(e, 200));
  return `${events.length} event(s) so far${events.length > n ? `, last ${n}` : ''}: [${last.join(', ')}]`;
}

/**
 * Shared event log with bounded waits. `push(ev)` appends; waiters are woken on every push and on
 * end(). A wait fails early when the connection ends and the event cannot come any more.
 */
export class EventLog {
  constructor(label) {
    this.label = label;
    this.events = [];
    this.waiters = new Set();
    this.endedInfo = null;
  }

  push(ev) {
    this.events.push(ev);
    for (const w of [...this.waiters]) w.check();
  }

  end(info) {
    this.endedInfo = info;
    for (const w of [...this.waiters]) w.check();
  }

  /**
   * Resolves with the first event at index ≥ from that matches pred; rejects after timeoutMs (or
   * when the connection ended without such an event).
   */
  waitFor(pred, timeoutMs = 5000, { from = 0, what = 'matching event' } = {}) {
    return new Promise((resolve, reject) => {
      let scanned = from;
      let timer;
      const w = {
        check: () => {
          for (; scanned < this.events.length; scanned++) {
            const ev = this.events[scanned];
            let ok = false;
            try { ok = pred(ev); } catch { ok = false; }
            if (ok) { done(); resolve(ev); return; }
          }
          if (this.endedInfo) {
            done();
            reject(new Error(`${this.label}: connection ended (${shortJson(this.endedInfo)}) while waiting for ${what}; ${describeEvents(this.events)}`));
          }
        },
      };
      const done = () => { clearTimeout(timer); this.waiters.delete(w); };
      timer = setTimeout(() => {
        done();
        reject(new Error(`${this.label}: timed out after ${timeoutMs} ms waiting for ${what}; ${describeEvents(this.events)}`));
      }, timeoutMs);
      this.waiters.add(w);
      w.check();
    });
  }

  /** Resolves with the matching events once there are at least n of them (index ≥ from). */
  async waitForCount(pred, n, timeoutMs = 5000, { from = 0, what } = {}) {
    const label = what ?? `${n} matching events`;
    const matching = () => this.events.slice(from).filter((e) => { try { return pred(e); } catch { return false; } });
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = matching();
      if (m.length >= n) return m;
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(`${this.label}: timed out after ${timeoutMs} ms waiting for ${label} (have ${m.length}); ${describeEvents(this.events)}`);
      }
      // wake on the next event (or end), bounded by the time left
      await this.waitFor(() => true, left, { from: this.events.length, what: label }).catch((e) => {
        if (this.endedInfo && matching().length < n) throw e;
      });
    }
  }
}
