#include "storage/lua_scripts.hpp"

#include <cstdio>
#include <cstdlib>

#include <openssl/evp.h>

#include "storage/lua_channels.hpp"
#include "storage/lua_fragments.hpp"

namespace chat::storage {

std::string sha1_hex(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), md, &len, EVP_sha1(), nullptr) != 1) {
    std::fputs("chat_storage: EVP_Digest(SHA-1) failed\n", stderr);
    std::abort();
  }
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(len * 2);
  for (unsigned int i = 0; i < len; ++i) {
    out.push_back(digits[md[i] >> 4]);
    out.push_back(digits[md[i] & 0xf]);
  }
  return out;
}

lua_script::lua_script(std::string_view script_name, std::string_view script_body)
  : name(script_name), body(script_body), sha1(sha1_hex(script_body)) {}

namespace scripts {

// Creates what the tutorial's init creates when missing.
const lua_script ensure_schema{"ensure_schema", R"lua(
local created = 0
if redis.call('EXISTS', 'total_users') == 0 then redis.call('SET', 'total_users', '0'); created = created + 1 end
if redis.call('EXISTS', 'room:0:name') == 0 then redis.call('SET', 'room:0:name', 'General'); created = created + 1 end
return created
)lua"};

// One step of the start-up backfill of chat:usernames (ids in user:{id} order, see lua::username_index()).
// ARGV: how many ids to look at.
const std::string index_usernames_body = lua::username_index() + R"lua(
local complete, added = index_usernames(tonumber(ARGV[1]))
return {complete and 1 or 0, added}
)lua";
const lua_script index_usernames{"index_usernames", index_usernames_body};

// ARGV: username, lower(username), bcrypt hash, then lower-case admin names. The index is brought
// up to date first (users the tutorial created since), so the case-insensitive check is complete;
// 'busy' when too many users are still to be indexed (only while the start-up backfill runs).
const std::string create_user_body = lua::username_index() + R"lua(
local name, lower, hash = ARGV[1], ARGV[2], ARGV[3]
if redis.call('EXISTS', 'username:' .. name) == 1 then return {'conflict'} end
if not index_usernames(1000) then return {'busy'} end
if redis.call('HEXISTS', 'chat:usernames', lower) == 1 then return {'conflict'} end
local before = tonumber(redis.call('GET', 'total_users') or '0') or 0
local id = tostring(redis.call('INCR', 'total_users'))
local role = 'user'
-- the first user is an admin (the assistant's bot, created first on an empty Redis, does not count)
if before <= 0 or (before == 1 and redis.call('GET', 'chat:ai:bot') == '1') then role = 'admin' end
for i = 4, #ARGV do
  if ARGV[i] == lower then role = 'admin' end
end
redis.call('SET', 'username:' .. name, 'user:' .. id)
local t = redis.call('TIME')
redis.call('HSET', 'user:' .. id, 'username', name, 'password', hash, 'role', role,
           'created', string.format('%d', tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)))
redis.call('SADD', 'user:' .. id .. ':rooms', '0')
redis.call('HSET', 'chat:usernames', lower, id)
if tonumber(redis.call('GET', 'chat:usernames:upto') or '0') == before then
  redis.call('SET', 'chat:usernames:upto', id)
end
redis.call('ZADD', 'chat:user_search', 0, lower .. '\0' .. id)
if tonumber(redis.call('GET', 'chat:user_search:upto') or '0') == before then
  redis.call('SET', 'chat:user_search:upto', id)
end
return {'ok', id, role}
)lua";
const lua_script create_user{"create_user", create_user_body};

// ARGV: username as typed, lower(username). Exact tutorial key first, then the index (brought up
// to date with the users the tutorial created since, as far as a bounded step goes).
const std::string find_credentials_body = lua::username_index() + R"lua(
local id
local ref = redis.call('GET', 'username:' .. ARGV[1])
if ref then
  if string.sub(ref, 1, 5) == 'user:' then id = string.sub(ref, 6) else id = ref end
else
  index_usernames(1000)
  id = redis.call('HGET', 'chat:usernames', ARGV[2])
end
if not id then return {'not_found'} end
local h = redis.call('HMGET', 'user:' .. id, 'username', 'password', 'role')
if not h[1] then return {'not_found'} end
local ban = redis.call('HMGET', 'chat:user:' .. id .. ':ban', 'reason', 'until', 'at')
return {'ok', id, h[1], h[2] or '', h[3] or 'user', ban[3] and '1' or '', ban[1] or '', ban[2] or ''}
)lua";
const lua_script find_credentials{"find_credentials", find_credentials_body};

