#pragma once
/// Room directory: one per node. Finds or spawns the room actor of a room id and routes joins,
/// room events and signals to it. Rooms stop themselves when idle; the directory forgets them on
/// their down message. A join that races with a room's idle stop fails and the session retries.
///
/// Protocol:
/// - `(join_atom, room_id, shard, conn, user_id) -> (int64_t, actor)` delegated to the room.
/// - `(publish_atom, room_event)` to the room if it is active on this node (else: no local members).
/// - `(signal_atom, room_signal)` and `(relay_atom, room_id, frame_ptr, except_user)` likewise.
/// - `(count_atom) -> size_t` active rooms; `(count_atom, room_id) -> size_t` its member sessions. `(stop_atom)` stops every room, then itself.

#include <memory>

#include <caf/fwd.hpp>

#include "actors/room_actor.hpp"

namespace chat::actors {

class history_source;

/// Spawns the node's room directory; every room it spawns gets `deps`.
caf::actor spawn_room_directory(caf::actor_system& sys, room_deps deps, room_options opts);

} // namespace chat::actors
