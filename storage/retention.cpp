// chat_store: history retention (issue #26). Off the send path: the retention actor (actors/retention)
// walks the rooms holding messages (retention_scan) and trims each in bounded steps (retention_trim,
// lua_retention.hpp), while this node holds the cluster-wide lease (retention_lease).
#include "storage/chat_store.hpp"

#include <string>

#include "storage/chat_store_impl.hpp"
#include "storage/key_schema.hpp"
#include "storage/lua_fragments.hpp"
#include "storage/lua_retention.hpp"
#include "storage/lua_scripts.hpp"
#include "storage/lua_search.hpp"

namespace chat::storage {

namespace {

constexpr std::int64_t max_words_per_message = 100; ///< as the search indexer (search.cpp) files them

// KEYS: chat:retention:lease. ARGV: server id, ttl (ms). SET NX PX, or PEXPIRE when this node holds
// it already. → 1 when this node holds the lease, 0 when another does.
const std::string lease_body = R"lua(
local cur = redis.call('GET', KEYS[1])
if cur == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
if cur then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
)lua";
const lua_script lease_script{"retention_lease", lease_body};

const std::string trim_body = std::string{lua::kMessageRows} + lua::kMentions + lua::kMedia + lua::kSearchWords +
                              lua::kHorizon + lua::kRetentionStep;
const lua_script trim_script{"retention_trim", trim_body};

const std::string lease_key = "chat:retention:lease";

} // namespace

void chat_store::retention_lease(std::chrono::milliseconds ttl, callback<bool> done) {
  impl_->scripts->run(lease_script, {lease_key},
                      {impl_->opts.server_id, std::to_string(std::max<std::int64_t>(ttl.count(), 1))},
                      [done = std::move(done)](redis_reply r) {
                        if (!r.is_integer()) {
                          done(detail::failure_of(r, "retention_lease"), false);
                          return;
                        }
                        done(errc::ok, r.integer == 1);
                      });
}

void chat_store::retention_scan(std::string cursor, std::int64_t count, callback<room_scan_page> done) {
  std::vector<std::string> argv{"SCAN", std::move(cursor), "MATCH", "room:*", "TYPE", "zset", "COUNT",
                                std::to_string(std::clamp<std::int64_t>(count, 1, 10000))};
  impl_->redis->command(std::move(argv), "SCAN:retention", [done = std::move(done)](redis_reply r) {
    if (!r.is_array() || r.elements.size() != 2 || !r.elements[0].is_string() || !r.elements[1].is_array()) {
      done(detail::failure_of(r, "retention_scan"), {});
      return;
    }
    room_scan_page page;
    page.next = std::move(r.elements[0].str);
    for (auto& k : r.elements[1].elements) {
      if (!k.is_string() || k.str.compare(0, 5, "room:") != 0)
        continue;
      auto id = k.str.substr(5);
      if (classify_room_id(id)) // `room:{id}` only, not `room:{id}:members` (a set anyway) or odd keys
        page.rooms.push_back(std::move(id));
    }
    done(errc::ok, std::move(page));
  });
}

void chat_store::retention_trim(std::string room_id, retention_policy policy, std::int64_t budget,
                                callback<trim_progress> done) {
  if (!classify_room_id(room_id) || budget <= 0 || !policy.active() || policy.max_messages < 0) {
    detail::fail_soon(*impl_->redis, std::move(done), errc::invalid);
    return;
  }
  const auto age_ms = std::chrono::duration_cast<std::chrono::milliseconds>(policy.max_age).count();
  std::vector<std::string> keys{keys::room(room_id), keys::room_events(room_id), keys::room_deleted(room_id)};
  std::vector<std::string> args{room_id, std::to_string(age_ms), std::to_string(policy.max_messages),
                                std::to_string(budget), std::to_string(max_words_per_message)};
  impl_->scripts->run(trim_script, std::move(keys), std::move(args), [done = std::move(done)](redis_reply r) {
    if (!r.is_array() || r.elements.size() != 5) {
      done(detail::failure_of(r, "retention_trim"), {});
      return;
    }
    for (const auto& e : r.elements)
      if (!e.is_integer()) {
        done(detail::failure_of(r, "retention_trim"), {});
        return;
      }
    done(errc::ok, trim_progress{r.elements[0].integer, r.elements[2].integer == 1, r.elements[3].integer,
                                 r.elements[4].integer});
  });
}

} // namespace chat::storage
