#pragma once
/// Production implementations of the actors' boundaries on top of storage/:
/// history from chat_store / presence_store, presence changes through presence_store.

#include <functional>
#include <memory>
#include <string>

#include "actors/history_source.hpp"
#include "actors/presence_actor.hpp"

namespace chat::storage {
class chat_store;
class presence_store;
} // namespace chat::storage

namespace chat::actors {

/// history_source reading the chat store.
class store_history : public history_source {
public:
  store_history(storage::chat_store& store, storage::presence_store& presence);

  void events_after(const std::string& room_id, std::int64_t after, std::int64_t limit,
                    std::function<void(bool, std::vector<history_entry>)> done) override;

  void head(const std::string& room_id, std::function<void(bool, std::int64_t)> done) override;

private:
  storage::chat_store& store_;
  storage::presence_store& presence_;
};

/// presence_backend writing presence to Redis; when a change is announced cluster-wide it also
/// hands the user and the event frame to `local_broadcast` (this node skips its own Pub/Sub
/// envelopes). Snapshots read the users' online flags as GET /users does.
class store_presence : public presence_backend {
public:
  using broadcast_fn = std::function<void(const std::string& user_id, std::string frame_json)>;

  store_presence(storage::presence_store& presence, storage::chat_store& store, broadcast_fn local_broadcast);

  void user_online(const std::string& user_id) override;
  void user_offline(const std::string& user_id) override;
  void lookup(std::vector<std::string> user_ids,
              std::function<void(bool ok, std::vector<presence_row> rows)> done) override;

private:
  storage::presence_store& presence_;
  storage::chat_store& store_;
  broadcast_fn local_broadcast_;
};

} // namespace chat::actors
