#pragma once
/// Channel management (issue #23): PATCH /rooms/{id} (name, topic, private, archived, owner),
/// DELETE /rooms/{id}, POST /rooms/{id}/members (invite), DELETE /rooms/{id}/members/{userId}
/// (remove; oneself: leave). The channel's owner or an admin; the store checks it atomically with
/// the change. Live effects: `room.updated` (a room event) to the members, `room.joined` to an
/// invited user, `room.removed` to removed users (their connections stop following the room).

#include <functional>
#include <optional>
#include <string>

#include "net/api_env.hpp"
#include "net/exchange.hpp"
#include "net/json.hpp"
#include "net/router.hpp"

namespace chat::net {

/// The longest channel name and topic, in characters.
inline constexpr std::size_t max_channel_name_chars = 64;
inline constexpr std::size_t max_channel_topic_chars = 250;

/// A channel name from a request (trimmed; 1-64 characters of valid UTF-8, not blank), or
/// std::nullopt with `why`.
std::optional<std::string> channel_name_of(const std::string& raw, std::string& why);

/// A topic from a request (0-250 characters of valid UTF-8, no control characters), or
/// std::nullopt with `why`.
std::optional<std::string> channel_topic_of(const std::string& raw, std::string& why);

class channel_handlers {
public:
  /// Handlers working with `env` (which must outlive them).
  explicit channel_handlers(api_env& env) : env_(env) {}

  /// Registers the routes.
  void add_routes(router& r);

private:
  void do_update(const exchange_ptr& ex);
  void do_delete(const exchange_ptr& ex);
  void do_add_member(const exchange_ptr& ex);
  void do_remove_member(const exchange_ptr& ex);

  /// The signed-in caller's request on a channel with a JSON object body: `next(ex, body)`, or the
  /// refusal answered (401, 404 / 400 as is_channel, a bad body).
  void with_body(const exchange_ptr& ex, std::function<void(const exchange_ptr&, const json_object&)> next);
  /// True for a channel's route; else answers 404 (no room id) or 400 (General, a DM) and false.
  bool is_channel(const exchange_ptr& ex);
  /// Answers a refusal of the store for a channel route (`op` names it in logs and metrics).
  void refuse(const exchange_ptr& ex, storage::errc e, const char* op);

  api_env& env_;
};

} // namespace chat::net
