// libFuzzer target: common/text, the text rules every parser of client input ends in: UTF-8
// validation and code-point counts (chat texts, close reasons, clientIds), blank text, strict
// integers (ids, cursors, query values), ASCII trimming and case folding.
//
// Input: byte 0 picks where the rest is split in two (for the properties of concatenation); the
// rest is the text. UTF-8 and integers are checked against independent reference implementations.

#include <charconv>
#include <optional>
#include <string>

#include "common/text.hpp"
#include "fuzz_check.hpp"

namespace {

/// Code points of well-formed UTF-8 (Unicode Table 3-7, byte ranges per lead byte), or nullopt.
std::optional<std::size_t> reference_utf8_length(std::string_view s) {
  std::size_t count = 0;
  for (std::size_t i = 0; i < s.size(); ++count) {
    const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
    const auto in = [](unsigned char c, unsigned lo, unsigned hi) { return c >= lo && c <= hi; };
    const unsigned char b0 = b(0);
    std::size_t len;
    unsigned lo = 0x80, hi = 0xBF; // the second byte's range
    if (b0 <= 0x7F) { ++i; continue; }
    if (in(b0, 0xC2, 0xDF)) len = 2;
    else if (b0 == 0xE0) len = 3, lo = 0xA0;
    else if (in(b0, 0xE1, 0xEC) || in(b0, 0xEE, 0xEF)) len = 3;
    else if (b0 == 0xED) len = 3, hi = 0x9F;
    else if (b0 == 0xF0) len = 4, lo = 0x90;
    else if (in(b0, 0xF1, 0xF3)) len = 4;
    else if (b0 == 0xF4) len = 4, hi = 0x8F;
    else return std::nullopt;
    if (s.size() - i < len || !in(b(1), lo, hi))
      return std::nullopt;
    for (std::size_t k = 2; k < len; ++k)
      if (!in(b(k), 0x80, 0xBF))
        return std::nullopt;
    i += len;
  }
  return count;
}

/// The strict integer rule (optional '-', 1–19 digits, in range) through std::from_chars.
std::optional<std::int64_t> reference_int64(std::string_view s) {
  const auto digits = s.substr(!s.empty() && s.front() == '-' ? 1 : 0);
  if (digits.empty() || digits.size() > 19 || digits.find_first_not_of("0123456789") != std::string_view::npos)
    return std::nullopt;
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end != s.data() + s.size())
    return std::nullopt;
  return v;
}

bool ascii_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f'; }

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  chat::fuzz::input in{data, size};
  const auto cut_byte = in.byte();
  const std::string text{in.rest()}; // an exactly sized copy
  const std::string_view t{text};

  const auto length = chat::utf8_length(t);
  FUZZ_CHECK(length == reference_utf8_length(t));
  if (chat::is_blank(t))
    FUZZ_CHECK(length.has_value());

  // Concatenation: lengths add up and a text is blank when both of its halves are.
  const auto cut = text.empty() ? 0 : cut_byte % (text.size() + 1);
  const auto a = t.substr(0, cut), b = t.substr(cut);
  const auto la = chat::utf8_length(a), lb = chat::utf8_length(b);
  if (la && lb) {
    FUZZ_CHECK(length && *length == *la + *lb);
    FUZZ_CHECK(chat::is_blank(t) == (chat::is_blank(a) && chat::is_blank(b)));
  }

  FUZZ_CHECK(chat::parse_int64(t) == reference_int64(t));
  if (auto v = chat::parse_int64(t); v && t.size() > 1 && t[t.front() == '-' ? 1 : 0] != '0')
    FUZZ_CHECK(std::to_string(*v) == t); // no leading zeros: the text is the number's spelling

  const auto trimmed = chat::trim_ascii(t);
  FUZZ_CHECK(chat::fuzz::inside(trimmed, t));
  FUZZ_CHECK(trimmed.empty() || (!ascii_space(trimmed.front()) && !ascii_space(trimmed.back())));
  FUZZ_CHECK(chat::trim_ascii(trimmed) == trimmed);

  const auto lower = chat::to_lower_ascii(t);
  FUZZ_CHECK(lower.size() == t.size() && chat::iequals(lower, t) && chat::iequals(t, lower));
  FUZZ_CHECK(chat::to_lower_ascii(lower) == lower);

  if (chat::is_room_id(t))
    FUZZ_CHECK(!t.empty() && t.size() <= 64 && t.find_first_not_of("0123456789:") == std::string_view::npos);
  if (chat::is_user_id(t))
    FUZZ_CHECK(!t.empty() && t.size() <= 20 && t.find_first_not_of("0123456789") == std::string_view::npos);
  return 0;
}
