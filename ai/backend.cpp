#include "ai/backend.hpp"

namespace chat::ai {

std::string_view to_string(outcome o) noexcept {
  switch (o) {
    case outcome::ok: return "ok";
    case outcome::stopped: return "stopped";
    case outcome::upstream: return "upstream";
    case outcome::malformed: return "malformed";
    case outcome::idle_timeout: return "idle_timeout";
    case outcome::timeout: return "timeout";
    case outcome::unreachable: return "unreachable";
  }
  return "unknown";
}

std::string_view to_string(turn::role r) noexcept {
  switch (r) {
    case turn::role::system: return "system";
    case turn::role::assistant: return "assistant";
    case turn::role::user: break;
  }
  return "user";
}

} // namespace chat::ai
