#include "net/keepalive.hpp"

#include "net/invariant.hpp"

namespace chat::net {

keepalive_timer::keepalive_timer(boost::asio::io_context::executor_type ex, std::chrono::steady_clock::duration period)
  : period_(period), timer_(ex) {
  CHAT_NET_INVARIANT(period > std::chrono::steady_clock::duration::zero(), "keep-alive period must be positive");
}

void keepalive_timer::add(std::weak_ptr<keepalive_target> target, std::size_t* slot) {
  *slot = entries_.size();
  entries_.push_back({std::move(target), slot});
  if (!armed_)
    arm();
}

void keepalive_timer::remove(std::size_t slot) {
  CHAT_NET_INVARIANT(slot < entries_.size(), "keep-alive slot out of range");
  erase(slot);
  if (entries_.empty() && armed_)
    timer_.cancel(); // nothing left to watch: nothing stays pending on the loop
}

void keepalive_timer::erase(std::size_t i) {
  if (i + 1 != entries_.size()) {
    entries_[i] = std::move(entries_.back());
    // The moved target learns its new place, if it still lives (its destructor may run on
    // another thread; holding it here keeps it alive while its slot is written).
    if (auto t = entries_[i].target.lock())
      *entries_[i].slot = i;
  }
  entries_.pop_back();
}

void keepalive_timer::arm() {
  armed_ = true;
  timer_.expires_after(period_);
  timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    self->armed_ = false;
    if (ec != boost::asio::error::operation_aborted)
      return self->on_sweep();
    if (!self->entries_.empty()) // cancelled when the last one left, and someone came since
      self->arm();
  });
}

void keepalive_timer::on_sweep() {
  // From the back: a target that leaves during its sweep swaps the last entry (already visited)
  // into its place. Targets gone without leaving (destroyed elsewhere) are dropped here.
  for (std::size_t i = entries_.size(); i-- > 0;) {
    if (i >= entries_.size())
      continue;
    if (auto t = entries_[i].target.lock())
      t->keepalive_sweep();
    else
      erase(i);
  }
  if (!entries_.empty())
    arm();
}

} // namespace chat::net
