#pragma once
/// Node-wide wake-ups of connections from other threads. A session shard hands frames to many
/// connections in a row; posting each connection's flush to the I/O threads on its own costs one
/// cross-thread wake-up (futex or epoll interrupt, and a context switch) per connection. The
/// queue collects the connections instead and posts one drain while any wait: every connection
/// that arrives before the drain runs rides along. Private to the net library.

#include <cstddef>
#include <memory>
#include <mutex>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

namespace chat::net {

/// A connection that can flush what other threads queued for it.
class wakeable {
public:
  virtual ~wakeable() = default;
  /// Runs on an I/O thread: moves the connection's inbox to its loop and writes.
  virtual void wake() = 0;
};

class wake_queue : public std::enable_shared_from_this<wake_queue> {
public:
  /// Connections one drain wakes in a row; of a longer list the second half is posted again, so
  /// that the loop's other ready handlers (reads, timers) run between the halves of a large fan-out.
  static constexpr std::size_t kChunk = 64;

  explicit wake_queue(boost::asio::any_io_executor ex) : ex_(std::move(ex)) {}

  wake_queue(const wake_queue&) = delete;
  wake_queue& operator=(const wake_queue&) = delete;

  /// Queues `w` for the next drain (thread-safe; `w` is queued at most once per flush by its caller).
  void wake(std::shared_ptr<wakeable> w);

private:
  void drain();

  boost::asio::any_io_executor ex_;
  std::mutex mutex_;
  std::vector<std::shared_ptr<wakeable>> waiting_; ///< guarded by mutex_
  bool posted_ = false;                            ///< a drain is on its way; guarded by mutex_
};

} // namespace chat::net
