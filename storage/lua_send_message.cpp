// The send_message script (storage/send_batcher.cpp calls it): its own file, the node's hot path.
#include "storage/lua_fragments.hpp"
#include "storage/lua_scripts.hpp"

namespace chat::storage::scripts {

// One or more messages, in order (send_batcher: one call for every message waiting while earlier
// ones were in flight). KEYS: per message room:{id}, chat:room:{id}:last_id. ARGV[1]: the server id
// as a JSON string; then per message nine: Pub/Sub channel, JSON fragments (already quoted and
// escaped) of room id, sender id and text, then the sender id and room id as they are, the
// names it @mentions (mention_candidates(), usually ''; resolved by kMentions), the file ids it
// attaches (separated by spaces, usually ''; kMedia: a file it may not attach refuses the message
// with 'bad_file') and its location JSON (usually ''). A message without either costs nothing more. Each sender
// must be a member (the access rule, in the same atomic step: no window between the check and
// the write; checked once per sender and room in a call). id = next_position (lua_fragments.hpp): max(now_ms, last + 1) with last the room's last
// position (message or event), so ids are unique and strictly increasing per room even when the clock
// steps back or one call holds several messages of a room. The sender's read marker of the room
// (kReadState) moves to its newest message of the call (one HSET per sender and room). A muted sender's message is refused (kAccess, write_refusal()). Answers
// one element per message: 'forbidden' / 'not_found' / 'archived' / 'muted:<end ms>' / 'bad_file' (nothing written for it) or
// {id, last, date, json}.
// After the messages' arguments, one more ARGV: '1' when --tutorial-pubsub is on. Then each message
// is also published on the tutorial's `MESSAGES` channel as its servers publish it
// (`{"serverId":…,"type":"message","ts":…,"data":{"roomId","message","from","date"}}`; `ts` marks
// the envelope as a chatnode's, which other chatnodes skip), and the first message of a DM (its
// zset did not exist) publishes `show.room` `{"id":"a:b","names":[[n1],[n2]]}` before it, as the
// tutorial does. Same atomic step: no window between the write and the tutorial's live copy.
// Then one more ARGV: '1' when the envelopes are published by the caller after WAIT
// (--redis-min-replicas-acked: no client sees a message before a replica has it); a stored message's
// element is then {id, last, date, json, channel, envelope}.
const std::string send_message_body = std::string{lua::kAccess} + lua::kPosition + lua::kMentions + lua::kMedia + R"lua(
local t = redis.call('TIME')
local now_ms = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local date = math.floor(now_ms / 1000)
local dates = string.format('%d', date)
local head = '{"serverId":' .. ARGV[1] .. ',"type":"message","ts":' .. string.format('%d', now_ms) .. ',"prev":'
local tutorial = ARGV[2 + 9 * (#KEYS / 2)] == '1'
local deferred = ARGV[3 + 9 * (#KEYS / 2)] == '1'
local function tutorial_publish(zkey, room, a)
  if redis.call('EXISTS', zkey) == 0 then
    local u1, u2 = string.match(room, '^(%d+):(%d+)$')
    if u1 then
      local names = {{redis.call('HGET', 'user:' .. u1, 'username') or ''}, {redis.call('HGET', 'user:' .. u2, 'username') or ''}}
      redis.call('PUBLISH', 'MESSAGES', '{"serverId":' .. ARGV[1] .. ',"type":"show.room","ts":' .. string.format('%d', now_ms)
        .. ',"data":' .. cjson.encode({id = room, names = names}) .. '}')
    end
  end
  return '{"serverId":' .. ARGV[1] .. ',"type":"message","ts":' .. string.format('%d', now_ms) .. ',"data":{"roomId":'
    .. ARGV[a + 2] .. ',"message":' .. ARGV[a + 4] .. ',"from":' .. ARGV[a + 3] .. ',"date":' .. dates .. '}}'
end
local out = {}
local verdicts = {} -- sender and room → access() and write_refusal(), once per call
local marks = {}    -- sender and room → {sender, room, its newest message here}: one HSET each at the end
for i = 1, #KEYS / 2 do
  local a = 1 + (i - 1) * 9
  local pair = ARGV[a + 5] .. ' ' .. ARGV[a + 6]
  local allowed = verdicts[pair]
  if not allowed then
    allowed = access(ARGV[a + 5], ARGV[a + 6])
    if allowed == 'member' then allowed = write_refusal(ARGV[a + 5], ARGV[a + 6], now_ms) or allowed end
    verdicts[pair] = allowed
  end
  local files = nil
  if allowed == 'member' and ARGV[a + 8] ~= '' then
    files = check_files(ARGV[a + 8], ARGV[a + 5], ARGV[a + 6])
    if not files then allowed = 'bad_file' end
  end
  if allowed ~= 'member' then
    out[i] = allowed
  else
    local zkey = KEYS[2 * i - 1]
    local id, last = next_position(zkey, KEYS[2 * i], now_ms)
    local ids = string.format('%d', id)
    local tutorial_envelope = nil
    if tutorial then tutorial_envelope = tutorial_publish(zkey, ARGV[a + 6], a) end
    local media = '' -- (most messages: '' and one comparison)
    if files then media = attach_files(files, ids) end
    if ARGV[a + 9] ~= '' then media = media .. ',"location":' .. ARGV[a + 9] end
    local json = '{"id":' .. ids .. ',"roomId":' .. ARGV[a + 2] .. ',"from":' .. ARGV[a + 3] .. ',"date":'
      .. dates .. ',"message":' .. ARGV[a + 4] .. mention(ARGV[a + 7], ARGV[a + 6], ARGV[a + 5], id) .. media .. '}'
    redis.call('ZADD', zkey, ids, json)
    marks[pair] = {ARGV[a + 5], ARGV[a + 6], ids} -- read up to its own message
    local envelope = head .. string.format('%d', last) .. ',"data":' .. json .. '}'
    if tutorial_envelope then redis.call('PUBLISH', 'MESSAGES', tutorial_envelope) end
    if deferred then
      out[i] = {id, last, date, json, ARGV[a + 1], envelope}
    else
      redis.call('PUBLISH', ARGV[a + 1], envelope)
      out[i] = {id, last, date, json}
    end
  end
end
for _, m in pairs(marks) do redis.call('HSET', 'chat:user:' .. m[1] .. ':read', m[2], m[3]) end
return out
)lua";
const lua_script send_message{"send_message", send_message_body};

} // namespace chat::storage::scripts
