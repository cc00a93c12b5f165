#include "net/write_coalescer.hpp"

#include <algorithm>
#include <utility>

namespace chat::net {

write_coalescer::write_coalescer(boost::asio::any_io_executor ex, std::chrono::milliseconds interval,
                                 std::chrono::milliseconds max_wait)
  : interval_(interval), max_wait_(std::max(interval, max_wait)), timer_(std::move(ex)) {}

void write_coalescer::defer(std::shared_ptr<deferred_writer> w) {
  std::lock_guard<std::mutex> lock(mutex_);
  waiting_.push_back(std::move(w));
  if (armed_)
    return;
  armed_ = true;
  timer_.expires_after(interval_);
  // Also on cancellation (shutdown): the waiting connections then write, or see that they closed.
  timer_.async_wait([self = shared_from_this()](const boost::system::error_code&) { self->on_tick(); });
}

void write_coalescer::on_tick() {
  std::vector<std::shared_ptr<deferred_writer>> due;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    armed_ = false;
    due.swap(waiting_);
  }
  for (auto& w : due)
    w->write_deferred(); // other threads may defer meanwhile: into waiting_, not `due`
  due.clear();
  // Give the capacity back, so that a busy node's ticks do not allocate each time.
  std::lock_guard<std::mutex> lock(mutex_);
  if (waiting_.empty() && waiting_.capacity() < due.capacity())
    waiting_.swap(due);
}

} // namespace chat::net
