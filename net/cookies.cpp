#include "net/cookies.hpp"

#include "common/text.hpp"

namespace chat::net {

std::string_view cookie_value(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    auto semi = header.find(';');
    auto pair = trim_ascii(header.substr(0, semi));
    header = semi == std::string_view::npos ? std::string_view{} : header.substr(semi + 1);
    auto eq = pair.find('=');
    if (eq == std::string_view::npos || trim_ascii(pair.substr(0, eq)) != name)
      continue;
    auto value = trim_ascii(pair.substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
      value = value.substr(1, value.size() - 2);
    return value;
  }
  return {};
}

std::string_view bearer_token(std::string_view authorization) {
  authorization = trim_ascii(authorization);
  constexpr std::string_view scheme = "bearer";
  if (authorization.size() <= scheme.size() ||
      !iequals(authorization.substr(0, scheme.size()), scheme) ||
      (authorization[scheme.size()] != ' ' && authorization[scheme.size()] != '\t'))
    return {};
  return trim_ascii(authorization.substr(scheme.size() + 1));
}

std::string session_cookie(std::string_view token, std::chrono::seconds max_age, bool secure) {
  std::string out;
  out.reserve(128);
  out.append(session_cookie_name).append("=").append(token);
  out.append("; HttpOnly; SameSite=Lax; Path=/; Max-Age=").append(std::to_string(max_age.count()));
  if (secure)
    out.append("; Secure");
  return out;
}

std::string clear_session_cookie(bool secure) {
  return session_cookie({}, std::chrono::seconds{0}, secure);
}

} // namespace chat::net
