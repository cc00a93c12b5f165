#include "net/replies.hpp"

#include "metrics/log.hpp"
#include "metrics/node_metrics.hpp"
#include "net/invariant.hpp"
#include "net/json.hpp"

namespace chat::net {

api_response json_response(unsigned status, std::string body) {
  api_response res;
  res.status = status;
  res.body = std::move(body);
  return res;
}

api_response error_response(unsigned status, std::string_view code, std::string_view message) {
  return json_response(status, error_body(code, message));
}

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

void reply_store_error(exchange& ex, metrics::node_metrics& m, storage::errc e, std::string_view op) {
  switch (e) {
    case storage::errc::unavailable:
      return reply_error(ex, m, 503, "unavailable", "storage unavailable, retry later");
    case storage::errc::overloaded: // refused before Redis: nothing was written, retrying is safe
      return reply_error_retry_after(ex, m, 503, "overloaded", "the server is overloaded, retry in a moment",
                                     std::chrono::seconds{1});
    case storage::errc::not_found:
      return reply_error(ex, m, 404, "not_found", "not found");
    case storage::errc::forbidden:
      return reply_error(ex, m, 403, "forbidden", "not allowed");
    case storage::errc::conflict:
      return reply_error(ex, m, 409, "conflict", "name already taken");
    case storage::errc::invalid:
      return reply_error(ex, m, 400, "bad_request", "request breaks a rule");
    case storage::errc::internal:
      log::error("http_store_internal", {{"op", op}, {"route", ex.route()}});
      return reply_error(ex, m, 500, "internal", "internal error");
    case storage::errc::ok:
      break;
  }
  CHAT_NET_INVARIANT(false, "reply_store_error called with errc::ok");
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
