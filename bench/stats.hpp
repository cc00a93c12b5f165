#pragma once
#include <atomic>
#include <cstdint>

#include "histogram.hpp"

namespace bench {

// Counters shared by every connection and sender. Only messages stamped inside the measurement
// window [window_start_ns, window_end_ns) are counted as sent/acked/delivered.
struct Stats {
  std::atomic<std::int64_t> window_start_ns{INT64_MAX};
  std::atomic<std::int64_t> window_end_ns{INT64_MAX};
  std::atomic<bool> sending{false};
  std::atomic<bool> stopping{false};

  std::atomic<std::uint64_t> sent{0}, acked{0}, delivered{0}, expected{0};
  std::atomic<std::uint64_t> rate_limited{0}, overloaded{0}, other_errors{0}, closed{0};
  std::atomic<std::uint64_t> connected{0}, connect_failed{0};
  std::atomic<std::uint64_t> frames{0};  // every frame received (used to wait for quiet)
  // presence events received (user.connected, user.disconnected, presence), whole run
  std::atomic<std::uint64_t> presence_events{0};
  Histogram latency;
  // storm: messages stamped while connections were still opening, and after the last one opened
  std::atomic<std::int64_t> connected_all_ns{INT64_MAX};
  Histogram latency_connecting, latency_after;
  // storm, while connecting: deliveries to connections already caught up (`resumed` came before
  // the message was stamped), i.e. not waiting for their own set-up
  Histogram latency_connecting_live;

  bool in_window(std::int64_t t) const {
    return t >= window_start_ns.load(std::memory_order_relaxed) &&
           t < window_end_ns.load(std::memory_order_relaxed);
  }
  void reset_step() {
    sent = 0;
    acked = 0;
    delivered = 0;
    expected = 0;
    rate_limited = 0;
    overloaded = 0;
    other_errors = 0;
    closed = 0;
    latency.reset();
    latency_connecting.reset();
    latency_after.reset();
    latency_connecting_live.reset();
  }
};

}  // namespace bench
