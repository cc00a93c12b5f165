#pragma once
/// The one rule set of client commands, whatever the transport: chat text, clientId, room id. Pure
/// functions, unit-tested directly; chat_service applies them to every command.

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <system_error>

namespace chat::actors {

/// Limits of client commands: the one place their defaults are written.
struct command_limits {
  std::size_t max_message_chars = 4000; ///< code points of a chat text
  std::size_t max_client_id_chars = 64; ///< code points of a clientId
  std::size_t max_resume_rooms = 1000;  ///< rooms in one resume
  std::size_t max_watch_users = 500;    ///< users in one presence.watch (its whole watch set)
  std::chrono::milliseconds typing_ttl{6000};      ///< typing ends by itself without a renewal or stop
  std::chrono::milliseconds typing_throttle{2000}; ///< a renewal within this is not re-sent
};

/// A chat text: valid UTF-8 and not blank (error::bad_request), at most max_message_chars code
/// points (error::too_long). On failure `why` says which rule.
std::error_code check_text(std::string_view text, const command_limits& limits, std::string& why);

/// A clientId: valid UTF-8 of at most max_client_id_chars code points (error::bad_request).
std::error_code check_client_id(std::string_view client_id, const command_limits& limits, std::string& why);

/// A room id that can name a room: "0", a canonical DM id "a:b" (a < b) or a channel id
/// (error::not_found otherwise, as reads answer: no such room can exist, e.g. "2:1").
std::error_code check_room_id(std::string_view room_id, std::string& why);

} // namespace chat::actors
