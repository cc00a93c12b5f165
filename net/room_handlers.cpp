#include "net/room_handlers.hpp"

#include "net/live_common.hpp"

#include "common/error.hpp"
#include "net/auth_middleware.hpp"
#include "net/channel_handlers.hpp"
#include "net/channel_query.hpp"
#include "net/json.hpp"
#include "net/json_views.hpp"
#include "net/replies.hpp"
#include "common/text.hpp"

namespace chat::net {

namespace {
using storage::errc;
} // namespace

void room_handlers::add_routes(router& r) {
  r.add(http_method::get, "/rooms/{userId}", [this](const exchange_ptr& ex) { do_user_rooms(ex); });
  r.add(http_method::post, "/room", [this](const exchange_ptr& ex) { do_create_dm(ex); });
  r.add(http_method::post, "/rooms", [this](const exchange_ptr& ex) { do_create_channel(ex); });
  r.add(http_method::get, "/rooms/public", [this](const exchange_ptr& ex) { do_public_channels(ex); });
  r.add(http_method::post, "/rooms/{id}/join", [this](const exchange_ptr& ex) { do_join(ex); });
  r.add(http_method::post, "/rooms/{id}/leave", [this](const exchange_ptr& ex) { do_leave(ex); });
  r.add(http_method::put, "/room/{id}/mute", [this](const exchange_ptr& ex) { do_mute(ex, true); });
  r.add(http_method::del, "/room/{id}/mute", [this](const exchange_ptr& ex) { do_mute(ex, false); });
}

void room_handlers::do_mute(const exchange_ptr& ex, bool muted) {
  require_user(env_, ex, [this, muted](const exchange_ptr& x) {
    const auto& room_id = x->param("id");
    if (!is_room_id(room_id))
      return reply_error(*x, env_.metrics, 404, "not_found", "unknown room");
    env_.store.set_muted(x->user()->id, room_id, muted, x->resume<errc, bool>([this, x, muted](errc e, bool changed) {
      if (e == errc::forbidden)
        return reply_error(*x, env_.metrics, 403, "forbidden", "not a member of this room");
      if (e == errc::not_found)
        return reply_error(*x, env_.metrics, 404, "not_found", "unknown room");
      if (e != errc::ok)
        return reply_store_error(*x, env_.metrics, e, "mute_room");
      std::string body = "{\"roomId\":";
      storage::append_json_string(body, x->param("id"));
      body += muted ? ",\"muted\":true}" : ",\"muted\":false}";
      if (changed) // the user's other tabs and devices follow
        room_event_for_user(env_, {x->user()->id}, "room.muted", body, x->param("id"), actors::user_action::deliver);
      x->respond(json_response(200, std::move(body)));
    }));
  });
}

void room_handlers::do_user_rooms(const exchange_ptr& ex) {
  require_user(env_, ex, [this](const exchange_ptr& x) {
    const auto& user_id = x->param("userId");
    if (user_id != x->user()->id)
      return reply_error(*x, env_.metrics, 403, "forbidden", "only your own rooms can be listed");
    env_.store.user_rooms(user_id, x->resume<errc, std::vector<storage::room_summary>>(
                                     [this, x](errc e, std::vector<storage::room_summary> rooms) {
                                       if (e != errc::ok)
                                         return reply_store_error(*x, env_.metrics, e, "user_rooms");
                                       x->respond(json_response(200, rooms_json(rooms)));
                                     }));
  });
}

void room_handlers::do_create_dm(const exchange_ptr& ex) {
  require_user(env_, ex, [this](const exchange_ptr& x) {
    json_object body;
    if (!read_json_body(*x, env_.metrics, body))
      return;
    std::string a, b;
    if (body.get_id("user1", a) != json_object::lookup::ok ||
        body.get_id("user2", b) != json_object::lookup::ok || !is_user_id(a) || !is_user_id(b))
      return reply_bad_request(*x, env_.metrics, "\"user1\" and \"user2\" must be user ids");
    if (a == b)
      return reply_bad_request(*x, env_.metrics, "\"user1\" and \"user2\" must differ");
    const auto& self = x->user()->id;
    if (a != self && b != self)
      return reply_error(*x, env_.metrics, 403, "forbidden", "you must be one of the two users");
    env_.store.create_dm(std::move(a), std::move(b), self,
                         x->resume<errc, storage::dm_result>([this, x](errc e, storage::dm_result r) {
                           if (e != errc::ok)
                             return reply_store_error(*x, env_.metrics, e, "create_dm");
                           auto body = room_json(r.room);
                           if (r.created) {
                             // `show.room` goes to the DM's two participants only.
                             auto colon = r.room.id.find(':');
                             room_event_for_user(env_, {r.room.id.substr(0, colon), r.room.id.substr(colon + 1)},
                                                 "show.room", body, r.room.id, actors::user_action::follow,
                                                 0); // new: from its start
                           }
                           x->respond(json_response(r.created ? 201 : 200, std::move(body)));
                         }));
  });
}

void room_handlers::do_create_channel(const exchange_ptr& ex) {
  require_user(env_, ex, [this](const exchange_ptr& x) {
    json_object body;
    if (!read_json_body(*x, env_.metrics, body))
      return;
    std::string raw;
    std::string why;
    if (body.get_string("name", raw) != json_object::lookup::ok)
      return reply_bad_request(*x, env_.metrics, "\"name\" must be a string");
    auto name = channel_name_of(raw, why);
    if (!name)
      return reply_bad_request(*x, env_.metrics, why);
    std::optional<std::string> topic = std::string{};
    if (auto l = body.get_string("topic", raw); l == json_object::lookup::wrong_type)
      return reply_bad_request(*x, env_.metrics, "\"topic\" must be a string");
    else if (l == json_object::lookup::ok && !(topic = channel_topic_of(raw, why)))
      return reply_bad_request(*x, env_.metrics, why);
    const auto* priv = body.find("private");
    if (priv != nullptr && priv->type != json_member::kind::boolean && priv->type != json_member::kind::null)
      return reply_bad_request(*x, env_.metrics, "\"private\" must be true or false");
    bool is_private = priv != nullptr && priv->type == json_member::kind::boolean && priv->boolean;
    env_.store.create_channel(
      std::move(*name), x->user()->id, is_private, std::move(*topic),
      x->resume<errc, storage::channel_info>([this, x](errc e, storage::channel_info c) {
        if (e == errc::conflict)
          return reply_error(*x, env_.metrics, 409, "conflict", "channel name already taken");
        if (e == errc::rate_limited) {
          env_.metrics.rate_limited("channel_creations").Increment();
          return reply_error(*x, env_.metrics, error::rate_limited,
                             "too many channels created in the last hour; retry later",
                             std::chrono::seconds{c.retry_after});
        }
        if (e != errc::ok)
          return reply_store_error(*x, env_.metrics, e, "create_channel");
        storage::room_summary created;
        created.id = c.id;
        created.names.push_back(c.name);
        created.channel = storage::channel_settings{c.name, c.topic, x->user()->id, c.is_private, 0};
        room_event_for_user(env_, {x->user()->id}, "room.joined", room_json(created), c.id,
                            actors::user_action::follow, 0);
        auto body = channel_json(c); // + the settings: {"id","name","members","joined","topic","private","archived","owner"}
        body.pop_back();
        append_channel_settings(body, *created.channel);
        body.push_back('}');
        x->respond(json_response(201, std::move(body)));
      }));
  });
}

void room_handlers::do_public_channels(const exchange_ptr& ex) {
  require_user(env_, ex, [this](const exchange_ptr& x) {
    std::string why;
    auto req = parse_channel_request(x->request().query, why);
    if (!req)
      return reply_bad_request(*x, env_.metrics, why);
    env_.store.public_channels(
      x->user()->id, req->page,
      x->resume<errc, storage::channel_page>([this, x, legacy = req->legacy](errc e, storage::channel_page page) {
        if (e == errc::invalid)
          return reply_bad_request(*x, env_.metrics, "\"after\" is not a channel of this listing");
        if (e != errc::ok)
          return reply_store_error(*x, env_.metrics, e, "public_channels");
        // Without paging parameters: the plain array of old clients (the first 1,000 by name).
        x->respond(json_response(200, legacy ? channels_json(page.channels) : channel_page_json(page)));
      }));
  });
}

void room_handlers::do_join(const exchange_ptr& ex) {
  require_user(env_, ex, [this](const exchange_ptr& x) {
    const auto& room_id = x->param("id");
    if (!is_room_id(room_id))
      return reply_error(*x, env_.metrics, 404, "not_found", "unknown room");
    env_.store.join_channel(x->user()->id, room_id,
                            x->resume<errc, bool>([this, x](errc e, bool) {
                              if (e == errc::invalid)
                                return reply_error(*x, env_.metrics, 404, "not_found",
                                                   "not a public channel");
                              if (e == errc::forbidden)
                                return reply_error(*x, env_.metrics, 403, "forbidden",
                                                   "a private channel: members add you by invitation");
                              if (e != errc::ok)
                                return reply_store_error(*x, env_.metrics, e, "join_channel");
                              on_joined(x, x->param("id"));
                            }));
  });
}

void room_handlers::on_joined(const exchange_ptr& ex, const std::string& room_id) {
  announce_join(env_, ex->user()->id, room_id, ex->resume<errc, std::string>([this, ex](errc e, std::string body) {
    if (e != errc::ok)
      return reply_store_error(*ex, env_.metrics, e, "user_rooms");
    ex->respond(json_response(200, std::move(body)));
  }));
}

void room_handlers::do_leave(const exchange_ptr& ex) {
  require_user(env_, ex, [this](const exchange_ptr& x) {
    const auto& room_id = x->param("id");
    if (!is_room_id(room_id))
      return reply_error(*x, env_.metrics, 404, "not_found", "unknown room");
    env_.store.leave_channel(x->user()->id, room_id, x->resume<errc, bool>([this, x](errc e, bool) {
      if (e == errc::invalid)
        return reply_bad_request(*x, env_.metrics, "General and direct messages cannot be left");
      if (e != errc::ok)
        return reply_store_error(*x, env_.metrics, e, "leave_channel");
      room_event_for_user(env_, {x->user()->id}, "room.left", "{\"id\":" + json_string(x->param("id")) + "}",
                          x->param("id"), actors::user_action::unfollow);
      x->respond(json_response(200, "null"));
    }));
  });
}

} // namespace chat::net
