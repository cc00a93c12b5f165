#pragma once
/// An owned copy of a hiredis reply (hiredis frees its own reply when the callback returns).

#include <string>
#include <string_view>
#include <vector>

struct redisReply; // hiredis; only redis_reply.cpp and the client see its definition

namespace chat::storage {

/// One RESP2 reply, or `io_error` when the command never got an answer.
struct redis_reply {
  /// What the reply is.
  enum class kind { io_error, nil, integer, string, status, error, array };

  kind type = kind::io_error;          ///< the reply type
  long long integer = 0;               ///< value of an `integer` reply
  std::string str;                     ///< text of `string`, `status` and `error` replies
  std::vector<redis_reply> elements;   ///< elements of an `array` reply

  /// A reply standing for "no answer": connection down, dropped or never sent.
  static redis_reply io_failure(std::string why = {});
  /// Deep copy of a hiredis reply; a null pointer becomes `io_error`.
  static redis_reply from_hiredis(const ::redisReply* r);

  /// True when the command never got an answer.
  bool is_io_error() const noexcept { return type == kind::io_error; }
  /// True for a Redis error reply (`-ERR …`, `-NOSCRIPT …`, …).
  bool is_error() const noexcept { return type == kind::error; }
  /// True for a nil bulk or nil array.
  bool is_nil() const noexcept { return type == kind::nil; }
  /// True for a bulk string.
  bool is_string() const noexcept { return type == kind::string; }
  /// True for an integer.
  bool is_integer() const noexcept { return type == kind::integer; }
  /// True for an array.
  bool is_array() const noexcept { return type == kind::array; }
  /// True for the status reply `+OK`.
  bool ok() const noexcept { return type == kind::status && str == "OK"; }
  /// True when this is a Redis error whose text starts with `prefix` (e.g. "NOSCRIPT").
  bool error_starts_with(std::string_view prefix) const noexcept;
  /// True for a string or status reply equal to `text`.
  bool text_is(std::string_view text) const noexcept;
};

/// Name of a reply kind ("io_error", "nil", …) for logs.
const char* to_string(redis_reply::kind k) noexcept;

} // namespace chat::storage
