#include "net/io_loops.hpp"

#include <algorithm>

namespace chat::net {

io_loops::io_loops(std::size_t count) {
  count = std::max<std::size_t>(count, 1);
  loops_.reserve(count);
  guards_.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    loops_.push_back(std::make_unique<boost::asio::io_context>(1)); // one thread per loop
    guards_.emplace_back(loops_.back()->get_executor());
  }
}

boost::asio::io_context& io_loops::next() noexcept {
  return *loops_[next_.fetch_add(1, std::memory_order_relaxed) % loops_.size()];
}

std::size_t io_loops::index_of(const boost::asio::execution_context& ctx) const noexcept {
  for (std::size_t i = 0; i < loops_.size(); ++i)
    if (loops_[i].get() == &ctx)
      return i;
  return loops_.size();
}

void io_loops::release() {
  for (auto& g : guards_)
    g.reset();
}

void io_loops::stop() {
  for (auto& l : loops_)
    l->stop();
}

void io_loops::poll_remaining() {
  for (int round = 0; round < 100; ++round) {
    std::size_t ran = 0;
    for (auto& l : loops_) {
      l->restart();
      ran += l->poll();
    }
    if (ran == 0)
      return;
  }
}

} // namespace chat::net
