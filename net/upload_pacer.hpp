#pragma once
/// Uploads are background traffic (issue #24): chat must not wait behind them. One pacer per node
/// spaces the uploads' chunk writes to Redis: all uploads together stay under
/// --upload-bytes-per-second, and while the node's Redis backlog (chat_store::backlog: the oldest
/// command or message waiting) is over `busy_backlog`, the next chunk waits `busy_pause` and asks
/// again (at most `max_pauses` times in a row, so an upload always progresses). Thread-safe.

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>

namespace chat::net {

class upload_pacer {
public:
  using clock = std::chrono::steady_clock;
  /// Chat's backlog as of a time point (chat_store::backlog).
  using backlog_fn = std::function<clock::duration(clock::time_point)>;

  static constexpr std::chrono::milliseconds busy_backlog{2};
  static constexpr std::chrono::milliseconds busy_pause{10};
  static constexpr int max_pauses = 50;

  /// `bytes_per_second` 0: no rate limit; `backlog` empty: never yields to chat.
  upload_pacer(std::uint64_t bytes_per_second, backlog_fn backlog);

  /// What reserve() decided.
  struct decision {
    clock::duration wait{}; ///< how long to wait
    bool paused = false;    ///< a yield to chat: ask again after `wait` (nothing was reserved)
  };

  /// What the caller does before it writes `bytes`; `pauses`: how many times in a row this chunk
  /// yielded already. Not paused: the bytes are reserved; write them after `wait`.
  decision reserve(std::size_t bytes, int pauses, clock::time_point now);

private:
  const std::uint64_t rate_;
  backlog_fn backlog_;
  std::mutex mutex_;
  clock::time_point next_{}; ///< when the bucket is free again (mutex_)
};

} // namespace chat::net
