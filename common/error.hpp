#pragma once
/// The node's one error type: `chat::error` values in one std::error_category, with one table that
/// gives each its wire code (`error` event `code`, HTTP body `error`), its default human message and
/// its HTTP status. Every layer reports failures as a std::error_code of this category; transports
/// only map it (a WebSocket `error` event, an HTTP status), so one failure reads the same everywhere.

#include <string_view>
#include <system_error>

namespace chat {

/// Every failure a client can be told about (and a few the node only logs).
enum class error {
  ok = 0,
  bad_json,          ///< not JSON / not a JSON object (400)
  bad_request,       ///< a field is missing, has the wrong type or breaks a rule (400)
  too_long,          ///< a text over its length limit (400)
  unknown_type,      ///< a client frame of an unknown type (WebSocket only)
  unauthorized,      ///< no valid session (401)
  forbidden,         ///< authenticated, but not allowed (403)
  not_found,         ///< unknown room, message, user or route (404)
  conflict,          ///< a unique name is taken (409)
  too_many_rooms,    ///< the user is in --max-rooms-per-user rooms already (403)
  too_many_connections, ///< the user has --max-connections-per-user live connections (429)
  too_many_reactions, ///< a message has its 20 distinct reactions already (409)
  muted,             ///< the user is muted (everywhere or in the room) by a moderator (403)
  archived,          ///< the channel is archived: read-only (403)
  payload_too_large, ///< a body over the limit (413)
  rate_limited,      ///< too many requests; retry later (429)
  overloaded,        ///< refused before Redis, which is too far behind; retry in a moment (503)
  unavailable,       ///< Redis is unreachable or the node is draining (503)
  not_replicated,    ///< stored on the master, not confirmed by --redis-min-replicas-acked replicas in time (503)
  internal,          ///< a broken expectation of ours (500, logged)
};

} // namespace chat

namespace std {
template <>
struct is_error_code_enum<chat::error> : true_type {};
} // namespace std

namespace chat {

/// One row of the error table.
struct error_info {
  std::string_view code;    ///< the wire code, e.g. "not_found"
  std::string_view message; ///< the default human text
  unsigned http_status;     ///< the HTTP status that carries it
};

/// The row of `e`.
const error_info& info(error e) noexcept;

/// The category of chat::error (name "chat").
const std::error_category& error_category() noexcept;

/// Makes `e` an error_code of the chat category (ADL hook of std::error_code).
std::error_code make_error_code(error e) noexcept;

/// The chat::error an error_code carries; error::internal for codes of other categories.
error to_error(const std::error_code& ec) noexcept;

/// The table row of any error_code (error::internal's for codes of other categories).
inline const error_info& info(const std::error_code& ec) noexcept { return info(to_error(ec)); }

} // namespace chat
