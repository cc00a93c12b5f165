#include "ai/http_url.hpp"

#include <cctype>

namespace chat::ai {

namespace {

bool equals_ci(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size())
    return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

bool valid_host_char(char c) noexcept {
  auto u = static_cast<unsigned char>(c);
  return std::isalnum(u) != 0 || c == '-' || c == '.' || c == '_';
}

bool valid_v6_char(char c) noexcept {
  return std::isxdigit(static_cast<unsigned char>(c)) != 0 || c == ':' || c == '.';
}

bool parse_port(std::string_view s, std::uint16_t& out) noexcept {
  if (s.empty() || s.size() > 5)
    return false;
  unsigned value = 0;
  for (char c : s) {
    if (c < '0' || c > '9')
      return false;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  if (value == 0 || value > 65535)
    return false;
  out = static_cast<std::uint16_t>(value);
  return true;
}

} // namespace

bool parse_http_url(std::string_view url, http_url& out, std::string& error) {
  out = http_url{};
  auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) {
    error = "missing scheme (expected http:// or https://)";
    return false;
  }
  auto scheme = url.substr(0, scheme_end);
  if (equals_ci(scheme, "https")) {
    out.tls = true;
    out.port = 443;
  } else if (!equals_ci(scheme, "http")) {
    error = "unsupported scheme (expected http:// or https://)";
    return false;
  }
  auto rest = url.substr(scheme_end + 3);
  if (auto hash = rest.find('#'); hash != std::string_view::npos)
    rest = rest.substr(0, hash);
  auto path_start = rest.find_first_of("/?");
  auto authority = rest.substr(0, path_start);
  if (authority.find('@') != std::string_view::npos) {
    error = "credentials in the URL are not supported (use the API key option)";
    return false;
  }
  std::string_view host;
  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos) {
      error = "unterminated [IPv6] host";
      return false;
    }
    host = authority.substr(1, close - 1);
    auto after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') {
        error = "unexpected characters after the [IPv6] host";
        return false;
      }
      port = after.substr(1);
    }
    for (char c : host)
      if (!valid_v6_char(c)) {
        error = "invalid IPv6 address";
        return false;
      }
  } else {
    auto colon = authority.rfind(':');
    host = authority.substr(0, colon);
    if (colon != std::string_view::npos)
      port = authority.substr(colon + 1);
    for (char c : host)
      if (!valid_host_char(c)) {
        error = "invalid character in the host name";
        return false;
      }
  }
  if (host.empty()) {
    error = "missing host";
    return false;
  }
  if (port.data() != nullptr && !parse_port(port, out.port)) {
    error = "invalid port (expected 1..65535)";
    return false;
  }
  out.host = std::string{host};
  if (path_start == std::string_view::npos) {
    out.target = "/";
  } else {
    auto target = rest.substr(path_start);
    for (char c : target)
      if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) {
        error = "invalid character in the path (spaces and control characters must be percent-encoded)";
        return false;
      }
    out.target = target.front() == '?' ? "/" + std::string{target} : std::string{target};
  }
  return true;
}

std::string describe(const http_url& url) {
  std::string s = url.tls ? "https://" : "http://";
  bool v6 = url.host.find(':') != std::string::npos;
  s += v6 ? "[" + url.host + "]" : url.host;
  s += ':';
  s += std::to_string(url.port);
  return s;
}

std::string host_header(const http_url& url) {
  bool v6 = url.host.find(':') != std::string::npos;
  std::string s = v6 ? "[" + url.host + "]" : url.host;
  if (url.port != (url.tls ? 443 : 80)) {
    s += ':';
    s += std::to_string(url.port);
  }
  return s;
}

http_url with_path_suffix(const http_url& url, std::string_view suffix) {
  http_url out = url;
  auto q = url.target.find('?');
  std::string path = url.target.substr(0, q);
  std::string query = q == std::string::npos ? std::string{} : url.target.substr(q);
  while (!path.empty() && path.back() == '/')
    path.pop_back();
  if (!suffix.empty() && suffix.front() != '/')
    path += '/';
  path += suffix;
  if (path.empty())
    path = "/";
  out.target = path + query;
  return out;
}

} // namespace chat::ai
