#include "net/live_common.hpp"

#include "actors/realtime.hpp"
#include "net/api_env.hpp"
#include "net/json_views.hpp"

namespace chat::net {

void room_event_for_user(api_env& env, const std::vector<std::string>& users, std::string_view type,
                         const std::string& data_json, const std::string& room_id, actors::user_action action,
                         std::int64_t after) {
  if (env.realtime != nullptr)
    env.realtime->user_event_for(actors::user_event{users, std::string{type}, room_id, data_json, after, action});
}

void announce_join(api_env& env, const std::string& user_id, const std::string& room_id,
                   std::function<void(storage::errc, std::string room_json)> done) {
  env.store.user_rooms(user_id, [&env, user_id, room_id, done = std::move(done)](
                                  storage::errc e, std::vector<storage::room_summary> rooms) {
    if (e != storage::errc::ok) {
      if (done)
        done(e, std::string{});
      return;
    }
    storage::room_summary joined;
    joined.id = room_id;
    for (auto& r : rooms)
      if (r.id == room_id)
        joined = std::move(r);
    auto body = room_json(joined);
    env.store.messages_before(
      room_id, std::nullopt, 1, [&env, user_id, room_id, body](storage::errc e2, std::vector<storage::stored_message> newest) {
        std::int64_t after = e2 == storage::errc::ok ? (newest.empty() ? 0 : newest.front().id) : -1;
        room_event_for_user(env, {user_id}, "room.joined", body, room_id, actors::user_action::follow, after);
      });
    if (done)
      done(storage::errc::ok, std::move(body));
  });
}

std::uint16_t ws_close_code(actors::close_reason r) noexcept {
  switch (r) {
    case actors::close_reason::slow_consumer: return 4008;
    case actors::close_reason::drain: return 1012;
    case actors::close_reason::shutdown: return 1001;
    case actors::close_reason::kicked: return 4001;
    case actors::close_reason::session_ended: return 4002;
    case actors::close_reason::banned: return 4003;
  }
  return 1011;
}

std::string_view close_reason_text(actors::close_reason r) noexcept {
  switch (r) {
    case actors::close_reason::slow_consumer: return "slow consumer";
    case actors::close_reason::drain: return "service restart";
    case actors::close_reason::shutdown: return "going away";
    case actors::close_reason::kicked: return "disconnected by an admin";
    case actors::close_reason::session_ended: return "session ended";
    case actors::close_reason::banned: return "banned";
  }
  return "error";
}

std::string_view close_label(std::uint16_t code) noexcept {
  switch (code) {
    case 4008: return "slow_consumer";
    case 1012: return "drain";
    case 1001: return "shutdown";
    case 4001: return "kicked";
    case 4002: return "session_ended";
    case 4003: return "banned";
    default: return "server";
  }
}

} // namespace chat::net
