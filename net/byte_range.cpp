#include "net/byte_range.hpp"

#include <optional>

#include "common/text.hpp"

namespace chat::net {

namespace {

/// 1–19 decimal digits (no sign, no spaces).
std::optional<std::uint64_t> digits(std::string_view s) noexcept {
  if (s.empty() || s.size() > 19 || s.find_first_not_of("0123456789") != std::string_view::npos)
    return std::nullopt;
  std::uint64_t v = 0;
  for (char c : s)
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  return v;
}

} // namespace

byte_range parse_byte_range(std::string_view header, std::uint64_t size) noexcept {
  byte_range whole;
  const auto h = trim_ascii(header);
  constexpr std::string_view unit = "bytes=";
  if (h.size() <= unit.size() || !iequals(h.substr(0, unit.size()), unit))
    return whole;
  const auto spec = trim_ascii(h.substr(unit.size()));
  if (spec.find(',') != std::string_view::npos)
    return whole; // several ranges: the whole file
  const auto dash = spec.find('-');
  if (dash == std::string_view::npos)
    return whole;
  const auto a = trim_ascii(spec.substr(0, dash)), b = trim_ascii(spec.substr(dash + 1));
  byte_range out;
  if (a.empty()) { // suffix: the last n bytes
    auto n = digits(b);
    if (!n)
      return whole;
    if (*n == 0 || size == 0) {
      out.what = byte_range::kind::unsatisfiable;
      return out;
    }
    out.what = byte_range::kind::partial;
    out.first = *n >= size ? 0 : size - *n;
    out.last = size - 1;
    return out;
  }
  auto first = digits(a);
  if (!first)
    return whole;
  std::uint64_t last = size == 0 ? 0 : size - 1;
  if (!b.empty()) {
    auto l = digits(b);
    if (!l || *l < *first)
      return whole; // invalid range-spec: ignored
    if (*l < last)
      last = *l;
  }
  if (*first >= size) {
    out.what = byte_range::kind::unsatisfiable;
    return out;
  }
  out.what = byte_range::kind::partial;
  out.first = *first;
  out.last = last;
  return out;
}

} // namespace chat::net
