#include "net/message_handlers.hpp"

#include <limits>

#include "metrics/log.hpp"
#include "net/auth_middleware.hpp"
#include "net/json.hpp"
#include "net/json_views.hpp"
#include "net/live_common.hpp"
#include "net/replies.hpp"
#include "net/text.hpp"

namespace chat::net {

namespace {

using storage::errc;
constexpr std::int64_t max_page = 100;
constexpr std::size_t max_client_id_chars = 64;

/// One integer query parameter in [min, max]; std::nullopt (and `bad`) when present but invalid.
std::optional<std::int64_t> int_param(const query_params& q, std::string_view key, std::int64_t min,
                                      std::int64_t max, bool& bad) {
  auto it = q.find(key);
  if (it == q.end())
    return std::nullopt;
  auto v = parse_int64(it->second);
  if (!v || *v < min || *v > max) {
    bad = true;
    return std::nullopt;
  }
  return v;
}

} // namespace

void message_handlers::add_routes(router& r) {
  r.add(http_method::get, "/room/{id}/messages", [this](const exchange_ptr& ex) { do_list(ex); });
  r.add(http_method::post, "/room/{id}/messages", [this](const exchange_ptr& ex) { do_send(ex); });
}

void message_handlers::check_member(const exchange_ptr& ex, std::function<void()> next) {
  const auto& room_id = ex->param("id");
  if (!is_room_id(room_id))
    return reply_error(*ex, env_.metrics, 404, "not_found", "unknown room");
  env_.store.check_access(
    ex->user()->id, room_id,
    ex->resume<errc, storage::room_access>([this, ex, next = std::move(next)](errc e, storage::room_access a) {
      if (e != errc::ok)
        return reply_store_error(*ex, env_.metrics, e, "check_access");
      if (a == storage::room_access::not_found)
        return reply_error(*ex, env_.metrics, 404, "not_found", "unknown room");
      if (a == storage::room_access::forbidden)
        return reply_error(*ex, env_.metrics, 403, "forbidden", "not a member of this room");
      next();
    }));
}

// -- GET /room/{id}/messages --------------------------------------------------------------

bool message_handlers::read_page(const exchange_ptr& ex, page& out) {
  const auto& q = ex->request().query;
  bool bad = false;
  auto offset = int_param(q, "offset", 0, std::numeric_limits<std::int64_t>::max(), bad);
  auto size = int_param(q, "size", 1, max_page, bad);
  auto before = int_param(q, "before", 1, std::numeric_limits<std::int64_t>::max(), bad);
  auto limit = int_param(q, "limit", 1, max_page, bad);
  if (bad) {
    reply_bad_request(*ex, env_.metrics,
                      "offset >= 0, size 1-100, before > 0 and limit 1-100 must be integers");
    return false;
  }
  bool offset_style = offset || size;
  bool cursor_style = before || limit;
  if (offset_style && cursor_style) {
    reply_bad_request(*ex, env_.metrics, "use either offset/size or before/limit");
    return false;
  }
  out.by_offset = !cursor_style;
  out.offset = offset.value_or(0);
  out.size = size.value_or(15);
  out.before = before;
  out.limit = limit.value_or(50);
  return true;
}

void message_handlers::do_list(const exchange_ptr& ex) {
  require_user(env_, ex, [this](const exchange_ptr& x) {
    page p;
    if (!read_page(x, p))
      return;
    check_member(x, [this, x, p] { on_list_access(x, p); });
  });
}

void message_handlers::on_list_access(const exchange_ptr& ex, const page& p) {
  auto done = ex->resume<errc, std::vector<storage::stored_message>>(
    [this, ex](errc e, std::vector<storage::stored_message> messages) {
      if (e != errc::ok)
        return reply_store_error(*ex, env_.metrics, e, "messages");
      ex->respond(json_response(200, messages_json(messages)));
    });
  if (p.by_offset)
    env_.store.messages_by_offset(ex->param("id"), p.offset, p.size, std::move(done));
  else
    env_.store.messages_before(ex->param("id"), p.before, p.limit, std::move(done));
}

// -- POST /room/{id}/messages -----------------------------------------------------------------

bool message_handlers::read_draft(const exchange_ptr& ex, draft& out) {
  json_object body;
  if (!read_json_body(*ex, env_.metrics, body))
    return false;
  if (body.get_string("message", out.text) != json_object::lookup::ok) {
    reply_bad_request(*ex, env_.metrics, "\"message\" must be a string");
    return false;
  }
  auto chars = utf8_length(out.text);
  if (!chars) {
    reply_bad_request(*ex, env_.metrics, "\"message\" must be valid UTF-8");
    return false;
  }
  if (*chars == 0 || *chars > env_.opts.max_message_chars) {
    reply_bad_request(*ex, env_.metrics, "\"message\" must be 1-" +
                                           std::to_string(env_.opts.max_message_chars) +
                                           " characters");
    return false;
  }
  if (is_blank(out.text)) {
    reply_bad_request(*ex, env_.metrics, "\"message\" must not be blank");
    return false;
  }
  std::string client_id;
  switch (body.get_string("clientId", client_id)) {
    case json_object::lookup::missing:
      break;
    case json_object::lookup::wrong_type:
      reply_bad_request(*ex, env_.metrics, "\"clientId\" must be a string");
      return false;
    case json_object::lookup::ok: {
      auto n = utf8_length(client_id);
      if (!n || *n > max_client_id_chars) {
        reply_bad_request(*ex, env_.metrics, "\"clientId\" must be valid UTF-8 of at most 64 characters");
        return false;
      }
      out.client_id = std::move(client_id);
    }
  }
  return true;
}

void message_handlers::do_send(const exchange_ptr& ex) {
  // Admission first: behind a Redis backlog even the session lookup would wait its length.
  if (!env_.store.admit_message())
    return reply_store_error(*ex, env_.metrics, errc::overloaded, "send_message");
  require_user(env_, ex, [this](const exchange_ptr& x) {
    draft d;
    if (!read_draft(x, d))
      return;
    x->request().body = std::string{}; // the text now lives in the draft only
    if (!is_room_id(x->param("id")))
      return reply_error(*x, env_.metrics, 404, "not_found", "unknown room");
    // Membership is checked by the store's send script, in the same round trip as the write.
    on_send_draft(x, std::move(d));
  });
}

void message_handlers::on_send_draft(const exchange_ptr& ex, draft d) {
  // The same per-user token bucket as WebSocket sends: in memory, no Redis round trip.
  if (!env_.send_limiter.allow(ex->user()->id))
    return reply_rate_limited(*ex, env_.metrics, "message_http",
                              std::chrono::seconds{env_.send_limiter.retry_after_seconds()});
  on_send_allowed(ex, std::move(d));
}

void message_handlers::on_send_allowed(const exchange_ptr& ex, draft d) {
  env_.store.send_message(
    ex->param("id"), ex->user()->id, std::move(d.text),
    ex->resume<errc, storage::sent_message>(
      [this, ex, client_id = std::move(d.client_id)](errc e, storage::sent_message m) {
        if (e == errc::not_found)
          return reply_error(*ex, env_.metrics, 404, "not_found", "unknown room");
        if (e == errc::forbidden)
          return reply_error(*ex, env_.metrics, 403, "forbidden", "not a member of this room");
        if (e != errc::ok)
          return reply_store_error(*ex, env_.metrics, e, "send_message");
        env_.metrics.messages_received(metrics::transport::http).Increment();
        publish_sent(env_, ex->param("id"), m);
        if (!client_id)
          return ex->respond(json_response(201, std::move(m.json)));
        auto body = with_client_id(std::move(m.json), *client_id);
        if (!body) {
          log::error("http_message_json_invalid", {{"room", ex->param("id")}, {"id", m.id}});
          return reply_error(*ex, env_.metrics, 500, "internal", "internal error");
        }
        ex->respond(json_response(201, std::move(*body)));
      }));
}

} // namespace chat::net
