#include "storage/queue_delay.hpp"

#include <algorithm>

namespace chat::storage {

void queue_delay_meter::on_send(clock::time_point now) noexcept {
  if (in_flight_.fetch_add(1, std::memory_order_relaxed) == 0) {
    // A new busy period: the last one's latency says nothing about this one.
    progress_.store(now.time_since_epoch().count(), std::memory_order_relaxed);
    last_latency_.store(0, std::memory_order_relaxed);
  }
}

void queue_delay_meter::on_reply(clock::time_point now, clock::duration latency) noexcept {
  last_latency_.store(latency.count(), std::memory_order_relaxed);
  progress_.store(now.time_since_epoch().count(), std::memory_order_relaxed);
  // A reply without its send is a broken invariant of the caller; it must not wrap the count.
  auto left = in_flight_.fetch_sub(1, std::memory_order_relaxed);
  if (left <= 0)
    in_flight_.store(0, std::memory_order_relaxed);
}

queue_delay_meter::clock::duration queue_delay_meter::estimate(clock::time_point now) const noexcept {
  if (in_flight_.load(std::memory_order_relaxed) <= 0)
    return clock::duration::zero();
  auto since_progress = now.time_since_epoch().count() - progress_.load(std::memory_order_relaxed);
  auto latency = last_latency_.load(std::memory_order_relaxed);
  return clock::duration{std::max<clock::rep>({since_progress, latency, 0})};
}

} // namespace chat::storage
