#include "common/error.hpp"

#include <array>
#include <string>

namespace chat {
namespace {

constexpr std::array<error_info, 20> table{{
  {"ok", "ok", 200},
  {"bad_json", "the body or frame must be a JSON object", 400},
  {"bad_request", "the request breaks a rule", 400},
  {"too_long", "the text is too long", 400},
  {"unknown_type", "unknown frame type", 400},
  {"unauthorized", "no valid session", 401},
  {"forbidden", "not allowed", 403},
  {"not_found", "not found", 404},
  {"conflict", "name already taken", 409},
  {"too_many_rooms", "you are in too many rooms; leave a channel first", 403},
  {"too_many_connections", "too many open connections for this user; close one first", 429},
  {"too_many_reactions", "the message has the most distinct reactions it may have", 409},
  {"muted", "you are muted", 403},
  {"archived", "the channel is archived: it is read-only", 403},
  {"payload_too_large", "the body is too large", 413},
  {"rate_limited", "too many requests; slow down", 429},
  {"overloaded", "the server is overloaded; nothing was stored, retry in a moment", 503},
  {"unavailable", "storage is unavailable; retry later", 503},
  {"not_replicated", "stored, but no replica confirmed it in time: a Redis failover may lose it; "
                     "check the room before sending it again", 503},
  {"internal", "internal error", 500},
}};

static_assert(table.size() == static_cast<std::size_t>(error::internal) + 1, "one row per chat::error");

class category final : public std::error_category {
public:
  const char* name() const noexcept override { return "chat"; }
  std::string message(int value) const override {
    if (value < 0 || static_cast<std::size_t>(value) >= table.size())
      return "unknown chat error";
    return std::string{table[static_cast<std::size_t>(value)].message};
  }
};

} // namespace

const error_info& info(error e) noexcept {
  auto i = static_cast<std::size_t>(e);
  return i < table.size() ? table[i] : table.back();
}

const std::error_category& error_category() noexcept {
  static const category instance;
  return instance;
}

std::error_code make_error_code(error e) noexcept {
  return {static_cast<int>(e), error_category()};
}

error to_error(const std::error_code& ec) noexcept {
  if (!ec)
    return error::ok;
  if (ec.category() != error_category())
    return error::internal;
  return static_cast<error>(ec.value());
}

} // namespace chat
