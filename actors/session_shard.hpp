#pragma once
/// User sessions, many per actor: the session shards of a node.
///
/// A session belongs to one client connection (WebSocket or SSE). It follows the rooms of its
/// user, delivers their events to the connection's sink exactly once and in id order, resumes
/// from a cursor without gap or duplicate, and cuts the connection when the client cannot keep up
/// (the client resumes on reconnect, so nothing is lost).
///
/// A node runs a few shard actors, and each shard keeps the sessions of many connections as plain
/// state (a few hundred bytes each instead of an actor each). Room membership is per user: the
/// sessions of one user share a shard and one member entry in each of the user's rooms, so a
/// connection costs the same whatever its user's room count (session_state.hpp). A room sends each
/// event once to every shard that has members in it; the shard hands it to each session of each
/// of its users following the room.
///
/// Protocol (a session is named by its connection id, unique on the node):
/// - `(open_atom, conn, user_id, shared_ptr<client_sink>, bool hold)` starts a session and
///   registers it with the presence actor. With `hold`, nothing is delivered before
///   `(release_atom, conn)` (see session_options::hold_until_released).
/// - `(follow_atom, conn, room_id, int64_t after)` follows a room (for every session of the user:
///   a user's rooms are all its connections' rooms). `after >= 0`: this connection gets every event
///   with position > after: from storage up to the room's live point, then live (live events are
///   not held meanwhile: storage is read again until it reaches the live point). `after < 0`:
///   live from the room's live point.
/// - `(release_atom, conn)` ends the hold; once every room has caught up, the session tells the
///   client with the event `resumed` `{"rooms":n}` (a WebSocket's end of a resume).
/// - `(unfollow_atom, conn, room_id)` stops following (every session of the user).
/// - `(close_atom, conn)` ends the session (its connection closed): it leaves its rooms and presence.
/// - `(event_atom, conn, frame_ptr)` an ephemeral frame for one session (user events).
/// - `(count_atom, conn) -> size_t` number of rooms the session follows; `(count_atom, conn, true)`
///   the rooms it keeps per-room state for (catching up, or within the late-resume window).
/// - from rooms: `(push_atom, room_event)` a positioned room event (any kind) for every session
///   following the room; `(event_atom, room_id, frame_ptr, user_id)` a signal (typing, ...) for the
///   room's followers except that user.
/// A shard quits when the room directory ends (node shutdown).

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include <caf/actor.hpp>

#include "actors/client_sink.hpp"

namespace chat::metrics {
class node_metrics;
}

namespace chat::actors {

class history_source;

/// Tunables of sessions.
struct session_options {
  std::int64_t replay_page = 200;            ///< events per storage read during a replay (at most)
  /// A replay reads only what fits in the connection's queue (client_sink::replay_room()) and
  /// otherwise waits for it to drain; a connection whose queue does not drain for this long while
  /// it waits is cut as a slow consumer.
  std::chrono::milliseconds stall_timeout{20000};
  /// A `resume` for a room the connection is live in still backfills exactly for this long after
  /// the release (or the open, without a hold); afterwards the connection keeps no per-room state
  /// and such a resume is ignored (clients send `resume` first).
  std::chrono::milliseconds late_resume_window{30000};
  std::size_t max_buffered_during_replay = 2000; ///< live events held while replaying (then re-read)
  std::chrono::milliseconds join_timeout{5000};
  std::chrono::milliseconds retry_delay{50};
  /// Hold every delivery until the release: a WebSocket client may still send `resume`, and its
  /// rooms must then start at its cursors (nothing delivered yet means an exact restart).
  /// Set per session by `open` (the shard's own value is the default for tests).
  bool hold_until_released = false;
};

/// The collaborators of a session shard.
struct session_deps {
  caf::actor directory; ///< room_directory: joins are routed through it
  caf::actor presence;  ///< presence actor (may be invalid in tests)
  std::shared_ptr<history_source> history;
  metrics::node_metrics* metrics = nullptr;
};

/// A session: its shard and its connection id.
struct session_handle {
  caf::actor shard;
  std::uint64_t id = 0;

  explicit operator bool() const noexcept { return static_cast<bool>(shard); }
};

/// Spawns a session shard.
caf::actor spawn_session_shard(caf::actor_system& sys, session_deps deps, session_options opts);

/// Starts a session on `shard` for connection `id` of `user_id` (thread-safe, like the helpers
/// below: they only send messages; messages sent from one thread arrive in order).
session_handle open_session(const caf::actor& shard, std::uint64_t id, const std::string& user_id,
                            std::shared_ptr<client_sink> sink, bool hold);

/// Makes a session follow a room (`after >= 0`: resume after that id; `after < 0`: from the head).
void follow_room(const session_handle& s, const std::string& room_id, std::int64_t after);

/// Makes a session stop following a room.
void unfollow_room(const session_handle& s, const std::string& room_id);

/// Ends a session's initial hold.
void release_session(const session_handle& s);

/// Ends a session (its connection closed).
void close_session(const session_handle& s);

} // namespace chat::actors
