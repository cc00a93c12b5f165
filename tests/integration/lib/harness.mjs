// Integration test harness: real redis-server, real chatnode, real HTTP over loopback.
//
// Every process started here is registered and killed by cleanup() (call it from after()), with
// SIGKILL as the last resort, and also on process exit. Every wait is bounded.
//
// This file is the public entry point; the code lives in one module per responsibility:
//   common.mjs     sleep, waitFor, uniqueName, sha256hex (no state)
//   processes.mjs  tracked child processes, temp dirs, free ports, cleanup()
//   redis.mjs      startRedis
//   chatnode.mjs   chatnodeBin, runChatnode, startNode
//   http.mjs       request, internal, Client, register/login, assertions, allMessages
//   raw_http.mjs   raw sockets (raw, rawJson)

export { sleep, uniqueName, sha256hex, waitFor } from './common.mjs';
export { makeTmpDir, freePort, cleanup } from './processes.mjs';
export { startRedis } from './redis.mjs';
export { chatnodeBin, runChatnode, startNode } from './chatnode.mjs';
export {
  request, internal, sessionCookie, Client, api, assertError, assertStatus, register, login, allMessages,
} from './http.mjs';
export { raw, rawJson, sendWhole } from './raw_http.mjs';
