#pragma once
/// Client frames of the `/ws` protocol (docs/protocol.md §2.3): parsing and validation, without
/// Beast or RapidJSON in the interface, so the rules are unit-tested directly.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace chat::net {

/// One valid client frame.
struct client_frame {
  /// The frame's `type`.
  enum class kind { message, typing, room_join, resume, ping };
  kind type = kind::ping;
  std::string room_id;   ///< message, typing, room.join
  std::string text;      ///< message: the validated text
  std::string client_id; ///< message: the client's id for the ack (may be empty)
  bool typing = false;   ///< typing: start (true) or stop (false)
  std::vector<std::pair<std::string, std::int64_t>> resume; ///< resume: room id → last id seen
};

/// Why a frame was refused: the `error` event's `code`, `message` and the frame's `clientId`.
struct frame_error {
  std::string code;
  std::string message;
  std::string client_id;
};

/// Limits applied to client frames.
struct frame_limits {
  std::size_t max_message_chars = 4000; ///< code points of a chat text
  std::size_t max_client_id = 64;       ///< bytes of a clientId
  std::size_t max_resume_rooms = 1000;  ///< rooms in one resume
};

/// Parses one text frame; a frame_error for every bad input (never throws).
std::variant<client_frame, frame_error> parse_client_frame(std::string_view text,
                                                           const frame_limits& limits);

} // namespace chat::net
