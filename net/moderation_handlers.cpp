#include "net/moderation_handlers.hpp"

#include "actors/realtime.hpp"
#include "common/text.hpp"
#include "metrics/log.hpp"
#include "net/auth_middleware.hpp"
#include "net/json.hpp"
#include "net/replies.hpp"
#include "storage/chat_store.hpp"
#include "storage/message_json.hpp"

namespace chat::net {

namespace {

using storage::errc;

constexpr std::size_t max_reason_bytes = 500;

/// The start of every moderation answer: `{"id":<id>` and, when given, `,"username":<name>` (the
/// caller appends its own members and the closing brace).
std::string answer_head(std::string_view id, std::string_view username = {}) {
  std::string out = R"({"id":)";
  storage::append_json_string(out, id);
  if (!username.empty()) {
    out += R"(,"username":)";
    storage::append_json_string(out, username);
  }
  return out;
}

/// An end in unix ms as JSON (0: until lifted → null).
std::string until_json(std::int64_t until) {
  return until > 0 ? std::to_string(until) : std::string{"null"};
}

/// The refusals every moderation action shares.
void reply_refusal(exchange& ex, metrics::node_metrics& m, errc e, const char* op) {
  if (e == errc::not_found)
    return reply_error(ex, m, 404, "not_found", "unknown user");
  if (e == errc::forbidden)
    return reply_error(ex, m, 403, "forbidden", "you may not moderate this user (yourself, an admin, or a moderator)");
  reply_store_error(ex, m, e, op);
}

} // namespace

storage::moderator moderator_of(const exchange& ex) {
  return storage::moderator{ex.user()->id, ex.user()->username, ex.user()->role};
}

void require_staff(api_env& env, const exchange_ptr& ex, std::function<void(const exchange_ptr&)> next) {
  // The role comes with the session lookup of every request: a demotion takes effect at once.
  require_user(env, ex, [&env, next = std::move(next)](const exchange_ptr& x) {
    const auto& role = x->user()->role;
    if (role != "admin" && role != "moderator")
      return reply_error(*x, env.metrics, 403, "forbidden", "admins and moderators only");
    next(x);
  });
}

void moderation_handlers::add_routes(router& r) {
  r.add(http_method::post, "/admin/users/{id}/ban", [this](const exchange_ptr& ex) { do_ban(ex); });
  r.add(http_method::del, "/admin/users/{id}/ban", [this](const exchange_ptr& ex) { do_unban(ex); });
  r.add(http_method::get, "/admin/audit", [this](const exchange_ptr& ex) { do_audit(ex); });
  r.add(http_method::post, "/admin/users/{id}/mute", [this](const exchange_ptr& ex) { do_mute(ex); });
  r.add(http_method::del, "/admin/users/{id}/mute", [this](const exchange_ptr& ex) { do_unmute(ex); });
}

void moderation_handlers::do_mute(const exchange_ptr& ex) {
  require_staff(env_, ex, [this](const exchange_ptr& x) {
    json_object body;
    if (!read_json_body(*x, env_.metrics, body))
      return;
    std::int64_t until = 0;
    if (const auto* u = body.find("until"); u != nullptr && u->type != json_member::kind::null) {
      if (u->type != json_member::kind::integer || u->integer <= 0)
        return reply_bad_request(*x, env_.metrics, "\"until\" must be a time in unix milliseconds (or absent: until lifted)");
      until = u->integer;
    }
    std::string room;
    if (body.get_string("roomId", room) == json_object::lookup::wrong_type || (!room.empty() && !is_room_id(room)))
      return reply_bad_request(*x, env_.metrics, "\"roomId\" must be a room id (or absent: everywhere)");
    const auto& target = x->param("id");
    if (!is_user_id(target))
      return reply_error(*x, env_.metrics, 404, "not_found", "unknown user");
    env_.store.mute_user(moderator_of(*x), target, room, until,
                         x->resume<errc, std::string>([this, x, room, until](errc e, std::string username) {
                           if (e == errc::invalid)
                             return reply_bad_request(*x, env_.metrics, "\"until\" is in the past");
                           if (e != errc::ok)
                             return reply_refusal(*x, env_.metrics, e, "mute_user");
                           log::info("admin_action", {{"admin", x->user()->id}, {"admin_name", x->user()->username},
                                                      {"action", "mute"}, {"target", x->param("id")}, {"room", room}});
                           auto out = answer_head(x->param("id"), username);
                           out += R"(,"muted":true,"roomId":)";
                           if (room.empty())
                             out += "null";
                           else
                             storage::append_json_string(out, room);
                           out += R"(,"until":)" + until_json(until) + "}";
                           x->respond(json_response(200, std::move(out)));
                         }));
  });
}

void moderation_handlers::do_unmute(const exchange_ptr& ex) {
  require_staff(env_, ex, [this](const exchange_ptr& x) {
    std::string room;
    if (auto it = x->request().query.find("roomId"); it != x->request().query.end())
      room = it->second;
    if (!room.empty() && !is_room_id(room))
      return reply_bad_request(*x, env_.metrics, "\"roomId\" must be a room id (or absent: the mute everywhere)");
    const auto& target = x->param("id");
    if (!is_user_id(target))
      return reply_error(*x, env_.metrics, 404, "not_found", "unknown user");
    env_.store.unmute_user(moderator_of(*x), target, room, x->resume<errc, bool>([this, x](errc e, bool) {
      if (e != errc::ok)
        return reply_refusal(*x, env_.metrics, e, "unmute_user");
      auto out = answer_head(x->param("id")) + R"(,"muted":false})";
      x->respond(json_response(200, std::move(out)));
    }));
  });
}

void moderation_handlers::do_ban(const exchange_ptr& ex) {
  require_staff(env_, ex, [this](const exchange_ptr& x) {
    json_object body;
    if (!read_json_body(*x, env_.metrics, body))
      return;
    storage::ban_info ban;
    if (body.get_string("reason", ban.reason) != json_object::lookup::ok || ban.reason.size() > max_reason_bytes ||
        !utf8_length(ban.reason))
      return reply_bad_request(*x, env_.metrics, "\"reason\" must be a string of at most 500 bytes");
    if (const auto* until = body.find("until"); until != nullptr && until->type != json_member::kind::null) {
      if (until->type != json_member::kind::integer || until->integer <= 0)
        return reply_bad_request(*x, env_.metrics, "\"until\" must be a time in unix milliseconds (or absent: until lifted)");
      ban.until = until->integer;
    }
    const auto& target = x->param("id");
    if (!is_user_id(target))
      return reply_error(*x, env_.metrics, 404, "not_found", "unknown user");
    auto reason = ban.reason;
    auto until = ban.until;
    env_.store.ban_user(
      moderator_of(*x), target, std::move(ban),
      x->resume<errc, std::string>([this, x, reason, until](errc e, std::string username) {
        if (e == errc::invalid)
          return reply_bad_request(*x, env_.metrics, "\"until\" is in the past");
        if (e != errc::ok)
          return reply_refusal(*x, env_.metrics, e, "ban_user");
        const auto& target = x->param("id");
        if (env_.realtime != nullptr)
          env_.realtime->ban_user(target); // every connection on every node closes with 4003
        log::info("admin_action", {{"admin", x->user()->id}, {"admin_name", x->user()->username}, {"action", "ban"},
                                   {"target", target}, {"addr", x->request().remote_address}});
        auto out = answer_head(target, username);
        out += R"(,"banned":true,"reason":)";
        storage::append_json_string(out, reason);
        out += R"(,"until":)" + until_json(until) + "}";
        x->respond(json_response(200, std::move(out)));
      }));
  });
}

void moderation_handlers::do_unban(const exchange_ptr& ex) {
  require_staff(env_, ex, [this](const exchange_ptr& x) {
    const auto& target = x->param("id");
    if (!is_user_id(target))
      return reply_error(*x, env_.metrics, 404, "not_found", "unknown user");
    env_.store.unban_user(moderator_of(*x), target, x->resume<errc, bool>([this, x](errc e, bool lifted) {
      if (e != errc::ok)
        return reply_refusal(*x, env_.metrics, e, "unban_user");
      if (lifted)
        log::info("admin_action", {{"admin", x->user()->id}, {"admin_name", x->user()->username},
                                   {"action", "unban"}, {"target", x->param("id")}});
      auto out = answer_head(x->param("id")) + R"(,"banned":false})";
      x->respond(json_response(200, std::move(out)));
    }));
  });
}

void moderation_handlers::do_audit(const exchange_ptr& ex) {
  require_staff(env_, ex, [this](const exchange_ptr& x) {
    const auto& q = x->request().query;
    std::string before;
    if (auto it = q.find("before"); it != q.end())
      before = it->second;
    std::int64_t limit = 50;
    if (auto it = q.find("limit"); it != q.end()) {
      auto v = parse_int64(it->second);
      if (!v || *v < 1 || *v > 200)
        return reply_bad_request(*x, env_.metrics, "\"limit\" must be an integer in 1-200");
      limit = *v;
    }
    env_.store.audit_log(before, limit,
                         x->resume<errc, std::vector<storage::audit_entry>>(
                           [this, x, limit](errc e, std::vector<storage::audit_entry> entries) {
                             if (e == errc::invalid)
                               return reply_bad_request(*x, env_.metrics, "\"before\" must be the \"next\" of a page");
                             if (e != errc::ok)
                               return reply_store_error(*x, env_.metrics, e, "audit_log");
                             std::string out = R"({"entries":[)";
                             for (std::size_t i = 0; i < entries.size(); ++i) {
                               if (i > 0)
                                 out.push_back(',');
                               // each entry with its id first: {"id":"<stream id>",…}
                               out += R"({"id":)";
                               storage::append_json_string(out, entries[i].id);
                               out.push_back(',');
                               out.append(entries[i].json, 1, std::string::npos);
                             }
                             out += R"(],"next":)";
                             if (static_cast<std::int64_t>(entries.size()) == limit)
                               storage::append_json_string(out, entries.back().id);
                             else
                               out += "null";
                             out.push_back('}');
                             auto res = json_response(200, std::move(out));
                             res.headers.emplace_back("Cache-Control", "no-store");
                             x->respond(std::move(res));
                           }));
  });
}

} // namespace chat::net