const lua_script get_users{"get_users", R"lua(
local out = {redis.call('GET', 'chat:ai:bot') or ''}
for i = 1, #ARGV do
  local name = redis.call('HGET', 'user:' .. ARGV[i], 'username')
  if name then
    out[#out + 1] = ARGV[i]
    out[#out + 1] = name
    out[#out + 1] = redis.call('SISMEMBER', 'online_users', ARGV[i])
  end
end
return out
)lua"};

const lua_script online_users{"online_users", R"lua(
local limit = tonumber(ARGV[1])
local out = {redis.call('GET', 'chat:ai:bot') or ''}
local n = 0
for _, id in ipairs(redis.call('SMEMBERS', 'online_users')) do
  if n >= limit then break end
  local name = redis.call('HGET', 'user:' .. id, 'username')
  if name then
    out[#out + 1] = id
    out[#out + 1] = name
    n = n + 1
  end
end
return out
)lua"};

const lua_script set_role{"set_role", R"lua(
if redis.call('EXISTS', KEYS[1]) == 0 then return 'not_found' end
redis.call('HSET', KEYS[1], 'role', ARGV[1])
return 'ok'
)lua"};

// A banned user's sessions end at their next use (the ban closed their connections already).
const lua_script resolve_session{"resolve_session", R"lua(
local id = redis.call('GET', KEYS[1])
if not id then return {'not_found'} end
if redis.call('EXISTS', 'chat:user:' .. id .. ':ban') == 1 then
  redis.call('DEL', KEYS[1])
  return {'not_found'}
end
local h = redis.call('HMGET', 'user:' .. id, 'username', 'role')
if not h[1] then return {'not_found'} end
return {'ok', id, h[1], h[2] or 'user'}
)lua"};

// Fixed windows: the first hit (or a counter that lost its TTL) starts a counter's window. All
// counters are checked before any is counted: a refused attempt counts nowhere.
const lua_script rate_reserve{"rate_reserve", R"lua(
local window = tonumber(ARGV[1])
local wait, first = 0, 0
for i, k in ipairs(KEYS) do
  if (tonumber(redis.call('GET', k) or '0') or 0) >= tonumber(ARGV[i + 1]) then
    local ttl = redis.call('TTL', k)
    if ttl < 0 then redis.call('EXPIRE', k, window); ttl = window end
    if ttl < 1 then ttl = 1 end
    if ttl > wait then wait = ttl end
    if first == 0 then first = i end
  end
end
if wait > 0 then return {wait, first} end
for _, k in ipairs(KEYS) do
  redis.call('INCR', k)
  if redis.call('TTL', k) < 0 then redis.call('EXPIRE', k, window) end
end
return {0, 0}
)lua"};

// The first ARGV[1] counters lose one hit (DECR keeps the TTL), the others are deleted.
const lua_script rate_release{"rate_release", R"lua(
local n = tonumber(ARGV[1])
for i, k in ipairs(KEYS) do
  if i > n then
    redis.call('DEL', k)
  elseif (tonumber(redis.call('GET', k) or '0') or 0) > 0 then
    redis.call('DECR', k)
  end
end
return 1
)lua"};

// General first; DMs carry both usernames, named rooms their name; unnamed non-DM ids are skipped.
// A room's head is its last position (message or event), so a live start there replays nothing.
// Per room: {id, head, last read, unread, mentions, the other participant's last read (DMs; else
// '0'), muted (0/1: chat:user:{uid}:muted), a channel's settings (kChannels channel_meta; {} for
// General and DMs), names…} (kReadState). A room the user has never
// marked is taken as read up to its head when first listed (a user of the tutorial's data, a new
// account's General), except a DM: everything in it was written to the user, so it counts from 0.
// (Bodies built at start-up live as long as the scripts.)
const std::string user_rooms_body = std::string{lua::kPosition} + lua::kReadState + lua::kChannels + R"lua(
local uid = ARGV[1]
if redis.call('EXISTS', 'user:' .. uid) == 0 then return {'not_found'} end
local rkey = 'chat:user:' .. uid .. ':read'
local muted = {}
for _, r in ipairs(redis.call('SMEMBERS', 'chat:user:' .. uid .. ':muted')) do muted[r] = true end
local marks = {}
do
  local flat = redis.call('HGETALL', rkey)
  for i = 1, #flat, 2 do marks[flat[i]] = tonumber(flat[i + 1]) end
end
local function entry(r, dm, peer, ...)
  local h = last_position('room:' .. r, 'chat:room:' .. r .. ':last_id')
  local read = marks[r]
  if not read then
    if dm then read = 0 else
      read = h
      redis.call('HSET', rkey, r, string.format('%d', h))
    end
  end
  local unread, mentions = read_counts(uid, r, read)
  local peer_read = '0'
  if peer then peer_read = redis.call('HGET', 'chat:user:' .. peer .. ':read', r) or '0' end
  return {r, string.format('%d', h), string.format('%d', read), unread, mentions, peer_read, muted[r] and 1 or 0, ...}
end
local out = {'ok', entry('0', false, nil, {}, redis.call('GET', 'room:0:name') or 'General')}
for _, r in ipairs(redis.call('SMEMBERS', 'user:' .. uid .. ':rooms')) do
  if r ~= '0' then
    local a, b = string.match(r, '^(%d+):(%d+)$')
    if a then
      local peer = a
      if a == uid then peer = b end
      out[#out + 1] = entry(r, true, peer, {}, redis.call('HGET', 'user:' .. a, 'username') or '',
                            redis.call('HGET', 'user:' .. b, 'username') or '')
    else
      local n = redis.call('GET', 'room:' .. r .. ':name')
      if n then out[#out + 1] = entry(r, false, nil, channel_meta(r), n) end
    end
  end
end
return out
)lua";
const lua_script user_rooms{"user_rooms", user_rooms_body};

// ARGV: user id, room id.
const std::string check_access_body = std::string{lua::kAccess} + R"lua(
return access(ARGV[1], ARGV[2])
)lua";
const lua_script check_access{"check_access", check_access_body};

// ARGV: user id, room id, '1' (mute) or '0'. Members only (kAccess); the user's muted rooms are the
// set chat:user:{uid}:muted. → {'ok', 1 when it changed} | 'forbidden' | 'not_found'
const std::string mute_room_body = std::string{lua::kAccess} + R"lua(
local allowed = access(ARGV[1], ARGV[2])
if allowed ~= 'member' then return allowed end
local key = 'chat:user:' .. ARGV[1] .. ':muted'
if ARGV[3] == '1' then return {'ok', redis.call('SADD', key, ARGV[2])} end
return {'ok', redis.call('SREM', key, ARGV[2])}
)lua";
const lua_script mute_room{"mute_room", mute_room_body};

// ARGV: a, b (a < b), room id "a:b", opener (a or b), max rooms per user (0: none). `added` = 2
// when neither user had the DM before. The opener must have room for it unless they have it already;
// the other user's count never refuses it (nobody can lock someone out of DMs).
const std::string create_dm_body = std::string{lua::kRoomLimits} + R"lua(
local a, b, room, opener, max = ARGV[1], ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5])
local na = redis.call('HGET', 'user:' .. a, 'username')
local nb = redis.call('HGET', 'user:' .. b, 'username')
if not na or not nb then return {'not_found'} end
if redis.call('SISMEMBER', 'user:' .. opener .. ':rooms', room) == 0 and rooms_full(opener, max) then
  return {'too_many_rooms'}
end
local added = redis.call('SADD', 'user:' .. a .. ':rooms', room) + redis.call('SADD', 'user:' .. b .. ':rooms', room)
return {'ok', added, na, nb}
)lua";
const lua_script create_dm{"create_dm", create_dm_body};

