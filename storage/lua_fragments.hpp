#pragma once
/// Internal to chat_storage: Lua fragments shared by several scripts (lua_scripts.cpp,
/// lua_room_events.cpp, message_events.cpp). Each is a set of `local function`s that a script body is
/// appended to.
/// Constant-initialised, so scripts built from them at start-up in any translation unit see them.

#include <string>

#include "storage/lua_horizon.hpp"
#include "storage/lua_media.hpp"
#include "storage/lua_threads.hpp"

namespace chat::storage::lua {

/// access(user id, room id) → 'member' | 'forbidden' | 'not_found'; both ids already syntactically
/// valid and canonical (check_access, send_message and every room event script).
/// write_refusal(user id, room id, now ms) → nil | 'archived' | 'muted:<end ms>': why the user may not
/// write in the room now (send, edit, reply, react): an archived channel (`archived` in
/// `chat:room:{id}:meta`: read-only), or a moderator's mute (`chat:user:{id}:mute`, hash '*' or room
/// id → end, 0 = until lifted) in force. archived(room id) → 'archived' | nil alone (a delete).
inline constexpr char kAccess[] = R"lua(
local function access(uid, room)
  -- A member answers in one call (the send path asks for every message); the rest finds out why not.
  if room == '0' then
    if redis.call('EXISTS', 'user:' .. uid) == 0 then return 'forbidden' end
    return 'member'
  end
  local a, b = string.match(room, '^(%d+):(%d+)$')
  local mine = a and (uid == a or uid == b)
  if mine and redis.call('SISMEMBER', 'user:' .. uid .. ':rooms', room) == 1 then return 'member' end
  if not a and redis.call('SISMEMBER', 'room:' .. room .. ':members', uid) == 1 then return 'member' end
  if redis.call('EXISTS', 'user:' .. uid) == 0 then return 'forbidden' end
  if a then
    if redis.call('SISMEMBER', 'user:' .. a .. ':rooms', room) == 0
       and redis.call('SISMEMBER', 'user:' .. b .. ':rooms', room) == 0 then return 'not_found' end
    if mine then return 'member' end
    return 'forbidden'
  end
  if redis.call('SISMEMBER', 'chat:channels', room) == 0
     and redis.call('EXISTS', 'room:' .. room .. ':name') == 0 then return 'not_found' end
  if redis.call('SISMEMBER', 'user:' .. uid .. ':rooms', room) == 1 then return 'member' end
  return 'forbidden'
end
-- 'archived' when `room` is an archived channel (issue #23: read-only), else nil.
local function archived(room)
  if room == '0' or not string.match(room, '^%d+$') then return nil end
  if redis.call('HEXISTS', 'chat:room:' .. room .. ':meta', 'archived') == 1 then return 'archived' end
  return nil
end
-- Why `uid` may not write in `room` at `now` (ms), or nil: an archived channel, or a mute (issue #23)
-- everywhere ('*') or in `room` that is in force: 'muted:<end ms>' ('muted:0': until lifted); of two
-- mutes, the later end.
local function write_refusal(uid, room, now)
  local arch = archived(room)
  if arch then return arch end
  local m = redis.call('HMGET', 'chat:user:' .. uid .. ':mute', '*', room)
  local best
  for i = 1, 2 do
    local e = tonumber(m[i] or '')
    if e and (e == 0 or e > now) and (best == nil or e == 0 or (best ~= 0 and e > best)) then best = e end
  end
  if best then return 'muted:' .. string.format('%d', best) end
  return nil
end
)lua";

/// The walk both username indexes share: walk_new_users(upto_key, pending_key, budget, index) looks at
/// up to `budget` ids after the cursor `upto_key` (up to `total_users`) and the ids waiting in
/// `pending_key`; index(id, name) files each existing user and answers 1 when it added it. An id
/// counted but not yet written waits in `pending_key` (score: ms first seen) for up to a minute.
/// → whether the index now covers every id of `total_users`, and how many names it added.
inline constexpr char kUserWalk[] = R"lua(
local function walk_new_users(upto_key, pending_key, budget, index)
  local total = tonumber(redis.call('GET', 'total_users') or '0') or 0
  local upto = tonumber(redis.call('GET', upto_key) or '0') or 0
  if upto >= total and redis.call('EXISTS', pending_key) == 0 then return true, 0 end
  local added = 0
  local function add(id)
    local name = redis.call('HGET', 'user:' .. id, 'username')
    if not name then return false end
    added = added + index(id, name)
    return true
  end
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  for _, id in ipairs(redis.call('ZRANGE', pending_key, 0, 99)) do
    if add(id) then redis.call('ZREM', pending_key, id) end
  end
  redis.call('ZREMRANGEBYSCORE', pending_key, '-inf', string.format('%d', now - 60000))
  local last = math.min(total, upto + budget)
  for id = upto + 1, last do
    local sid = string.format('%d', id)
    if not add(sid) then redis.call('ZADD', pending_key, 'NX', string.format('%d', now), sid) end
  end
  if last > upto then redis.call('SET', upto_key, string.format('%d', last)) end
  return last >= total, added
end
)lua";

/// The case-insensitive username index `chat:usernames` (lower-case name -> id) for users that
/// other writers (the tutorial's servers) create: they take ids from `total_users` (INCR) and write
/// `user:{id}` without touching the index. `chat:usernames:upto` = every id up to it was looked at;
/// an id counted but not yet written (the tutorial writes after its INCR) waits in the zset
/// `chat:usernames:pending` (score: ms first seen) and is looked at again by every later call, for
/// up to a minute. index_usernames(budget) looks at up to `budget` new ids and answers whether the
/// index now covers every id of `total_users`, and how many names it added. Scan-free: its cost
/// follows the users created since the last call, not the number of users.
inline std::string username_index() {
  return std::string{kUserWalk} + R"lua(
local function index_usernames(budget)
  return walk_new_users('chat:usernames:upto', 'chat:usernames:pending', budget, function(id, name)
    return redis.call('HSETNX', 'chat:usernames', string.lower(name), id)
  end)
end
)lua";
}

