#pragma once
/// Presence actor: one per node. Counts each user's connections on this node (several tabs),
/// reports a user online at the first connection and offline after the last one closed (after a
/// short grace, so a page reload or a reconnect does not flap), and broadcasts presence frames to
/// every local session.
///
/// Protocol:
/// - `(connect_atom, conn, user_id, shard, weak_ptr<client_sink>)` from a session shard when a
///   session starts; `(disconn_atom, conn)` when it ends. Shards are monitored (their end ends
///   their sessions).
/// - `(event_atom, frame_ptr)` broadcast an ephemeral frame to every local session (coalesced
///   within presence_options::broadcast_window, sent once per shard).
/// - `(event_atom, user_id, frame_ptr)` send a frame to every local session of one user.
/// - `(follow_atom, user_id, room_id, after)` make every local session of one user follow a room
///   (after that message id; -1: from the room's head).
/// - `(unfollow_atom, user_id, room_id)` make them stop following it.
/// - `(kick_atom, user_id) -> size_t` closes every local connection of one user with
///   close_reason::kicked (WebSocket 4001, SSE stream end) and ends its sessions; answers
///   how many were closed.
/// - `(count_atom) -> size_t` users with at least one local connection.

#include <chrono>
#include <memory>
#include <string>

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/fwd.hpp>

#include "actors/client_sink.hpp"

namespace chat::metrics {
class node_metrics;
}

namespace chat::actors {

/// What presence changes do outside the node (Redis sets, Pub/Sub). Implemented in cluster/.
class presence_backend {
public:
  virtual ~presence_backend() = default;
  /// The user's first connection on this node opened.
  virtual void user_online(const std::string& user_id) = 0;
  /// The user's last connection on this node closed (and the grace passed).
  virtual void user_offline(const std::string& user_id) = 0;
};

/// Tunables of the presence actor.
struct presence_options {
  std::chrono::milliseconds offline_grace{2000};
  /// Broadcasts (user.connected / user.disconnected to every local connection) go out at once
  /// when none went out for this long; otherwise they are collected and sent together at the end
  /// of the window. A reconnect storm of N users then costs each connection a few batches instead
  /// of N frames.
  std::chrono::milliseconds broadcast_window{100};
};

/// Spawns the node's presence actor.
caf::actor spawn_presence(caf::actor_system& sys, std::shared_ptr<presence_backend> backend,
                          presence_options opts, metrics::node_metrics* metrics);

} // namespace chat::actors
