#pragma once
/// Which requests are uploads (issue #24): their body is not read before a handler accepted it, and
/// it is read in pieces instead of into memory (net/http_session_body.cpp).

#include <string_view>

namespace chat::net {

/// `/room/{roomId}/files` (with or without a query), the one upload route.
constexpr bool is_upload_target(std::string_view target) noexcept {
  auto path = target.substr(0, target.find('?'));
  constexpr std::string_view head = "/room/";
  constexpr std::string_view tail = "/files";
  if (path.size() <= head.size() + tail.size() || path.substr(0, head.size()) != head ||
      path.substr(path.size() - tail.size()) != tail)
    return false;
  auto room = path.substr(head.size(), path.size() - head.size() - tail.size());
  return room.find('/') == std::string_view::npos;
}

} // namespace chat::net