/// The username prefix index `chat:user_search` (zset, score 0, member "<lower name>\0<id>": name
/// order for ZRANGEBYLEX prefix queries, GET /users/search). create_user adds to it; users other
/// writers create are indexed like username_index() does (same id walk, its own cursor
/// `chat:user_search:upto` and waiting list `chat:user_search:pending`), so a Redis whose
/// chat:usernames is complete already gets this index filled once too. index_user_search(budget)
/// → complete, names added. Scan-free.
inline std::string user_search_index() {
  return std::string{kUserWalk} + R"lua(
local function index_user_search(budget)
  return walk_new_users('chat:user_search:upto', 'chat:user_search:pending', budget, function(id, name)
    return redis.call('ZADD', 'chat:user_search', 0, string.lower(name) .. '\0' .. id)
  end)
end
)lua";
}

/// The room's position sequence, shared by messages and every positioned room event.
/// last_position(room zset, last_id key): the room's last position = max(last_id, floor(top score))
/// (rooms written by the tutorial have no last_id key). next_position(…, now ms) allocates
/// max(now_ms, last + 1), stores it in last_id and answers it and the previous position. Numbers
/// reach Redis and JSON through string.format('%d') only (cjson would print 1.7641032861e+12).
inline constexpr char kPosition[] = R"lua(
local function last_position(zkey, lkey)
  local last = tonumber(redis.call('GET', lkey) or '0') or 0
  local top = redis.call('ZREVRANGE', zkey, 0, 0, 'WITHSCORES')
  if top[2] then
    local s = math.floor(tonumber(top[2]) or 0)
    if s > last then last = s end
  end
  return last
end
local function next_position(zkey, lkey, now_ms)
  local last = last_position(zkey, lkey)
  local id = now_ms
  if last + 1 > id then id = last + 1 end
  redis.call('SET', lkey, string.format('%d', id))
  return id, last
end
)lua";

/// Stored message rows. message_fields(row, score) → `from` as a string (tutorial rows may hold a
/// number) and `date` as integer seconds, as normalise_message derives them.
/// find_message(room zset, id, user id) → raw member, decoded row, score string of the message whose
/// id (its "id" field, else the floored score, as normalise_message decides) is `id`; nil when there is
/// none (never written, or deleted). Only tutorial rows written in the same second share an id: then
/// the user's own row is preferred, else the first.
inline constexpr char kMessageRows[] = R"lua(
local function int_of(v)
  if type(v) == 'number' then return math.floor(v) end
  if type(v) == 'string' then
    local n = tonumber(v)
    if n then return math.floor(n) end
  end
  return nil
