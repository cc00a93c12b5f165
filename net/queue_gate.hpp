#pragma once
/// Admission control of one connection's outbound queue, shared between the producers (session
/// actor, Redis callbacks) and the socket's loop. Bounded: chat messages are refused when the
/// queue is full (the connection is then cut), ephemeral frames already when it is half full.
/// A part of outbound_queue.hpp; thread-safe (one relaxed atomic).

#include <atomic>
#include <cstddef>

#include "actors/client_sink.hpp"

namespace chat::net {

class queue_gate {
public:
  explicit queue_gate(std::size_t max_frames) : max_(max_frames == 0 ? 1 : max_frames) {}

  /// Reserves a slot for a chat message (`droppable == false`) or an ephemeral frame.
  actors::push_result admit(bool droppable) noexcept {
    auto depth = depth_.load(std::memory_order_relaxed);
    if (depth >= (droppable ? max_ / 2 : max_))
      return droppable ? actors::push_result::dropped : actors::push_result::full;
    depth_.fetch_add(1, std::memory_order_relaxed);
    return actors::push_result::queued;
  }

  /// Returns `n` slots (the frames were written or discarded).
  void release(std::size_t n = 1) noexcept { depth_.fetch_sub(n, std::memory_order_relaxed); }

  /// The queue's size.
  std::size_t max() const noexcept { return max_; }

  /// Frames queued and not yet written.
  std::size_t depth() const noexcept { return depth_.load(std::memory_order_relaxed); }

private:
  const std::size_t max_;
  std::atomic<std::size_t> depth_{0};
};

} // namespace chat::net
