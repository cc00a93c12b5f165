#pragma once
/// realtime: the node's actor layer behind one small API, so the network code never instantiates
/// CAF templates. Owns the room directory, the presence actor and the session shards; each client
/// connection gets a session on one shard. Every method is thread-safe (it only sends messages).

#include <atomic>
#include <cstdint>
#include <memory>
#include <functional>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include "actors/presence_actor.hpp"
#include "actors/room_actor.hpp"
#include "actors/session_shard.hpp"

namespace chat::actors {

class client_sink;
class history_source;
class presence_backend;

/// Tunables of the actor layer.
struct realtime_options {
  room_options room;
  session_options session;
  presence_options presence;
  std::size_t session_shards = 4; ///< session shard actors (connections are spread over them)
};

class realtime {
public:
  realtime(caf::actor_system& sys, std::shared_ptr<history_source> history,
           std::shared_ptr<presence_backend> presence, std::shared_ptr<room_interest> interest,
           realtime_options opts, metrics::node_metrics* metrics);
  ~realtime();

  realtime(const realtime&) = delete;
  realtime& operator=(const realtime&) = delete;

  /// Starts the session of a new connection of `user_id` writing to `sink`. With `hold`, it
  /// delivers nothing until release() (see session_options::hold_until_released).
  session_handle open_session(const std::string& user_id, std::shared_ptr<client_sink> sink, bool hold = false);

  /// Ends a session's initial hold (after the follows sent before it, from the same thread).
  void release(const session_handle& session);

  /// Ends a session (the connection closed): it leaves its rooms and presence.
  void close_session(const session_handle& session);

  /// Makes a session follow a room: `after >= 0` resumes after that id, `after < 0` starts live.
  void follow(const session_handle& session, const std::string& room_id, std::int64_t after);

  /// Delivers a confirmed message to the room's local members (serialized once here).
  void publish(const std::string& room_id, std::int64_t id, std::int64_t prev, std::int64_t ts_ms,
               const std::string& message_json);

  /// Every active room re-reads storage after its chain head (the Pub/Sub connection came back).
  void catch_up();

  /// Typing start/stop of `user_id` in `room_id` (the caller checked membership).
  void typing(const std::string& room_id, const std::string& user_id, bool typing);

  /// Typing relayed from another node: fanned out to the room's local members only.
  void remote_typing(const std::string& room_id, const std::string& user_id, bool typing);

  /// A room change for some users (`show.room`, `room.joined`: they follow the room; `room.left`:
  /// they stop): delivered to their connections on this node and, through the cluster link, on
  /// every other node.
  /// `after` is where following starts: 0 for a room created just now (nothing can be missed),
  /// the room's head at the time of a join, -1 for "its head when the follow happens".
  void room_event_for_users(const std::vector<std::string>& users, const std::string& type,
                            const std::string& room_id, const std::string& data_json,
                            std::int64_t after = -1);

  /// The same, for an event another node published: local delivery only.
  void deliver_room_event(const std::vector<std::string>& users, const std::string& type,
                          const std::string& room_id, const std::string& data_json,
                          std::int64_t after = -1);

  /// Publishes user events to the other nodes (set once at start-up, before any connection).
  using cluster_publisher = std::function<void(const std::vector<std::string>& users, const std::string& type,
                                               const std::string& room_id, const std::string& data_json,
                                               std::int64_t after)>;
  void set_cluster_publisher(cluster_publisher fn) { publisher_ = std::move(fn); }

  /// Closes every connection of `user_id` on every node (WebSocket 4001, SSE stream end): locally
  /// through the presence actor, elsewhere through the cluster publisher (a `user.kick` user event).
  void kick_user(const std::string& user_id);

  /// Type of the user event that asks other nodes to close a user's connections.
  static constexpr const char* kick_event_type = "user.kick";

  /// Sends an event to every local connection (presence).
  void broadcast(std::string frame_json);

  /// Stops the directory (and so every room) and the presence actor. Session shards stop on their
  /// own when they notice the directory is gone.
  void stop();

private:
  caf::actor_system& sys_;
  std::shared_ptr<history_source> history_;
  realtime_options opts_;
  metrics::node_metrics* metrics_;
  caf::actor directory_;
  caf::actor presence_;
  std::vector<caf::actor> shards_;
  std::atomic<std::uint64_t> next_session_{0};
  cluster_publisher publisher_;
};

} // namespace chat::actors
