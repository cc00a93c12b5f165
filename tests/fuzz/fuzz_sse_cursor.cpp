// libFuzzer target: net/sse_cursor, the SSE resume cursor read from `Last-Event-ID`
// (`0=1764103286123,1:2=1764103286999`).
//
// Input: byte 0 picks the room bound (the default, or 0..15); the rest is the header value. A parsed
// cursor is in bounds and survives format → parse unchanged.

#include <string>

#include "common/text.hpp"
#include "fuzz_check.hpp"
#include "net/sse_cursor.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  chat::fuzz::input in{data, size};
  const auto bound = in.byte();
  const std::size_t max_rooms = bound < 0xF0 ? 1000 : bound & 0x0F;
  const std::string header{in.rest()}; // an exactly sized copy
  auto cursor = chat::net::parse_sse_cursor(header, max_rooms);
  FUZZ_CHECK(cursor.size() <= max_rooms);
  for (const auto& [room, id] : cursor)
    FUZZ_CHECK(chat::is_room_id(room) && id >= 0);
  const auto text = chat::net::format_sse_cursor(cursor);
  FUZZ_CHECK(chat::net::parse_sse_cursor(text, max_rooms) == cursor);
  return 0;
}
