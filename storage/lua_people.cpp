// The Lua scripts of people: the username prefix index, user search, the paged user list and room
// members. A user row is flat {id, username, online (0/1), role ('user' when unset)}.
#include <string>

#include "storage/lua_channels.hpp"
#include "storage/lua_fragments.hpp"
#include "storage/lua_scripts.hpp"

namespace chat::storage::scripts {

namespace {
/// user_row(out, id): appends the row of user `id` to `out`; false (nothing appended) when the
/// user does not exist.
constexpr char kUserRow[] = R"lua(
local function user_row(out, id)
  local h = redis.call('HMGET', 'user:' .. id, 'username', 'role')
  if not h[1] then return false end
  out[#out + 1] = id
  out[#out + 1] = h[1]
  out[#out + 1] = redis.call('SISMEMBER', 'online_users', id)
  out[#out + 1] = h[2] or 'user'
  return true
end
)lua";
} // namespace

// One step of the start-up backfill of chat:user_search. ARGV: how many ids to look at.
const std::string index_user_search_body = lua::user_search_index() + R"lua(
local complete, added = index_user_search(tonumber(ARGV[1]))
return {complete and 1 or 0, added}
)lua";
const lua_script index_user_search{"index_user_search", index_user_search_body};

// ARGV: prefix (lower-case, not empty), limit. Users created by other writers since the last call
// are indexed first (a bounded step). Rows in order of lower-case name, then id; an index entry whose
// user is gone or renamed is skipped.
const std::string search_users_body = lua::user_search_index() + kUserRow + R"lua(
local prefix, limit = ARGV[1], tonumber(ARGV[2])
index_user_search(1000)
local rows = redis.call('ZRANGEBYLEX', 'chat:user_search', '[' .. prefix, '(' .. prefix .. '\255',
                        'LIMIT', 0, limit)
local out = {redis.call('GET', 'chat:ai:bot') or ''}
for _, m in ipairs(rows) do
  local sep = string.find(m, '\0', 1, true)
  if sep then
    local id = string.sub(m, sep + 1)
    local name = redis.call('HGET', 'user:' .. id, 'username')
    if name and string.lower(name) == string.sub(m, 1, sep - 1) then user_row(out, id) end
  end
end
return out
)lua";
const lua_script search_users{"search_users", search_users_body};

// ARGV: after (an id, 0 = from the start), limit. Ids are dense (total_users is an INCR), so a
// page walks ids after+1… and skips the few that have no user (an id counted but never written);
// it looks at no more than limit * 4 + 100 ids. next = the last id looked at while ids remain.
const std::string list_users_body = std::string{kUserRow} + R"lua(
local after, limit = tonumber(ARGV[1]), tonumber(ARGV[2])
local total = tonumber(redis.call('GET', 'total_users') or '0') or 0
local out = {redis.call('GET', 'chat:ai:bot') or '', ''}
local id, n, budget = after, 0, limit * 4 + 100
while id < total and n < limit and budget > 0 do
  id = id + 1
  budget = budget - 1
  if user_row(out, string.format('%d', id)) then n = n + 1 end
end
if id < total then out[2] = string.format('%d', id) end
return out
)lua";
const lua_script list_users{"list_users", list_users_body};

// ARGV: uid, room (valid, canonical), max rows. Members only. General: everyone is a member, so
// count = total_users and the rows are online users (everyone = 1); a DM: its two users; a channel:
// its members, after its settings {name, topic, owner, private, archived} ({} for General and
// DMs: kChannels). At most `max` rows (SRANDMEMBER: bounded, distinct) when there are more.
const std::string room_members_body = std::string{lua::kAccess} + lua::kChannels + kUserRow + R"lua(
local uid, room, max = ARGV[1], ARGV[2], tonumber(ARGV[3])
local allowed = access(uid, room)
if allowed ~= 'member' then return {allowed} end
local ids, count, everyone = {}, 0, 0
if room == '0' then
  everyone = 1
  count = tonumber(redis.call('GET', 'total_users') or '0') or 0
  ids = redis.call('SRANDMEMBER', 'online_users', max)
else
  local a, b = string.match(room, '^(%d+):(%d+)$')
  if a then
    ids = {a, b}
    count = 2
  else
    local key = 'room:' .. room .. ':members'
    count = redis.call('SCARD', key)
    ids = redis.call('SRANDMEMBER', key, max)
  end
end
local settings = {}
if room ~= '0' and not string.find(room, ':', 1, true) then
  settings = channel_meta(room)
  table.insert(settings, 1, redis.call('GET', 'room:' .. room .. ':name') or '')
end
local out = {'ok', count, everyone, redis.call('GET', 'chat:ai:bot') or '', settings}
for _, id in ipairs(ids) do user_row(out, id) end
return out
)lua";
const lua_script room_members{"room_members", room_members_body};

} // namespace chat::storage::scripts