// ARGV: name, lower(name), creator id, creations per hour (0: none), max rooms per user (0: none),
// private ('1'/'0'), topic ('' none). The creator is the owner (chat:room:{id}:meta, kChannels); a
// private channel goes into chat:private_channels, a public one into chat:channels and its index.
// Skips ids already used by any named room or message zset. A non-admin creator's creations of the
// last hour are logged in chat:user:{id}:channel_creations (zset: room id by time, ms); one over the
// limit answers {'rate_limited', seconds until the oldest leaves the hour}.
const std::string create_channel_body = std::string{lua::kRoomLimits} + lua::kChannels + R"lua(
local name, lower, creator = ARGV[1], ARGV[2], ARGV[3]
local per_hour, max_rooms = tonumber(ARGV[4]), tonumber(ARGV[5])
local private, topic = ARGV[6] == '1', ARGV[7]
if redis.call('EXISTS', 'user:' .. creator) == 0 then return {'not_found'} end
local log = 'chat:user:' .. creator .. ':channel_creations'
local limited = per_hour > 0 and redis.call('HGET', 'user:' .. creator, 'role') ~= 'admin'
local now
do
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
if limited then
  redis.call('ZREMRANGEBYSCORE', log, '-inf', string.format('%d', now - 3600000))
  if redis.call('ZCARD', log) >= per_hour then
    local oldest = tonumber(redis.call('ZRANGE', log, 0, 0, 'WITHSCORES')[2])
    return {'rate_limited', string.format('%d', math.max(1, math.ceil((oldest + 3600000 - now) / 1000)))}
  end
end
if rooms_full(creator, max_rooms) then return {'too_many_rooms'} end
local general = string.lower(redis.call('GET', 'room:0:name') or 'General')
if lower == general or redis.call('HEXISTS', 'chat:channel_names', lower) == 1 then return {'conflict'} end
local id
repeat
  id = tostring(redis.call('INCR', 'chat:room_seq'))
