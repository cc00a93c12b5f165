#pragma once
/// The open connections of a server, so that stop() can close the idle ones.
/// Beast-free: HTTP sessions today, WebSocket and SSE sessions later, implement `closable`.

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace chat::net {

/// A connection that can be asked to close once it is idle.
class closable {
public:
  virtual ~closable() = default;
  /// Closes the connection now if it is idle, else after the request in flight (thread-safe).
  virtual void close_when_idle() = 0;
};

class connection_registry {
public:
  /// Records a connection; returns the id to pass to remove().
  std::uint64_t add(std::weak_ptr<closable> c);
  /// Forgets a connection (called from its destructor).
  void remove(std::uint64_t id);
  /// Marks the registry as stopping and asks every connection to close when idle.
  void close_all_when_idle();
  /// Marks the registry as stopping (sessions stop reading new requests) and returns the open
  /// connections, for a drain in batches.
  std::vector<std::shared_ptr<closable>> begin_drain();
  /// True after close_all_when_idle(): sessions then stop reading new requests.
  bool stopping() const noexcept { return stopping_.load(std::memory_order_acquire); }
  /// Number of open connections.
  std::size_t size() const;

private:
  mutable std::mutex mutex_;
  std::uint64_t next_id_ = 1;
  std::unordered_map<std::uint64_t, std::weak_ptr<closable>> connections_;
  std::atomic<bool> stopping_{false};
};

} // namespace chat::net
