#include "net/upload_pacer.hpp"

#include <algorithm>

namespace chat::net {

upload_pacer::upload_pacer(std::uint64_t bytes_per_second, backlog_fn backlog)
  : rate_(bytes_per_second), backlog_(std::move(backlog)) {}

upload_pacer::decision upload_pacer::reserve(std::size_t bytes, int pauses, clock::time_point now) {
  if (backlog_ && pauses < max_pauses && backlog_(now) > busy_backlog)
    return {busy_pause, true};
  if (rate_ == 0)
    return {};
  const auto cost = std::chrono::duration_cast<clock::duration>(
    std::chrono::duration<double>(static_cast<double>(bytes) / static_cast<double>(rate_)));
  std::lock_guard<std::mutex> lock{mutex_};
  // A chunk starts when the bytes before it are through; an idle bucket does not save up.
  const auto start = std::max(now, next_);
  next_ = start + cost;
  return {start - now, false};
}

} // namespace chat::net
