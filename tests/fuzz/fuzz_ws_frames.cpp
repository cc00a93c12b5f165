// libFuzzer target: net/ws_frames, the client JSON frames of /ws (protocol.md §2.3) decoded into
// room commands and the connection's own frames, then the command rules chat_service applies to
// every decoded command (actors/command_rules). No actor system, no Redis.
//
// Input: byte 0 picks the resume bound (max_resume_rooms: the default below 0xF0, else 0..3); the rest
// is the frame's text.

#include <string>
#include <type_traits>
#include <variant>

#include "actors/command_rules.hpp"
#include "common/text.hpp"
#include "fuzz_check.hpp"
#include "net/ws_frames.hpp"

namespace {

using chat::net::client_frame;

void check_command(const chat::actors::room_command& cmd) {
  const chat::actors::command_limits limits;
  std::string why;
  std::visit(
    [&](const auto& c) {
      FUZZ_CHECK(chat::is_room_id(c.room_id)); // the decoder refuses anything else
      FUZZ_CHECK(c.client_id.size() <= 256);
      (void)chat::actors::check_room_id(c.room_id, why);
      (void)chat::actors::check_client_id(c.client_id, limits, why);
      using command = std::decay_t<decltype(c)>;
      if constexpr (std::is_same_v<command, chat::actors::send_command> ||
                    std::is_same_v<command, chat::actors::edit_command>) { // the commands with a text
        auto ec = chat::actors::check_text(c.text, limits, why);
        if (!ec) // accepted text: valid UTF-8, not blank, within the limit
          FUZZ_CHECK(chat::utf8_length(c.text).value_or(limits.max_message_chars + 1) <= limits.max_message_chars &&
                     !chat::is_blank(c.text));
      }
      if constexpr (!std::is_same_v<std::decay_t<decltype(c)>, chat::actors::send_command>)
        FUZZ_CHECK(c.id > 0);
    },
    cmd);
}

/// presence.watch's bound in the fuzzed parse (small, so that the over-the-limit path is reached).
constexpr std::size_t kMaxWatchUsers = 4;

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  chat::fuzz::input in{data, size};
  const auto bound = in.byte();
  const std::size_t max_rooms = bound < 0xF0 ? chat::actors::command_limits{}.max_resume_rooms : bound & 0x3;
  const std::string text{in.rest()}; // an exactly sized copy
  auto parsed = chat::net::parse_client_frame(text, max_rooms, kMaxWatchUsers);
  if (auto* err = std::get_if<chat::net::frame_error>(&parsed)) {
    FUZZ_CHECK(static_cast<bool>(err->error));
    FUZZ_CHECK(!err->message.empty());
    FUZZ_CHECK(err->client_id.size() <= 256);
    return 0;
  }
  const auto& f = std::get<client_frame>(parsed);
  switch (f.type) {
    case client_frame::kind::command:
      check_command(f.command);
      break;
    case client_frame::kind::typing:
    case client_frame::kind::room_join:
      FUZZ_CHECK(chat::is_room_id(f.room_id));
      break;
    case client_frame::kind::resume:
      FUZZ_CHECK(f.resume.size() <= max_rooms);
      for (const auto& [room, id] : f.resume)
        FUZZ_CHECK(chat::is_room_id(room) && id >= 0);
      break;
    case client_frame::kind::presence_watch:
      FUZZ_CHECK(f.users.size() <= kMaxWatchUsers);
      FUZZ_CHECK(f.client_id.size() <= 256);
      for (const auto& u : f.users)
        FUZZ_CHECK(chat::is_user_id(u));
      break;
    case client_frame::kind::ping:
      break;
  }
  return 0;
}
