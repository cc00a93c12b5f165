#pragma once
/// Text rules of the API: UTF-8 validation, code-point counting, blank detection, names, integers.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace chat {

/// `text` without leading and trailing ASCII whitespace (space, tab, CR, LF, VT, FF).
std::string_view trim_ascii(std::string_view text) noexcept;

/// The value of a hexadecimal digit (0-9, a-f, A-F), or -1.
int hex_digit_value(char c) noexcept;

/// ASCII case-insensitive equality.
bool iequals(std::string_view a, std::string_view b) noexcept;

/// ASCII lower-case copy.
std::string to_lower_ascii(std::string_view text);

/// Number of code points when `text` is valid UTF-8 (no overlongs, surrogates or values above
/// U+10FFFF); std::nullopt otherwise.
std::optional<std::size_t> utf8_length(std::string_view text) noexcept;

/// True when valid UTF-8 `text` holds only white space and invisible spacing (ASCII white space,
/// NBSP, the U+2000 block spaces, zero-width space, BOM, ideographic space, …); true for "".
bool is_blank(std::string_view text) noexcept;

/// Username rule: 2–32 characters of `A-Z a-z 0-9 _ . -`.
bool is_valid_username(std::string_view name) noexcept;

/// Strict decimal integer: optional '-', 1–19 digits, no spaces, no overflow.
std::optional<std::int64_t> parse_int64(std::string_view text) noexcept;

/// Room id shape: 1–64 characters of digits and ':' (General "0", DMs "1:2", channels "17").
bool is_room_id(std::string_view id) noexcept;

/// User id shape: 1–20 digits.
bool is_user_id(std::string_view id) noexcept;

} // namespace chat
