#pragma once
/// The one rule set of client commands, whatever the transport: chat text, clientId, room id, a
/// message's attachments and location (issue #24). Pure functions, unit-tested directly;
/// chat_service applies them to every command.

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

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

/// The most files one message attaches (issue #24).
inline constexpr std::size_t max_attachments = 10;

/// The most code points of a location's label.
inline constexpr std::size_t max_location_label_chars = 200;

/// A location a message carries (issue #24): degrees, metres, a free label.
struct message_location {
  double lat = 0;
  double lon = 0;
  std::optional<double> accuracy;   ///< metres (≥ 0)
  std::optional<std::string> label; ///< at most max_location_label_chars code points
};

/// A chat text: valid UTF-8 and not blank (error::bad_request), at most max_message_chars code
/// points (error::too_long). `may_be_blank`: a message with attachments or a location, whose text
/// may be empty or blank. On failure `why` says which rule.
std::error_code check_text(std::string_view text, const command_limits& limits, std::string& why,
                           bool may_be_blank = false);

/// A message's attachments: at most max_attachments file ids (storage::is_file_id), none twice
/// (error::bad_request). Whether the files exist and may be attached is the store's check.
std::error_code check_attachments(const std::vector<std::string>& ids, std::string& why);

/// A message's location: finite lat −90..90 and lon −180..180, accuracy ≥ 0, a label of valid UTF-8
/// of at most max_location_label_chars code points (error::bad_request).
std::error_code check_location(const message_location& where, std::string& why);

/// The validated location as the message JSON carries it: `{"lat":…,"lon":…,"accuracy"?:…,"label"?:"…"}`,
/// numbers as JSON numbers (`%.14g`, as Redis' cjson writes them back when a row is rewritten).
std::string location_json(const message_location& where);

/// A clientId: valid UTF-8 of at most max_client_id_chars code points (error::bad_request).
std::error_code check_client_id(std::string_view client_id, const command_limits& limits, std::string& why);

/// A room id that can name a room: "0", a canonical DM id "a:b" (a < b) or a channel id
/// (error::not_found otherwise, as reads answer: no such room can exist, e.g. "2:1").
std::error_code check_room_id(std::string_view room_id, std::string& why);

} // namespace chat::actors
