#pragma once
/// The assistant's replies in Redis (issue #21): the types of the chat_store methods that start,
/// stream, stop and finalize a reply of the bot user, and the Lua fragment they share.
///
/// Keys (docs/architecture.md §4):
/// * `chat:ai:bot` (string): the bot user's id.
/// * `chat:ai:stream:{room}` (hash + TTL): the reply streaming in the room: `id` (the message),
///   `text` (the text so far: exactly what `message.delta` events carried), `owner` (the node that
///   runs it), `user` (who triggered it), `lease` (ms: the owner renews it), `started` (ms).
///   Its existence is the room's "one reply in flight" lock.
/// * `chat:ai:streams` (zset): `<room>/<id>` of every streaming reply, score = its lease's expiry
///   (ms): the orphan sweep's index.
/// * `chat:ai:user:{id}:requests` (zset + TTL 1 h): the replies a user started in the last hour.

#include <chrono>
#include <cstdint>
#include <string>

namespace chat::storage {

/// Starts a reply (chat_store::ai_start).
struct ai_start_request {
  std::string room_id;
  std::string user_id;   ///< who triggered it (must be a member of the room)
  std::string bot_id;    ///< the bot user: the reply's author
  std::string owner;     ///< the node running it (its server id)
  std::chrono::milliseconds lease{6000};       ///< the owner renews it; expired: the sweep finalizes it
  std::chrono::milliseconds ttl{600000};       ///< the stream key's TTL (renewed with the lease)
  std::int64_t per_hour = 0;                   ///< replies a user may start in any 60 minutes (0: no limit)
};

/// A started reply: its placeholder message (`"message":"","streaming":true`), positioned and published.
struct ai_started {
  std::int64_t id = 0;   ///< the message id (its position)
  std::int64_t prev = 0; ///< the room's previous position
  std::string json;      ///< the placeholder message JSON
  std::int64_t retry_after = 0; ///< refused with errc::rate_limited: seconds until the user may ask again
};

/// Appends text to a streaming reply and renews its lease (chat_store::ai_append).
struct ai_append_request {
  std::string room_id;
  std::int64_t id = 0;
  std::string owner;
  std::string text;       ///< valid UTF-8 to append (empty: only renew the lease)
  std::string delta_data; ///< the `message.delta` data JSON published with it (when `text` is not empty)
  std::chrono::milliseconds lease{6000};
  std::chrono::milliseconds ttl{600000};
};

/// Ends a streaming reply (chat_store::ai_finish): the text so far plus `text`.
struct ai_finish_request {
  std::string room_id;
  std::int64_t id = 0;
  std::string owner;  ///< only the reply's owner finishes it this way
  std::string text;   ///< the last text not appended yet (valid UTF-8)
  bool stopped = false;
  std::string error;  ///< "" or the error code kept on the message
};

namespace lua {

/// The assistant's Lua functions (after kAccess, kPosition, kMessageRows and kHorizon): ai_now(), ai_fmt(n),
/// ai_key(room) and ai_finalize(server json, room, message id, tail, stopped, error, now):
/// rewrites the reply's row with the text so far .. tail, `"streaming":false` and
/// `"stopped":true` / `"error":…`, positions `message.updated` (event log, last id, PUBLISH) and
/// deletes the stream (key and index entry). Only a row that is still `"streaming":true` is
/// finalized (exactly once, whoever races: the owner, a stop, the sweep): → {'ok', seq, prev,
/// data, frame} or 'not_found' (already final, deleted, unknown).
inline constexpr char kAiReplies[] = R"lua(
local function ai_now()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function ai_fmt(n) return string.format('%d', n) end
local function ai_key(room) return 'chat:ai:stream:' .. room end
local function ai_finalize(server_json, room, mid, tail, stopped, err, now)
  local skey = ai_key(room)
  local s = redis.call('HMGET', skey, 'id', 'text')
  local text = ''
  if s[1] then
    if tonumber(s[1]) ~= mid then return 'not_found' end
    text = s[2] or ''
    redis.call('DEL', skey)
  end
  redis.call('ZREM', 'chat:ai:streams', room .. '/' .. ai_fmt(mid))
  local zkey = 'room:' .. room
  local raw, row, score = find_message(zkey, mid, '')
  if not raw or row.streaming ~= true then return 'not_found' end
  local from, date = message_fields(row, score)
  text = text .. tail
  local room_json = cjson.encode(room)
  local body = '{"id":' .. ai_fmt(mid) .. ',"roomId":' .. room_json .. ',"from":' .. cjson.encode(from)
    .. ',"date":' .. ai_fmt(date) .. ',"message":' .. cjson.encode(text) .. ',"streaming":false'
  if stopped then body = body .. ',"stopped":true' end
  if err ~= '' then body = body .. ',"error":' .. cjson.encode(err) end
  redis.call('ZREM', zkey, raw)
  redis.call('ZADD', zkey, score, body .. '}')
  local seq, last = next_position(zkey, 'chat:room:' .. room .. ':last_id', now)
  local seqs = ai_fmt(seq)
  local data = body .. ',"seq":' .. seqs .. '}'
  local frame = '{"type":"message.updated","data":' .. data .. '}'
  local ekey = 'chat:room:' .. room .. ':events'
  redis.call('ZADD', ekey, seqs, frame)
  cap_log(ekey, room)
  redis.call('PUBLISH', 'chat:room:' .. room, '{"serverId":' .. server_json .. ',"type":"message.updated","ts":'
    .. ai_fmt(now) .. ',"prev":' .. ai_fmt(last) .. ',"seq":' .. seqs .. ',"data":' .. data .. '}')
  return {'ok', seq, last, data, frame, ''}
end
)lua";

/// live_row(room, raw): a stored row of a reply still streaming (`"message":"","streaming":true`)
/// with the text so far of the room's stream put in (history and replay read it this way, in the
/// same atomic step as the row: a client gets that text once, then the deltas after it). Any other
/// row is returned as it is (one plain string.find).
inline constexpr char kAiLiveRow[] = R"lua(
local function live_row(room, raw)
  if not string.find(raw, '"streaming":true', 1, true) then return raw end
  local s = redis.call('HMGET', 'chat:ai:stream:' .. room, 'id', 'text')
  if not s[1] or not s[2] or s[2] == '' then return raw end
  if string.sub(raw, 1, 7 + #s[1]) ~= '{"id":' .. s[1] .. ',' then return raw end
  local a, b = string.find(raw, '"message":"","streaming":true', 1, true)
  if not a then return raw end
  return string.sub(raw, 1, a - 1) .. '"message":' .. cjson.encode(s[2]) .. ',"streaming":true' .. string.sub(raw, b + 1)
end
)lua";

} // namespace lua

} // namespace chat::storage
