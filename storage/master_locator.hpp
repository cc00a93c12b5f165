#pragma once
/// Where the Redis master is right now. A redis_client given a locator asks it before every
/// connect (instead of using its endpoint's host and port), checks with ROLE that the server it
/// reached is a master, and asks again when the master answers READONLY or goes away.
/// sentinel_locator is the implementation (Redis Sentinel); tests may provide their own.

#include <cstdint>
#include <functional>
#include <string>

namespace chat::storage {

/// A master's address as a locator reports it.
struct master_address {
  std::string host;       ///< IP address or host name
  std::uint16_t port = 0; ///< 0: unknown
  bool operator==(const master_address& o) const noexcept { return port == o.port && host == o.host; }
  bool operator!=(const master_address& o) const noexcept { return !(*this == o); }
};

/// `host:port`, for logs.
inline std::string describe(const master_address& m) {
  return m.host + ":" + std::to_string(m.port);
}

class master_locator {
public:
  /// ok = false: no sentinel could name the master (the client retries with its backoff).
  using located = std::function<void(bool ok, master_address where)>;

  virtual ~master_locator() = default;

  /// Asks for the current master. `done` runs exactly once, on any thread, never inside this call.
  virtual void locate(located done) = 0;

  /// A client found the master it was told about refusing writes (READONLY) or not a master
  /// (ROLE): the locator should re-check soon and tell its followers if the master moved.
  virtual void suspect(const master_address& where) = 0;
};

} // namespace chat::storage
