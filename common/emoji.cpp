#include "common/emoji.hpp"

#include <cstdint>

namespace chat {
namespace {

/// Decodes the UTF-8 code point at `text[i]` into `cp` and advances `i`; false when it is not well
/// formed (overlong forms, surrogates and values over U+10FFFF are refused).
bool next_code_point(std::string_view text, std::size_t& i, char32_t& cp) noexcept {
  auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  unsigned char b0 = byte(i);
  std::size_t n = 0;
  if (b0 < 0x80) {
    cp = b0;
    n = 1;
  } else if (b0 >= 0xC2 && b0 <= 0xDF) {
    cp = b0 & 0x1F;
    n = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    cp = b0 & 0x0F;
    n = 3;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    cp = b0 & 0x07;
    n = 4;
  } else {
    return false;
  }
  if (i + n > text.size())
    return false;
  for (std::size_t k = 1; k < n; ++k) {
    unsigned char b = byte(i + k);
    if ((b & 0xC0) != 0x80)
      return false;
    cp = (cp << 6) | (b & 0x3F);
  }
  if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) || (cp >= 0xD800 && cp <= 0xDFFF))
    return false;
  i += n;
  return true;
}

bool in(char32_t c, char32_t lo, char32_t hi) noexcept { return c >= lo && c <= hi; }

bool is_regional_indicator(char32_t c) noexcept { return in(c, 0x1F1E6, 0x1F1FF); }
bool is_skin_tone(char32_t c) noexcept { return in(c, 0x1F3FB, 0x1F3FF); }
bool is_variation_selector(char32_t c) noexcept { return c == 0xFE0E || c == 0xFE0F; }
bool is_tag(char32_t c) noexcept { return in(c, 0xE0020, 0xE007E); }
constexpr char32_t zwj = 0x200D;
constexpr char32_t keycap = 0x20E3;
constexpr char32_t cancel_tag = 0xE007F;
constexpr char32_t black_flag = 0x1F3F4;

/// Code points that are emoji (Extended_Pictographic and the emoji-presentation symbols), without
/// the regional indicators and skin-tone modifiers, which only combine.
bool is_pictographic(char32_t c) noexcept {
  if (in(c, 0x1F000, 0x1FAFF))
    return !is_regional_indicator(c) && !is_skin_tone(c);
  if (in(c, 0x2600, 0x27BF)) // miscellaneous symbols, dingbats
    return true;
  switch (c) {
    case 0x00A9: case 0x00AE: case 0x203C: case 0x2049: case 0x2122: case 0x2139: case 0x2328:
    case 0x23CF: case 0x24C2: case 0x25B6: case 0x25C0: case 0x2934: case 0x2935: case 0x2B50:
    case 0x2B55: case 0x3030: case 0x303D: case 0x3297: case 0x3299:
      return true;
    default: break;
  }
  return in(c, 0x2194, 0x2199) || in(c, 0x21A9, 0x21AA) || in(c, 0x231A, 0x231B) || in(c, 0x23E9, 0x23F3) ||
         in(c, 0x23F8, 0x23FA) || in(c, 0x25AA, 0x25AB) || in(c, 0x25FB, 0x25FE) || in(c, 0x2B05, 0x2B07) ||
         in(c, 0x2B1B, 0x2B1C);
}

} // namespace

bool is_single_emoji(std::string_view text) noexcept {
  if (text.empty() || text.size() > max_emoji_bytes)
    return false;
  char32_t cps[max_emoji_bytes];
  std::size_t n = 0;
  for (std::size_t i = 0; i < text.size();)
    if (!next_code_point(text, i, cps[n++]))
      return false;
  // A flag: two regional indicators.
  if (is_regional_indicator(cps[0]))
    return n == 2 && is_regional_indicator(cps[1]);
  // A keycap: [0-9#*] U+FE0F? U+20E3.
  if (cps[0] == '#' || cps[0] == '*' || in(cps[0], '0', '9'))
    return (n == 2 && cps[1] == keycap) || (n == 3 && cps[1] == 0xFE0F && cps[2] == keycap);
  // A tag sequence: U+1F3F4, tags, U+E007F.
  if (cps[0] == black_flag && n > 2 && is_tag(cps[1])) {
    for (std::size_t k = 1; k + 1 < n; ++k)
      if (!is_tag(cps[k]))
        return false;
    return cps[n - 1] == cancel_tag;
  }
  // Pictographic elements, each with an optional variation selector and skin tone, joined by ZWJ.
  std::size_t k = 0;
  for (;;) {
    if (k == n || !is_pictographic(cps[k]))
      return false;
    ++k;
    if (k < n && is_variation_selector(cps[k]))
      ++k;
    if (k < n && is_skin_tone(cps[k]))
      ++k;
    if (k < n && cps[k] == 0xFE0F) // some sequences put the selector after the modifier
      ++k;
    if (k == n)
      return true;
    if (cps[k] != zwj)
      return false;
    ++k; // the next element must follow (no trailing or doubled ZWJ)
  }
}

bool is_short_name(std::string_view text) noexcept {
  if (text.size() < 3 || text.size() > max_short_name_bytes || text.front() != ':' || text.back() != ':')
    return false;
  for (std::size_t i = 1; i + 1 < text.size(); ++i) {
    char c = text[i];
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '+' || c == '-'))
      return false;
  }
  return true;
}

bool is_reaction_emoji(std::string_view text) noexcept {
  return is_short_name(text) || is_single_emoji(text);
}

} // namespace chat
