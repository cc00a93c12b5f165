#include "net/wake_queue.hpp"

#include <iterator>
#include <utility>

#include <boost/asio/post.hpp>

namespace chat::net {

void wake_queue::wake(std::shared_ptr<wakeable> w) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    waiting_.push_back(std::move(w));
    if (posted_)
      return; // the drain on its way takes this one along
    posted_ = true;
  }
  boost::asio::post(ex_, [self = shared_from_this()] { self->drain(); });
}

void wake_queue::drain() {
  std::vector<std::shared_ptr<wakeable>> due;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    posted_ = false;
    due.swap(waiting_);
  }
  if (due.size() > kChunk) { // the tail after the loop's other ready handlers
    auto mid = due.begin() + static_cast<std::ptrdiff_t>(due.size() / 2);
    std::vector<std::shared_ptr<wakeable>> tail(std::make_move_iterator(mid), std::make_move_iterator(due.end()));
    due.erase(mid, due.end());
    boost::asio::post(ex_, [tail = std::move(tail)] {
      for (auto& w : tail)
        w->wake();
    });
  }
  for (auto& w : due)
    w->wake();
  due.clear();
  // Give the capacity back, so that a steady stream of drains does not allocate each time.
  std::lock_guard<std::mutex> lock(mutex_);
  if (waiting_.empty() && waiting_.capacity() < due.capacity())
    waiting_.swap(due);
}

} // namespace chat::net
