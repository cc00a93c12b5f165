#include "net/live_common.hpp"

#include <chrono>
#include <memory>

#include "actors/realtime.hpp"
#include "metrics/log.hpp"
#include "metrics/node_metrics.hpp"
#include "net/api_env.hpp"

namespace chat::net {

void send_chat_message(api_env& env, const std::string& user_id, std::string room_id,
                       std::string text, sent_fn done) {
  // One round trip: the store's script checks membership and writes in the same atomic step
  // (errc::forbidden / errc::not_found when the sender may not post there).
  std::string room = room_id; // for the reply (room ids are short: no allocation)
  env.store.send_message(std::move(room_id), user_id, std::move(text),
                         [&env, room = std::move(room), done = std::move(done)](storage::errc e,
                                                                               storage::sent_message m) {
                           if (e == storage::errc::ok)
                             publish_sent(env, room, m);
                           done(e, m, room);
                         });
}

void publish_sent(api_env& env, const std::string& room_id, const storage::sent_message& m) {
  // (chatnode_messages_persisted_total is counted by the store, where Redis confirmed the write.)
  if (env.realtime == nullptr)
    return;
  auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                  std::chrono::system_clock::now().time_since_epoch())
                  .count();
  env.realtime->publish(room_id, m.id, m.prev, now_ms, m.json);
}

void room_event_for_user(api_env& env, const std::vector<std::string>& users, std::string_view type,
                         const std::string& data_json, const std::string& room_id, std::int64_t after) {
  if (env.realtime != nullptr)
    env.realtime->room_event_for_users(users, std::string{type}, room_id, data_json, after);
}

void follow_user_rooms(api_env& env, const std::string& user_id, const actors::session_handle& session,
                       std::map<std::string, std::int64_t> resume, bool release) {
  env.store.user_rooms(user_id, [&env, session, user_id, resume = std::move(resume), release](
                                      storage::errc e, std::vector<storage::room_summary> rooms) {
    if (e != storage::errc::ok) {
      if (release)
        env.realtime->release(session);
      // The connection stays up; the client's resume / room.join frames still work, and on its
      // next reconnect everything is followed again.
      log::warn("follow_rooms_failed", {{"user_id", user_id}, {"error", storage::to_string(e)}});
      return;
    }
    for (auto& r : rooms) {
      auto it = resume.find(r.id);
      // Without a client cursor the room starts at its newest message as of now (the list was
      // read just now): whatever is written from here on is delivered.
      env.realtime->follow(session, r.id, it == resume.end() ? r.head : it->second);
    }
    if (release)
      env.realtime->release(session);
  });
}

std::string_view error_code_of(storage::errc e) noexcept {
  switch (e) {
    case storage::errc::ok: return "ok";
    case storage::errc::unavailable: return "unavailable";
    case storage::errc::overloaded: return "overloaded";
    case storage::errc::not_found: return "not_found";
    case storage::errc::forbidden: return "forbidden";
    case storage::errc::conflict: return "conflict";
    case storage::errc::invalid: return "bad_request";
    case storage::errc::internal: break;
  }
  return "internal";
}

std::string_view error_message_of(storage::errc e) noexcept {
  switch (e) {
    case storage::errc::ok: return "ok";
    case storage::errc::unavailable: return "storage is unavailable; retry later";
    case storage::errc::overloaded: return "the server is overloaded; nothing was sent, retry in a moment";
    case storage::errc::not_found: return "no such room";
    case storage::errc::forbidden: return "not a member of this room";
    case storage::errc::conflict: return "conflict";
    case storage::errc::invalid: return "invalid request";
    case storage::errc::internal: break;
  }
  return "internal error";
}

std::string_view access_code_of(storage::room_access a) noexcept {
  return a == storage::room_access::not_found ? "not_found" : "forbidden";
}

std::string_view access_message_of(storage::room_access a) noexcept {
  return a == storage::room_access::not_found ? "no such room" : "not a member of this room";
}

std::uint16_t ws_close_code(actors::close_reason r) noexcept {
  switch (r) {
    case actors::close_reason::slow_consumer: return 4008;
    case actors::close_reason::drain: return 1012;
    case actors::close_reason::shutdown: return 1001;
    case actors::close_reason::kicked: return 4001;
  }
  return 1011;
}

std::string_view close_reason_text(actors::close_reason r) noexcept {
  switch (r) {
    case actors::close_reason::slow_consumer: return "slow consumer";
    case actors::close_reason::drain: return "service restart";
    case actors::close_reason::shutdown: return "going away";
    case actors::close_reason::kicked: return "disconnected by an admin";
  }
  return "error";
}

std::string close_label(std::uint16_t code) {
  switch (code) {
    case 4008: return "slow_consumer";
    case 1012: return "drain";
    case 1001: return "shutdown";
    case 4001: return "kicked";
    default: return "server";
  }
}

} // namespace chat::net
