// Real-time clients for the integration tests: a WebSocket client (/ws, package `ws`) and a
// Server-Sent Events client (/stream, node:http). docs/protocol.md §2.
//
// Both record every event in arrival order ({type, data} objects, §2.2), and every wait is bounded.
// Every client created here is registered; closeAllLive() (call it from after()) closes the ones
// still open, so no socket outlives its test file.
//
// This file is the public entry point; the code lives in one module per responsibility:
//   event_log.mjs      the ordered event log with bounded waits (shared by both clients)
//   live_registry.mjs  open clients, closeAllLive()
//   ws_client.mjs      WsClient (and the `ws` WebSocket class)
//   sse_client.mjs     SseClient, parseCursor
//   live_messages.mjs  sendWs, syncRoom, isMessage, orderProblem, expectNothing, newClientId
//   http.mjs           cookieHeader (the session cookie, shared with the HTTP client)

export { closeAllLive } from './live_registry.mjs';
export { cookieHeader } from './http.mjs';
export { WebSocket, WsClient } from './ws_client.mjs';
export { SseClient, parseCursor } from './sse_client.mjs';
export {
  expectNothing, newClientId, sendWs, isMessage, orderProblem, syncRoom,
} from './live_messages.mjs';
