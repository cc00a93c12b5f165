#pragma once
/// The Socket.IO dialect of a WebSocket connection (docs/protocol.md "Socket.IO"): how the node's
/// events (`{"type":T,"data":D}`) go out as Socket.IO EVENT packets, and how the tutorial client's
/// events come in as `/ws` client frames (ws_frames.hpp), so that both take the same command path.
/// Pure: no Beast or RapidJSON here, never throws.

#include <optional>
#include <string>
#include <string_view>

#include "net/socketio_codec.hpp"

namespace chat::net::sio {

/// An event frame `{"type":"T","data":D}` split into T (as it stands between its quotes, JSON
/// escapes kept) and D. False when `frame` does not have exactly that shape.
bool split_event_frame(std::string_view frame, std::string_view& type, std::string_view& data) noexcept;

/// The Engine.IO message packet of an event frame, in three parts around the shared bytes of D:
/// `42["` + T + `",` (head), D, `]` (tail). The writer renders it without copying D twice.
inline constexpr std::string_view kEventHead = "42[\"";
inline constexpr std::string_view kEventMid = "\",";
inline constexpr std::string_view kEventTail = "]";

/// The `/ws` client frame an EVENT of the tutorial client maps to (then decoded by
/// parse_client_frame, with the same rules and errors as `/ws`):
///   `["message",{"roomId","message",…}]` → `{"type":"message","roomId","message"}` (plus
///   `clientId`, `parentId`, `attachments`, `location` when given; the client's `from` and `date`
///   are ignored: the server decides the sender and the time);
///   `["room.join","<id>"]` → `{"type":"room.join","roomId":"<id>"}`.
/// Nothing for any other event (the caller ignores and counts it).
std::optional<std::string> to_chat_frame(const packet& event);

/// What one Socket.IO packet of the client asks of its connection: the rules shared by the WebSocket
/// transport (ws_session_socketio.cpp) and long-polling (socketio_polling_packets.cpp), which only
/// carry the step out their own way.
struct client_step {
  enum class kind {
    fail,       ///< a malformed packet: count `sio_bad_packet`, close with a protocol error (`text`: why)
    reply,      ///< send `text` (an Engine.IO message packet body, `4…`); count `error` when set
    connect,    ///< the client connects: send `text` (the CONNECT answer), then deliver its events
    disconnect, ///< the client leaves: close
    chat_frame, ///< `text` is a `/ws` client frame: decode and run it on the command path
    ignore,     ///< nothing to do; count `error` when set
  };
  kind what = kind::ignore;
  std::string text;
  const char* error = nullptr; ///< a chatnode_errors_total kind (`sio_…`), or null
};

/// The step for the Socket.IO packet `text` on a connection that is `connected` already (its CONNECT
/// was answered) and whose session has `session_ended` or not. `new_sid` gives the socket id of a
/// CONNECT answer.
client_step interpret_client_packet(std::string_view text, bool connected, bool session_ended,
                                    std::string (*new_sid)());

} // namespace chat::net::sio
