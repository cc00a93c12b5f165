// chat_store: rooms (room lists, access checks, DMs, public channels).
#include "storage/chat_store.hpp"

#include <cstdlib>

#include <algorithm>

#include "storage/chat_store_impl.hpp"
#include "storage/key_schema.hpp"

namespace chat::storage {

namespace {

/// Order of a room list: General, then channels by name, then DMs by id.
bool room_before(const room_summary& a, const room_summary& b) {
  auto rank = [](room_kind k) { return k == room_kind::general ? 0 : k == room_kind::channel ? 1 : 2; };
  if (rank(a.kind) != rank(b.kind))
    return rank(a.kind) < rank(b.kind);
  if (a.kind == room_kind::channel && a.names != b.names)
    return a.names < b.names;
  return a.id < b.id;
}

} // namespace

void chat_store::user_rooms(std::string user_id, callback<std::vector<room_summary>> done) {
  if (!is_valid_user_id(user_id)) {
    detail::fail_soon(*impl_->redis, std::move(done), errc::not_found);
    return;
  }
  impl_->scripts->run(scripts::user_rooms, {}, {std::move(user_id)}, [done = std::move(done)](redis_reply r) {
    if (detail::tagged(r, "not_found")) {
      done(errc::not_found, {});
      return;
    }
    if (!detail::tagged(r, "ok")) {
      done(detail::failure_of(r, "user_rooms"), {});
      return;
    }
    std::vector<room_summary> rooms;
    for (std::size_t i = 1; i < r.elements.size(); ++i) {
      const auto& e = r.elements[i];
      if (!e.is_array() || e.elements.size() < 9 || !e.elements[0].is_string() || !e.elements[3].is_integer() ||
          !e.elements[4].is_integer() || !e.elements[6].is_integer() || !e.elements[7].is_array()) {
        done(detail::unexpected(r, "user_rooms"), {});
        return;
      }
      auto kind = classify_room_id(e.elements[0].str);
      if (!kind)
        continue; // a foreign room id (e.g. the fork's "bot_room"): not ours to show
      room_summary s;
      s.id = e.elements[0].str;
      s.kind = *kind;
      s.head = std::strtoll(e.elements[1].str.c_str(), nullptr, 10); // a score: the newest id
      s.last_read = std::strtoll(e.elements[2].str.c_str(), nullptr, 10);
      s.unread = e.elements[3].integer;
      s.mentions = e.elements[4].integer;
      s.peer_read = std::strtoll(e.elements[5].str.c_str(), nullptr, 10);
      s.muted = e.elements[6].integer == 1;
      for (std::size_t j = 8; j < e.elements.size(); ++j)
        s.names.push_back(e.elements[j].str);
      if (!e.elements[7].elements.empty()) { // a channel's settings (issue #23)
        channel_settings c;
        if (!detail::parse_channel_meta(e.elements[7], 0, c)) {
          done(detail::unexpected(r, "user_rooms"), {});
          return;
        }
        c.name = s.names.empty() ? std::string{} : s.names.front();
        s.channel = std::move(c);
      }
      rooms.push_back(std::move(s));
    }
    std::stable_sort(rooms.begin(), rooms.end(), room_before);
    done(errc::ok, std::move(rooms));
  });
}

void chat_store::set_muted(std::string user_id, std::string room_id, bool muted, callback<bool> done) {
  if (!is_valid_user_id(user_id) || !classify_room_id(room_id)) {
    detail::fail_soon(*impl_->redis, std::move(done), errc::not_found);
    return;
  }
  impl_->scripts->run(scripts::mute_room, {}, {std::move(user_id), std::move(room_id), muted ? "1" : "0"},
                      [done = std::move(done)](redis_reply r) {
                        if (r.text_is("forbidden") || r.text_is("not_found")) {
                          done(r.text_is("forbidden") ? errc::forbidden : errc::not_found, false);
                          return;
                        }
                        if (!detail::tagged(r, "ok") || r.elements.size() != 2 || !r.elements[1].is_integer()) {
                          done(detail::failure_of(r, "mute_room"), false);
                          return;
                        }
                        done(errc::ok, r.elements[1].integer == 1);
                      });
}

void chat_store::check_access(std::string user_id, std::string room_id, callback<room_access> done) {
  if (!classify_room_id(room_id)) {
    impl_->redis->post([done = std::move(done)] { done(errc::ok, room_access::not_found); });
    return;
  }
  if (!is_valid_user_id(user_id)) {
    impl_->redis->post([done = std::move(done)] { done(errc::ok, room_access::forbidden); });
    return;
  }
  impl_->scripts->run(scripts::check_access, {}, {std::move(user_id), std::move(room_id)},
                      [done = std::move(done)](redis_reply r) {
                        if (r.text_is("member"))
                          done(errc::ok, room_access::member);
                        else if (r.text_is("forbidden"))
                          done(errc::ok, room_access::forbidden);
                        else if (r.text_is("not_found"))
                          done(errc::ok, room_access::not_found);
                        else
                          done(detail::failure_of(r, "check_access"), room_access::not_found);
                      });
}

void chat_store::create_dm(std::string user_a, std::string user_b, std::string opener, callback<dm_result> done) {
  if (user_a == user_b || (opener != user_a && opener != user_b)) {
    detail::fail_soon(*impl_->redis, std::move(done), errc::invalid);
    return;
  }
  auto room = dm_room_id(user_a, user_b);
  if (!room) {
    detail::fail_soon(*impl_->redis, std::move(done), errc::not_found);
    return;
  }
  std::string a;
  std::string b;
  if (!parse_dm_room_id(*room, a, b)) {
    log::error("dm_id_invariant_broken", {{"room", *room}});
    std::abort();
  }
  impl_->scripts->run(scripts::create_dm, {},
                      {a, b, *room, std::move(opener), std::to_string(impl_->opts.max_rooms_per_user)},
                      [done = std::move(done), id = *room](redis_reply r) {
    if (detail::tagged(r, "not_found")) {
      done(errc::not_found, dm_result{});
    } else if (detail::tagged(r, "too_many_rooms")) {
      done(errc::too_many_rooms, dm_result{});
    } else if (detail::tagged(r, "ok") && r.elements.size() == 4 && r.elements[1].is_integer()) {
      dm_result out;
      out.room.id = id;
      out.room.kind = room_kind::direct;
      out.room.names = {r.elements[2].str, r.elements[3].str};
      out.created = r.elements[1].integer == 2;
      done(errc::ok, std::move(out));
    } else {
      done(detail::failure_of(r, "create_dm"), dm_result{});
    }
  });
}

void chat_store::create_channel(std::string name, std::string creator, bool is_private, std::string topic,
                                callback<channel_info> done) {
  if (!is_valid_channel_name(name)) {
    detail::fail_soon(*impl_->redis, std::move(done), errc::invalid);
    return;
  }
  if (!is_valid_user_id(creator)) {
    detail::fail_soon(*impl_->redis, std::move(done), errc::not_found);
    return;
  }
  auto lower = to_lower_ascii(name);
  impl_->scripts->run(scripts::create_channel, {},
                      {name, std::move(lower), std::move(creator), std::to_string(impl_->opts.channel_creations_per_hour),
                       std::to_string(impl_->opts.max_rooms_per_user), is_private ? "1" : "0", topic},
                      [done = std::move(done), name, is_private, topic](redis_reply r) {
                        if (detail::tagged(r, "conflict")) {
                          done(errc::conflict, channel_info{});
                        } else if (detail::tagged(r, "not_found")) {
                          done(errc::not_found, channel_info{});
                        } else if (detail::tagged(r, "too_many_rooms")) {
                          done(errc::too_many_rooms, channel_info{});
                        } else if (detail::tagged(r, "rate_limited") && r.elements.size() == 2) {
                          channel_info refused;
                          refused.retry_after = std::max<std::int64_t>(1, std::strtoll(r.elements[1].str.c_str(), nullptr, 10));
                          done(errc::rate_limited, std::move(refused));
                        } else if (detail::tagged(r, "ok") && r.elements.size() == 2) {
                          log::info("channel_created", {{"room", r.elements[1].str}});
                          channel_info made{r.elements[1].str, name, 1, true};
                          made.is_private = is_private;
                          made.topic = topic;
                          done(errc::ok, std::move(made));
                        } else {
                          done(detail::failure_of(r, "create_channel"), channel_info{});
                        }
                      });
}

void chat_store::public_channels(std::string user_id, channel_page_query q, callback<channel_page> done) {
  if (q.limit < 1 || q.limit > 1000 || (!q.after.empty() && classify_room_id(q.after) != room_kind::channel)) {
    detail::fail_soon(*impl_->redis, std::move(done), errc::invalid);
    return;
  }
  impl_->scripts->run(
    scripts::public_channels, {},
    {std::move(user_id), std::to_string(q.limit), std::move(q.after), to_lower_ascii(q.prefix)},
    [done = std::move(done)](redis_reply r) {
      if (detail::tagged(r, "bad_cursor")) {
        done(errc::invalid, {});
        return;
      }
      if (!detail::tagged(r, "ok") || r.elements.size() < 2 || !r.elements[1].is_string()) {
        done(detail::failure_of(r, "public_channels"), {});
        return;
      }
      channel_page page;
      page.next = r.elements[1].str;
      for (std::size_t i = 2; i < r.elements.size(); ++i) {
        const auto& e = r.elements[i];
        if (!e.is_array() || e.elements.size() != 4 || !e.elements[2].is_integer() || !e.elements[3].is_integer()) {
          done(detail::unexpected(r, "public_channels"), {});
          return;
        }
        page.channels.push_back(channel_info{e.elements[0].str, e.elements[1].str, e.elements[2].integer,
                                             e.elements[3].integer == 1});
      }
      done(errc::ok, std::move(page));
    });
}

void chat_store::join_channel(std::string user_id, std::string room_id, callback<bool> done) {
  if (classify_room_id(room_id) != room_kind::channel || !is_valid_user_id(user_id)) {
    detail::fail_soon(*impl_->redis, std::move(done), errc::not_found);
    return;
  }
  impl_->scripts->run(scripts::join_channel, {},
                      {std::move(user_id), std::move(room_id), std::to_string(impl_->opts.max_rooms_per_user)},
                      [done = std::move(done)](redis_reply r) {
                        if (r.text_is("ok"))
                          done(errc::ok, true);
                        else if (r.text_is("not_found"))
                          done(errc::not_found, false);
                        else if (r.text_is("too_many_rooms"))
                          done(errc::too_many_rooms, false);
                        else if (r.text_is("forbidden"))
                          done(errc::forbidden, false);
                        else
                          done(detail::failure_of(r, "join_channel"), false);
                      });
}

} // namespace chat::storage
