#pragma once
/// Client frames of the `/ws` protocol (docs/protocol.md §2.3): decoding only (shape and types).
/// The rules of a command's content (text length, blank text, clientId, membership) are
/// chat_service's, the same for every transport. No Beast or RapidJSON in the interface, so the
/// decoder is unit-tested directly.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <variant>
#include <vector>

#include "actors/chat_service.hpp"

namespace chat::net {

/// One decoded client frame: a room command (message, message.edit, message.delete, message.stop, any later kind
/// that writes a room event: the transport hands it to chat_service::execute as it is), or one of
/// the connection's own frames.
struct client_frame {
  enum class kind { command, typing, room_join, resume, ping, presence_watch };
  kind type = kind::ping;
  actors::room_command command; ///< command
  std::string room_id;          ///< typing, room.join
  bool typing = false;          ///< typing: start (true) or stop (false)
  std::vector<std::pair<std::string, std::int64_t>> resume; ///< resume: room id → last position seen
  std::vector<std::string> users; ///< presence.watch: the user ids to watch (the whole set; may be empty)
  std::string client_id;          ///< presence.watch: its clientId (echoed in an error), may be empty
};

/// Why a frame was refused: the `error` event's code (chat::error), message and the frame's clientId.
struct frame_error {
  std::error_code error;
  std::string message;
  std::string client_id;
};

/// Decodes one text frame; a frame_error for every undecodable input (never throws).
/// `max_resume_rooms` bounds a resume (command_limits::max_resume_rooms), `max_watch_users` a
/// presence.watch (command_limits::max_watch_users: more is error::too_long).
std::variant<client_frame, frame_error> parse_client_frame(std::string_view text, std::size_t max_resume_rooms,
                                                           std::size_t max_watch_users = 500);

} // namespace chat::net
