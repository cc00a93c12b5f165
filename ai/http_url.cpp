#include "ai/http_url.hpp"

#include "common/text.hpp"
#include "common/url_authority.hpp"

namespace chat::ai {

bool parse_http_url(std::string_view url, http_url& out, std::string& error) {
  out = http_url{};
  auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) {
    error = "missing scheme (expected http:// or https://)";
    return false;
  }
  auto scheme = url.substr(0, scheme_end);
  if (iequals(scheme, "https")) {
    out.tls = true;
    out.port = 443;
  } else if (!iequals(scheme, "http")) {
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
  url_authority parts;
  if (!split_url_authority(authority, parts, error))
    return false;
  if (!parts.port.empty() && !parse_port(parts.port, out.port)) {
    error = "invalid port (expected 1..65535)";
    return false;
  }
  out.host = std::string{parts.host};
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
