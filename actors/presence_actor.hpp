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
/// - `(presence_atom, user_id, frame_ptr)` a user's presence changed (`user.connected` /
///   `user.disconnected`): collected within presence_options::broadcast_window (a user's later
///   change replaces its earlier one), then sent to every local connection that gets everyone's
///   presence and to the connections watching that user (presence_watch.hpp).
/// - `(event_atom, frame_ptr)` the same for a frame of no known user (everyone-connections only).
/// - `(watch_atom, conn, shared_ptr<client_sink>, vector<string> users, client_id, bool answer)`
///   replaces the watch set of a connection (`presence.watch`): from now on it gets presence of
///   those users only; the state of the newly watched ones follows as one `presence` event (read
///   through the backend), or an `error` event `unavailable` (with `client_id`) when storage cannot
///   answer. Without `answer`, a watch that adds nobody gets no event (`?presence=watch`).
/// - `(event_atom, user_id, frame_ptr)` send a frame to every local session of one user.
/// - `(follow_atom, user_id, room_id, after)` make every local session of one user follow a room
///   (after that message id; -1: from the room's head).
/// - `(unfollow_atom, user_id, room_id)` make them stop following it.
/// - `(kick_atom, user_id) -> size_t` closes every local connection of one user with
///   close_reason::kicked (WebSocket 4001, SSE stream end) and ends its sessions; answers
///   how many were closed.
/// - `(count_atom) -> size_t` users with at least one local connection.

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

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
  /// The cluster-wide presence of `user_ids` (known users only), for the snapshot after a
  /// presence.watch. `done` runs once, on any thread (it must not touch actor state); `ok` is false
  /// when storage could not answer. By default storage never answers.
  virtual void lookup(std::vector<std::string> user_ids,
                      std::function<void(bool ok, std::vector<presence_row> rows)> done) {
    (void)user_ids;
    done(false, {});
  }
};

/// Tunables of the presence actor.
struct presence_options {
  std::chrono::milliseconds offline_grace{2000};
  /// Presence changes go out at once when none went out for this long; otherwise they are
  /// collected (one per user: its final state) and sent together at the end of the window. A
  /// reconnect storm of N users then costs an everyone-connection a few batches instead of N
  /// frames, and a watching connection only the changes of the users it watches.
  std::chrono::milliseconds broadcast_window{100};
};

/// Spawns the node's presence actor.
caf::actor spawn_presence(caf::actor_system& sys, std::shared_ptr<presence_backend> backend,
                          presence_options opts, metrics::node_metrics* metrics);

} // namespace chat::actors
