#pragma once
/// Internal to chat_storage: the Lua body of one history retention step (issue #26; retention.cpp).
/// Appended to kMessageRows, kMentions, kMedia, kSearchWords and kHorizon.
///
/// KEYS: room:{id}, chat:room:{id}:events, chat:room:{id}:deleted. ARGV: room id, max age (ms, 0 =
/// off), max messages (0 = off), budget (items), words per message (the search indexer's).
///
/// The target T: every position older than the max age (below Redis' time minus it), and every
/// message below the newest `max messages` (T = the score of the newest message to go). The step
/// walks, oldest first and merged by position, the room's message rows, event log frames and
/// tombstones at or below T, at most `budget` of them, and removes each with what belongs to it:
/// - a message row: its @mention index entries, its files (`chat:file:{id}` and `:data`, its
///   entry in `chat:room:{id}:files`), its search index entries (the words of its current text, when
///   the indexer got that far), and its thread (every reply as below; a thread larger than the budget
///   left takes further steps, the parent row goes with the last of them);
/// - a thread reply (of a trimmed parent, or found through its log frame): its row, its
///   `reply_parents` entry, its log frame, mentions, files and search entries;
/// - a log frame: the frame (a reply's frame takes its reply along);
/// - a tombstone (a deleted message): the tombstone and its thread.
/// A reply still streaming (the assistant) is left for a later step. The room's horizon (kHorizon)
/// rises to the highest position removed (a thread's replies may lie above T: the horizon covers
/// them). → {messages removed (rows and replies), items looked at, more (0/1), horizon or 0, the
/// highest id of a message row or tombstone of the room removed or 0: rows go oldest first, so
/// every row of the room up to it is gone, but for a reply still streaming}

namespace chat::storage::lua {

inline constexpr char kRetentionStep[] = R"lua(
local zkey, ekey, dkey = KEYS[1], KEYS[2], KEYS[3]
local room = ARGV[1]
local max_age, max_msgs, budget, max_words = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local function fmt(n) return string.format('%d', n) end
local target = -1
if max_age > 0 then
  local t = redis.call('TIME')
  target = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) - max_age - 1
end
if max_msgs > 0 then
  local n = redis.call('ZCARD', zkey)
  if n > max_msgs then
    local s = redis.call('ZRANGE', zkey, n - max_msgs - 1, n - max_msgs - 1, 'WITHSCORES')[2]
    if s and math.floor(tonumber(s)) > target then target = math.floor(tonumber(s)) end
  end
end
if target < 0 then return {0, 0, 0, 0, 0} end
local tq = fmt(target)
local pkey = 'chat:room:' .. room .. ':reply_parents'
local indexed = tonumber(redis.call('HGET', 'chat:search:upto', room) or '0') or 0
local used, removed, top, upto = 0, 0, 0, 0
local function decode(raw)
  local ok, v = pcall(cjson.decode, raw)
  if ok and type(v) == 'table' then return v end
  return {}
end
local function forget(row, id) -- what belongs to a message row besides the row itself
  local ids = fmt(id)
  unmention(row, room, id)
  if row.roomId == nil then row.roomId = room end
  drop_files(row, ids)
  if id <= indexed and type(row.message) == 'string' then
    local ref = room .. ':' .. ids
    for _, w in ipairs(search_words(row.message, max_words)) do redis.call('ZREM', 'chat:search:w:' .. w, ref) end
  end
  if id > top then top = id end
end
local function drop_reply(tkey, raw, score)
  local id = math.floor(tonumber(score))
  local row = decode(raw)
  if row.streaming == true then return end
  forget(row, id)
  redis.call('ZREM', tkey, raw)
  redis.call('HDEL', pkey, fmt(id))
  redis.call('ZREMRANGEBYSCORE', ekey, fmt(id), fmt(id))
  if row.deleted ~= true then removed = removed + 1 end
end
-- Removes up to the budget left of thread `pid`'s replies (at least one: a step starts below the
-- budget): true when the thread is gone.
local function drop_thread(pid)
  local tkey = 'chat:room:' .. room .. ':thread:' .. fmt(pid)
  local left = budget - used
  if left <= 0 then return redis.call('EXISTS', tkey) == 0 end
  local r = redis.call('ZRANGE', tkey, 0, left - 1, 'WITHSCORES')
  for k = 1, #r, 2 do
    drop_reply(tkey, r[k], r[k + 1])
    used = used + 1
  end
  return #r < 2 * left or redis.call('EXISTS', tkey) == 0
end
local function id_of(row, score)
  return int_of(row.id) or math.floor(tonumber(score))
end
local steps = {
  m = function(raw, score) -- a message row: true when it went
    local row = decode(raw)
    if row.streaming == true then used = used + 1 return true end
    local id = id_of(row, score)
    if not drop_thread(id) then return false end
    used = used + 1
    forget(row, id)
    redis.call('ZREM', zkey, raw)
    removed = removed + 1
    if id > upto then upto = id end
    local s = math.floor(tonumber(score))
    if s > top then top = s end
    return true
  end,
  e = function(raw, score) -- a log frame
    local p = math.floor(tonumber(score))
    used = used + 1
    local f = decode(raw)
    local data = type(f.data) == 'table' and f.data or {}
    local parent = f.type == 'message' and int_of(data.parentId)
    if parent then
      local tkey = 'chat:room:' .. room .. ':thread:' .. fmt(parent)
      local r = redis.call('ZRANGEBYSCORE', tkey, fmt(p), fmt(p), 'WITHSCORES')
      for k = 1, #r, 2 do drop_reply(tkey, r[k], r[k + 1]) end
    end
    redis.call('ZREM', ekey, raw)
    if p > top then top = p end
    return true
  end,
  d = function(raw, score) -- a tombstone
    local row = decode(raw)
    local id = id_of(row, score)
    if not drop_thread(id) then return false end
    used = used + 1
    redis.call('ZREM', dkey, raw)
    if id > upto then upto = id end
    return true
  end,
}
local lists = {
  m = redis.call('ZRANGEBYSCORE', zkey, '-inf', tq, 'WITHSCORES', 'LIMIT', 0, budget),
  e = redis.call('ZRANGEBYSCORE', ekey, '-inf', tq, 'WITHSCORES', 'LIMIT', 0, budget),
  d = redis.call('ZRANGEBYSCORE', dkey, '-inf', tq, 'WITHSCORES', 'LIMIT', 0, budget),
}
local at = {m = 1, e = 1, d = 1}
local more = 0
for _, l in pairs(lists) do
  if #l >= 2 * budget then more = 1 end
end
while true do
  local best
  for _, k in ipairs({'m', 'e', 'd'}) do
    local l, i = lists[k], at[k]
    if i <= #l and (not best or tonumber(l[i + 1]) < tonumber(lists[best][at[best] + 1])) then best = k end
  end
  if not best then break end
  if used >= budget then more = 1 break end
  local i = at[best]
  if not steps[best](lists[best][i], lists[best][i + 1]) then more = 1 break end
  at[best] = i + 2
end
if top > 0 then raise_horizon(room, top) end
return {removed, used, more, top, upto}
)lua";

} // namespace chat::storage::lua
