#pragma once
/// presence_store: the Redis side of presence and room heads.
///
/// A user is online iff at least one of their connections lives on a live node. Each node keeps
/// the users it holds in `chat:node:{serverId}:users`; `online_users` (the tutorial's set) is the
/// derived cluster-wide view. The first connection anywhere publishes `user.connected`, the last
/// one `user.disconnected`, on the tutorial's `MESSAGES` channel, tagged with this node's id.
/// Same threading rules as chat_store: callbacks run on the Redis strand, exactly once.

#include <cstdint>
#include <memory>
#include <string>

#include "storage/chat_store.hpp"

namespace chat::storage {

class script_runner;

/// Result of a presence transition.
struct presence_change {
  bool announced = false; ///< this call changed the cluster-wide state (and published the event)
  std::string username;
};

class presence_store {
public:
  presence_store(std::shared_ptr<redis_client> redis, std::string server_id);
  ~presence_store();

  presence_store(const presence_store&) = delete;
  presence_store& operator=(const presence_store&) = delete;

  /// Forgets every user this node held before (a restart with the same id must not resurrect
  /// stale presence); users held nowhere else go offline (and `user.disconnected` is published).
  void reset_node(callback<std::int64_t> done);

  /// The user's first connection on this node opened.
  void user_online(std::string user_id, callback<presence_change> done);

  /// The user's last connection on this node closed.
  void user_offline(std::string user_id, callback<presence_change> done);

  /// The room's last position: the newest message id or event position (0 for an empty room), so a
  /// connection that starts there replays nothing written before it connected.
  void room_head(std::string room_id, callback<std::int64_t> done);

private:
  std::unique_ptr<script_runner> scripts_;
  std::string server_id_;
};

} // namespace chat::storage
