#pragma once
/// The reaction rule (issue #22): what a message reaction may be.

#include <cstddef>
#include <string_view>

namespace chat {

/// Longest reaction in bytes: a `:short_name:` (colons included).
inline constexpr std::size_t max_short_name_bytes = 32;
/// Longest emoji reaction in bytes (the longest ZWJ family sequences with skin tones are ~40).
inline constexpr std::size_t max_emoji_bytes = 64;

/// True when `text` is one emoji: a single grapheme cluster of emoji code points, i.e. one of
/// a pictographic code point with an optional variation selector (U+FE0E/FE0F) and skin-tone
/// modifier (U+1F3FB..1F3FF), several of those joined by ZWJ (U+200D); a keycap ([0-9#*] U+FE0F?
/// U+20E3); a pair of regional indicators (a flag); a black flag U+1F3F4 with tag characters ending in
/// U+E007F (subdivision flags). Valid UTF-8 only; letters, digits, whitespace and controls alone are
/// refused, and so is anything over max_emoji_bytes.
bool is_single_emoji(std::string_view text) noexcept;

/// True when `text` is `:name:` of at most max_short_name_bytes bytes with name in [a-z0-9_+-]+.
bool is_short_name(std::string_view text) noexcept;

/// The reaction rule: is_single_emoji or is_short_name.
bool is_reaction_emoji(std::string_view text) noexcept;

} // namespace chat
