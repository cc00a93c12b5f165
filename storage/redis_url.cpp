#include "storage/redis_url.hpp"


#include "common/text.hpp"
#include "common/url_authority.hpp"

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

} // namespace

bool parse_redis_url(std::string_view url, redis_endpoint& out, std::string& error) {
  out = redis_endpoint{};
  auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) {
    error = "missing scheme (expected redis://)";
    return false;
  }
  if (!iequals(url.substr(0, scheme_end), "redis")) {
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
  url_authority parts;
  if (!split_url_authority(authority, parts, error))
    return false;
  out.host.assign(parts.host);
  if (!parts.port.empty() && !parse_port(parts.port, out.port)) {
    error = "port is not a number in 1..65535";
    return false;
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
