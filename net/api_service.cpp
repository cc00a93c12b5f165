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
  : env_(env), polling_(env), auth_(env), users_(env), rooms_(env), messages_(env), search_(env), admin_(env), admin_tables_(env), moderation_(env), channels_(env), uploads_(env), tutorial_(env), files_(env.opts.web_root) {
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
  if (req.path == "/socket.io/" || req.path == "/socket.io")
    return open_socketio(ex);

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
  const stream_choice choice{ws ? stream_choice::kind::ws : stream_choice::kind::sse, batch, watch};
  require_user(env_, ex, [this, choice](const exchange_ptr& x) { acquire_and_take_over(x, choice); });
}

void api_service::open_socketio(const exchange_ptr& ex) {
  auto& req = ex->request();
  ex->set_route("/socket.io/", {});
  if (env_.realtime == nullptr)
    return reply_error(*ex, env_.metrics, 404, "not_found", "unknown route");
  auto param = [&req](const char* name) -> std::string_view {
    auto it = req.query.find(name);
    return it == req.query.end() ? std::string_view{} : std::string_view{it->second};
  };
  const bool polling = param("transport") == "polling";
  const bool post_allowed = polling && !param("sid").empty(); // the client's packets
  if (req.method != http_method::get && !(post_allowed && req.method == http_method::post)) {
    auto res = error_response(405, "method_not_allowed", "method not allowed on this route");
    res.headers.emplace_back("Allow", post_allowed ? "GET, POST" : "GET");
    env_.metrics.errors("method_not_allowed").Increment();
    return ex->respond(std::move(res));
  }
  if (param("EIO") != "4")
    return reply_error(*ex, env_.metrics, 400, "bad_request", "unsupported protocol version (EIO=4 only)");
  if (req.has_origin && !origin_allowed(req.origin, req.host, env_.opts.allowed_origins))
    return reply_error(*ex, env_.metrics, 403, "forbidden", "origin not allowed");
  if (polling) { // HTTP long-polling (socketio_polling.hpp): no upgrade offered
    if (param("sid").empty())
      return optional_user(env_, ex, [this](const exchange_ptr& x) {
        if (x->user())
          return acquire_and_take_over(x, stream_choice{stream_choice::kind::socketio_polling});
        polling_.open_refused(x);
      });
    return optional_user(env_, ex, [this, sid = std::string{param("sid")}](const exchange_ptr& x) {
      polling_.request(x, sid, x->user() ? x->user()->id : std::string{});
    });
  }
  // The WebSocket transport: opened directly (socket.io-client's transports:['websocket']), or
  // upgrading a polling session (its sid, the same user).
  if (param("transport") != "websocket")
    return reply_error(*ex, env_.metrics, 400, "bad_request", "transport unknown");
  if (!req.websocket_upgrade)
    return reply_error(*ex, env_.metrics, 400, "bad_request", "a WebSocket upgrade is required");
  if (!param("sid").empty())
    return require_user(env_, ex, [this, sid = std::string{param("sid")}](const exchange_ptr& x) {
      auto from = polling_.upgrading(sid, x->user()->id);
      if (!from)
        return reply_error(*x, env_.metrics, 400, "bad_request", "session ID unknown");
      stream_choice choice{stream_choice::kind::socketio};
      choice.upgrade = std::move(from);
      acquire_and_take_over(x, std::move(choice));
    });
  if (req.has_origin && !origin_allowed(req.origin, req.host, env_.opts.allowed_origins))
    return reply_error(*ex, env_.metrics, 403, "forbidden", "origin not allowed");
  // Socket.IO refuses an unauthenticated client at its own level (CONNECT_ERROR), not with a 401.
  optional_user(env_, ex, [this](const exchange_ptr& x) {
    if (x->user())
      return acquire_and_take_over(x, stream_choice{stream_choice::kind::socketio});
    api_response res;
    res.status = 101;
    res.route = "/socket.io/";
    res.takeover = make_socketio_refusal(env_);
    x->respond(std::move(res));
  });
}

void api_service::acquire_and_take_over(const exchange_ptr& x, stream_choice choice) {
  // The transport keeps this request's client address (computed once, from a trusted proxy's
  // headers when there is one); the line ties the connection's user to it.
  log::debug("stream_opened", {{"user", x->user()->id},
                               {"transport", choice.type == stream_choice::kind::ws    ? "ws"
                                             : choice.type == stream_choice::kind::sse ? "sse"
                                                                                        : "socketio"},
                               {"addr", x->request().remote_address}});
  const auto limit = env_.opts.max_connections_per_user;
  if (limit == 0)
    return take_over(x, choice, nullptr);
  // One of the user's slots (cluster-wide) before the upgrade. The slot gets its owner on the
  // Redis strand already, so it is released whatever happens to the exchange afterwards.
  auto on_slot = x->resume<storage::errc, connection_slot_ptr>(
    [this, x, choice](storage::errc e, connection_slot_ptr slot) {
      if (e == storage::errc::too_many_connections) {
        env_.metrics.rate_limited("connections").Increment();
        return reply_error(*x, env_.metrics, error::too_many_connections);
      }
      if (e != storage::errc::ok)
        return reply_store_error(*x, env_.metrics, e, "conn_acquire");
      take_over(x, choice, std::move(slot));
    });
  env_.store.acquire_connection(
    x->user()->id, limit,
    [on_slot = std::move(on_slot), &store = env_.store, user_id = x->user()->id](storage::errc e, std::uint64_t id) {
      connection_slot_ptr slot;
      if (e == storage::errc::ok)
        slot = std::make_shared<connection_slot>(store, user_id, id);
      on_slot(e, std::move(slot));
    });
}

void api_service::take_over(const exchange_ptr& x, stream_choice choice, connection_slot_ptr slot) {
  using kind = stream_choice::kind;
  api_response res;
  res.status = 101;
  res.route = choice.type == kind::ws ? "/ws" : choice.type == kind::sse ? "/stream" : "/socket.io/";
  // The connection knows its session by the token's hash (never the token): its end closes it.
  auto session_id = storage::hash_session_token(request_token(x->request()));
  switch (choice.type) {
    case kind::ws:
      res.takeover = make_ws_takeover(env_, *x->user(), std::move(session_id), choice.batch, choice.watch,
                                      std::move(slot));
      break;
    case kind::sse:
      res.takeover = make_sse_takeover(env_, *x->user(), std::move(session_id),
                                       parse_sse_cursor(x->request().last_event_id), std::move(slot));
      break;
    case kind::socketio:
      res.takeover = make_socketio_takeover(env_, *x->user(), std::move(session_id), std::move(slot),
                                            std::move(choice.upgrade));
      break;
    case kind::socketio_polling: // an HTTP answer, no takeover
      return polling_.open(x, std::move(session_id), std::move(slot));
  }
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
