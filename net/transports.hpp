#pragma once
/// Factories of the real-time transports, without Beast in the interface (the API service uses them).

#include <memory>

#include "net/api_env.hpp"
#include "net/sse_cursor.hpp"
#include "storage/chat_store.hpp"

namespace chat::net {

class stream_takeover;

/// The `/ws` transport for an authenticated user; `batch`: several events per WebSocket message;
/// `watch_presence`: the connection starts watching nobody's presence (`?presence=watch`).
std::shared_ptr<stream_takeover> make_ws_takeover(api_env& env, storage::user user, bool batch,
                                                  bool watch_presence = false);

/// The `/stream` transport for an authenticated user, resuming from `Last-Event-ID`.
std::shared_ptr<stream_takeover> make_sse_takeover(api_env& env, storage::user user, sse_cursor resume);

} // namespace chat::net
