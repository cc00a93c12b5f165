#include "net/channel_handlers.hpp"

#include <utility>
#include <vector>

#include "common/text.hpp"
#include "metrics/log.hpp"
#include "net/auth_middleware.hpp"
#include "net/live_common.hpp"
#include "net/replies.hpp"
#include "storage/key_schema.hpp"
#include "actors/chat_service.hpp"

namespace chat::net {

namespace {

using storage::errc;

/// A boolean member: true with `out` set when present as a boolean, true and unchanged when
/// missing or null; false (a 400) for any other type.
bool optional_bool(const json_object& body, std::string_view name, std::optional<bool>& out) {
  const auto* m = body.find(name);
  if (m == nullptr || m->type == json_member::kind::null)
    return true;
  if (m->type != json_member::kind::boolean)
    return false;
  out = m->boolean;
  return true;
}

/// The `{"roomId","userId",<flag>}` answer of the member routes.
std::string member_answer(const std::string& room_id, const std::string& user_id, const char* flag, bool value) {
  std::string out = "{\"roomId\":";
  append_json_string(out, room_id);
  out.append(",\"userId\":");
  append_json_string(out, user_id);
  out.append(",\"").append(flag).append(value ? "\":true}" : "\":false}");
  return out;
}

/// The data of `room.removed`.
std::string removed_json(const std::string& room_id, const char* reason) {
  std::string out = "{\"roomId\":";
  append_json_string(out, room_id);
  out.append(",\"reason\":\"").append(reason).append("\"}");
  return out;
}

} // namespace

std::optional<std::string> channel_name_of(const std::string& raw, std::string& why) {
  auto name = std::string{trim_ascii(raw)};
  auto chars = utf8_length(name);
  if (!chars) {
    why = "\"name\" must be valid UTF-8";
    return std::nullopt;
  }
  if (*chars == 0 || *chars > max_channel_name_chars || is_blank(name)) {
    why = "\"name\" must be 1-64 characters";
    return std::nullopt;
  }
  return name;
}

std::optional<std::string> channel_topic_of(const std::string& raw, std::string& why) {
  auto topic = std::string{trim_ascii(raw)};
  auto chars = utf8_length(topic);
  bool control = false;
  for (unsigned char c : topic)
    control = control || c < 0x20 || c == 0x7f;
  if (!chars || control || *chars > max_channel_topic_chars) {
    why = "\"topic\" must be at most 250 characters of text (valid UTF-8, no control characters)";
    return std::nullopt;
  }
  return topic;
}

void channel_handlers::add_routes(router& r) {
  r.add(http_method::patch, "/rooms/{id}", [this](const exchange_ptr& ex) { do_update(ex); });
  r.add(http_method::del, "/rooms/{id}", [this](const exchange_ptr& ex) { do_delete(ex); });
  r.add(http_method::post, "/rooms/{id}/members", [this](const exchange_ptr& ex) { do_add_member(ex); });
  r.add(http_method::del, "/rooms/{id}/members/{userId}", [this](const exchange_ptr& ex) { do_remove_member(ex); });
}

bool channel_handlers::is_channel(const exchange_ptr& ex) {
  if (!is_room_id(ex->param("id"))) {
    reply_error(*ex, env_.metrics, 404, "not_found", "unknown room");
    return false;
  }
  if (storage::classify_room_id(ex->param("id")) != storage::room_kind::channel) {
    reply_bad_request(*ex, env_.metrics, "General and direct messages have no channel settings or members");
    return false;
  }
  return true;
}

void channel_handlers::refuse(const exchange_ptr& ex, errc e, const char* op) {
  switch (e) {
    case errc::forbidden:
      return reply_error(*ex, env_.metrics, 403, "forbidden", "only the channel's owner or an admin may do this");
    case errc::not_found:
      return reply_error(*ex, env_.metrics, 404, "not_found", "unknown channel or user");
    default:
      return reply_store_error(*ex, env_.metrics, e, op);
  }
}

void channel_handlers::with_body(const exchange_ptr& ex,
                                  std::function<void(const exchange_ptr&, const json_object&)> next) {
  require_user(env_, ex, [this, next = std::move(next)](const exchange_ptr& x) {
    json_object body;
    if (is_channel(x) && read_json_body(*x, env_.metrics, body))
      next(x, body);
  });
}

void channel_handlers::do_update(const exchange_ptr& ex) {
  with_body(ex, [this](const exchange_ptr& x, const json_object& body) {
    storage::channel_patch patch;
    std::string raw;
    std::string why;
    if (auto l = body.get_string("name", raw); l == json_object::lookup::wrong_type)
      return reply_bad_request(*x, env_.metrics, "\"name\" must be a string");
    else if (l == json_object::lookup::ok && !(patch.name = channel_name_of(raw, why)))
      return reply_bad_request(*x, env_.metrics, why);
    if (auto l = body.get_string("topic", raw); l == json_object::lookup::wrong_type)
      return reply_bad_request(*x, env_.metrics, "\"topic\" must be a string");
    else if (l == json_object::lookup::ok && !(patch.topic = channel_topic_of(raw, why)))
      return reply_bad_request(*x, env_.metrics, why);
    if (!optional_bool(body, "private", patch.is_private) || !optional_bool(body, "archived", patch.archived))
      return reply_bad_request(*x, env_.metrics, "\"private\" and \"archived\" must be true or false");
    if (auto l = body.get_id("owner", raw); l == json_object::lookup::wrong_type || (l == json_object::lookup::ok && !is_user_id(raw)))
      return reply_bad_request(*x, env_.metrics, "\"owner\" must be a user id");
    else if (l == json_object::lookup::ok)
      patch.owner = raw;
    if (!patch.name && !patch.topic && !patch.is_private && !patch.archived && !patch.owner)
      return reply_bad_request(*x, env_.metrics, "give at least one of \"name\", \"topic\", \"private\", \"archived\", \"owner\"");
    env_.store.update_channel(
      x->param("id"), x->user()->id, std::move(patch),
      x->resume<errc, storage::written_event>([this, x](errc e, storage::written_event w) {
        if (e == errc::conflict)
          return reply_error(*x, env_.metrics, 409, "conflict", "channel name already taken");
        if (e == errc::invalid) // (the room is a channel: checked above)
          return reply_bad_request(*x, env_.metrics, "the new owner must be a member of the channel");
        if (e != errc::ok)
          return refuse(x, e, "update_channel");
        auto data = w.data;
        env_.chat.publish(x->param("id"), std::move(w));
        x->respond(json_response(200, std::move(data)));
      }));
  });
}

void channel_handlers::do_delete(const exchange_ptr& ex) {
  require_user(env_, ex, [this](const exchange_ptr& x) {
    if (!is_channel(x))
      return;
    env_.store.delete_channel(
      x->param("id"), x->user()->id,
      x->resume<errc, std::vector<std::string>>([this, x](errc e, std::vector<std::string> members) {
        if (e != errc::ok)
          return refuse(x, e, "delete_channel");
        const auto& room_id = x->param("id");
        log::info("channel_deleted", {{"room", room_id}, {"by", x->user()->id}});
        if (!members.empty())
          room_event_for_user(env_, members, "room.removed", removed_json(room_id, "deleted"), room_id,
                              actors::user_action::unfollow);
        x->respond(json_response(200, "{\"id\":" + json_string(room_id) + ",\"deleted\":true}"));
      }));
  });
}

void channel_handlers::do_add_member(const exchange_ptr& ex) {
  with_body(ex, [this](const exchange_ptr& x, const json_object& body) {
    std::string user;
    if (body.get_id("userId", user) != json_object::lookup::ok || !is_user_id(user))
      return reply_bad_request(*x, env_.metrics, "\"userId\" must be a user id");
    env_.store.add_channel_member(
      x->param("id"), x->user()->id, user, x->resume<errc, bool>([this, x, user](errc e, bool added) {
        if (e == errc::too_many_rooms)
          return reply_error(*x, env_.metrics, 403, "too_many_rooms", "the user is in too many rooms");
        if (e != errc::ok)
          return refuse(x, e, "add_channel_member");
        const auto& room_id = x->param("id");
        if (added)
          announce_join(env_, user, room_id);
        x->respond(json_response(200, member_answer(room_id, user, "added", added)));
      }));
  });
}

void channel_handlers::do_remove_member(const exchange_ptr& ex) {
  require_user(env_, ex, [this](const exchange_ptr& x) {
    if (!is_channel(x))
      return;
    if (!is_user_id(x->param("userId")))
      return reply_error(*x, env_.metrics, 404, "not_found", "unknown user");
    env_.store.remove_channel_member(
      x->param("id"), x->user()->id, x->param("userId"), x->resume<errc, bool>([this, x](errc e, bool removed) {
        if (e == errc::conflict)
          return reply_error(*x, env_.metrics, 409, "conflict",
                             "the owner cannot be removed; transfer the channel first");
        if (e != errc::ok)
          return refuse(x, e, "remove_channel_member");
        const auto& room_id = x->param("id");
        const auto& user = x->param("userId");
        if (removed) {
          bool self = user == x->user()->id;
          room_event_for_user(env_, {user}, self ? "room.left" : "room.removed",
                              self ? "{\"id\":" + json_string(room_id) + "}" : removed_json(room_id, "removed"),
                              room_id, actors::user_action::unfollow);
        }
        x->respond(json_response(200, member_answer(room_id, user, "removed", removed)));
      }));
  });
}

} // namespace chat::net
