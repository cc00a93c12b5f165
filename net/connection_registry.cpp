#include "net/connection_registry.hpp"

#include <vector>

namespace chat::net {

std::uint64_t connection_registry::add(std::weak_ptr<closable> c) {
  std::lock_guard<std::mutex> guard{mutex_};
  auto id = next_id_++;
  connections_.emplace(id, std::move(c));
  return id;
}

void connection_registry::remove(std::uint64_t id) {
  std::lock_guard<std::mutex> guard{mutex_};
  connections_.erase(id);
}

std::vector<std::shared_ptr<closable>> connection_registry::begin_drain() {
  stopping_.store(true, std::memory_order_release);
  std::vector<std::shared_ptr<closable>> open;
  std::lock_guard<std::mutex> guard{mutex_};
  open.reserve(connections_.size());
  for (auto& [id, weak] : connections_)
    if (auto c = weak.lock())
      open.push_back(std::move(c));
  return open;
}

void connection_registry::close_all_when_idle() {
  // Outside the lock: a connection's destructor removes itself.
  for (auto& c : begin_drain())
    c->close_when_idle();
}

std::size_t connection_registry::size() const {
  std::lock_guard<std::mutex> guard{mutex_};
  return connections_.size();
}

} // namespace chat::net
