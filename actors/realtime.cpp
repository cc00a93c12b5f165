#include "actors/realtime.hpp"

#include <caf/all.hpp>

#include "actors/atoms.hpp"
#include "actors/frame.hpp"
#include "actors/room_directory.hpp"
#include "metrics/node_metrics.hpp" // complete type: CAF inspects spawn argument types

namespace chat::actors {

realtime::realtime(caf::actor_system& sys, std::shared_ptr<history_source> history,
                   std::shared_ptr<presence_backend> presence, realtime_options opts,
                   metrics::node_metrics* metrics)
  : sys_(sys), history_(std::move(history)), opts_(opts), metrics_(metrics) {
  directory_ = spawn_room_directory(sys_, history_, opts_.room, metrics_);
  presence_ = spawn_presence(sys_, std::move(presence), opts_.presence, metrics_);
}

realtime::~realtime() = default;

caf::actor realtime::open_session(const std::string& user_id, std::shared_ptr<client_sink> sink) {
  return spawn_session(sys_, user_id, std::move(sink),
                       session_deps{directory_, presence_, history_, metrics_}, opts_.session);
}

void realtime::close_session(const caf::actor& session) {
  if (session)
    caf::anon_send_exit(session, caf::exit_reason::user_shutdown);
}

void realtime::follow(const caf::actor& session, const std::string& room_id, std::int64_t after) {
  caf::anon_send(session, follow_atom::value, room_id, after);
}

void realtime::publish(const std::string& room_id, std::int64_t id, std::int64_t prev,
                       std::int64_t ts_ms, const std::string& message_json) {
  caf::anon_send(directory_, publish_atom::value,
                 room_event{room_id, id, prev, ts_ms, make_message_frame(message_json)});
}

void realtime::typing(const std::string& room_id, const std::string& user_id, bool typing) {
  caf::anon_send(directory_, typing_atom::value, room_id, user_id, typing);
}

void realtime::send_to_user(const std::string& user_id, std::string frame_json) {
  caf::anon_send(presence_, event_atom::value, user_id, make_frame(std::move(frame_json)));
}

void realtime::follow_for_user(const std::string& user_id, const std::string& room_id) {
  caf::anon_send(presence_, follow_atom::value, user_id, room_id);
}

void realtime::unfollow_for_user(const std::string& user_id, const std::string& room_id) {
  caf::anon_send(presence_, unfollow_atom::value, user_id, room_id);
}

void realtime::broadcast(std::string frame_json) {
  caf::anon_send(presence_, event_atom::value, make_frame(std::move(frame_json)));
}

void realtime::stop() {
  caf::anon_send(directory_, stop_atom::value);
  caf::anon_send(presence_, stop_atom::value);
}

} // namespace chat::actors
