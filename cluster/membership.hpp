#pragma once
/// membership: this node's heartbeat and the reaping of dead nodes' presence.
///
/// Every `interval` one Lua script (atomic, so concurrent reapers cannot double-announce) renews
/// `chat:node:{serverId}:alive` with a TTL of `ttl`, registers the node in `chat:nodes`, and reaps
/// every other registered node whose alive key expired: its users leave `online_users` unless a
/// live node still holds them, `user.disconnected` is published for each (tagged with this node's
/// id), the dead node's connection slots are freed (`chat:user:{id}:conns`, see
/// chat_store::acquire_connection), and the dead node is forgotten. A user held by a killed node is therefore offline everywhere
/// within `ttl + interval` (6 s + 2 s by default, under the 10 s promise).

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace boost::asio {
class io_context;
}

namespace chat::metrics {
class node_metrics;
}

namespace chat::storage {
class redis_client;
class script_runner;
}

namespace chat::cluster {

/// A user whose presence was reaped.
struct reaped_user {
  std::string id;
  std::string username;
};

class membership {
public:
  /// `on_reaped` runs (on the Redis strand) with the users this node took offline, so it can tell
  /// its own connections (it skips its own Pub/Sub envelopes).
  membership(boost::asio::io_context& ioc, std::shared_ptr<storage::redis_client> redis,
             std::string server_id, std::chrono::milliseconds interval, std::chrono::milliseconds ttl,
             metrics::node_metrics* metrics, std::function<void(std::vector<reaped_user>)> on_reaped);
  ~membership();

  membership(const membership&) = delete;
  membership& operator=(const membership&) = delete;

  /// Starts ticking (the first tick at once).
  void start();
  /// Stops ticking and removes this node's alive key (a clean leave).
  void stop();

private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

} // namespace chat::cluster
