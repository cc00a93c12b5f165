// chat_store: the room events about a message (edit, delete; later reactions, pins, ...): each kind is
// its Lua script (built from the fragments of lua_fragments.hpp, ending in `return emit(kind, body)`)
// and a method that validates and calls run_room_event_script, side by side in this file.
#include "storage/chat_store.hpp"

#include <string>

#include "storage/chat_store_impl.hpp"
#include "storage/key_schema.hpp"
#include "storage/lua_fragments.hpp"
#include "storage/lua_scripts.hpp"
#include "storage/mentions.hpp"
#include "storage/message_json.hpp"
#include "storage/room_event_replies.hpp"

namespace chat::storage {

namespace {

// Common KEYS/ARGV (kRoomEvent), then ARGV[6] message id, ARGV[7] the new text as a JSON string,
// ARGV[8] the names the new text @mentions (mention_candidates()).
// Only the author edits. The row is rewritten in place (same score) in our shape, field order
// id, roomId, from, date, message, mentions, edited; the event data is that row plus "seq". The
// mentions are those of the new text (the mention indexes follow).
const std::string edit_message_body = lua::room_event_script(R"lua(
local mid = tonumber(ARGV[6])
local raw, score, from, date, row = member_message(mid)
if not raw then return score end -- (the refusal, when there is no row)
if from ~= uid then return 'forbidden' end
unmention(row, room, mid)
local body = '{"id":' .. fmt(mid) .. ',"roomId":' .. room_json .. ',"from":' .. cjson.encode(from) .. ',"date":'
  .. fmt(date) .. ',"message":' .. ARGV[7] .. mention(ARGV[8], room, uid, mid) .. ',"edited":' .. fmt(now)
redis.call('ZREM', zkey, raw)
redis.call('ZADD', zkey, score, body .. '}')
return emit('message.updated', body)
)lua");
const lua_script edit_message_script{"edit_message", edit_message_body};

// Common KEYS/ARGV (kRoomEvent), then KEYS[4] chat:room:{id}:deleted, ARGV[6] message id.
// The author or an admin deletes. The row leaves room:{id} (the tutorial app no longer sees it) and
// its tombstone enters the deleted set (score = message id) for history.
const std::string delete_message_body = lua::room_event_script(R"lua(
local mid = tonumber(ARGV[6])
local raw, score, from, date, row = member_message(mid)
if not raw then return score end -- (the refusal, when there is no row)
if from ~= uid and redis.call('HGET', 'user:' .. uid, 'role') ~= 'admin' then return 'forbidden' end
unmention(row, room, mid)
local ids = fmt(mid)
redis.call('ZADD', KEYS[4], ids, '{"id":' .. ids .. ',"roomId":' .. room_json .. ',"from":' .. cjson.encode(from)
  .. ',"date":' .. fmt(date) .. ',"deleted":true}')
-- Position first: the row may be the room's top and, in a tutorial room, its only trace of the last position.
local reply = emit('message.deleted', '{"id":' .. ids .. ',"roomId":' .. room_json)
redis.call('ZREM', zkey, raw)
return reply
)lua");
const lua_script delete_message_script{"delete_message", delete_message_body};

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
                                std::move(done));
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

} // namespace chat::storage
