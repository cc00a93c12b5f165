#include "net/room_handlers.hpp"

#include "net/live_common.hpp"

#include "common/error.hpp"
#include "net/auth_middleware.hpp"
#include "net/channel_query.hpp"
#include "net/json.hpp"
#include "net/json_views.hpp"
#include "net/replies.hpp"
#include "common/text.hpp"

namespace chat::net {

namespace {
using storage::errc;
constexpr std::size_t max_channel_name_chars = 64;
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
    if (body.get_string("name", raw) != json_object::lookup::ok)
      return reply_bad_request(*x, env_.metrics, "\"name\" must be a string");
    auto name = std::string{trim_ascii(raw)};
    auto chars = utf8_length(name);
    if (!chars)
      return reply_bad_request(*x, env_.metrics, "\"name\" must be valid UTF-8");
    if (*chars == 0 || *chars > max_channel_name_chars || is_blank(name))
      return reply_bad_request(*x, env_.metrics, "\"name\" must be 1-64 characters");
    env_.store.create_channel(
      std::move(name), x->user()->id,
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
        room_event_for_user(env_, {x->user()->id}, "room.joined", room_json(created), c.id,
                            actors::user_action::follow, 0);
        x->respond(json_response(201, channel_json(c)));
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
                              if (e != errc::ok)
                                return reply_store_error(*x, env_.metrics, e, "join_channel");
                              on_joined(x, x->param("id"));
                            }));
  });
}

void room_handlers::on_joined(const exchange_ptr& ex, const std::string& room_id) {
  // join_channel() only confirms; the room's names come from the user's room list.
  env_.store.user_rooms(
    ex->user()->id,
    ex->resume<errc, std::vector<storage::room_summary>>(
      [this, ex, room_id](errc e, std::vector<storage::room_summary> rooms) {
        if (e != errc::ok)
          return reply_store_error(*ex, env_.metrics, e, "user_rooms");
        storage::room_summary joined;
        joined.id = room_id;
        for (const auto& r : rooms)
          if (r.id == room_id)
            joined = r;
        auto body = room_json(joined);
        // The user's open connections follow the channel from its newest message now, so a
        // message written right after the join cannot fall between history and live delivery.
        env_.store.messages_before(
          room_id, std::nullopt, 1,
          [this, user = ex->user()->id, room_id, body](errc e2, std::vector<storage::stored_message> newest) {
            std::int64_t after = e2 == errc::ok ? (newest.empty() ? 0 : newest.front().id) : -1;
            room_event_for_user(env_, {user}, "room.joined", body, room_id, actors::user_action::follow, after);
          });
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
