#pragma once
/// The node's event loops: one io_context per I/O thread, each run by exactly that thread.
/// Loop 0 also carries Redis, Pub/Sub, timers and the listeners; client connections are spread
/// over all loops, round-robin. A connection lives on one loop for good, so its handlers never
/// hand over between I/O threads: one shared io_context run by several threads costs a wake-up
/// (futex or epoll interrupt) and a context switch whenever work moves between them.

#include <atomic>
#include <cstddef>
#include <memory>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

namespace chat::net {

class io_loops {
public:
  /// `count` loops (at least 1).
  explicit io_loops(std::size_t count);

  io_loops(const io_loops&) = delete;
  io_loops& operator=(const io_loops&) = delete;

  /// Loop 0: Redis, Pub/Sub, timers, listeners, probes, and its share of the connections.
  boost::asio::io_context& main() noexcept { return *loops_.front(); }
  std::size_t size() const noexcept { return loops_.size(); }
  boost::asio::io_context& at(std::size_t i) { return *loops_.at(i); }

  /// The loop of the next accepted client connection (round-robin; thread-safe).
  boost::asio::io_context& next() noexcept;

  /// The index of the loop `ctx` is, or size() when it is none of them.
  std::size_t index_of(const boost::asio::execution_context& ctx) const noexcept;

  /// Lets each loop's run() return once it has no more work (drops the work guards).
  void release();
  /// Stops every loop at once.
  void stop();
  /// After the threads have joined: runs what is still queued on every loop (aborted I/O, late
  /// completions), a bounded number of rounds.
  void poll_remaining();

private:
  using guard = boost::asio::executor_work_guard<boost::asio::io_context::executor_type>;
  std::vector<std::unique_ptr<boost::asio::io_context>> loops_;
  std::vector<guard> guards_;
  std::atomic<std::size_t> next_{0};
};

} // namespace chat::net
