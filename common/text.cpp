#include "common/text.hpp"

#include <limits>

namespace chat {

namespace {

bool ascii_space(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

char lower(char c) noexcept {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

/// Decodes one code point at `i` of valid-or-not UTF-8; returns false on an invalid sequence.
bool next_code_point(std::string_view s, std::size_t& i, char32_t& cp) noexcept {
  auto b0 = static_cast<unsigned char>(s[i]);
  std::size_t len = 0;
  char32_t min = 0;
  if (b0 < 0x80) {
    cp = b0;
    ++i;
    return true;
  } else if ((b0 & 0xE0) == 0xC0) {
    len = 2, cp = b0 & 0x1F, min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3, cp = b0 & 0x0F, min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4, cp = b0 & 0x07, min = 0x10000;
  } else {
    return false;
  }
  if (s.size() - i < len)
    return false;
  for (std::size_t k = 1; k < len; ++k) {
    auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80)
      return false;
    cp = (cp << 6) | (b & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
    return false;
  i += len;
  return true;
}

bool blank_code_point(char32_t cp) noexcept {
  switch (cp) {
    case 0x20: case 0x09: case 0x0A: case 0x0B: case 0x0C: case 0x0D:
    case 0x85: case 0xA0: case 0x1680: case 0x180E: case 0x2028: case 0x2029:
    case 0x202F: case 0x205F: case 0x2060: case 0x3000: case 0xFEFF:
      return true;
    default:
      return cp >= 0x2000 && cp <= 0x200D; // en quad … zero-width joiner
  }
}

} // namespace

std::string_view trim_ascii(std::string_view text) noexcept {
  while (!text.empty() && ascii_space(text.front()))
    text.remove_prefix(1);
  while (!text.empty() && ascii_space(text.back()))
    text.remove_suffix(1);
  return text;
}

int hex_digit_value(char c) noexcept {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size())
    return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i]))
      return false;
  return true;
}

std::string to_lower_ascii(std::string_view text) {
  std::string out{text};
  for (auto& c : out)
    c = lower(c);
  return out;
}

std::optional<std::size_t> utf8_length(std::string_view text) noexcept {
  std::size_t count = 0;
  char32_t cp = 0;
  for (std::size_t i = 0; i < text.size(); ++count)
    if (!next_code_point(text, i, cp))
      return std::nullopt;
  return count;
}

bool is_blank(std::string_view text) noexcept {
  char32_t cp = 0;
  for (std::size_t i = 0; i < text.size();)
    if (!next_code_point(text, i, cp) || !blank_code_point(cp))
      return false;
  return true;
}

bool is_valid_username(std::string_view name) noexcept {
  if (name.size() < 2 || name.size() > 32)
    return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.' || c == '-';
    if (!ok)
      return false;
  }
  return true;
}

std::optional<std::int64_t> parse_int64(std::string_view text) noexcept {
  bool negative = !text.empty() && text.front() == '-';
  if (negative)
    text.remove_prefix(1);
  if (text.empty() || text.size() > 19)
    return std::nullopt;
  std::uint64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9')
      return std::nullopt;
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
  }
  constexpr auto max = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  if (value > max + (negative ? 1 : 0)) // -9223372036854775808 fits
    return std::nullopt;
  if (!negative || value == 0)
    return static_cast<std::int64_t>(value);
  return -static_cast<std::int64_t>(value - 1) - 1; // never negates the smallest int64 itself
}

bool is_room_id(std::string_view id) noexcept {
  if (id.empty() || id.size() > 64)
    return false;
  for (char c : id)
    if ((c < '0' || c > '9') && c != ':')
      return false;
  return true;
}

bool is_user_id(std::string_view id) noexcept {
  if (id.empty() || id.size() > 20)
    return false;
  for (char c : id)
    if (c < '0' || c > '9')
      return false;
  return true;
}

} // namespace chat
