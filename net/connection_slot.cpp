#include "net/connection_slot.hpp"

#include "storage/chat_store.hpp"

namespace chat::net {

connection_slot::connection_slot(storage::chat_store& store, std::string user_id, std::uint64_t slot)
  : store_(store), user_id_(std::move(user_id)), slot_(slot) {}

connection_slot::~connection_slot() {
  store_.release_connection(std::move(user_id_), slot_);
}

} // namespace chat::net
