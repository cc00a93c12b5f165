#include "actors/realtime.hpp"

#include <algorithm>

#include <caf/all.hpp>

#include "actors/atoms.hpp"
#include "actors/frame.hpp"
#include "actors/room_directory.hpp"
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
  return actors::open_session(shards_[id % shards_.size()], id, user_id, std::move(sink), hold);
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

void realtime::publish(const std::string& room_id, std::int64_t id, std::int64_t prev,
                       std::int64_t ts_ms, const std::string& message_json) {
  caf::anon_send(directory_, publish_atom::value,
                 room_event{room_id, id, prev, ts_ms, make_message_frame(message_json)});
}

void realtime::remote_typing(const std::string& room_id, const std::string& user_id, bool typing) {
  caf::anon_send(directory_, rtyping_atom::value, room_id, user_id, typing);
}

void realtime::catch_up() {
  caf::anon_send(directory_, catchup_atom::value);
}

void realtime::typing(const std::string& room_id, const std::string& user_id, bool typing) {
  caf::anon_send(directory_, typing_atom::value, room_id, user_id, typing);
}

void realtime::room_event_for_users(const std::vector<std::string>& users, const std::string& type,
                                    const std::string& room_id, const std::string& data_json,
                                    std::int64_t after) {
  deliver_room_event(users, type, room_id, data_json, after);
  if (publisher_)
    publisher_(users, type, room_id, data_json, after);
}

void realtime::deliver_room_event(const std::vector<std::string>& users, const std::string& type,
                                  const std::string& room_id, const std::string& data_json,
                                  std::int64_t after) {
  if (type == kick_event_type) {
    for (auto& user : users)
      caf::anon_send(presence_, kick_atom::value, user);
    return;
  }
  std::string text;
  text.reserve(data_json.size() + type.size() + 22);
  text.append(R"({"type":")").append(type).append(R"(","data":)").append(data_json).push_back('}');
  auto frame = make_frame(std::move(text));
  const bool leave = type == "room.left";
  for (auto& user : users) {
    // Follow first: the connection then receives the room's messages from its head on.
    if (leave)
      caf::anon_send(presence_, unfollow_atom::value, user, room_id);
    else
      caf::anon_send(presence_, follow_atom::value, user, room_id, after);
    caf::anon_send(presence_, event_atom::value, user, frame);
  }
}

void realtime::kick_user(const std::string& user_id) {
  room_event_for_users({user_id}, kick_event_type, std::string{}, "{}", -1);
}

void realtime::broadcast(std::string frame_json) {
  caf::anon_send(presence_, event_atom::value, make_frame(std::move(frame_json)));
}

void realtime::stop() {
  caf::anon_send(directory_, stop_atom::value);
  caf::anon_send(presence_, stop_atom::value);
}

} // namespace chat::actors
