#pragma once
/// Write coalescing for busy connections: a connection that wrote less than one interval ago
/// does not write again at once; it waits for the coalescer's next tick, and everything that
/// arrived meanwhile goes out in that one write (or, with few events, at a later tick within
/// max_wait: pacing_policy.hpp). One timer for all connections (none per connection), armed only
/// while some connection waits. Private to the net library.

#include <chrono>
#include <memory>
#include <mutex>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

namespace chat::net {

/// A connection that can be told to write what it has collected (from any thread).
class deferred_writer {
public:
  virtual ~deferred_writer() = default;
  /// Called at the tick, on the coalescer's loop: the connection writes (its loop is this loop).
  virtual void write_deferred() = 0;
};

class write_coalescer : public std::enable_shared_from_this<write_coalescer> {
public:
  /// `interval` > 0: the tick period and the least time between two writes of a busy connection;
  /// `max_wait` (at least `interval`): the longest a connection collecting events waits after its
  /// last write.
  write_coalescer(boost::asio::any_io_executor ex, std::chrono::milliseconds interval,
                  std::chrono::milliseconds max_wait);

  write_coalescer(const write_coalescer&) = delete;
  write_coalescer& operator=(const write_coalescer&) = delete;

  std::chrono::steady_clock::duration interval() const noexcept { return interval_; }
  std::chrono::steady_clock::duration max_wait() const noexcept { return max_wait_; }

  /// Lets `w` write at the next tick (thread-safe; `w` registers once per wait).
  void defer(std::shared_ptr<deferred_writer> w);

private:
  void on_tick();

  std::chrono::steady_clock::duration interval_;
  std::chrono::steady_clock::duration max_wait_;
  std::mutex mutex_;
  boost::asio::steady_timer timer_; ///< guarded by mutex_
  std::vector<std::shared_ptr<deferred_writer>> waiting_; ///< guarded by mutex_
  bool armed_ = false;                                    ///< guarded by mutex_
};

} // namespace chat::net
