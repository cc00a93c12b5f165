#pragma once
/// Building responses: JSON bodies, protocol.md's error model, storage::errc → HTTP.
/// Every error reply is counted in `chatnode_errors_total{kind=<code>}`.

#include <chrono>
#include <string>
#include <string_view>
#include <system_error>

#include "net/api_types.hpp"
#include "net/exchange.hpp"
#include "storage/chat_store.hpp"

namespace chat::metrics {
class node_metrics;
}

namespace chat::net {

/// A JSON response with `status` and an already serialised `body`.
api_response json_response(unsigned status, std::string body);

/// A protocol error response `{"error":code,"message":message}` (not counted).
api_response error_response(unsigned status, std::string_view code, std::string_view message);

/// Counts the error kind `code` and answers the exchange with an error response.
void reply_error(exchange& ex, metrics::node_metrics& m, unsigned status, std::string_view code,
                 std::string_view message);

/// As reply_error, with a `Retry-After` header of `retry_after` seconds.
void reply_error_retry_after(exchange& ex, metrics::node_metrics& m, unsigned status, std::string_view code,
                             std::string_view message, std::chrono::seconds retry_after);

/// 400 bad_request with `message`.
void reply_bad_request(exchange& ex, metrics::node_metrics& m, std::string_view message);

/// 429 rate_limited with `Retry-After`, also counted in `rate_limited(kind)`.
void reply_rate_limited(exchange& ex, metrics::node_metrics& m, std::string_view kind,
                        std::chrono::seconds retry_after);

/// Answers a refused command with its table row (common/error.hpp): status, code, and `message`
/// (the row's default when empty); rate_limited and overloaded carry `Retry-After`
/// (`retry_after` seconds, 1 for overloaded). Counted in errors{kind=<code>}.
void reply_error(exchange& ex, metrics::node_metrics& m, std::error_code ec, std::string_view message = {},
                 std::chrono::seconds retry_after = std::chrono::seconds{1});

/// Answers a failed store operation: unavailable → 503, overloaded → 503 with Retry-After, not_found → 404, forbidden → 403,
/// conflict → 409, invalid → 400, internal → 500 (logged with `op`). `e` must not be ok.
void reply_store_error(exchange& ex, metrics::node_metrics& m, storage::errc e, std::string_view op);

} // namespace chat::net

namespace chat::net {

class json_object;

/// Parses the request body as a JSON object into `out`; on failure answers 400 bad_json and
/// returns false.
bool read_json_body(exchange& ex, metrics::node_metrics& m, json_object& out);

} // namespace chat::net
