#pragma once
/// What other threads hand a connection, until its loop takes it: a mutex-guarded vector and
/// the "a wake-up is on its way" flag, so that a burst of items costs one wake-up. Private to the
/// net library (a part of outbound_queue.hpp).

#include <cstddef>
#include <iterator>
#include <mutex>
#include <utility>
#include <vector>

namespace chat::net {

template <class T>
class inbox {
public:
  /// Adds `item` (thread-safe). True when the caller must wake the connection: the first item
  /// since the last take(); later ones ride along with that wake-up.
  bool put(T&& item) {
    std::lock_guard<std::mutex> lock(mutex_);
    items_.push_back(std::move(item));
    if (wake_pending_)
      return false;
    wake_pending_ = true;
    return true;
  }

  /// Moves every item to the end of `out` (thread-safe; swapped when `out` is empty, so both
  /// vectors keep their capacity and the usual case allocates nothing). The next put() wakes again.
  void take(std::vector<T>& out) {
    std::lock_guard<std::mutex> lock(mutex_);
    wake_pending_ = false;
    if (out.empty()) {
      out.swap(items_);
      return;
    }
    std::move(items_.begin(), items_.end(), std::back_inserter(out));
    items_.clear();
  }

  /// Items put and not yet taken (thread-safe).
  std::size_t size() {
    std::lock_guard<std::mutex> lock(mutex_);
    return items_.size();
  }

private:
  std::mutex mutex_;
  std::vector<T> items_;      ///< guarded by mutex_
  bool wake_pending_ = false; ///< guarded by mutex_
};

} // namespace chat::net
