// Chat messages over the real-time clients: send over WS and wait for the ack, message
// predicates, id-order and absence checks, fresh clientIds, and the syncRoom readiness probe.

/** Asserts nothing matching pred arrives at `c` (from index `from`) within ms; returns what did. */
export async function expectNothing(c, pred, ms, { from = 0 } = {}) {
  await new Promise((r) => setTimeout(r, ms));
  return c.events.slice(from).filter((e) => { try { return pred(e); } catch { return false; } });
}

let clientSeq = 0;
/** A fresh clientId. */
export function newClientId(prefix = 'c') {
  clientSeq += 1;
  return `${prefix}${process.pid}-${clientSeq}`;
}

/**
 * Sends a chat message over WS and waits for the answer to its clientId: resolves with the `ack`
 * or `error` event (whichever comes first for that clientId).
 */
export async function sendWs(ws, roomId, message, { clientId = newClientId(), timeoutMs = 5000 } = {}) {
  const from = ws.mark();
  ws.send({ type: 'message', roomId, message, clientId });
  return ws.waitFor((e) => (e.type === 'ack' || e.type === 'error') && e.data?.clientId === clientId, timeoutMs,
    { from, what: `ack/error for clientId ${clientId}` });
}

/** Predicate: a `message` event with this id (and room). */
export const isMessage = (id, roomId) => (e) => e.type === 'message' && e.data?.id === id && (roomId === undefined || e.data.roomId === roomId);

/** Asserts ids are strictly increasing; returns a readable problem or null. */
export function orderProblem(ids) {
  for (let i = 1; i < ids.length; i++) {
    if (!(ids[i] > ids[i - 1])) return `ids[${i - 1}]=${ids[i - 1]} then ids[${i}]=${ids[i]} (not strictly increasing)`;
  }
  return null;
}

/**
 * Readiness probe: proves that every receiver follows `roomId` live. `sender` (a WsClient) sends a
 * message there until one reaches every receiver (WS or SSE), a new one each `retryMs`. A WS
 * connection has no "following" signal (the server subscribes it asynchronously after the upgrade
 * and starts it at the room's head), so tests that need a connection to be live without `resume`
 * start with this. Every receiver has the returned (last) sync id, so any earlier sync message that
 * it will ever get has arrived too. Returns {id, ids (all sync ids sent), attempts}.
 */
export async function syncRoom(sender, roomId, receivers, { timeoutMs = 10000, retryMs = 1000, text = 'sync' } = {}) {
  const deadline = Date.now() + timeoutMs;
  const ids = [];
  for (;;) {
    const ans = await sendWs(sender, roomId, `${text} ${ids.length + 1}`);
    if (ans.type !== 'ack') throw new Error(`${sender.label}: sync message refused: ${JSON.stringify(ans)}`);
    ids.push(ans.data.id);
    const wait = Math.max(1, Math.min(retryMs, deadline - Date.now()));
    try {
      await Promise.all(receivers.map((r) => r.waitFor(isMessage(ans.data.id, roomId), wait, { what: `sync message ${ans.data.id} in ${roomId}` })));
      return { id: ans.data.id, ids, attempts: ids.length };
    } catch (e) {
      if (Date.now() >= deadline) throw new Error(`syncRoom ${roomId}: no sync message reached every receiver within ${timeoutMs} ms (${ids.length} sent): ${e.message}`);
    }
  }
}
