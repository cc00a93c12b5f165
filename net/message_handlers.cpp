#include "net/message_handlers.hpp"

#include <limits>

#include "common/error.hpp"
#include "common/text.hpp"
#include "metrics/log.hpp"
#include "net/auth_middleware.hpp"
#include "net/json.hpp"
#include "net/json_views.hpp"
#include "net/replies.hpp"
#include "storage/message_json.hpp"

namespace chat::net {

namespace {

using storage::errc;
constexpr std::int64_t max_page = 100;
constexpr auto transport = metrics::transport::http;

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

/// The answer to a DELETE.
std::string deletion_json(std::int64_t id, std::string_view room_id, std::int64_t seq) {
  std::string out = R"({"id":)" + std::to_string(id) + R"(,"roomId":)";
  storage::append_json_string(out, room_id);
  out += R"(,"deleted":true,"seq":)" + std::to_string(seq) + "}";
  return out;
}

} // namespace

void message_handlers::add_routes(router& r) {
  r.add(http_method::get, "/room/{id}/messages", [this](const exchange_ptr& ex) { do_list(ex); });
  r.add(http_method::post, "/room/{id}/messages", [this](const exchange_ptr& ex) { do_send(ex); });
  r.add(http_method::patch, "/room/{id}/messages/{messageId}", [this](const exchange_ptr& ex) { do_edit(ex); });
  r.add(http_method::del, "/room/{id}/messages/{messageId}", [this](const exchange_ptr& ex) { do_delete(ex); });
}

actors::post_fn message_handlers::on_session(const exchange_ptr& ex) {
  return [ex](std::function<void()> fn) { ex->post(std::move(fn)); };
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
  out.offset = offset.value_or(out.offset); // the defaults are page's own
  out.size = size.value_or(out.size);
  out.before = before;
  out.limit = limit.value_or(out.limit);
  return true;
}

void message_handlers::do_list(const exchange_ptr& ex) {
  require_user(env_, ex, [this](const exchange_ptr& x) {
    page p;
    if (!read_page(x, p))
      return;
    env_.chat.check_member(x->user()->id, x->param("id"), on_session(x),
                           [this, x, p](std::error_code ec, const std::string& why) {
                             if (ec)
                               return reply_error(*x, env_.metrics, ec, why);
                             on_list_access(x, p);
                           });
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

// -- the commands ---------------------------------------------------------------------------------

bool message_handlers::read_body(const exchange_ptr& ex, bool with_text, std::string& text,
                                 std::string& client_id) {
  json_object body;
  if (!with_text && ex->request().body.empty())
    return true; // DELETE without a body
  if (!read_json_body(*ex, env_.metrics, body))
    return false;
  if (with_text && body.get_string("message", text) != json_object::lookup::ok) {
    reply_bad_request(*ex, env_.metrics, "\"message\" must be a string");
    return false;
  }
  if (body.get_string("clientId", client_id) == json_object::lookup::wrong_type) {
    reply_bad_request(*ex, env_.metrics, "\"clientId\" must be a string");
    return false;
  }
  ex->request().body = std::string{}; // the text now lives in the command only
  return true;
}

std::optional<std::int64_t> message_handlers::message_id(const exchange_ptr& ex) {
  auto id = parse_int64(ex->param("messageId"));
  if (!id || *id <= 0) {
    reply_error(*ex, env_.metrics, error::not_found, "no such message");
    return std::nullopt;
  }
  return id;
}

actors::result_fn message_handlers::answer(const exchange_ptr& ex, unsigned status) {
  return [this, ex, status](actors::command_result r) {
    if (r.error)
      return reply_error(*ex, env_.metrics, r.error, r.message,
                         std::chrono::seconds{env_.chat.retry_after_seconds()});
    if (r.client_id.empty())
      return ex->respond(json_response(status, std::move(r.data)));
    auto body = with_client_id(std::move(r.data), r.client_id);
    if (!body) {
      log::error("http_event_json_invalid", {{"room", r.room_id}, {"id", r.id}});
      return reply_error(*ex, env_.metrics, error::internal);
    }
    ex->respond(json_response(status, std::move(*body)));
  };
}

void message_handlers::do_send(const exchange_ptr& ex) {
  // Admission first: behind a Redis backlog even the session lookup would wait its length.
  if (!env_.chat.admit_message())
    return reply_error(*ex, env_.metrics, error::overloaded);
  require_user(env_, ex, [this](const exchange_ptr& x) {
    actors::send_command cmd;
    if (!read_body(x, true, cmd.text, cmd.client_id))
      return;
    cmd.room_id = x->param("id");
    env_.chat.send({x->user()->id, transport}, std::move(cmd), on_session(x), answer(x, 201));
  });
}

void message_handlers::do_edit(const exchange_ptr& ex) {
  require_user(env_, ex, [this](const exchange_ptr& x) {
    actors::edit_command cmd;
    if (!read_body(x, true, cmd.text, cmd.client_id))
      return;
    auto id = message_id(x);
    if (!id)
      return;
    cmd.room_id = x->param("id");
    cmd.id = *id;
    env_.chat.edit({x->user()->id, transport}, std::move(cmd), on_session(x), answer(x, 200));
  });
}

void message_handlers::do_delete(const exchange_ptr& ex) {
  require_user(env_, ex, [this](const exchange_ptr& x) {
    actors::delete_command cmd;
    std::string unused;
    if (!read_body(x, false, unused, cmd.client_id))
      return;
    auto id = message_id(x);
    if (!id)
      return;
    cmd.room_id = x->param("id");
    cmd.id = *id;
    auto reply = answer(x, 200);
    env_.chat.remove({x->user()->id, transport}, std::move(cmd), on_session(x),
                     [reply = std::move(reply)](actors::command_result r) {
                       if (!r.error) // the reply says what happened: {"id","roomId","deleted":true,"seq"}
                         r.data = deletion_json(r.id, r.room_id, r.seq);
                       reply(std::move(r));
                     });
  });
}

} // namespace chat::net
