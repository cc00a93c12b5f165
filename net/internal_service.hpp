#pragma once
/// The internal port: GET /livez, /readyz, /healthz (alias of readyz) and /metrics.

#include <functional>

#include "net/request_handler.hpp"
#include "net/router.hpp"

namespace chat::metrics {
class node_metrics;
}

namespace chat::net {

class internal_service final : public request_handler {
public:
  /// `ready` tells /readyz whether the node takes traffic (thread-safe; may be empty = always ready).
  internal_service(metrics::node_metrics& metrics, std::function<bool()> ready);

  internal_service(const internal_service&) = delete;
  internal_service& operator=(const internal_service&) = delete;

  /// See request_handler::handle.
  void handle(const exchange_ptr& ex) override;

private:
  void do_ready(const exchange_ptr& ex);

  metrics::node_metrics& metrics_;
  std::function<bool()> ready_;
  router router_;
};

} // namespace chat::net
