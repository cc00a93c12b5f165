#pragma once
/// History retention (issue #26): trims every room's history to the policy (--history-max-age,
/// --history-max-messages) off the send path, in small steps. Every `interval` a sweep is due; the
/// node that holds the cluster-wide lease (one at a time; renewed while it sweeps) walks the rooms
/// holding messages (a SCAN page per call) and runs one bounded trim step per call, one call in
/// flight, at most `max_calls_per_tick` calls per `tick` and only `busy_calls_per_tick` while this
/// node's Redis backlog is high (chat first, as the search indexer does). A room with more to trim
/// goes to the back of the queue. Each step is atomic and idempotent, so two nodes sweeping at once
/// (a lease that expired under a stalled owner) only repeat work.

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include "storage/store_types.hpp"

namespace chat::storage {
class chat_store;
}

namespace chat::metrics {
class node_metrics;
}

namespace chat::actors {

/// What the retention actor needs from storage (chat_store in the node, fakes in unit tests).
/// Completions may run on any thread. `busy`, `trimmed` and `announce` may be empty.
struct retention_ports {
  /// Takes or renews the lease: done(true) when this node holds it.
  std::function<void(std::function<void(bool leader)> done)> lease;
  /// One page of the room walk from `cursor` ("0" starts it; next "0" ends it).
  std::function<void(std::string cursor,
                     std::function<void(bool ok, std::string next, std::vector<std::string> rooms)> done)>
    scan;
  /// One trim step of a room: how many messages went, whether more of the room waits, and the highest
  /// id of a room message (or tombstone) it removed (0: none; every older one is gone too).
  std::function<void(std::string room_id,
                     std::function<void(bool ok, std::int64_t trimmed, bool more, std::int64_t upto)> done)>
    trim;
  /// Whether chat traffic keeps Redis busy right now.
  std::function<bool()> busy;
  /// Counts trimmed messages (a metric).
  std::function<void(std::int64_t)> trimmed;
  /// Tells the room's members on every node that its messages up to id `upto` are gone: once per room
  /// and sweep, after the room's last step (a room trimmed in many steps is announced once).
  std::function<void(const std::string& room_id, std::int64_t upto)> announce;
};

struct retention_options {
  storage::retention_policy policy;          ///< what to keep (inactive: no actor is spawned)
  std::chrono::milliseconds interval{60000}; ///< a sweep over every room starts this often (or after the last one ended)
  std::chrono::milliseconds tick{100};       ///< the pacing tick within a sweep
  std::size_t max_calls_per_tick = 8;        ///< Redis calls per tick at most (80 a second by default)
  std::size_t busy_calls_per_tick = 1;       ///< ... while this node's Redis backlog is high
  std::int64_t budget = 50;                  ///< items (messages, replies, log frames, tombstones) per trim step
  std::int64_t scan_count = 500;             ///< keys per SCAN page
  std::size_t lease_renew_ticks = 20;        ///< the lease is renewed every this many ticks of a sweep
  std::chrono::milliseconds lease_ttl{10000}; ///< the lease's expiry (well above renew × tick)
};

/// The ports onto a chat_store (which must outlive the actor) and the node's metrics (may be null).
/// Redis counts as busy while this node's backlog (chat_store::backlog) is over `busy_backlog`.
retention_ports make_retention_ports(storage::chat_store& store, const retention_options& opts,
                                     metrics::node_metrics* metrics,
                                     std::chrono::milliseconds busy_backlog = std::chrono::milliseconds{2});

/// Spawns the retention actor (ends on stop_atom, once its call in flight answered).
caf::actor spawn_retention(caf::actor_system& sys, retention_ports ports, retention_options opts);

} // namespace chat::actors
