#include "net/api_service.hpp"

#include "common/error.hpp"
#include "metrics/log.hpp"
#include "net/auth_middleware.hpp"
#include "net/connection_slot.hpp"
#include "net/replies.hpp"
#include "net/request_guards.hpp"
#include "net/sse_cursor.hpp"
#include "net/transports.hpp"
#include "storage/session_token.hpp"

namespace chat::net {

namespace {

bool unsafe_method(http_method m) noexcept {
  return m != http_method::get && m != http_method::head && m != http_method::options;
}

} // namespace

api_service::api_service(api_env& env)
  : env_(env), auth_(env), users_(env), rooms_(env), messages_(env), search_(env), admin_(env), admin_tables_(env), moderation_(env), channels_(env), uploads_(env), tutorial_(env), files_(env.opts.web_root) {
  auth_.add_routes(router_);
  users_.add_routes(router_);
  rooms_.add_routes(router_);
  messages_.add_routes(router_);
  search_.add_routes(router_);
  moderation_.add_routes(router_);
  channels_.add_routes(router_);
  uploads_.add_routes(router_);
  admin_.add_routes(router_);
  admin_tables_.add_routes(router_);
  tutorial_.add_routes(router_);
}

void api_service::handle(const exchange_ptr& ex) {
  auto& req = ex->request();
  // The real-time transports take the connection over; they are never static files.
  if (req.path == "/ws" || req.path == "/stream")
    return open_stream(ex);

  auto m = router_.match(req.method, req.path);
  if (m.result == router::outcome::not_found)
    return not_routed(ex);
  ex->set_route(m.pattern, std::move(m.params));
  if (m.result == router::outcome::method_not_allowed) {
    auto res = error_response(405, "method_not_allowed", "method not allowed on this route");
    res.headers.emplace_back("Allow", std::move(m.allow));
    env_.metrics.errors("method_not_allowed").Increment();
    return ex->respond(std::move(res));
  }
  if (unsafe_method(req.method)) {
    if (req.has_origin && !origin_allowed(req.origin, req.host, env_.opts.allowed_origins))
      return reply_error(*ex, env_.metrics, 403, "forbidden", "cross-site request refused");
    if (!req.body.empty() && req.has_content_type && !is_json_content_type(req.content_type))
      return reply_error(*ex, env_.metrics, 415, "unsupported_media_type",
                         "the body must be application/json");
  }
  (*m.handler)(ex);
}

void api_service::open_stream(const exchange_ptr& ex) {
  auto& req = ex->request();
  const bool ws = req.path == "/ws";
  ex->set_route(ws ? "/ws" : "/stream", {});
  if (env_.realtime == nullptr)
    return reply_error(*ex, env_.metrics, 404, "not_found", "unknown route");
  if (req.method != http_method::get) {
    auto res = error_response(405, "method_not_allowed", "method not allowed on this route");
    res.headers.emplace_back("Allow", "GET");
    env_.metrics.errors("method_not_allowed").Increment();
    return ex->respond(std::move(res));
  }
  if (ws && !req.websocket_upgrade)
    return reply_error(*ex, env_.metrics, 400, "bad_request", "a WebSocket upgrade is required");
  // Cross-site WebSocket hijacking: browsers always send Origin on a WebSocket handshake.
  if (req.has_origin && !origin_allowed(req.origin, req.host, env_.opts.allowed_origins))
    return reply_error(*ex, env_.metrics, 403, "forbidden", "origin not allowed");
  // Clients that cannot set headers (browsers' WebSocket, EventSource across origins) may pass the
  // token in the query; it is accepted on these two routes only.
  if (req.cookie_token.empty() && req.bearer_token.empty())
    if (auto it = req.query.find("token"); it != req.query.end())
      req.bearer_token = it->second;
  bool batch = false;
  if (auto it = req.query.find("batch"); it != req.query.end())
    batch = it->second == "1" || it->second == "true";
  bool watch = false; // presence only of the users named in presence.watch frames
  if (auto it = req.query.find("presence"); it != req.query.end())
    watch = it->second == "watch";
  require_user(env_, ex, [this, ws, batch, watch](const exchange_ptr& x) {
    // The transport keeps this request's client address (computed once, from a trusted proxy's
    // headers when there is one); the line ties the connection's user to it.
    log::debug("stream_opened", {{"user", x->user()->id},
                                 {"transport", ws ? "ws" : "sse"},
                                 {"addr", x->request().remote_address}});
    const auto limit = env_.opts.max_connections_per_user;
    if (limit == 0)
      return take_over(x, ws, batch, watch, nullptr);
    // One of the user's slots (cluster-wide) before the upgrade. The slot gets its owner on the
    // Redis strand already, so it is released whatever happens to the exchange afterwards.
    auto on_slot = x->resume<storage::errc, connection_slot_ptr>(
      [this, x, ws, batch, watch](storage::errc e, connection_slot_ptr slot) {
        if (e == storage::errc::too_many_connections) {
          env_.metrics.rate_limited("connections").Increment();
          return reply_error(*x, env_.metrics, error::too_many_connections);
        }
        if (e != storage::errc::ok)
          return reply_store_error(*x, env_.metrics, e, "conn_acquire");
        take_over(x, ws, batch, watch, std::move(slot));
      });
    env_.store.acquire_connection(
      x->user()->id, limit,
      [on_slot = std::move(on_slot), &store = env_.store, user_id = x->user()->id](storage::errc e, std::uint64_t id) {
        connection_slot_ptr slot;
        if (e == storage::errc::ok)
          slot = std::make_shared<connection_slot>(store, user_id, id);
        on_slot(e, std::move(slot));
      });
  });
}

void api_service::take_over(const exchange_ptr& x, bool ws, bool batch, bool watch, connection_slot_ptr slot) {
  api_response res;
  res.status = 101;
  res.route = ws ? "/ws" : "/stream";
  // The connection knows its session by the token's hash (never the token): its end closes it.
  auto session_id = storage::hash_session_token(request_token(x->request()));
  if (ws)
    res.takeover = make_ws_takeover(env_, *x->user(), std::move(session_id), batch, watch, std::move(slot));
  else
    res.takeover = make_sse_takeover(env_, *x->user(), std::move(session_id),
                                     parse_sse_cursor(x->request().last_event_id), std::move(slot));
  x->respond(std::move(res));
}

void api_service::not_routed(const exchange_ptr& ex) {
  auto& req = ex->request();
  if (req.method == http_method::get || req.method == http_method::head) {
    if (auto res = files_.lookup(req.path)) {
      ex->set_route("static", {});
      return ex->respond(std::move(*res));
    }
  }
  reply_error(*ex, env_.metrics, 404, "not_found", "unknown route");
}

} // namespace chat::net
