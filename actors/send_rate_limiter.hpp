#pragma once
/// Per-user token bucket for chat messages on this node (WebSocket and HTTP sends share it).
/// A bucket holds `burst` tokens and refills `burst` tokens per `period`. Thread-safe.

#include <chrono>
#include <mutex>
#include <string>
#include <unordered_map>

namespace chat::actors {

class send_rate_limiter {
public:
  using clock = std::chrono::steady_clock;

  send_rate_limiter(unsigned burst, std::chrono::milliseconds period);

  /// Takes one token of `user_id` at `now`; false when the bucket is empty.
  bool allow(const std::string& user_id, clock::time_point now = clock::now());

  /// Seconds until one token is available again (for `Retry-After`), at least 1.
  unsigned retry_after_seconds() const noexcept;

private:
  struct bucket {
    double tokens;
    clock::time_point updated;
  };

  void prune(clock::time_point now);

  double burst_;
  double per_ms_;
  std::chrono::milliseconds period_;
  std::mutex mutex_;
  std::unordered_map<std::string, bucket> buckets_;
  clock::time_point last_prune_{};
};

} // namespace chat::actors
