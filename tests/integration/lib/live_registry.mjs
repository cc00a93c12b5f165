// The registry of real-time clients (WS and SSE) still open: every client registers itself on
// connect and leaves on close, so closeAllLive() (call it from after()) leaves no socket behind.

/** WsClient / SseClient instances still open. */
export const openClients = new Set();

/** Closes every WS/SSE client still open (bounded). For after(). */
export async function closeAllLive() {
  await Promise.all([...openClients].map((c) => c.close().catch(() => {})));
  openClients.clear();
}
