#pragma once
/// User-session actor: one per client connection (WebSocket or SSE).
///
/// Follows the rooms of its user, delivers their events to its connection's sink exactly once and
/// in id order, resumes from a cursor without gap or duplicate, and cuts the connection when the
/// client cannot keep up (the client resumes on reconnect, so nothing is lost).
///
/// Protocol:
/// - `(follow_atom, room_id, int64_t after)` follows a room. `after >= 0`: replay every message
///   with id > after from storage first, then continue live (join first, buffer live events during
///   the replay, then flush them skipping replayed ids). `after < 0`: live only.
/// - `(unfollow_atom, room_id)` stops following.
/// - `(push_atom, room_event)` from rooms, `(event_atom, frame_ptr)` ephemeral events.
/// - `(release_atom)` ends the initial hold (see session_options::hold_until_released).
/// - `(count_atom) -> size_t` number of followed rooms.
/// Registers with the presence actor at start; presence notices the end through its monitor.

#include <chrono>
#include <memory>
#include <string>

#include <caf/actor.hpp>

namespace chat::metrics {
class node_metrics;
}

namespace chat::actors {

class client_sink;
class history_source;

/// Tunables of session actors.
struct session_options {
  std::int64_t replay_page = 200;            ///< messages per storage read during a replay
  std::size_t max_buffered_during_replay = 2000; ///< live events held while replaying (then re-read)
  std::chrono::milliseconds join_timeout{5000};
  std::chrono::milliseconds retry_delay{50};
  /// Hold every delivery until `(release_atom)`: a WebSocket client may still send `resume`, and
  /// its rooms must then start at its cursors (nothing delivered yet means an exact restart).
  bool hold_until_released = false;
};

/// The collaborators of a session actor.
struct session_deps {
  caf::actor directory; ///< room_directory: joins are routed through it
  caf::actor presence;  ///< presence actor (may be invalid in tests)
  std::shared_ptr<history_source> history;
  metrics::node_metrics* metrics = nullptr;
};

/// Spawns a session actor for `user_id` writing to `sink`.
caf::actor spawn_session(caf::actor_system& sys, std::string user_id,
                         std::shared_ptr<client_sink> sink, session_deps deps,
                         session_options opts);

} // namespace chat::actors
