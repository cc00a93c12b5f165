// The assistant's streamed replies (docs/protocol.md §2.7), as pure rules the store applies; no DOM.
//
// A reply is a message of the bot with "streaming": true while it is written. `message.delta`
// {roomId, id, offset, text} appends `text` at `offset`, counted in Unicode code points of the text
// so far ([...text], never text.length). A delta below the text's length carries text we have
// (that part is skipped), one at its length appends, one beyond it means deltas were missed: the
// message is reloaded over HTTP (GapReloader). Deltas for a message we do not have, or one that
// is no longer streaming, are ignored. The final copy ("streaming": false, from message.updated,
// history or a reload) always wins; nothing streaming replaces it afterwards.

/** Length in code points (what delta offsets count). */
export function cpLength(s) {
  let n = 0;
  for (const _ of String(s ?? '')) n += 1; // eslint-disable-line no-unused-vars
  return n;
}

/**
 * What message.delta `d` does to message `cur`:
 *   {result: 'append', next}  the text grew (next: the new message object)
 *   {result: 'dup'}           everything in it was there already (a repeat or an overlap)
 *   {result: 'gap'}           it starts beyond the text: deltas were missed (reload the message)
 *   {result: 'ignored'}       no such message, not streaming (any more), or not a valid delta
 */
export function applyDeltaTo(cur, d) {
  if (!cur || cur.streaming !== true || !d) return { result: 'ignored' };
  const offset = Number(d.offset);
  if (!Number.isInteger(offset) || offset < 0 || typeof d.text !== 'string') return { result: 'ignored' };
  const have = typeof cur.message === 'string' ? cur.message : '';
  const len = cpLength(have);
  if (offset > len) return { result: 'gap' };
  const add = [...d.text];
  if (offset + add.length <= len) return { result: 'dup' };
  return { result: 'append', next: { ...cur, message: have + add.slice(len - offset).join('') } };
}

/**
 * Another copy `m` of the streaming message `cur` (a live `message` event again, a resume replay,
 * a history page, a reload): the message to keep, or null when `cur` stays. A final copy wins; a
 * streaming one only when it carries more text.
 */
export function mergeStreaming(cur, m) {
  if (!cur || cur.streaming !== true || !m || typeof m.message !== 'string') return null;
  if (m.streaming === false) return { ...m, id: cur.id, from: String(m.from ?? cur.from) };
  if (m.streaming === true && cpLength(m.message) > cpLength(cur.message)) return { ...cur, message: m.message };
  return null;
}

/** Why a final reply failed (its `error` code), for people. */
export function replyErrorText(code) {
  switch (code) {
    case 'upstream': return 'The assistant’s service answered with an error.';
    case 'malformed': return 'The assistant’s service sent something unreadable.';
    case 'idle_timeout': return 'The assistant’s service stopped answering.';
    case 'timeout': return 'The reply took too long and was cut off.';
    case 'unreachable': return 'The assistant’s service could not be reached.';
    case 'too_long': return 'The reply was too long and was cut off.';
    case 'interrupted': return 'The reply was interrupted (the server restarted).';
    default: return 'The reply failed.';
  }
}

/** The `error` event of a refused assistant request (busy / rate_limited), for people; null if not one. */
export function assistantRefusal(data) {
  if (!data || data.clientId || data.roomId === undefined || data.id === undefined) return null;
  if (data.code === 'busy') return 'The assistant is busy answering. Please try again in a moment.';
  if (data.code === 'rate_limited') {
    const s = Math.max(1, Math.ceil(Number(data.retryAfter) || 0));
    const when = !Number(data.retryAfter) ? 'later'
      : s < 90 ? `in ${s} second${s === 1 ? '' : 's'}` : `in about ${Math.ceil(s / 60)} minutes`;
    return `You have asked the assistant too often. Try again ${when}.`;
  }
  return null;
}

const RELOAD_PAUSE_MS = 250;
const MAX_RELOADS = 5; // in a row without a delta that applied

/**
 * Reloads a reply after a gap: GET /room/{id}/messages?before=<id+1>&limit=1, applied as another
 * copy. At most one request per message at a time; a gap seen meanwhile asks once more afterwards;
 * at most MAX_RELOADS in a row (a delta that applies resets the count).
 */
export class GapReloader {
  /**
   * @param {object} o
   * @param {(roomId: string, id: number) => Promise<object|null>} o.fetchOne the message, or null
   * @param {(m: object) => void} o.apply  applies the reloaded copy (store.refreshMessage)
   * @param {(id: string) => boolean} [o.stillStreaming]  false: stop reloading it
   */
  constructor({ fetchOne, apply, stillStreaming = () => true, pauseMs = RELOAD_PAUSE_MS }) {
    Object.assign(this, { fetchOne, apply, stillStreaming, pauseMs });
    this.state = new Map(); // `${roomId}:${id}` → {inFlight, again, count}
  }

  gap(roomId, id) {
    const key = `${roomId}:${id}`;
    let st = this.state.get(key);
    if (!st) { st = { inFlight: false, again: false, count: 0 }; this.state.set(key, st); }
    if (st.inFlight) { st.again = true; return; }
    if (st.count >= MAX_RELOADS) return;
    st.inFlight = true;
    st.count += 1;
    this.fetchOne(String(roomId), Number(id))
      .then((m) => { if (m) this.apply(m); }, () => { /* the next gap asks again */ })
      .finally(() => {
        st.inFlight = false;
        if (!this.stillStreaming(key)) { this.state.delete(key); return; }
        if (st.again) {
          st.again = false;
          setTimeout(() => this.gap(roomId, id), this.pauseMs);
        }
      });
  }

  /** A delta of this message applied: the stream is whole again. */
  progress(roomId, id) {
    const st = this.state.get(`${roomId}:${id}`);
    if (st && !st.inFlight) this.state.delete(`${roomId}:${id}`);
  }

  clear() { this.state.clear(); }
}

/**
 * The assistant (a bot user, always online) when no loaded message showed it yet: from GET
 * /users/online, by role "bot". Stopgap for a server that sends no roles there: the default bot
 * name "Assistant" (a person of that name on a server without an assistant would pass for it).
 */
export async function findAssistant(api, store) {
  try {
    const list = Object.values((await api.usersOnline()) || {}).filter((u) => u && u.id !== undefined);
    const roles = list.some((u) => u.role !== undefined);
    for (const u of list) {
      if (u.role === 'bot' || (!roles && String(u.username).toLowerCase() === 'assistant')) {
        store.upsertUser({ id: u.id, username: u.username, online: true });
        store.markBot(u.id);
      }
    }
  } catch { /* no assistant entry until one of its replies shows up */ }
}
