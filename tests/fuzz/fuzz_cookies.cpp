// libFuzzer target: net/cookies, the session token's two transports: the `Cookie` header
// (`a=1; chat_session="…"`) and `Authorization: Bearer …`.
//
// Input: byte 0 picks the cookie name (chat_session, or the next byte-count bytes of the input);
// the rest is the header value, given to both readers.

#include <string>

#include "common/text.hpp"
#include "fuzz_check.hpp"
#include "net/cookies.hpp"

namespace {

bool trimmed(std::string_view s) { return chat::trim_ascii(s) == s; }

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  chat::fuzz::input in{data, size};
  const auto pick = in.byte();
  const std::string name = pick < 0x80 ? std::string{chat::net::session_cookie_name} : std::string{in.take(pick & 0x0F)};
  const std::string header{in.rest()}; // an exactly sized copy
  const std::string_view h{header};

  auto value = chat::net::cookie_value(h, name);
  FUZZ_CHECK(chat::fuzz::inside(value, h));
  FUZZ_CHECK(value.find(';') == std::string_view::npos);

  auto token = chat::net::bearer_token(h);
  FUZZ_CHECK(chat::fuzz::inside(token, h));
  FUZZ_CHECK(trimmed(token));

  // What the node sets is what it reads back: a token without separators survives the round trip.
  if (!h.empty() && h.find_first_of(";\" \t\r\n\v\f") == std::string_view::npos) {
    auto cookie = chat::net::session_cookie(h, std::chrono::seconds{60}, (pick & 1) != 0);
    FUZZ_CHECK(chat::net::cookie_value(cookie, chat::net::session_cookie_name) == h);
    FUZZ_CHECK(chat::net::bearer_token("Bearer " + header) == h);
  }
  return 0;
}