until redis.call('EXISTS', 'room:' .. id .. ':name') == 0 and redis.call('EXISTS', 'room:' .. id) == 0
      and redis.call('SISMEMBER', 'chat:channels', id) == 0 and redis.call('EXISTS', 'chat:room:' .. id .. ':last_id') == 0
redis.call('SET', 'room:' .. id .. ':name', name)
redis.call('HSET', 'chat:channel_names', lower, id)
redis.call('SADD', 'room:' .. id .. ':members', creator)
redis.call('SADD', 'user:' .. creator .. ':rooms', id)
redis.call('HSET', 'chat:room:' .. id .. ':meta', 'owner', creator, 'created', string.format('%d', now))
if topic ~= '' then redis.call('HSET', 'chat:room:' .. id .. ':meta', 'topic', topic) end
if private then
  redis.call('HSET', 'chat:room:' .. id .. ':meta', 'private', '1')
  redis.call('SADD', 'chat:private_channels', id)
else
  list(id, lower) -- (the index stays "synced" only if it was: a node without the index may have added channels)
end
if limited then
  redis.call('ZADD', log, string.format('%d', now), id)
  redis.call('PEXPIRE', log, 3600000)
end
return {'ok', id}
)lua";
const lua_script create_channel{"create_channel", create_channel_body};

// ARGV: uid, limit, after (a channel id or ''), prefix (lower-case or ''). Channels by lower-case
// name, then id, from chat:channel_index: the page after `after` (which must be a channel whose name
// starts with the prefix: else {'bad_cursor'}), names starting with `prefix`.
// → {'ok', next ('' = last page), {id, name, members, joined}…}
const std::string public_channels_body = std::string{lua::kRoomLimits} + R"lua(
local uid, limit, after, prefix = ARGV[1], tonumber(ARGV[2]), ARGV[3], ARGV[4]
sync_channel_index()
local min, max = '-', '+'
if prefix ~= '' then min = '[' .. prefix; max = '(' .. prefix .. '\255' end
if after ~= '' then
  local n = redis.call('GET', 'room:' .. after .. ':name')
  if not n or redis.call('SISMEMBER', 'chat:channels', after) == 0 then return {'bad_cursor'} end
  local lower = string.lower(n)
  if string.sub(lower, 1, #prefix) ~= prefix then return {'bad_cursor'} end
  min = '(' .. lower .. '\0' .. after
end
local rows = redis.call('ZRANGEBYLEX', 'chat:channel_index', min, max, 'LIMIT', 0, limit + 1)
local out = {'ok', ''}
local last = ''
for i, m in ipairs(rows) do
  if i > limit then out[2] = last; break end
  local id = string.sub(m, string.find(m, '\0', 1, true) + 1)
  last = id
  local name = redis.call('GET', 'room:' .. id .. ':name')
  if name and redis.call('SISMEMBER', 'chat:channels', id) == 1 then
    local members = 'room:' .. id .. ':members'
    out[#out + 1] = {id, name, redis.call('SCARD', members), redis.call('SISMEMBER', members, uid)}
  end
end
return out
)lua";
const lua_script public_channels{"public_channels", public_channels_body};

// ARGV: uid, room, max rooms per user (0: none). Joining again is 'ok' whatever the count; a private
// channel (issue #23) only that way ('forbidden' to others: invitation only).
const std::string join_channel_body = std::string{lua::kRoomLimits} + lua::kPosition + R"lua(
local uid, room, max = ARGV[1], ARGV[2], tonumber(ARGV[3])
if redis.call('SISMEMBER', 'chat:channels', room) == 0 then
  if redis.call('SISMEMBER', 'chat:private_channels', room) == 0 then return 'not_found' end
  if redis.call('SISMEMBER', 'room:' .. room .. ':members', uid) == 0 then return 'forbidden' end
end
if redis.call('EXISTS', 'user:' .. uid) == 0 then return 'not_found' end
if redis.call('SISMEMBER', 'user:' .. uid .. ':rooms', room) == 0 and rooms_full(uid, max) then
  return 'too_many_rooms'
end
if redis.call('SISMEMBER', 'user:' .. uid .. ':rooms', room) == 0 then -- a new member has read what was there
  redis.call('HSET', 'chat:user:' .. uid .. ':read', room, string.format('%d', last_position('room:' .. room,
             'chat:room:' .. room .. ':last_id')))
end
redis.call('SADD', 'room:' .. room .. ':members', uid)
redis.call('SADD', 'user:' .. uid .. ':rooms', room)
return 'ok'
)lua";
const lua_script join_channel{"join_channel", join_channel_body};

} // namespace scripts

} // namespace chat::storage
