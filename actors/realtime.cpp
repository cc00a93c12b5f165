#include "actors/realtime.hpp"

#include <algorithm>
#include <functional>

#include <caf/all.hpp>

#include "actors/atoms.hpp"
#include "actors/frame.hpp"
#include "actors/room_directory.hpp"
#include "common/event_json.hpp"
#include "metrics/node_metrics.hpp" // complete type: CAF inspects spawn argument types

namespace chat::actors {

realtime::realtime(caf::actor_system& sys, std::shared_ptr<history_source> history,
                   std::shared_ptr<presence_backend> presence, std::shared_ptr<room_interest> interest,
                   realtime_options opts, metrics::node_metrics* metrics)
  : sys_(sys), history_(std::move(history)), opts_(opts), metrics_(metrics) {
  directory_ = spawn_room_directory(sys_, room_deps{history_, std::move(interest), metrics_}, opts_.room);
  presence_ = spawn_presence(sys_, std::move(presence), opts_.presence, metrics_);
  for (std::size_t i = 0; i < std::max<std::size_t>(1, opts_.session_shards); ++i)
    shards_.push_back(spawn_session_shard(sys_, session_deps{directory_, presence_, history_, metrics_},
                                          opts_.session));
}

realtime::~realtime() = default;

session_handle realtime::open_session(const std::string& user_id, std::shared_ptr<client_sink> sink, bool hold) {
  auto id = ++next_session_;
  // A user's connections share a shard: it joins each of the user's rooms once for all of them.
  auto shard = std::hash<std::string>{}(user_id) % shards_.size();
  return actors::open_session(shards_[shard], id, user_id, std::move(sink), hold);
}

void realtime::release(const session_handle& session) {
  release_session(session);
}

void realtime::close_session(const session_handle& session) {
  actors::close_session(session);
}

void realtime::follow(const session_handle& session, const std::string& room_id, std::int64_t after) {
  follow_room(session, room_id, after);
}

void realtime::publish(const std::string& room_id, std::int64_t position, std::int64_t prev,
                       std::int64_t ts_ms, frame_ptr frame, std::string audience) {
  caf::anon_send(directory_, publish_atom::value,
                 room_event{room_id, position, prev, ts_ms, std::move(frame), std::move(audience)});
}

void realtime::relay_signal(const std::string& room_id, frame_ptr frame, const std::string& except_user) {
  caf::anon_send(directory_, relay_atom::value, room_id, std::move(frame), except_user);
}

void realtime::catch_up() {
  caf::anon_send(directory_, catchup_atom::value);
}

void realtime::signal(room_signal sig) {
  caf::anon_send(directory_, signal_atom::value, std::move(sig));
}

void realtime::user_event_for(const user_event& ev) {
  deliver_user_event(ev);
  if (publisher_)
    publisher_(ev);
}

void realtime::deliver_user_event(const user_event& ev) {
  if (ev.action == user_action::disconnect || ev.action == user_action::ban) {
    auto why = ev.action == user_action::ban ? close_reason::banned : close_reason::kicked;
    for (auto& user : ev.users)
      caf::anon_send(presence_, kick_atom::value, user, why);
    return;
  }
  auto frame = make_frame(event_json(ev.type, ev.data));
  for (auto& user : ev.users) {
    // Follow first: the connection then receives the room's events from `after` on.
    if (ev.action == user_action::unfollow)
      caf::anon_send(presence_, unfollow_atom::value, user, ev.room_id);
    else if (ev.action == user_action::follow)
      caf::anon_send(presence_, follow_atom::value, user, ev.room_id, ev.after);
    caf::anon_send(presence_, event_atom::value, user, frame);
  }
}

void realtime::kick_user(const std::string& user_id) {
  user_event_for(user_event{{user_id}, "user.kick", std::string{}, "{}", -1, user_action::disconnect});
}

void realtime::ban_user(const std::string& user_id) {
  user_event_for(user_event{{user_id}, "user.ban", std::string{}, "{}", -1, user_action::ban});
}

void realtime::presence_changed(const std::string& user_id, std::string frame_json) {
  caf::anon_send(presence_, presence_atom::value, user_id, make_frame(std::move(frame_json)));
}

void realtime::watch_presence(const session_handle& session, std::shared_ptr<client_sink> sink,
                              std::vector<std::string> users, std::string client_id, bool answer) {
  caf::anon_send(presence_, watch_atom::value, session.id, std::move(sink), std::move(users), std::move(client_id),
                 answer);
}

void realtime::stop() {
  caf::anon_send(directory_, stop_atom::value);
  caf::anon_send(presence_, stop_atom::value);
}

} // namespace chat::actors
