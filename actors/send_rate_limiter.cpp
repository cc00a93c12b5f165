#include "actors/send_rate_limiter.hpp"

#include <algorithm>
#include <cmath>

namespace chat::actors {

send_rate_limiter::send_rate_limiter(unsigned burst, std::chrono::milliseconds period)
  : burst_(std::max(1u, burst)),
    per_ms_(burst_ / static_cast<double>(std::max<std::int64_t>(1, period.count()))),
    period_(period) {}

bool send_rate_limiter::allow(const std::string& user_id, clock::time_point now) {
  std::lock_guard<std::mutex> guard{mutex_};
  if (now - last_prune_ > period_ * 6)
    prune(now);
  auto [it, inserted] = buckets_.try_emplace(user_id, bucket{burst_, now});
  auto& b = it->second;
  if (!inserted) {
    auto elapsed = std::chrono::duration<double, std::milli>(now - b.updated).count();
    b.tokens = std::min(burst_, b.tokens + std::max(0.0, elapsed) * per_ms_);
    b.updated = now;
  }
  if (b.tokens < 1.0)
    return false;
  b.tokens -= 1.0;
  return true;
}

unsigned send_rate_limiter::retry_after_seconds() const noexcept {
  return static_cast<unsigned>(std::max(1.0, std::ceil(1.0 / per_ms_ / 1000.0)));
}

void send_rate_limiter::prune(clock::time_point now) {
  // Full buckets carry no state worth keeping: drop them so idle users cost nothing.
  for (auto it = buckets_.begin(); it != buckets_.end();) {
    auto elapsed = std::chrono::duration<double, std::milli>(now - it->second.updated).count();
    if (it->second.tokens + elapsed * per_ms_ >= burst_)
      it = buckets_.erase(it);
    else
      ++it;
  }
  last_prune_ = now;
}

} // namespace chat::actors
