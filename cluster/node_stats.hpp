#pragma once
/// node_stats: this node's figures for the admin page, published in Redis, and the cluster-wide
/// read behind `GET /admin/stats`.
///
/// Every `interval` (2 s) one Lua script writes the hash `chat:node:{serverId}:stats` (connections by
/// transport, message counters, active rooms, presence entries, errors by kind, version, start and
/// sample time) and gives it the TTL of the alive key (6 s): a dead node's stats vanish with its
/// heartbeat. read_cluster() reads every registered node's alive flag and stats plus the global
/// totals in one script (one round trip) and renders the JSON of `GET /admin/stats`.

#include <chrono>
#include <cstdint>
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
struct redis_reply;
}

namespace chat::cluster {

/// Tunables of node_stats.
struct node_stats_options {
  std::string server_id;
  std::string version;
  std::chrono::milliseconds interval{2000}; ///< how often the hash is written
  std::chrono::milliseconds ttl{6000};      ///< TTL of the hash (the alive key's)
};

class node_stats {
public:
  node_stats(boost::asio::io_context& ioc, std::shared_ptr<storage::redis_client> redis,
             node_stats_options opts, metrics::node_metrics& metrics);
  ~node_stats();

  node_stats(const node_stats&) = delete;
  node_stats& operator=(const node_stats&) = delete;

  /// Starts writing (the first sample at once).
  void start();
  /// Stops writing and deletes this node's hash (a clean leave).
  void stop();

  /// Result of read_cluster(): ok and the JSON body, or false when Redis did not answer.
  using read_fn = std::function<void(bool ok, std::string json)>;

  /// Reads the whole cluster in one round trip; `done` runs on the Redis strand. JSON:
  /// `{"nodes":[{"id","alive","connections":{"ws","sse"},"messages":{"persisted","delivered",
  /// "received"},"rooms","presence","errors":{kind:n},"version","startedAt","sampledAt"}],
  /// "onlineUsers","totalUsers","channels","generatedAt"}` (nodes sorted by id).
  void read_cluster(read_fn done) const;

  /// The field/value pairs of this node's hash now (pure; unit-testable).
  static std::vector<std::string> sample(metrics::node_metrics& m, const std::string& version,
                                         std::int64_t started_at_ms, std::int64_t now_ms);

  /// Renders the reply of the read script as the JSON above (pure; unit-testable). Empty when
  /// the reply does not have the expected shape.
  static std::string render(const storage::redis_reply& reply, std::int64_t now_ms);

private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

} // namespace chat::cluster
