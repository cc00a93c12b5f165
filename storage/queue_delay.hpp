#pragma once
/// How far behind a pipelined Redis connection is: an estimate of how long the command that has
/// waited longest for its reply has waited, kept without a queue of timestamps.
///
/// While commands are in flight it is the larger of
/// - the latency of the last reply (the time the last command to come out spent inside: under a
///   growing backlog it grows with it), and
/// - the time since the last sign of progress (the last reply, or the send that started the busy
///   period), which keeps growing while Redis answers nothing at all.
/// With nothing in flight it is zero. The connection's strand records sends and replies; any
/// thread may read the estimate (relaxed atomics: it steers admission, it orders nothing).
#include <atomic>
#include <chrono>
#include <cstdint>

namespace chat::storage {

class queue_delay_meter {
public:
  using clock = std::chrono::steady_clock;

  /// A command was handed to the connection at `now`.
  void on_send(clock::time_point now) noexcept;

  /// A command's reply (or its failure) came back at `now`, `latency` after it was sent.
  void on_reply(clock::time_point now, clock::duration latency) noexcept;

  /// The estimated wait of the oldest command in flight, as of `now` (zero when none is).
  clock::duration estimate(clock::time_point now) const noexcept;

  /// Commands sent and not yet answered.
  std::int64_t in_flight() const noexcept { return in_flight_.load(std::memory_order_relaxed); }

private:
  std::atomic<std::int64_t> in_flight_{0};
  std::atomic<clock::rep> progress_{0};     ///< the last reply, or the send that started a busy period
  std::atomic<clock::rep> last_latency_{0}; ///< of the last reply in this busy period
};

} // namespace chat::storage
