#include "net/message_handlers.hpp"

#include <limits>

#include "common/error.hpp"
#include "common/text.hpp"
#include "metrics/log.hpp"
#include "net/auth_middleware.hpp"
#include "net/json.hpp"
#include "net/json_views.hpp"
#include "net/message_media.hpp"
#include "net/query.hpp"
#include "net/replies.hpp"
#include "storage/message_json.hpp"

namespace chat::net {

namespace {

using storage::errc;
constexpr std::int64_t max_page = 100;
constexpr auto transport = metrics::transport::http;

} // namespace

void message_handlers::add_routes(router& r) {
  r.add(http_method::get, "/room/{id}/messages", [this](const exchange_ptr& ex) { do_list(ex); });
  r.add(http_method::get, "/room/{id}/messages/{messageId}/replies", [this](const exchange_ptr& ex) { do_replies(ex); });
  add_command_routes(r);
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
    auto on_session = [x](std::function<void()> fn) { x->post(std::move(fn)); };
    env_.chat.check_member(x->user()->id, x->param("id"), std::move(on_session),
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

// -- GET /room/{id}/messages/{messageId}/replies ---------------------------------------------

void message_handlers::do_replies(const exchange_ptr& ex) {
  require_user(env_, ex, [this](const exchange_ptr& x) {
    const auto& q = x->request().query;
    bool bad = false;
    auto before = int_param(q, "before", 1, std::numeric_limits<std::int64_t>::max(), bad);
    auto limit = int_param(q, "limit", 1, max_page, bad);
    if (bad)
      return reply_bad_request(*x, env_.metrics, "before > 0 and limit 1-100 must be integers");
    auto parent = parse_int64(x->param("messageId"));
    if (!parent || *parent <= 0)
      return reply_error(*x, env_.metrics, error::not_found, "no such message");
    if (!is_room_id(x->param("id")))
      return reply_error(*x, env_.metrics, error::not_found, "no such room");
    auto done = x->resume<errc, std::vector<storage::stored_message>>(
      [this, x](errc e, std::vector<storage::stored_message> replies) {
        if (e == errc::not_found)
          return reply_error(*x, env_.metrics, error::not_found, "no such room or message");
        if (e == errc::forbidden)
          return reply_error(*x, env_.metrics, error::forbidden, "not a member of this room");
        if (e != errc::ok)
          return reply_store_error(*x, env_.metrics, e, "replies");
        x->respond(json_response(200, messages_json(replies)));
      });
    env_.store.thread_replies(x->param("id"), x->user()->id, *parent, before, limit.value_or(50), std::move(done));
  });
}

// -- the commands ---------------------------------------------------------------------------------
// Each route decodes its request into the kind's command (path, then body fields) and hands it to
// chat_service::execute: a new kind is one more route here.

/// What a command route reads from its request. A reader answers 400/404 itself and returns false.
class command_request {
public:
  command_request(const exchange_ptr& ex, metrics::node_metrics& m) : ex_(ex), m_(m) {}

  /// Parses the JSON body (`optional`: an empty body is an empty object).
  bool body(bool optional = false) {
    if (optional && ex_->request().body.empty())
      return true;
    if (!read_json_body(*ex_, m_, body_))
      return false;
    parsed_ = true;
    return true;
  }
  /// A required string field.
  bool text(const char* key, std::string& out) {
    if (parsed_ && body_.get_string(key, out) == json_object::lookup::ok)
      return true;
    reply_bad_request(*ex_, m_, std::string{"\""} + key + "\" must be a string");
    return false;
  }
  /// The optional clientId.
  bool client_id(std::string& out) {
    if (!parsed_ || body_.get_string("clientId", out) != json_object::lookup::wrong_type)
      return true;
    reply_bad_request(*ex_, m_, "\"clientId\" must be a string");
    return false;
  }
  /// The `{messageId}` path parameter (404 when it cannot be a message id).
  bool message_id(std::int64_t& out) {
    auto id = parse_int64(ex_->param("messageId"));
    if (!id || *id <= 0) {
      reply_error(*ex_, m_, error::not_found, "no such message");
      return false;
    }
    out = *id;
    return true;
  }
  /// An optional positive integer field of the body (0 when absent or null).
  bool optional_position(const char* key, std::int64_t& out) {
    const auto* m = parsed_ ? body_.find(key) : nullptr;
    if (m == nullptr || m->type == json_member::kind::null)
      return true;
    if (m->type == json_member::kind::integer && m->integer > 0) {
      out = m->integer;
      return true;
    }
    reply_bad_request(*ex_, m_, std::string{"\""} + key + "\" must be a positive integer message id");
    return false;
  }
  /// A required positive integer field of the body (a message id or position).
  bool position(const char* key, std::int64_t& out) {
    const auto* m = parsed_ ? body_.find(key) : nullptr;
    if (m != nullptr && m->type == json_member::kind::integer && m->integer > 0) {
      out = m->integer;
      return true;
    }
    reply_bad_request(*ex_, m_, std::string{"\""} + key + "\" must be a positive integer message id");
    return false;
  }
  /// A message's optional attachments and location (issue #24): the body is read again, with
  /// their decoder, only when it has either.
  bool media(actors::send_command& out) {
    if (!parsed_ || (body_.find("attachments") == nullptr && body_.find("location") == nullptr))
      return true;
    if (const char* err = read_message_media(ex_->request().body, out)) {
      reply_bad_request(*ex_, m_, err);
      return false;
    }
    return true;
  }
  const std::string& room_id() const { return ex_->param("id"); }
  const std::string& param(std::string_view name) const { return ex_->param(name); }

private:
  const exchange_ptr& ex_;
  metrics::node_metrics& m_;
  json_object body_;
  bool parsed_ = false;
};

namespace {

/// The answer to a DELETE: `{"id","roomId","deleted":true,"seq"}`.
std::string deletion_json(std::int64_t id, std::string_view room_id, std::int64_t seq) {
  std::string out = R"({"id":)" + std::to_string(id) + R"(,"roomId":)";
  storage::append_json_string(out, room_id);
  out += R"(,"deleted":true,"seq":)" + std::to_string(seq) + "}";
  return out;
}

} // namespace

void message_handlers::add_command_routes(router& r) {
  r.add(http_method::post, "/room/{id}/messages", [this](const exchange_ptr& ex) {
    // Admission first: behind a Redis backlog even the session lookup would wait its length.
    if (!env_.chat.admit_message())
      return reply_error(*ex, env_.metrics, error::overloaded);
    run_command(ex, 201, [](command_request& req) -> std::optional<actors::room_command> {
      actors::send_command c;
      c.room_id = req.room_id();
      if (!req.body() || !req.text("message", c.text) || !req.client_id(c.client_id) ||
          !req.optional_position("parentId", c.parent_id) || !req.media(c))
        return std::nullopt;
      return c;
    });
  });
  r.add(http_method::patch, "/room/{id}/messages/{messageId}", [this](const exchange_ptr& ex) {
    run_command(ex, 200, [](command_request& req) -> std::optional<actors::room_command> {
      actors::edit_command c;
      c.room_id = req.room_id();
      if (!req.body() || !req.text("message", c.text) || !req.client_id(c.client_id) || !req.message_id(c.id))
        return std::nullopt;
      return c;
    });
  });
  r.add(http_method::del, "/room/{id}/messages/{messageId}", [this](const exchange_ptr& ex) {
    run_command(
      ex, 200,
      [](command_request& req) -> std::optional<actors::room_command> {
        actors::delete_command c;
        c.room_id = req.room_id();
        if (!req.body(true) || !req.client_id(c.client_id) || !req.message_id(c.id))
          return std::nullopt;
        return c;
      },
      [](actors::command_result& r) { r.data = deletion_json(r.id, r.room_id, r.seq); });
  });
  r.add(http_method::post, "/room/{id}/read", [this](const exchange_ptr& ex) {
    run_command(ex, 200, [](command_request& req) -> std::optional<actors::room_command> {
      actors::read_command c; // the caller's read marker (docs/protocol.md §2.8)
      c.room_id = req.room_id();
      if (!req.body() || !req.client_id(c.client_id) || !req.position("id", c.id))
        return std::nullopt;
      return c;
    });
  });
  // A reaction (issue #22): PUT sets it, DELETE removes it; the emoji is the (percent-decoded) last segment.
  for (auto method : {http_method::put, http_method::del}) {
    r.add(method, "/room/{id}/messages/{messageId}/reactions/{emoji}", [this, method](const exchange_ptr& ex) {
      run_command(ex, 200, [method](command_request& req) -> std::optional<actors::room_command> {
        actors::reaction_command c;
        c.room_id = req.room_id();
        c.emoji = req.param("emoji");
        c.on = method == http_method::put;
        if (!req.body(true) || !req.client_id(c.client_id) || !req.message_id(c.id))
          return std::nullopt;
        return c;
      });
    });
  }
  r.add(http_method::post, "/room/{id}/messages/{messageId}/stop", [this](const exchange_ptr& ex) {
    run_command(ex, 200, [](command_request& req) -> std::optional<actors::room_command> {
      actors::stop_command c; // an assistant reply (docs/protocol.md §2.7)
      c.room_id = req.room_id();
      if (!req.body(true) || !req.client_id(c.client_id) || !req.message_id(c.id))
        return std::nullopt;
      return c;
    });
  });
}

void message_handlers::run_command(const exchange_ptr& ex, unsigned status, decode_fn decode, shape_fn shape) {
  auto next = [this, status, decode = std::move(decode), shape = std::move(shape)](const exchange_ptr& x) {
    command_request req{x, env_.metrics};
    auto cmd = decode(req);
    if (!cmd)
      return; // answered
    x->request().body = std::string{}; // the text now lives in the command only
    auto on_session = [x](std::function<void()> fn) { x->post(std::move(fn)); };
    env_.chat.execute({x->user()->id, transport}, std::move(*cmd), std::move(on_session),
                      [this, x, status, shape](actors::command_result r) {
                        if (!r.error && shape)
                          shape(r);
                        answer(x, status, std::move(r));
                      });
  };
  require_user(env_, ex, std::move(next));
}

void message_handlers::answer(const exchange_ptr& ex, unsigned status, actors::command_result r) {
  if (r.error && r.muted_until) { // 403 muted with the mute's end (null: until lifted)
    env_.metrics.errors("muted").Increment();
    std::string body = R"({"error":"muted","message":)";
    storage::append_json_string(body, r.message);
    body += R"(,"until":)" + (*r.muted_until > 0 ? std::to_string(*r.muted_until) : std::string{"null"}) + "}";
    return ex->respond(json_response(403, std::move(body)));
  }
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
}

} // namespace chat::net
