#pragma once
/// Room actor: one per room with local member connections on this node.
///
/// Keeps the room's delivery chain: events are fanned out strictly in id order, each exactly once.
/// An event whose `prev` is not the last delivered id waits briefly for the missing one, then the
/// gap is read from storage. Also keeps the leases of its members' signals (typing, ...), by kind,
/// without knowing the kinds.
///
/// Protocol (dynamically typed, see atoms.hpp):
/// - `(join_atom, room_id, shard, conn, user_id) -> (int64_t, actor)` adds a member connection
///   (its session shard is monitored); answers the id of the last delivered message (0 when none is
///   known yet) and the room itself.
/// - `(leave_atom, shard, conn)` removes a member.
/// - `(publish_atom, room_event)` delivers a positioned room event (any kind) in chain order.
/// - `(signal_atom, room_signal)` a local member's signal: fanned out, relayed to the other nodes;
///   a lease is throttled, renewed and ended by the room (room_signal in frame.hpp).
/// - `(relay_atom, room_id, frame_ptr, except_user)` another node's signal (fanned out only).
/// - `(count_atom) -> size_t` number of member connections.
/// - `(catchup_atom)` re-reads everything after the chain head from storage (after the Pub/Sub
///   connection came back).
/// Sends once to each session shard with members: `(push_atom, room_event)` and
/// `(event_atom, room_id, frame_ptr, user_id)` (a signal; the shard skips that member's connections).

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include <caf/fwd.hpp>

namespace chat::metrics {
class node_metrics;
}

namespace chat::actors {

class history_source;

/// Tunables of room actors.
struct room_options {
  std::chrono::milliseconds gap_wait{100};      ///< how long an out-of-order event waits before a fetch
  std::chrono::milliseconds gap_retry{500};     ///< retry delay when storage is unavailable
  std::chrono::seconds idle_timeout{30};        ///< an empty room stops after this
  std::int64_t fetch_limit = 500;               ///< messages per storage read
};

/// Where a room's events come from across nodes (cluster/'s Pub/Sub bridge). Thread-safe.
class room_interest {
public:
  virtual ~room_interest() = default;
  /// The room became active on this node: start receiving its events from other nodes, and call
  /// `subscribed` (from any thread) once they flow.
  virtual void room_active(const std::string& room_id, std::function<void()> subscribed) = 0;
  /// The room stopped on this node.
  virtual void room_idle(const std::string& room_id) = 0;
  /// A local member's signal (after the room's throttling): relay `{"type":kind,"data":data}` to the
  /// room's members on the other nodes, except `user_id`'s connections.
  virtual void room_signal(const std::string& room_id, const std::string& kind, const std::string& user_id,
                           const std::string& data) {
    (void)room_id;
    (void)kind;
    (void)user_id;
    (void)data;
  }
};

/// What a room actor reads from and listens to.
struct room_deps {
  std::shared_ptr<history_source> history;
  std::shared_ptr<room_interest> interest; ///< may be null (single node, tests)
  metrics::node_metrics* metrics = nullptr;
};

/// Spawns a room actor (in the given system). It starts in sync: it subscribes to the room's events
/// (when an interest is given), then reads the room's head from storage; joins are answered and
/// events delivered only after that, so no event can fall between storage and the live stream.
caf::actor spawn_room(caf::actor_system& sys, std::string room_id, room_deps deps, room_options opts);

} // namespace chat::actors
