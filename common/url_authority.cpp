#include "common/url_authority.hpp"

#include "common/text.hpp"

namespace chat {

namespace {

bool name_char(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == '_';
}

} // namespace

bool split_url_authority(std::string_view authority, url_authority& out, std::string& error) {
  out = url_authority{};
  bool has_port = false;
  if (!authority.empty() && authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos) {
      error = "unterminated [IPv6] host";
      return false;
    }
    out.ipv6 = true;
    out.host = authority.substr(1, close - 1);
    auto after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') {
        error = "unexpected characters after the [IPv6] host";
        return false;
      }
      has_port = true;
      out.port = after.substr(1);
    }
  } else {
    auto colon = authority.find(':');
    out.host = authority.substr(0, colon);
    if (colon != std::string_view::npos) {
      has_port = true;
      out.port = authority.substr(colon + 1);
    }
  }
  if (out.host.empty()) {
    error = "missing host";
    return false;
  }
  if (has_port && out.port.empty()) {
    error = "empty port";
    return false;
  }
  for (char c : out.host) {
    bool ok = out.ipv6 ? hex_digit_value(c) >= 0 || c == ':' || c == '.' : name_char(c);
    if (!ok) {
      error = out.ipv6 ? "invalid IPv6 address" : "invalid character in the host name";
      return false;
    }
  }
  return true;
}

bool parse_port(std::string_view text, std::uint16_t& out) noexcept {
  if (text.empty() || text.size() > 5)
    return false;
  unsigned value = 0;
  for (char c : text) {
    if (c < '0' || c > '9')
      return false;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  if (value == 0 || value > 65535)
    return false;
  out = static_cast<std::uint16_t>(value);
  return true;
}

} // namespace chat
