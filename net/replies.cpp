#include "net/replies.hpp"

#include "actors/chat_service.hpp"
#include "common/error.hpp"
#include "metrics/log.hpp"
#include "metrics/node_metrics.hpp"
#include "net/invariant.hpp"
#include "net/json.hpp"

namespace chat::net {

void reply_error(exchange& ex, metrics::node_metrics& m, unsigned status, std::string_view code,
                 std::string_view message) {
  m.errors(code).Increment();
  ex.respond(error_response(status, code, message));
}

void reply_bad_request(exchange& ex, metrics::node_metrics& m, std::string_view message) {
  reply_error(ex, m, 400, "bad_request", message);
}

void reply_error_retry_after(exchange& ex, metrics::node_metrics& m, unsigned status, std::string_view code,
                             std::string_view message, std::chrono::seconds retry_after) {
  m.errors(code).Increment();
  auto res = error_response(status, code, message);
  res.headers.emplace_back("Retry-After", std::to_string(retry_after.count()));
  ex.respond(std::move(res));
}

void reply_rate_limited(exchange& ex, metrics::node_metrics& m, std::string_view kind,
                        std::chrono::seconds retry_after) {
  m.rate_limited(kind).Increment();
  reply_error_retry_after(ex, m, 429, "rate_limited", "too many requests, retry later", retry_after);
}

void reply_error(exchange& ex, metrics::node_metrics& m, std::error_code ec, std::string_view message,
                 std::chrono::seconds retry_after) {
  CHAT_NET_INVARIANT(static_cast<bool>(ec), "reply_error called without an error");
  const auto& e = info(ec);
  if (message.empty())
    message = e.message;
  switch (to_error(ec)) {
    case error::rate_limited:
      return reply_error_retry_after(ex, m, e.http_status, e.code, message, retry_after);
    case error::overloaded: // refused before Redis: nothing was written, retrying is safe
      return reply_error_retry_after(ex, m, e.http_status, e.code, message, std::chrono::seconds{1});
    default:
      return reply_error(ex, m, e.http_status, e.code, message);
  }
}

void reply_store_error(exchange& ex, metrics::node_metrics& m, storage::errc e, std::string_view op) {
  CHAT_NET_INVARIANT(e != storage::errc::ok, "reply_store_error called with errc::ok");
  if (e == storage::errc::internal)
    log::error("http_store_internal", {{"op", op}, {"route", ex.route()}});
  reply_error(ex, m, actors::from_store(e));
}

} // namespace chat::net

namespace chat::net {

bool read_json_body(exchange& ex, metrics::node_metrics& m, json_object& out) {
  if (out.parse(ex.request().body))
    return true;
  reply_error(ex, m, 400, "bad_json", "the body must be a JSON object");
  return false;
}

} // namespace chat::net
