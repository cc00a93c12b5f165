#pragma once
/// A user's slot in the per-user connection limit (--max-connections-per-user), held by one live
/// WebSocket or SSE connection: acquired before the upgrade (api_service), freed in Redis as soon
/// as its owner drops it (the connection finished), on any thread.

#include <cstdint>
#include <memory>
#include <string>

namespace chat::storage {
class chat_store;
}

namespace chat::net {

class connection_slot {
public:
  /// Owns `slot` of `user_id` (from chat_store::acquire_connection); `store` must outlive it.
  connection_slot(storage::chat_store& store, std::string user_id, std::uint64_t slot);
  /// Releases the slot (chat_store::release_connection; no reply awaited).
  ~connection_slot();

  connection_slot(const connection_slot&) = delete;
  connection_slot& operator=(const connection_slot&) = delete;

private:
  storage::chat_store& store_;
  std::string user_id_; ///< short (ids fit the small-string buffer): about 64 bytes per connection in all
  std::uint64_t slot_;
};

/// What a connection holds; null when the limit is off.
using connection_slot_ptr = std::shared_ptr<connection_slot>;

} // namespace chat::net
