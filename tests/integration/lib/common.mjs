// Small shared test primitives: the loopback host, sleep, bounded polling (waitFor), unique
// usernames, hashing, and output tails for error messages. No state, no processes.

import { createHash, randomBytes } from 'node:crypto';

/** Every server under test listens on (and every client connects to) this loopback address. */
export const HOST = '127.0.0.1';

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A unique, valid username (2–32 of A-Z a-z 0-9 _ . -). */
export function uniqueName(prefix = 'u') {
  return `${prefix}_${randomBytes(4).toString('hex')}`.slice(0, 32);
}

export function sha256hex(s) {
  return createHash('sha256').update(s).digest('hex');
}

/** Polls fn() until it returns a truthy value; throws with `what` after `timeout` ms. */
export async function waitFor(fn, { timeout = 5000, interval = 100, what = 'condition' } = {}) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
      last = v;
    } catch (e) {
      last = e;
    }
    if (Date.now() >= deadline) {
      throw new Error(`timed out after ${timeout} ms waiting for ${what}; last: ${last instanceof Error ? last.message : JSON.stringify(last)}`);
    }
    await sleep(interval);
  }
}

/** The last `n` characters of s (marked with … when cut), for process output in error messages. */
export function tail(s, n = 4000) {
  return s.length > n ? `…${s.slice(-n)}` : s;
}
