#pragma once
/// Internal to chat_storage: the Lua fragment of threads (issue #22), appended to every room event
/// script after kRoomEvent (lua_fragments.hpp, room_event_script).
///
/// A reply is a message whose `parentId` names a top-level message of the same room. It takes a
/// position in the room's one sequence like any event, but lives outside the main history:
/// - `chat:room:{id}:thread:{parent}` (zset, score = member id): the thread's replies; a deleted
///   reply stays as its tombstone `{"id","roomId","from","date","parentId","deleted":true}`;
/// - `chat:room:{id}:reply_parents` (hash): reply id → parent id (how edits, deletes and reactions
///   find a reply); `chat:room:{id}:last_reply`: the newest reply's id (how far a read marker goes);
/// - the event log holds the reply's `message` frame at its position (replay), rewritten when the
///   reply changes and removed when it is deleted (its text leaves the log with it);
/// - the parent's row carries `"replies":<live replies>,"lastReplyAt":<unix ms>` (absent at 0),
///   before its reactions, and every change of them is the parent's `message.updated`.

namespace chat::storage::lua {

/// thread_fields(row): what a rewrite of a decoded row keeps of its thread: `,"parentId":p` of a
/// reply, `,"replies":n,"lastReplyAt":t` of a parent ('' for neither).
/// relog_reply(mid, row_json): the reply's frame in the event log follows its row (nil: removed); a
/// frame the log no longer holds is not put back.
/// bump_thread(pid, delta, at): parent `pid`'s reply count moves by `delta` (`at`: its new
/// lastReplyAt, nil keeps it); its row is rewritten (a tutorial row in our shape) and the common reply
/// of its `message.updated` answered; nil when the parent is gone (deleted).
inline constexpr char kThreads[] = R"lua(
local function thread_fields(row)
  local s = ''
  local p = int_of(row.parentId)
  if p then s = ',"parentId":' .. fmt(p) end
  local n = int_of(row.replies)
  if n and n > 0 then s = s .. ',"replies":' .. fmt(n) .. ',"lastReplyAt":' .. fmt(int_of(row.lastReplyAt) or 0) end
  return s
end
local function relog_reply(mid, row_json)
  local ids = fmt(mid)
  if redis.call('ZCOUNT', ekey, ids, ids) == 0 then return end
  redis.call('ZREMRANGEBYSCORE', ekey, ids, ids)
  if row_json then redis.call('ZADD', ekey, ids, '{"type":"message","data":' .. row_json .. '}') end
end
local function bump_thread(pid, delta, at)
  local raw, row, score = find_message(zkey, pid, '')
  if not raw then return nil end
  local head, reactions = split_reactions(raw)
  if row.id == nil or row.id == cjson.null then
    local from, date = message_fields(row, score)
    local text = row.message
    if type(text) ~= 'string' then text = '' end
    head = '{"id":' .. fmt(pid) .. ',"roomId":' .. room_json .. ',"from":' .. cjson.encode(from) .. ',"date":'
      .. fmt(date) .. ',"message":' .. cjson.encode(text)
  end
  head = string.gsub(head, ',"replies":%d+,"lastReplyAt":%d+', '')
  local n = (int_of(row.replies) or 0) + delta
  if n > 0 then
    head = head .. ',"replies":' .. fmt(n) .. ',"lastReplyAt":' .. fmt(at or int_of(row.lastReplyAt) or 0)
  end
  local body = head .. reactions
  redis.call('ZREM', zkey, raw)
  redis.call('ZADD', zkey, score, body .. '}')
  return emit('message.updated', body)
end
)lua";

} // namespace chat::storage::lua
