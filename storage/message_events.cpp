// chat_store: the room events about a message (edit, delete, reactions; later pins, ...): each kind is
// its Lua script (built from the fragments of lua_fragments.hpp, ending in `return emit(kind, body)`)
// and a method that validates and calls run_room_event_script, side by side in this file.
#include "storage/chat_store.hpp"

#include <string>

#include "common/emoji.hpp"
#include "storage/chat_store_impl.hpp"
#include "storage/key_schema.hpp"
#include "storage/lua_fragments.hpp"
#include "storage/lua_moderation.hpp"
#include "storage/lua_scripts.hpp"
#include "storage/mentions.hpp"
#include "storage/message_json.hpp"
#include "storage/room_event_replies.hpp"

namespace chat::storage {

namespace {

// Common KEYS/ARGV (kRoomEvent), then ARGV[6] message id, ARGV[7] the new text as a JSON string,
// ARGV[8] the names the new text @mentions (mention_candidates()).
// Only the author edits. The row is rewritten in place (same score) in our shape, field order
// id, roomId, from, date, message, mentions, attachments and location (kept: lua_media.hpp), edited,
// thread fields (kept: lua_threads.hpp), reactions (kept); the event data is that row plus "seq". The mentions are those of the new text (the mention
// indexes follow). A reply's frame in the event log follows its row.
const std::string edit_message_body = lua::room_event_script(R"lua(
local mid = tonumber(ARGV[6])
local raw, score, from, date, row, key, parent = member_message(mid)
if not raw then return score end -- (the refusal, when there is no row)
if from ~= uid then return 'forbidden' end
local mute = write_refusal(uid, room, now)
if mute then return mute end
unmention(row, room, mid)
local _, reactions = split_reactions(raw)
local body = '{"id":' .. fmt(mid) .. ',"roomId":' .. room_json .. ',"from":' .. cjson.encode(from) .. ',"date":'
  .. fmt(date) .. ',"message":' .. ARGV[7] .. mention(ARGV[8], room, uid, mid) .. media_fields(row)
  .. ',"edited":' .. fmt(now)
  .. thread_fields(row) .. reactions
redis.call('ZREM', key, raw)
redis.call('ZADD', key, score, body .. '}')
if parent then relog_reply(mid, body .. '}') end
return emit('message.updated', body)
)lua");
const lua_script edit_message_script{"edit_message", edit_message_body};

// Common KEYS/ARGV (kRoomEvent), then KEYS[4] chat:room:{id}:deleted, ARGV[6] message id.
// The author (not in an archived channel), an admin, a moderator or the channel's owner deletes (issue #23: a message deleted by someone else is
// marked `"moderated":true` in its tombstone and event). A top-level row leaves room:{id} (the tutorial app no longer sees
// it) and its tombstone (with its thread's counters, so its replies stay reachable) enters the
// deleted set (score = message id) for history. A reply becomes its tombstone in its thread, its
// frame leaves the event log, and its parent's counters follow: `message.deleted` (with parentId),
// then the parent's `message.updated`. The files the message attached are deleted (kMedia drop_files).
const std::string delete_message_body = lua::room_event_script(R"lua(
local mid = tonumber(ARGV[6])
local raw, score, from, date, row, key, parent = member_message(mid)
if not raw then return score end -- (the refusal, when there is no row)
local moderated = ''
if from ~= uid then
  local role = redis.call('HGET', 'user:' .. uid, 'role')
  if role ~= 'admin' and role ~= 'moderator' and redis.call('HGET', 'chat:room:' .. room .. ':meta', 'owner') ~= uid then
    return 'forbidden'
  end
  moderated = ',"moderated":true'
  audit_entry(uid, 'delete_message', from, ',"roomId":' .. room_json .. ',"messageId":' .. fmt(mid))
elseif archived(room) then
  return 'archived' -- read-only for its authors; moderators still remove messages
end
unmention(row, room, mid)
local ids = fmt(mid)
drop_files(row, ids)
local tomb = '{"id":' .. ids .. ',"roomId":' .. room_json .. ',"from":' .. cjson.encode(from) .. ',"date":' .. fmt(date)
  .. thread_fields(row) .. moderated .. ',"deleted":true}'
if parent then
  redis.call('ZREM', key, raw)
  redis.call('ZADD', key, score, tomb)
  relog_reply(mid, nil)
  local first = emit('message.deleted', '{"id":' .. ids .. ',"roomId":' .. room_json .. ',"parentId":' .. parent .. moderated)
  return emitted(first, bump_thread(tonumber(parent), -1, nil))
end
redis.call('ZADD', KEYS[4], ids, tomb)
-- Position first: the row may be the room's top and, in a tutorial room, its only trace of the last position.
local reply = emit('message.deleted', '{"id":' .. ids .. ',"roomId":' .. room_json .. moderated)
redis.call('ZREM', zkey, raw)
return reply
)lua", lua::kAudit);
const lua_script delete_message_script{"delete_message", delete_message_body};

// Common KEYS/ARGV (kRoomEvent), then ARGV[6] message id, ARGV[7] emoji, ARGV[8] '1' (set) or '0'
// (remove), ARGV[9] the most distinct emoji per message. Any member reacts, not on an assistant reply
// still streaming (its row is rewritten when it ends). The row keeps every other field as it is; its
// reactions are rewritten as its last field in their order (emoji by where they stood, users appended).
// On a thread reply the event carries its parentId, and the reply's log frame follows its row.
const std::string react_message_body = lua::room_event_script(R"lua(
local mid = tonumber(ARGV[6])
local raw, score, _, _, row, key, parent = member_message(mid)
if not raw then return score end -- (the refusal, when there is no row)
local mute = write_refusal(uid, room, now)
if mute then return mute end
if row.streaming == true then return 'conflict' end
local emoji, on = ARGV[7], ARGV[8] == '1'
local head, old = split_reactions(raw)
local order, users = {}, {}
if type(row.reactions) == 'table' then
  for k, v in pairs(row.reactions) do
    if type(k) == 'string' and type(v) == 'table' then
      order[#order + 1] = k
      users[k] = v
    end
  end
  local at = {}
  for _, k in ipairs(order) do at[k] = string.find(old, cjson.encode(k) .. ':', 1, true) or 0 end
  table.sort(order, function(a, b) return at[a] < at[b] end)
end
local list, pos = users[emoji], nil
if list then
  for i, u in ipairs(list) do if u == uid then pos = i end end
end
local body = '{"roomId":' .. room_json .. ',"id":' .. fmt(mid) .. ',"emoji":' .. cjson.encode(emoji)
  .. ',"userId":' .. cjson.encode(uid) .. ',"on":' .. (on and 'true' or 'false')
if parent then body = body .. ',"parentId":' .. parent end
if on == (pos ~= nil) then return {'ok', 0, 0, body .. '}', '', ''} end -- nothing changes: no event
if on then
  if not list then
    if #order >= tonumber(ARGV[9]) then return 'too_many_reactions' end
    list = {}
    users[emoji] = list
    order[#order + 1] = emoji
  end
  list[#list + 1] = uid
else
  table.remove(list, pos)
end
local parts = {}
for _, k in ipairs(order) do
  local l = users[k]
  if #l > 0 then
    local us = {}
    for i, u in ipairs(l) do us[i] = cjson.encode(tostring(u)) end
    parts[#parts + 1] = cjson.encode(k) .. ':[' .. table.concat(us, ',') .. ']'
  end
end
local new = head
if #parts > 0 then new = new .. ',"reactions":{' .. table.concat(parts, ',') .. '}' end
redis.call('ZREM', key, raw)
redis.call('ZADD', key, score, new .. '}')
if parent then relog_reply(mid, new .. '}') end
return emit('reaction', body)
)lua");
const lua_script react_message_script{"react_message", react_message_body};

/// True when a room event on message `message_id` of `room_id` by `user_id` may reach Redis.
bool valid_target(const std::string& room_id, std::int64_t message_id, const std::string& user_id) {
  return classify_room_id(room_id) && message_id > 0 && is_valid_user_id(user_id);
}

} // namespace

void chat_store::edit_message(std::string room_id, std::int64_t message_id, std::string user_id, std::string text,
                              callback<written_event> done) {
  if (!valid_target(room_id, message_id, user_id) || text.size() > detail::max_text_bytes) {
    detail::fail_soon(*impl_->redis, std::move(done), errc::invalid);
    return;
  }
  detail::run_room_event_script(*impl_->scripts, impl_->sends->server_id_json(), edit_message_script, room_id,
                                std::move(user_id), {},
                                {std::to_string(message_id), json_string(text), mention_candidates(text)},
                                detail::indexed(impl_->search, room_id, std::move(done)));
}

void chat_store::delete_message(std::string room_id, std::int64_t message_id, std::string user_id,
                                callback<written_event> done) {
  if (!valid_target(room_id, message_id, user_id)) {
    detail::fail_soon(*impl_->redis, std::move(done), errc::invalid);
    return;
  }
  detail::run_room_event_script(*impl_->scripts, impl_->sends->server_id_json(), delete_message_script, room_id,
                                std::move(user_id), {keys::room_deleted(room_id)}, {std::to_string(message_id)},
                                std::move(done));
}

void chat_store::react_message(std::string room_id, std::int64_t message_id, std::string user_id, std::string emoji,
                               bool on, std::size_t max_distinct, callback<written_event> done) {
  if (!valid_target(room_id, message_id, user_id) || !is_reaction_emoji(emoji) || max_distinct == 0) {
    detail::fail_soon(*impl_->redis, std::move(done), errc::invalid);
    return;
  }
  detail::run_room_event_script(*impl_->scripts, impl_->sends->server_id_json(), react_message_script, room_id,
                                std::move(user_id), {},
                                {std::to_string(message_id), std::move(emoji), on ? "1" : "0",
                                 std::to_string(max_distinct)},
                                std::move(done));
}

} // namespace chat::storage
