// chat_store: live connections per user, cluster-wide (--max-connections-per-user).
//
// `chat:user:{id}:conns` (hash) maps each open connection's slot id to the server id of the node that
// holds it; `chat:node:{serverId}:conn_users` (set) lists the users with slots on a node, so that
// the node's slots can be found when it restarts (reset_connections) or dies (the reaper in
// cluster/membership.cpp deletes the slots of a node whose heartbeat key expired). A slot of a node
// whose heartbeat key is gone does not count even before it is reaped.
#include "storage/chat_store.hpp"

#include <string>

#include "storage/chat_store_impl.hpp"
#include "storage/key_schema.hpp"
#include "storage/lua_scripts.hpp"

namespace chat::storage {

namespace {

// ARGV: uid, slot, server id, limit → {'ok', count} | {'full', count}.
const lua_script acquire_script{"conn_acquire", R"lua(
local uid, slot, self, limit = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
local key = 'chat:user:' .. uid .. ':conns'
local kv = redis.call('HGETALL', key)
local alive = {}
local n = 0
for i = 2, #kv, 2 do
  local node = kv[i]
  if alive[node] == nil then
    alive[node] = node == self or redis.call('EXISTS', 'chat:node:' .. node .. ':alive') == 1
  end
  if alive[node] then n = n + 1 end
end
if n >= limit then return {'full', n} end
redis.call('HSET', key, slot, self)
redis.call('SADD', 'chat:node:' .. self .. ':conn_users', uid)
redis.call('SADD', 'chat:nodes', self)
return {'ok', n + 1}
)lua"};

// ARGV: uid, slot, server id → 'ok'. The user leaves the node's index with its last slot there.
const lua_script release_script{"conn_release", R"lua(
local uid, slot, self = ARGV[1], ARGV[2], ARGV[3]
local key = 'chat:user:' .. uid .. ':conns'
redis.call('HDEL', key, slot)
for _, node in ipairs(redis.call('HVALS', key)) do
  if node == self then return 'ok' end
end
redis.call('SREM', 'chat:node:' .. self .. ':conn_users', uid)
return 'ok'
)lua"};

// ARGV: server id, this process's slot prefix → slots freed (those of the id's earlier lives).
const lua_script reset_script{"conn_reset", R"lua(
local self, prefix = ARGV[1], ARGV[2]
local index = 'chat:node:' .. self .. ':conn_users'
local freed = 0
for _, uid in ipairs(redis.call('SMEMBERS', index)) do
  local key = 'chat:user:' .. uid .. ':conns'
  local kv = redis.call('HGETALL', key)
  local keep = false
  for i = 1, #kv, 2 do
    if kv[i + 1] == self then
      if string.sub(kv[i], 1, #prefix) == prefix then keep = true
      else redis.call('HDEL', key, kv[i]); freed = freed + 1 end
    end
  end
  if not keep then redis.call('SREM', index, uid) end
end
return freed
)lua"};

/// Sends one release; one Redis did not confirm is kept for the next round.
void send_release(const std::shared_ptr<script_runner>& scripts, const std::shared_ptr<connection_slots>& slots,
                  const std::string& server_id, std::string user_id, std::string slot) {
  auto args = std::vector<std::string>{user_id, slot, server_id};
  scripts->run(release_script, {}, std::move(args),
               [slots, user_id = std::move(user_id), slot = std::move(slot)](redis_reply r) mutable {
                 if (r.text_is("ok"))
                   return;
                 if (!r.is_io_error()) // a refusal (OOM, ...) or a bug: logged, and tried again
                   detail::failure_of(r, "conn_release");
                 std::lock_guard<std::mutex> lock{slots->mutex};
                 slots->unconfirmed.emplace_back(std::move(user_id), std::move(slot));
               });
}

/// Sends again the releases Redis did not confirm (before the command that follows, on the same connection).
void retry_releases(const std::shared_ptr<script_runner>& scripts, const std::shared_ptr<connection_slots>& slots,
                    const std::string& server_id) {
  std::vector<std::pair<std::string, std::string>> again;
  {
    std::lock_guard<std::mutex> lock{slots->mutex};
    again.swap(slots->unconfirmed);
  }
  for (auto& [user_id, slot] : again)
    send_release(scripts, slots, server_id, std::move(user_id), std::move(slot));
}

} // namespace

void chat_store::acquire_connection(std::string user_id, unsigned limit, callback<std::uint64_t> done) {
  if (!is_valid_user_id(user_id) || limit == 0) {
    detail::fail_soon(*impl_->redis, std::move(done), errc::invalid);
    return;
  }
  auto& slots = impl_->slots;
  retry_releases(impl_->scripts, slots, impl_->opts.server_id);
  const std::uint64_t number = slots->next.fetch_add(1);
  std::string slot = slots->prefix + std::to_string(number);
  auto args = std::vector<std::string>{user_id, slot, impl_->opts.server_id, std::to_string(limit)};
  impl_->scripts->run(
    acquire_script, {}, std::move(args),
    [done = std::move(done), slots, user_id, slot, number](redis_reply r) mutable {
      if (detail::tagged(r, "ok")) {
        done(errc::ok, number);
      } else if (detail::tagged(r, "full")) {
        done(errc::too_many_connections, 0);
      } else {
        // The script may have run although its reply was lost: the slot is released to be sure.
        if (r.is_io_error()) {
          std::lock_guard<std::mutex> lock{slots->mutex};
          slots->unconfirmed.emplace_back(std::move(user_id), std::move(slot));
        }
        done(detail::failure_of(r, "conn_acquire"), 0);
      }
    });
}

void chat_store::release_connection(std::string user_id, std::uint64_t slot) {
  if (!is_valid_user_id(user_id) || slot == 0)
    return;
  retry_releases(impl_->scripts, impl_->slots, impl_->opts.server_id);
  send_release(impl_->scripts, impl_->slots, impl_->opts.server_id, std::move(user_id),
               impl_->slots->prefix + std::to_string(slot));
}

void chat_store::reset_connections(callback<std::int64_t> done) {
  impl_->scripts->run(reset_script, {}, {impl_->opts.server_id, impl_->slots->prefix},
                      [done = std::move(done)](redis_reply r) {
                        if (r.is_integer())
                          done(errc::ok, r.integer);
                        else
                          done(detail::failure_of(r, "conn_reset"), 0);
                      });
}

} // namespace chat::storage
