#include "actors/store_adapters.hpp"

#include <algorithm>
#include <iterator>

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
                          out.push_back(history_entry{r.id, std::move(r.frame), std::move(r.audience)});
                        done(true, std::move(out));
                      });
}

void store_history::head(const std::string& room_id, std::function<void(bool, std::int64_t)> done) {
  presence_.room_head(room_id, [done = std::move(done)](storage::errc e, std::int64_t id) {
    done(e == storage::errc::ok, id);
  });
}

store_presence::store_presence(storage::presence_store& presence, storage::chat_store& store,
                               broadcast_fn local_broadcast)
  : presence_(presence), store_(store), local_broadcast_(std::move(local_broadcast)) {}

void store_presence::user_online(const std::string& user_id) {
  presence_.user_online(user_id, [this, user_id](storage::errc e, storage::presence_change c) {
    if (e != storage::errc::ok) {
      log::warn("presence_write_failed", {{"user_id", user_id}, {"online", true}, {"error", storage::to_string(e)}});
      return;
    }
    if (c.announced)
      local_broadcast_(user_id, presence_frame_json(user_id, c.username, true));
  });
}

void store_presence::user_offline(const std::string& user_id) {
  presence_.user_offline(user_id, [this, user_id](storage::errc e, storage::presence_change c) {
    if (e != storage::errc::ok) {
      log::warn("presence_write_failed", {{"user_id", user_id}, {"online", false}, {"error", storage::to_string(e)}});
      return;
    }
    if (c.announced)
      local_broadcast_(user_id, presence_frame_json(user_id, c.username, false));
  });
}

} // namespace chat::actors

namespace chat::actors {
namespace {

/// The answers of a lookup's reads (GET /users takes 100 ids per read), joined.
struct lookup_join {
  std::size_t waiting = 0;
  bool ok = true;
  std::vector<presence_row> rows;
  std::function<void(bool, std::vector<presence_row>)> done;
};

constexpr std::size_t ids_per_read = 100; // chat_store::get_users' bound

} // namespace

void store_presence::lookup(std::vector<std::string> user_ids,
                            std::function<void(bool ok, std::vector<presence_row> rows)> done) {
  if (user_ids.empty()) {
    done(true, {});
    return;
  }
  auto join = std::make_shared<lookup_join>();
  join->done = std::move(done);
  join->waiting = (user_ids.size() + ids_per_read - 1) / ids_per_read;
  for (std::size_t i = 0; i < user_ids.size(); i += ids_per_read) {
    auto end = std::min(user_ids.size(), i + ids_per_read);
    std::vector<std::string> chunk(std::make_move_iterator(user_ids.begin() + static_cast<std::ptrdiff_t>(i)),
                                   std::make_move_iterator(user_ids.begin() + static_cast<std::ptrdiff_t>(end)));
    // The callbacks run on the Redis strand, one at a time: the join needs no lock.
    store_.get_users(std::move(chunk), [join](storage::errc e, std::vector<storage::user_view> users) {
      if (e != storage::errc::ok)
        join->ok = false;
      for (auto& u : users)
        join->rows.push_back(presence_row{std::move(u.id), std::move(u.username), u.online});
      if (--join->waiting == 0)
        join->done(join->ok, std::move(join->rows));
    });
  }
}

} // namespace chat::actors
