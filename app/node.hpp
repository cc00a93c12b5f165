#pragma once
/// One chat node: the wiring of Redis, the store, the password hasher, the actor layer, the Pub/Sub
/// bridge and membership, and the HTTP server onto the node's event loops (`--threads`, loop 0 runs
/// Redis and the listeners), start-up bootstrap (schema, demo seed, admins) and the signal-driven
/// drain and shutdown.
/// No Asio headers here: main.cpp stays cheap to compile.

#include <memory>

namespace chat::metrics {
class node_metrics;
}

namespace chat::app {

struct node_config;

class node {
public:
  node(const node_config& cfg, metrics::node_metrics& metrics);
  ~node();

  node(const node&) = delete;
  node& operator=(const node&) = delete;

  /// Runs until SIGINT/SIGTERM. Returns the process exit code: 0 after a clean shutdown,
  /// 1 when the listeners cannot be started (e.g. port in use). A second signal during the
  /// shutdown exits at once with 128 + signal (130 / 143).
  int run();

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace chat::app
