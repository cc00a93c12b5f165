#include "net/request_guards.hpp"

#include "common/text.hpp"

namespace chat::net {

namespace {

std::string_view without_trailing_slashes(std::string_view s) noexcept {
  while (!s.empty() && s.back() == '/')
    s.remove_suffix(1);
  return s;
}

/// Lower-case `host:port`; `scheme` gives the default port when none is written.
std::string host_with_port(std::string_view host, std::string_view scheme) {
  auto out = to_lower_ascii(host);
  bool has_port = !out.empty() && out.front() == '[' ? out.find("]:") != std::string::npos
                                                     : out.find(':') != std::string::npos;
  if (!has_port)
    out += scheme == "https" ? ":443" : ":80";
  return out;
}

} // namespace

bool origin_allowed(std::string_view origin, std::string_view host,
                    const std::vector<std::string>& allowed) {
  auto trimmed = without_trailing_slashes(trim_ascii(origin));
  for (const auto& a : allowed)
    if (iequals(without_trailing_slashes(a), trimmed))
      return true;
  auto sep = trimmed.find("://");
  host = trim_ascii(host);
  if (sep == std::string_view::npos || host.empty())
    return false;
  auto scheme = to_lower_ascii(trimmed.substr(0, sep));
  if (scheme != "http" && scheme != "https")
    return false;
  auto origin_host = trimmed.substr(sep + 3);
  if (origin_host.empty() || origin_host.find_first_of("/?#@") != std::string_view::npos)
    return false;
  return host_with_port(origin_host, scheme) == host_with_port(host, scheme);
}

bool is_acceptable_password(std::string_view password) noexcept {
  return password.find('\0') == std::string_view::npos && utf8_length(password).has_value();
}

bool is_supported_transfer_encoding(std::string_view value) {
  std::size_t codings = 0;
  bool chunked = false;
  while (true) {
    auto comma = value.find(',');
    auto item = trim_ascii(value.substr(0, comma));
    if (!item.empty()) {
      ++codings;
      chunked = iequals(item, "chunked");
    }
    if (comma == std::string_view::npos)
      break;
    value.remove_prefix(comma + 1);
  }
  return codings == 1 && chunked;
}

bool is_json_content_type(std::string_view content_type) {
  auto media = trim_ascii(content_type.substr(0, content_type.find(';')));
  return iequals(media, "application/json");
}

} // namespace chat::net
