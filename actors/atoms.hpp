#pragma once
/// Atoms of the actor protocol (CAF 0.17 atoms: at most 10 characters).

#include <caf/atom.hpp>

namespace chat::actors {

using join_atom = caf::atom_constant<caf::atom("join")>;         ///< session → directory → room
using leave_atom = caf::atom_constant<caf::atom("leave")>;       ///< session → room
using publish_atom = caf::atom_constant<caf::atom("publish")>;   ///< writer / Pub/Sub → directory → room
using push_atom = caf::atom_constant<caf::atom("push")>;         ///< room → session: a chat message
using event_atom = caf::atom_constant<caf::atom("event")>;       ///< room/presence → session: ephemeral
using signal_atom = caf::atom_constant<caf::atom("signal")>;     ///< command → directory → room: a member's signal
using relay_atom = caf::atom_constant<caf::atom("relay")>;       ///< another node's signal → directory → room
using expire_atom = caf::atom_constant<caf::atom("expire")>;     ///< room → itself: a lease ran out
using gap_atom = caf::atom_constant<caf::atom("gap")>;           ///< room → itself: fetch missing ids
using fill_atom = caf::atom_constant<caf::atom("fill")>;         ///< storage callback → room / session
using head_atom = caf::atom_constant<caf::atom("head")>;         ///< storage callback → session
using backfill_atom = caf::atom_constant<caf::atom("backfill")>; ///< storage callback → session
using synced_atom = caf::atom_constant<caf::atom("synced")>;     ///< interest → room: subscribed
using catchup_atom = caf::atom_constant<caf::atom("catchup")>;   ///< directory → rooms: re-read storage
using release_atom = caf::atom_constant<caf::atom("release")>;   ///< connection → session: end the hold
using idle_atom = caf::atom_constant<caf::atom("idle")>;         ///< room → itself: quit when still empty
using follow_atom = caf::atom_constant<caf::atom("follow")>;     ///< connection → session: follow a room
using unfollow_atom = caf::atom_constant<caf::atom("unfollow")>; ///< connection → session
using retry_atom = caf::atom_constant<caf::atom("retry")>;       ///< session → itself
using room_atom = caf::atom_constant<caf::atom("room")>;         ///< sink → session: its queue has room
using stall_atom = caf::atom_constant<caf::atom("stall")>;       ///< session → itself: still no room?
using settle_atom = caf::atom_constant<caf::atom("settle")>;     ///< session → itself: late-resume window over
using open_atom = caf::atom_constant<caf::atom("open")>;         ///< connection → shard: a new session
using close_atom = caf::atom_constant<caf::atom("close")>;       ///< connection → shard: session ended
using connect_atom = caf::atom_constant<caf::atom("connect")>;   ///< shard → presence: a session started
using disconn_atom = caf::atom_constant<caf::atom("disconn")>;   ///< shard → presence: a session ended
using offline_atom = caf::atom_constant<caf::atom("offline")>;   ///< presence → itself: grace over
using count_atom = caf::atom_constant<caf::atom("count")>;       ///< introspection (tests, admin)
using kick_atom = caf::atom_constant<caf::atom("kick")>;       ///< admin → presence: close a user's sessions
using flush_atom = caf::atom_constant<caf::atom("flush")>;       ///< presence → itself: broadcast now
using presence_atom = caf::atom_constant<caf::atom("presence")>; ///< → presence: a user's presence changed
using watch_atom = caf::atom_constant<caf::atom("watch")>;       ///< connection → presence: its watch set
using snapshot_atom = caf::atom_constant<caf::atom("snapshot")>; ///< storage callback → presence
using stop_atom = caf::atom_constant<caf::atom("stop")>;         ///< orderly shutdown
using index_atom = caf::atom_constant<caf::atom("index")>;       ///< search indexer → itself: the tick
using indexed_atom = caf::atom_constant<caf::atom("indexed")>;   ///< storage callback → search indexer
using rt_tick_atom = caf::atom_constant<caf::atom("rt_tick")>;   ///< retention → itself: the pacing tick
using rt_sweep_atom = caf::atom_constant<caf::atom("rt_sweep")>; ///< retention → itself: a sweep is due
using rt_lease_atom = caf::atom_constant<caf::atom("rt_lease")>; ///< storage callback → retention: lease held?
using rt_scan_atom = caf::atom_constant<caf::atom("rt_scan")>;   ///< storage callback → retention: rooms found
using rt_trim_atom = caf::atom_constant<caf::atom("rt_trim")>;   ///< storage callback → retention: a step done

} // namespace chat::actors
