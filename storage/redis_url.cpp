#include "storage/redis_url.hpp"

#include <cctype>

#include "common/text.hpp"

namespace chat::storage {

namespace {

/// Percent-decodes `in`; false on a malformed escape.
bool percent_decode(std::string_view in, std::string& out) {
  out.clear();
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out.push_back(in[i]);
      continue;
    }
    if (i + 2 >= in.size())
      return false;
    int hi = hex_digit_value(in[i + 1]);
    int lo = hex_digit_value(in[i + 2]);
    if (hi < 0 || lo < 0)
      return false;
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return true;
}

bool all_digits(std::string_view s) noexcept {
  if (s.empty())
    return false;
  for (char c : s)
    if (c < '0' || c > '9')
      return false;
  return true;
}

bool valid_host_char(char c) noexcept {
  auto u = static_cast<unsigned char>(c);
  return std::isalnum(u) != 0 || c == '-' || c == '.' || c == '_';
}

bool equals_ci(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size())
    return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

} // namespace

bool parse_redis_url(std::string_view url, redis_endpoint& out, std::string& error) {
  out = redis_endpoint{};
  auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) {
    error = "missing scheme (expected redis://)";
    return false;
  }
  if (!equals_ci(url.substr(0, scheme_end), "redis")) {
    error = "unsupported scheme (only redis:// is supported)";
    return false;
  }
  auto rest = url.substr(scheme_end + 3);
  // Split off the path (/db) first; '@' may appear in a percent-encoded password only as %40,
  // so the last '@' before the path separates userinfo from the host.
  auto slash = rest.find('/');
  auto authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
  if (authority.find_first_of("?#") != std::string_view::npos || path.find_first_of("?#") != std::string_view::npos) {
    error = "query strings and fragments are not supported";
    return false;
  }
  auto at = authority.rfind('@');
  if (at != std::string_view::npos) {
    auto userinfo = authority.substr(0, at);
    authority = authority.substr(at + 1);
    auto colon = userinfo.find(':');
    std::string_view user_part;
    std::string_view pass_part;
    if (colon == std::string_view::npos) {
      pass_part = userinfo; // `redis://secret@host`: a bare password, as redis-cli reads it
    } else {
      user_part = userinfo.substr(0, colon);
      pass_part = userinfo.substr(colon + 1);
    }
    if (!percent_decode(user_part, out.username) || !percent_decode(pass_part, out.password)) {
      error = "malformed percent-encoding in credentials";
      return false;
    }
  }
  std::string_view host;
  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos) {
      error = "unterminated IPv6 address";
      return false;
    }
    host = authority.substr(1, close - 1);
    auto after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') {
        error = "unexpected characters after IPv6 address";
        return false;
      }
      port_text = after.substr(1);
      if (port_text.empty()) {
        error = "empty port";
        return false;
      }
    }
    if (host.empty()) {
      error = "empty host";
      return false;
    }
    for (char c : host)
      if (hex_digit_value(c) < 0 && c != ':' && c != '.') {
        error = "invalid IPv6 address";
        return false;
      }
  } else {
    auto colon = authority.find(':');
    host = authority.substr(0, colon);
    if (colon != std::string_view::npos) {
      port_text = authority.substr(colon + 1);
      if (port_text.empty()) {
        error = "empty port";
        return false;
      }
    }
    if (host.empty()) {
      error = "empty host";
      return false;
    }
    for (char c : host)
      if (!valid_host_char(c)) {
        error = "invalid character in host";
        return false;
      }
  }
  out.host.assign(host);
  if (!port_text.empty()) {
    if (!all_digits(port_text) || port_text.size() > 5) {
      error = "port is not a number in 1..65535";
      return false;
    }
    unsigned long port = std::stoul(std::string{port_text});
    if (port == 0 || port > 65535) {
      error = "port is not a number in 1..65535";
      return false;
    }
    out.port = static_cast<std::uint16_t>(port);
  }
  if (!path.empty()) {
    if (!all_digits(path) || path.size() > 2) {
      error = "database is not a number in 0..15";
      return false;
    }
    int db = std::stoi(std::string{path});
    if (db > 15) {
      error = "database is not a number in 0..15";
      return false;
    }
    out.db = db;
  }
  error.clear();
  return true;
}

std::string describe(const redis_endpoint& ep) {
  std::string out;
  if (ep.host.find(':') != std::string::npos)
    out = "[" + ep.host + "]";
  else
    out = ep.host;
  out += ":" + std::to_string(ep.port) + "/" + std::to_string(ep.db);
  return out;
}

} // namespace chat::storage
