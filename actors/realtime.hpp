#pragma once
/// realtime: the node's actor layer behind one small API, so the network code never instantiates
/// CAF templates. Owns the room directory and the presence actor; spawns one session actor per
/// client connection. Every method is thread-safe (it only sends messages).

#include <cstdint>
#include <memory>
#include <string>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include "actors/presence_actor.hpp"
#include "actors/room_actor.hpp"
#include "actors/session_actor.hpp"

namespace chat::actors {

class client_sink;
class history_source;
class presence_backend;

/// Tunables of the actor layer.
struct realtime_options {
  room_options room;
  session_options session;
  presence_options presence;
};

class realtime {
public:
  realtime(caf::actor_system& sys, std::shared_ptr<history_source> history,
           std::shared_ptr<presence_backend> presence, realtime_options opts,
           metrics::node_metrics* metrics);
  ~realtime();

  realtime(const realtime&) = delete;
  realtime& operator=(const realtime&) = delete;

  /// Spawns the session actor of a new connection of `user_id` writing to `sink`.
  caf::actor open_session(const std::string& user_id, std::shared_ptr<client_sink> sink);

  /// Ends a session actor (the connection closed); presence and rooms notice through monitors.
  void close_session(const caf::actor& session);

  /// Makes a session follow a room: `after >= 0` resumes after that id, `after < 0` starts live.
  void follow(const caf::actor& session, const std::string& room_id, std::int64_t after);

  /// Delivers a confirmed message to the room's local members (serialized once here).
  void publish(const std::string& room_id, std::int64_t id, std::int64_t prev, std::int64_t ts_ms,
               const std::string& message_json);

  /// Typing start/stop of `user_id` in `room_id` (the caller checked membership).
  void typing(const std::string& room_id, const std::string& user_id, bool typing);

  /// Sends an event to every local connection of one user.
  void send_to_user(const std::string& user_id, std::string frame_json);

  /// Makes every local connection of one user follow a room (new DM, joined channel).
  void follow_for_user(const std::string& user_id, const std::string& room_id);

  /// Makes every local connection of one user stop following a room (left channel).
  void unfollow_for_user(const std::string& user_id, const std::string& room_id);

  /// Sends an event to every local connection (presence).
  void broadcast(std::string frame_json);

  /// Stops the directory (and so every room) and the presence actor. Sessions stop on their own
  /// when they notice the directory is gone.
  void stop();

private:
  caf::actor_system& sys_;
  std::shared_ptr<history_source> history_;
  realtime_options opts_;
  metrics::node_metrics* metrics_;
  caf::actor directory_;
  caf::actor presence_;
};

} // namespace chat::actors
