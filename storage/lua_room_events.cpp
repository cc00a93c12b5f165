// The Lua scripts of replay (events_after), of the current-state history pages and of the room head.
// Shared fragments: lua_fragments.hpp. The scripts of the event kinds live with their methods
// (message_events.cpp).
#include <string>

#include "storage/ai_replies.hpp"
#include "storage/lua_fragments.hpp"
#include "storage/lua_scripts.hpp"

namespace chat::storage::scripts {

// KEYS: room:{id}, chat:room:{id}:events, chat:room:{id}:horizon. ARGV: after (exclusive), limit.
// The first `limit` rows of both sets above `after`, merged by position (a message first on a tie):
// flat triples tag ('m' message row | 'e' event frame), score, member. An assistant reply still
// streaming carries its text so far (kAiLiveRow). A cursor below the room's horizon (kHorizon:
// retention or the log's cap dropped events after it) cannot be replayed exactly: the first row is
// then the frame `{"type":"reload","data":{"roomId","horizon"}}` at the horizon's position, and
// the rows after the horizon follow. A log capped before horizons were recorded (no key, 10,000
// frames) counts as cut just below its oldest frame.
const std::string events_after_body = std::string{lua::kAiLiveRow} + R"lua(
local room = string.sub(KEYS[1], 6)
local after, limit = tonumber(ARGV[1]), tonumber(ARGV[2])
local out = {}
local i, j, n = 1, 1, 0
local h = tonumber(redis.call('GET', KEYS[3]) or '')
if not h then
  h = 0
  if redis.call('ZCARD', KEYS[2]) >= 10000 then
    local low = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')[2]
    if low then h = math.floor(tonumber(low)) - 1 end
  end
end
if after < h then
  local hs = string.format('%d', h)
  out = {'e', hs, '{"type":"reload","data":{"roomId":"' .. room .. '","horizon":' .. hs .. '}}'}
  n = 1
  after = h
end
local lo = '(' .. string.format('%d', after)
local m = redis.call('ZRANGEBYSCORE', KEYS[1], lo, '+inf', 'WITHSCORES', 'LIMIT', 0, limit)
local e = redis.call('ZRANGEBYSCORE', KEYS[2], lo, '+inf', 'WITHSCORES', 'LIMIT', 0, limit)
while n < limit and (i <= #m or j <= #e) do
  if j > #e or (i <= #m and tonumber(m[i + 1]) <= tonumber(e[j + 1])) then
    out[#out + 1] = 'm'; out[#out + 1] = m[i + 1]; out[#out + 1] = live_row(room, m[i]); i = i + 2
  else
    out[#out + 1] = 'e'; out[#out + 1] = e[j + 1]; out[#out + 1] = e[j]; j = j + 2
  end
  n = n + 1
end
return out
)lua";
const lua_script events_after{"events_after", events_after_body};

// KEYS: room:{id}, chat:room:{id}:deleted. ARGV: max score ('+inf' or '(id'), limit. Newest first,
// messages and tombstones merged: flat member, score.
const std::string history_before_body = std::string{lua::kMergeDesc} + lua::kAiLiveRow + R"lua(
local limit = tonumber(ARGV[2])
local m = redis.call('ZREVRANGEBYSCORE', KEYS[1], ARGV[1], '-inf', 'WITHSCORES', 'LIMIT', 0, limit)
local d = redis.call('ZREVRANGEBYSCORE', KEYS[2], ARGV[1], '-inf', 'WITHSCORES', 'LIMIT', 0, limit)
local out = merge_desc(m, d, limit)
for i = 1, #out, 2 do out[i] = live_row(string.sub(KEYS[1], 6), out[i]) end
return out
)lua";
const lua_script history_before{"history_before", history_before_body};

// KEYS: room:{id}, chat:room:{id}:deleted. ARGV: offset, size. Items offset … offset+size-1 of the
// union of messages and tombstones, newest first: flat member, score. The union rank of the
// tombstone at descending rank k is k + the messages scored above it (ZCOUNT); it grows with k, so a
// binary search finds how many tombstones precede `offset`: O(log T · log N + size).
const std::string history_by_offset_body = std::string{lua::kMergeDesc} + lua::kAiLiveRow + R"lua(
local offset, size = tonumber(ARGV[1]), tonumber(ARGV[2])
local lo, hi = 0, redis.call('ZCARD', KEYS[2])
while lo < hi do
  local k = math.floor((lo + hi) / 2)
  local s = redis.call('ZREVRANGE', KEYS[2], k, k, 'WITHSCORES')[2]
  if k + redis.call('ZCOUNT', KEYS[1], '(' .. s, '+inf') < offset then lo = k + 1 else hi = k end
end
local function int(n) return string.format('%d', n) end -- never "1e+18" (Redis wants integers)
local m = redis.call('ZREVRANGE', KEYS[1], int(offset - lo), int(offset - lo + size - 1), 'WITHSCORES')
local d = redis.call('ZREVRANGE', KEYS[2], int(lo), int(lo + size - 1), 'WITHSCORES')
local out = merge_desc(m, d, size)
for i = 1, #out, 2 do out[i] = live_row(string.sub(KEYS[1], 6), out[i]) end
return out
)lua";
const lua_script history_by_offset{"history_by_offset", history_by_offset_body};

// KEYS: room:{id}, chat:room:{id}:last_id → the room's last position as decimal text ("0": none).
const std::string room_head_body = std::string{lua::kPosition} + R"lua(
return string.format('%d', last_position(KEYS[1], KEYS[2]))
)lua";
const lua_script room_head{"room_head", room_head_body};

} // namespace chat::storage::scripts
