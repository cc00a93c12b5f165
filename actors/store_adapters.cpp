#include "actors/store_adapters.hpp"

#include "actors/json_frames.hpp"
#include "metrics/log.hpp"
#include "storage/chat_store.hpp"
#include "storage/presence_store.hpp"

namespace chat::actors {

store_history::store_history(storage::chat_store& store, storage::presence_store& presence)
  : store_(store), presence_(presence) {}

void store_history::events_after(const std::string& room_id, std::int64_t after, std::int64_t limit,
                                 std::function<void(bool, std::vector<history_entry>)> done) {
  store_.events_after(room_id, after, limit,
                      [done = std::move(done)](storage::errc e, std::vector<storage::stored_event> rows) {
                        if (e != storage::errc::ok) {
                          done(false, {});
                          return;
                        }
                        std::vector<history_entry> out;
                        out.reserve(rows.size());
                        for (auto& r : rows)
                          out.push_back(history_entry{r.id, std::move(r.frame)});
                        done(true, std::move(out));
                      });
}

void store_history::head(const std::string& room_id, std::function<void(bool, std::int64_t)> done) {
  presence_.room_head(room_id, [done = std::move(done)](storage::errc e, std::int64_t id) {
    done(e == storage::errc::ok, id);
  });
}

store_presence::store_presence(storage::presence_store& presence,
                               std::function<void(std::string)> local_broadcast)
  : presence_(presence), local_broadcast_(std::move(local_broadcast)) {}

void store_presence::user_online(const std::string& user_id) {
  presence_.user_online(user_id, [this, user_id](storage::errc e, storage::presence_change c) {
    if (e != storage::errc::ok) {
      log::warn("presence_write_failed", {{"user_id", user_id}, {"online", true}, {"error", storage::to_string(e)}});
      return;
    }
    if (c.announced)
      local_broadcast_(presence_frame_json(user_id, c.username, true));
  });
}

void store_presence::user_offline(const std::string& user_id) {
  presence_.user_offline(user_id, [this, user_id](storage::errc e, storage::presence_change c) {
    if (e != storage::errc::ok) {
      log::warn("presence_write_failed", {{"user_id", user_id}, {"online", false}, {"error", storage::to_string(e)}});
      return;
    }
    if (c.announced)
      local_broadcast_(presence_frame_json(user_id, c.username, false));
  });
}

} // namespace chat::actors
