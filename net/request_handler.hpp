#pragma once
/// The Beast-free seam between an HTTP session and what answers its requests.

#include "net/exchange.hpp"

namespace chat::net {

/// Answers requests; one instance serves every session of a listener, from many threads.
class request_handler {
public:
  virtual ~request_handler() = default;

  /// Handles one request. Called on the session's executor; must answer `ex` exactly once,
  /// possibly later and from any thread (the exchange posts back to the session).
  virtual void handle(const exchange_ptr& ex) = 0;
};

} // namespace chat::net
