#pragma once
/// The search indexer (issue #22): keeps the message search index in Redis up to date off the send
/// path. Every `interval` it takes the rooms this node wrote text to (chat_store::search_dirty_rooms)
/// and indexes each from its index cursor (chat_store::search_index), a bounded number of positions
/// per call and at most `max_in_flight` calls at once; a room with more to index goes to the back of
/// the queue. Whatever a write does not get indexed right away (a node that died before its tick) is
/// caught up by the room's next indexing, from its cursor.

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

namespace chat::storage {
class chat_store;
}

namespace chat::actors {

/// What the indexer needs from storage (chat_store in the node, fakes in unit tests). `index`'s
/// completion may run on any thread. `busy` (may be empty: never busy): whether chat traffic keeps
/// Redis busy right now.
struct search_indexer_ports {
  std::function<std::vector<std::string>(std::size_t max)> take_rooms;
  std::function<void(std::string room_id, std::int64_t budget, std::function<void(bool ok, bool more)> done)> index;
  std::function<bool()> busy;
};

/// The ports onto a chat_store (which must outlive the indexer). Redis counts as busy while this
/// node's backlog (chat_store::backlog: the Redis command or message waiting longest) is over
/// `busy_backlog`.
search_indexer_ports make_search_indexer_ports(storage::chat_store& store,
                                               std::chrono::milliseconds busy_backlog = std::chrono::milliseconds{2});

struct search_indexer_options {
  std::chrono::milliseconds interval{500}; ///< how often the marked rooms are taken
  /// Positions per index call: small, because a script holds Redis while it runs and every message
  /// behind it waits (200 positions held it for milliseconds: a p99 floor of 35 ms in scenario 2).
  std::int64_t budget = 50;
  std::size_t max_in_flight = 1; ///< index calls at once (one: chat commands run between two calls)
  /// Index calls per tick at most: the indexer never takes more of Redis than budget × this per
  /// interval (3,200 positions a second by default); under a heavier write load the index lags and
  /// catches up once the load drops, and sending never waits for it.
  std::size_t max_calls_per_tick = 32;
  /// While Redis is busy with chat traffic (search_indexer_ports::busy, asked before every call past
  /// these), a tick makes no more calls than this: messages first; the index still moves (budget ×
  /// this per interval, 200 positions a second by default) and catches up once the traffic drops.
  std::size_t busy_calls_per_tick = 2;
  std::size_t max_queued = 10000;          ///< rooms waiting; more are taken at the next tick
};

/// Spawns the indexer actor (ends on stop_atom).
caf::actor spawn_search_indexer(caf::actor_system& sys, search_indexer_ports ports, search_indexer_options opts);

} // namespace chat::actors
