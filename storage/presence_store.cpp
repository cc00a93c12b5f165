#include "storage/presence_store.hpp"

#include <cstdlib>

#include "metrics/log.hpp"
#include "storage/key_schema.hpp"
#include "storage/lua_scripts.hpp"
#include "storage/redis_client.hpp"
#include "storage/script_runner.hpp"

namespace chat::storage {
namespace {

// Shared Lua: is `uid` held by any live node (alive key present) other than `node`?
#define CHAT_HELD_ELSEWHERE                                                              \
  "local function held_elsewhere(uid, node)\n"                                           \
  "  for _, n in ipairs(redis.call('SMEMBERS', 'chat:nodes')) do\n"                     \
  "    if n ~= node and redis.call('EXISTS', 'chat:node:' .. n .. ':alive') == 1 and\n"        \
  "       redis.call('SISMEMBER', 'chat:node:' .. n .. ':users', uid) == 1 then return true end\n" \
  "  end\n"                                                                              \
  "  return false\n"                                                                     \
  "end\n"                                                                                \
  "local function mark_seen(uid)\n"                                                     \
  "  local t = redis.call('TIME')\n"                                                    \
  "  redis.call('HSET', 'user:' .. uid, 'last_seen',\n"                                 \
  "    string.format('%d', tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)))\n" \
  "end\n"                                                                                \
  "local function announce(node, uid, name, online)\n"                                   \
  "  local t = 'user.disconnected'\n"                                                    \
  "  if online then t = 'user.connected' end\n"                                          \
  "  redis.call('PUBLISH', 'MESSAGES', cjson.encode({serverId = node, type = t,\n"      \
  "    data = {id = uid, username = name, online = online}}))\n"                        \
  "end\n"

// ARGV: uid, node → {announced (0/1), username}
const lua_script user_online_script{"presence_online", CHAT_HELD_ELSEWHERE R"lua(
local uid, node = ARGV[1], ARGV[2]
redis.call('SADD', 'chat:nodes', node)
redis.call('SADD', 'chat:node:' .. node .. ':users', uid)
local name = redis.call('HGET', 'user:' .. uid, 'username') or ''
if redis.call('SADD', 'online_users', uid) == 1 then
  announce(node, uid, name, true)
  return {1, name}
end
return {0, name}
)lua"};

// ARGV: uid, node → {announced (0/1), username}
const lua_script user_offline_script{"presence_offline", CHAT_HELD_ELSEWHERE R"lua(
local uid, node = ARGV[1], ARGV[2]
redis.call('SREM', 'chat:node:' .. node .. ':users', uid)
local name = redis.call('HGET', 'user:' .. uid, 'username') or ''
if held_elsewhere(uid, node) then return {0, name} end
if redis.call('SREM', 'online_users', uid) == 1 then
  mark_seen(uid)
  announce(node, uid, name, false)
  return {1, name}
end
return {0, name}
)lua"};

// ARGV: node → number of users taken offline
const lua_script reset_node_script{"presence_reset", CHAT_HELD_ELSEWHERE R"lua(
local node = ARGV[1]
local key = 'chat:node:' .. node .. ':users'
local gone = 0
for _, uid in ipairs(redis.call('SMEMBERS', key)) do
  redis.call('SREM', key, uid)
  if not held_elsewhere(uid, node) and redis.call('SREM', 'online_users', uid) == 1 then
    mark_seen(uid)
    announce(node, uid, redis.call('HGET', 'user:' .. uid, 'username') or '', false)
    gone = gone + 1
  end
end
redis.call('SADD', 'chat:nodes', node)
return gone
)lua"};

#undef CHAT_HELD_ELSEWHERE

errc failure_of(const redis_reply& r, const char* what) {
  if (r.is_io_error())
    return errc::unavailable;
  log::error("redis_unexpected_reply", {{"op", what}, {"reply", r.str}});
  return errc::internal;
}

void on_change(redis_reply r, const char* what, const callback<presence_change>& done) {
  if (!r.is_array() || r.elements.size() != 2 || !r.elements[0].is_integer()) {
    done(failure_of(r, what), {});
    return;
  }
  done(errc::ok, presence_change{r.elements[0].integer == 1, r.elements[1].str});
}

} // namespace

presence_store::presence_store(std::shared_ptr<redis_client> redis, std::string server_id)
  : scripts_(std::make_unique<script_runner>(std::move(redis))), server_id_(std::move(server_id)) {}

presence_store::~presence_store() = default;

void presence_store::reset_node(callback<std::int64_t> done) {
  scripts_->run(reset_node_script, {}, {server_id_}, [done = std::move(done)](redis_reply r) {
    if (!r.is_integer())
      done(failure_of(r, "presence_reset"), 0);
    else
      done(errc::ok, r.integer);
  });
}

void presence_store::user_online(std::string user_id, callback<presence_change> done) {
  scripts_->run(user_online_script, {}, {std::move(user_id), server_id_},
                [done = std::move(done)](redis_reply r) { on_change(std::move(r), "presence_online", done); });
}

void presence_store::user_offline(std::string user_id, callback<presence_change> done) {
  scripts_->run(user_offline_script, {}, {std::move(user_id), server_id_},
                [done = std::move(done)](redis_reply r) { on_change(std::move(r), "presence_offline", done); });
}

void presence_store::room_head(std::string room_id, callback<std::int64_t> done) {
  scripts_->run(scripts::room_head, {keys::room(room_id), keys::room_last_id(room_id)}, {},
                [done = std::move(done)](redis_reply r) {
                  if (!r.is_string()) {
                    done(failure_of(r, "room_head"), 0);
                    return;
                  }
                  done(errc::ok, std::strtoll(r.str.c_str(), nullptr, 10));
                });
}

} // namespace chat::storage