end
local function message_fields(row, score)
  local from = row.from
  if type(from) == 'number' then from = string.format('%d', math.floor(from))
  elseif type(from) ~= 'string' then from = '' end
  local date = int_of(row.date)
  if date == nil then
    local s = tonumber(score)
    if s > 1e11 then s = s / 1000 end
    date = math.floor(s)
  elseif date > 100000000000 then
    date = math.floor(date / 1000)
  end
  return from, date
end
local function find_message(zkey, mid, uid)
  local rows = redis.call('ZRANGEBYSCORE', zkey, string.format('%d', mid), '(' .. string.format('%d', mid + 1),
                          'WITHSCORES')
  local first
  for i = 1, #rows, 2 do
    local ok, row = pcall(cjson.decode, rows[i])
    if ok and type(row) == 'table' then
      local id
      if row.id == nil or row.id == cjson.null then id = math.floor(tonumber(rows[i + 1])) else id = int_of(row.id) end
      if id == mid then
        if message_fields(row, rows[i + 1]) == uid then return rows[i], row, rows[i + 1] end
        first = first or i
      end
    end
  end
  if first then return rows[first], cjson.decode(rows[first]), rows[first + 1] end
  return nil
end
)lua";

/// The common frame of every room event script (after kAccess and kPosition).
/// KEYS: room:{id}, chat:room:{id}:last_id, chat:room:{id}:events, then the kind's own keys.
/// ARGV: server id (JSON string), Pub/Sub channel, room id, room id (JSON string), user id, then the
/// kind's own arguments. Defines zkey, lkey, ekey, server_json, channel, room, room_json, uid, now
/// (Redis time, ms), fmt(n) (an integer as decimal text), member_message(mid) (the access rule and the
/// message lookup every kind about a message starts with; its 5th value is the decoded row),
/// split_reactions(raw) (the row without its `,"reactions":{…}` tail and closing brace, and that tail) and
/// emit(kind, body): `body` is the event's data JSON object without its closing brace; emit
/// allocates the position E, completes the data with `,"seq":E}`, appends the frame
/// `{"type":kind,"data":…}` to the room's event log (newest 10,000 kept: kHorizon cap_log), publishes the envelope
/// `{"serverId":…,"type":kind,"ts":now,"prev":previous position,"seq":E,"data":…}` and returns the
/// common reply {'ok', E, previous position, data, frame, audience}. A script answers that, or
/// 'forbidden' / 'not_found' when it writes nothing.
/// emit_for(kind, body, user id): the same for an event only that user's connections get (a channel's
/// read marker): its envelope carries `"only":"<user id>"` and its log row starts `{"only":"<user id>",`
/// (events_after hands the audience over separately); every node still takes the position into the
/// room's chain, and delivers the frame only to that user.
/// emit_at(kind, data, seq, last, to): the same for a complete `data` at a position the script allocated
/// itself (a thread reply: its id is its position). emitted(first, …): the reply of a command that wrote
/// several events (a thread reply and its parent's counters): {'ok', then seq, prev, data, frame,
/// audience of each}. member_message(mid) also finds replies (thread_key(parent), the map `pkey`).
inline constexpr char kRoomEvent[] = R"lua(
local zkey, lkey, ekey = KEYS[1], KEYS[2], KEYS[3]
local server_json, channel, room, room_json, uid = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local now
do
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function fmt(n) return string.format('%d', n) end
local pkey = 'chat:room:' .. room .. ':reply_parents'
local function thread_key(pid) return 'chat:room:' .. room .. ':thread:' .. pid end
-- The message `mid` of the room as seen by the caller: nil and 'forbidden' / 'not_found' when the
-- caller is not a member or there is no such message; else its row text, score, author, date, the
-- decoded row, the sorted set that holds it (room:{id}, or its thread's for a reply) and, for a
-- reply, its parent's id (text; nil for a top-level message). A deleted reply is not found.
local function member_message(mid)
  local allowed = access(uid, room)
  if allowed ~= 'member' then return nil, allowed end
  local key, parent = zkey, nil
  local raw, row, score = find_message(zkey, mid, uid)
  if not raw then
    parent = redis.call('HGET', pkey, fmt(mid))
    if not parent then return nil, 'not_found' end
    key = thread_key(parent)
    raw, row, score = find_message(key, mid, uid)
    if not raw or row.deleted == true then return nil, 'not_found' end
  end
  local from, date = message_fields(row, score)
  return raw, score, from, date, row, key, parent
end
-- A row split at its reactions (react_message writes them as the row's last field): the row without
-- them and without its closing brace, and ',"reactions":{…}' or ''.
local function split_reactions(raw)
  local body = string.match(raw, '^(.*)}%s*$') or raw
  local s = string.find(body, ',"reactions":{', 1, true)
  if not s then return body, '' end
  return string.sub(body, 1, s - 1), string.sub(body, s)
end
local function emit_at(kind, data, seq, last, to)
  local seqs = fmt(seq)
  local frame = '{"type":"' .. kind .. '","data":' .. data .. '}'
  local audience = ''
  if to ~= '' then audience = ',"only":"' .. to .. '"' end
  redis.call('ZADD', ekey, seqs, to == '' and frame or ('{"only":"' .. to .. '",' .. string.sub(frame, 2)))
  cap_log(ekey, room)
  redis.call('PUBLISH', channel, '{"serverId":' .. server_json .. ',"type":"' .. kind .. '","ts":' .. fmt(now)
    .. ',"prev":' .. fmt(last) .. ',"seq":' .. seqs .. audience .. ',"data":' .. data .. '}')
  return {'ok', seq, last, data, frame, to}
end
local function emit_for(kind, body, to)
  local seq, last = next_position(zkey, lkey, now)
  return emit_at(kind, body .. ',"seq":' .. fmt(seq) .. '}', seq, last, to)
end
local function emit(kind, body) return emit_for(kind, body, '') end
-- One reply for several events of one command, in the order written: the first's common reply with
-- the five values of each further one appended (nil ones skipped).
local function emitted(first, ...)
  for _, e in ipairs({...}) do
    for i = 2, 6 do first[#first + 1] = e[i] end
  end
  return first
end
)lua";

/// @mentions (storage/mentions.hpp). mention(names, room, sender, id): `names` is
/// mention_candidates()'s list; answers `,"mentions":["<uid>",…]` ('' when it names nobody) for the
/// message JSON, and files message `id` in each mentioned user's mention index of the room,
/// `chat:room:{room}:mentions:{uid}` (score = member = message id, newest 1,000 kept), from which
/// unread mention counts are read. A name resolves through the case-insensitive index
/// `chat:usernames`; "here" is the room's online members (`online_users`) but the sender, and only in
/// a room of at most 1,000 members (General: at most 200 online), so one message costs at most
/// `max_mentioned` index writes. unmention(row, room, id) takes message `id` out of the indexes of the
/// users `row` (a decoded message row) mentions: before an edit re-mentions, or a delete.
inline constexpr char kMentions[] = R"lua(
local max_mentioned = 200
local function mention_key(room, uid) return 'chat:room:' .. room .. ':mentions:' .. uid end
local function mention(names, room, sender, id)
  if names == '' then return '' end
  local ids, seen = {}, {}
  local function add(uid)
    if uid and not seen[uid] and #ids < max_mentioned then
      seen[uid] = true
      ids[#ids + 1] = uid
    end
  end
  for name in string.gmatch(names, '%S+') do
    if name == 'here' then
      local online = {} -- the room's online members
      local a, b = string.match(room, '^(%d+):(%d+)$')
      if a then
        for _, uid in ipairs({a, b}) do
          if redis.call('SISMEMBER', 'online_users', uid) == 1 then online[#online + 1] = uid end
        end
      elseif room == '0' then
        if redis.call('SCARD', 'online_users') <= max_mentioned then online = redis.call('SMEMBERS', 'online_users') end
      elseif redis.call('SCARD', 'room:' .. room .. ':members') <= 1000 then
        online = redis.call('SINTER', 'room:' .. room .. ':members', 'online_users')
      end
      for _, uid in ipairs(online) do
        if uid ~= sender then add(uid) end
      end
    else
      add(redis.call('HGET', 'chat:usernames', name) or nil)
    end
  end
  if #ids == 0 then return '' end
  local ids_text = string.format('%d', id)
  for _, uid in ipairs(ids) do
    if uid ~= sender then
      local key = mention_key(room, uid)
      redis.call('ZADD', key, ids_text, ids_text)
      redis.call('ZREMRANGEBYRANK', key, 0, -1001)
    end
  end
  return ',"mentions":["' .. table.concat(ids, '","') .. '"]'
end
local function unmention(row, room, id)
  if type(row) ~= 'table' or type(row.mentions) ~= 'table' then return end
  for _, uid in ipairs(row.mentions) do
    if type(uid) == 'string' then redis.call('ZREM', mention_key(room, uid), string.format('%d', id)) end
  end
end
)lua";

/// Read state (issue #22): `chat:user:{uid}:read`, room → the position the user has read up to (it
/// never moves back). read_counts(uid, room, last_read) → the room's messages after it (its unread
/// count: deleted messages and other events are not in `room:{id}`) and how many of those mention
/// the user (kMentions' index).
inline constexpr char kReadState[] = R"lua(
local function read_counts(uid, room, last_read)
  local after = '(' .. string.format('%d', last_read)
  return redis.call('ZCOUNT', 'room:' .. room, after, '+inf'),
         redis.call('ZCOUNT', 'chat:room:' .. room .. ':mentions:' .. uid, after, '+inf')
end
)lua";

/// merge_desc(a, b, n): the first n rows of two WITHSCORES replies (flat member, score; each
/// descending by score) merged descending, flat member, score again. On equal scores b's row comes
/// first (history: a tombstone before a message of the same second).
inline constexpr char kMergeDesc[] = R"lua(
local function merge_desc(a, b, n)
  local out = {}
  local i, j = 1, 1
  while #out < 2 * n and (i <= #a or j <= #b) do
    if j > #b or (i <= #a and tonumber(a[i + 1]) > tonumber(b[j + 1])) then
      out[#out + 1] = a[i]; out[#out + 1] = a[i + 1]; i = i + 2
    else
      out[#out + 1] = b[j]; out[#out + 1] = b[j + 1]; j = j + 2
    end
  end
  return out
end
)lua";

/// Room limits. rooms_full(uid, max): the user is in `max` rooms besides General already (max 0:
/// never). index_channel(id, lower name): adds a channel to `chat:channel_index` (zset, score 0,
/// member "<lower name>\0<id>": name order for GET /rooms/public); sync_channel_index(): indexes
/// every channel of `chat:channels` when its size differs from `chat:channel_index:synced` (channels
/// created by nodes that did not keep the index), so the index is complete before it is read.
inline constexpr char kRoomLimits[] = R"lua(
local function rooms_full(uid, max)
  if max <= 0 then return false end
  local key = 'user:' .. uid .. ':rooms'
  return redis.call('SCARD', key) - redis.call('SISMEMBER', key, '0') >= max
end
local function index_channel(id, lower)
  redis.call('ZADD', 'chat:channel_index', 0, lower .. '\0' .. id)
end
local function sync_channel_index()
  local n = redis.call('SCARD', 'chat:channels')
  if tonumber(redis.call('GET', 'chat:channel_index:synced') or '-1') == n then return end
  for _, id in ipairs(redis.call('SMEMBERS', 'chat:channels')) do
    local name = redis.call('GET', 'room:' .. id .. ':name')
    if name then index_channel(id, string.lower(name)) end
  end
  redis.call('SET', 'chat:channel_index:synced', n)
end
)lua";

/// The body of a room event script: the fragments every kind needs (threads included), then `body` (which checks,
/// writes and ends with `return emit(kind, data)`). Built once, at start-up.
/// `extra` (optional): more fragments the kind's body uses, placed before kRoomEvent.
inline std::string room_event_script(const char* body, const char* extra = "") {
  return std::string{kAccess} + kPosition + kMessageRows + kMentions + kMedia + kHorizon + extra + kRoomEvent + kThreads +
         body;
}

} // namespace chat::storage::lua
