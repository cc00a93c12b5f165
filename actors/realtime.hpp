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

#include "actors/frame.hpp"
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

  /// Delivers a confirmed room event (a message or any other positioned kind) to the room's local
  /// members, in the room's chain order: `position` is its place in the room's id sequence, `prev`
  /// the position before it, `frame` the client frame serialized once for every recipient;
  /// `audience`: the only member whose connections get it (empty: every member).
  void publish(const std::string& room_id, std::int64_t position, std::int64_t prev, std::int64_t ts_ms,
               frame_ptr frame, std::string audience = {});

  /// Every active room re-reads storage after its chain head (the Pub/Sub connection came back).
  void catch_up();

  /// A member's signal (typing, ...): fanned out to the room's local members except the member's own
  /// connections, relayed to the other nodes; leases are kept by the room (room_signal).
  void signal(room_signal sig);

  /// A signal relayed from another node (its client frame): fanned out to the room's local members
  /// except `except_user`'s connections.
  void relay_signal(const std::string& room_id, frame_ptr frame, const std::string& except_user);

  /// An event for some users' connections on every node (show.room, room.joined, room.left, an admin
  /// disconnect, ...): delivered here and, through the cluster publisher, on every other node. What
  /// it does to the connections is its `action` (user_event in frame.hpp), not its type.
  void user_event_for(const user_event& ev);

  /// The same, for an event another node published: local delivery only.
  void deliver_user_event(const user_event& ev);

  /// Publishes user events to the other nodes (set once at start-up, before any connection).
  using cluster_publisher = std::function<void(const user_event& ev)>;
  void set_cluster_publisher(cluster_publisher fn) { publisher_ = std::move(fn); }

  /// Closes every connection of `user_id` on every node (WebSocket 4001, SSE stream end): a
  /// `user.kick` user event with the disconnect action.
  void kick_user(const std::string& user_id);
  /// Closes every connection of a banned user on every node (WebSocket 4003, SSE `banned`).
  void ban_user(const std::string& user_id);

  /// A user's presence changed (its `user.connected` / `user.disconnected` frame): to every local
  /// connection that gets everyone's presence or watches the user, collected per window.
  void presence_changed(const std::string& user_id, std::string frame_json);

  /// Replaces the presence watch set of a session's connection (`presence.watch`; empty: nobody):
  /// it then gets the presence of those users only, first a `presence` snapshot of the newly
  /// watched ones (always with `answer`; without it only when it adds users). `sink` is the
  /// connection's (the presence actor writes to it directly); `client_id` is echoed in an error.
  void watch_presence(const session_handle& session, std::shared_ptr<client_sink> sink,
                      std::vector<std::string> users, std::string client_id = {}, bool answer = true);

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
