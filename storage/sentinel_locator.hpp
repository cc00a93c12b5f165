#pragma once
/// Redis Sentinel (--redis-sentinels, --redis-master-name): which server is the master, and when it
/// changes. hiredis 0.14 knows nothing of Sentinel, so this asks the sentinels itself, as their
/// clients' guide describes: `SENTINEL get-master-addr-by-name <name>` on the first sentinel that
/// answers (the one that answered last first), and a subscription to `+switch-master` on every
/// sentinel. When the master's address changes, every follower (the node's command, files and
/// subscriber connections) is told to reconnect; each then locates the master again and checks with
/// ROLE that the server it reached is one (redis_client). Thread-safe.

#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "storage/master_locator.hpp"
#include "storage/redis_url.hpp"

namespace boost::asio {
class io_context;
} // namespace boost::asio

namespace chat::metrics {
class node_metrics;
} // namespace chat::metrics

namespace chat::storage {

class redis_client;

/// What sentinel_locator needs to know.
struct sentinel_options {
  /// Host and port of every sentinel; `username`/`password` authenticate to the sentinels
  /// (--redis-sentinel-password), not to the master.
  std::vector<redis_endpoint> sentinels;
  std::string master_name; ///< the name the sentinels monitor the master under
};

/// Parses `host:port,host:port,…` (`[v6]:port`; the port defaults to 26379). False with `error` set
/// on an empty list, an empty host or a bad port.
bool parse_sentinel_list(std::string_view text, std::vector<redis_endpoint>& out, std::string& error);

/// The new master in a `+switch-master` payload (`<name> <old-ip> <old-port> <new-ip> <new-port>`),
/// when it is about `name`.
std::optional<master_address> parse_switch_master(std::string_view payload, std::string_view name);

class sentinel_locator final : public master_locator, public std::enable_shared_from_this<sentinel_locator> {
public:
  /// A stopped locator; `metrics` may be null (counts master changes when given).
  static std::shared_ptr<sentinel_locator> create(boost::asio::io_context& ioc, sentinel_options opts,
                                                  metrics::node_metrics* metrics);

  sentinel_locator(const sentinel_locator&) = delete;
  sentinel_locator& operator=(const sentinel_locator&) = delete;

  /// Connects to every sentinel (a command connection and a `+switch-master` subscription each).
  void start();

  /// Closes the sentinel connections.
  void stop();

  /// `client` reconnects whenever the master's address changes (held weakly).
  void follow(std::weak_ptr<redis_client> client);

  void locate(located done) override;
  void suspect(const master_address& where) override;

  /// The master as last learned (port 0 before the first answer).
  master_address current() const;

private:
  struct sentinel {
    std::shared_ptr<redis_client> command; ///< SENTINEL get-master-addr-by-name
    std::shared_ptr<redis_client> events;  ///< SUBSCRIBE +switch-master
  };

  sentinel_locator(sentinel_options opts, metrics::node_metrics* metrics);

  /// Asks sentinel (start + tried) % n, then the next ones, until one names the master.
  void ask(std::size_t start, std::size_t tried, located done);
  /// Records `m` as the master; when it differs from the one known, counts it and tells followers.
  void learned(const master_address& m, const char* how);

  sentinel_options opts_;
  metrics::node_metrics* metrics_;
  std::vector<sentinel> sentinels_;
  mutable std::mutex mutex_;
  master_address current_;       ///< (mutex_)
  std::size_t preferred_ = 0;    ///< the sentinel that answered last (mutex_)
  bool checking_ = false;        ///< a suspect() re-check is in flight (mutex_)
  std::vector<std::weak_ptr<redis_client>> followers_; ///< (mutex_)
};

} // namespace chat::storage
