#pragma once
/// Factories of the real-time transports, without Beast in the interface (the API service uses them).

#include <memory>
#include <string>

#include "net/api_env.hpp"
#include "net/connection_slot.hpp"
#include "net/socketio_upgrade.hpp"
#include "net/sse_cursor.hpp"
#include "storage/chat_store.hpp"

namespace chat::net {

class stream_takeover;

/// The `/ws` transport for an authenticated user; `batch`: several events per WebSocket message;
/// `watch_presence`: the connection starts watching nobody's presence (`?presence=watch`).
/// `session_id`: the SHA-256 of the session's token (its end closes the connection); `slot`: the
/// user's connection slot it holds until it finishes (null: no limit).
std::shared_ptr<stream_takeover> make_ws_takeover(api_env& env, storage::user user, std::string session_id,
                                                  bool batch, bool watch_presence = false,
                                                  connection_slot_ptr slot = nullptr);

/// The `/socket.io/` WebSocket transport (Engine.IO v4, Socket.IO v5: docs/protocol.md §2.13) for
/// an authenticated user; `session_id` and `slot` as above.
/// `upgrade`: the long-polling session this WebSocket upgrades (`&sid=`), or null.
std::shared_ptr<stream_takeover> make_socketio_takeover(api_env& env, storage::user user, std::string session_id,
                                                        connection_slot_ptr slot = nullptr,
                                                        std::shared_ptr<polling_upgrade> upgrade = nullptr);

/// The `/socket.io/` WebSocket transport without a valid session: the Engine.IO handshake, then
/// every Socket.IO CONNECT is answered `44{"message":"unauthorized"}` (socket.io-client's
/// connect_error); closes after a few seconds.
std::shared_ptr<stream_takeover> make_socketio_refusal(api_env& env);

/// The `/stream` transport for an authenticated user, resuming from `Last-Event-ID`; `session_id`
/// and `slot` as above.
std::shared_ptr<stream_takeover> make_sse_takeover(api_env& env, storage::user user, std::string session_id,
                                                   sse_cursor resume, connection_slot_ptr slot = nullptr);

} // namespace chat::net
