// chat_store: threads (issue #22). A reply is written by its own room event script (not the send
// batcher: a reply writes two events, the reply and its parent's counters); the thread's replies are
// read page by page. Keys and the row shapes: lua_threads.hpp.
#include "storage/chat_store.hpp"

#include <string>

#include "storage/chat_store_impl.hpp"
#include "storage/key_schema.hpp"
#include "storage/lua_fragments.hpp"
#include "storage/lua_scripts.hpp"
#include "storage/mentions.hpp"
#include "storage/message_json.hpp"
#include "storage/message_media.hpp"
#include "storage/room_event_replies.hpp"

namespace chat::storage {

namespace {

// Common KEYS/ARGV (kRoomEvent), then ARGV[6] the parent's id, ARGV[7] the text as a JSON string,
// ARGV[8] the names it @mentions (mention_candidates()), ARGV[9] the file ids it attaches (spaces
// between; '' none: kMedia, 'invalid' for a file it may not attach), ARGV[10] its location JSON
// ('' none). Members only; the parent must be a
// top-level message of the room ('invalid' for a reply: threads are one level deep; 'conflict' for
// an assistant reply still streaming). The reply's id is its position; its row
// `{"id","roomId","from","date","message","mentions"?,"parentId"}` enters the thread, its `message`
// frame the event log; then the parent's counters (bump_thread). Answers emitted(reply, parent).
const std::string reply_message_body = lua::room_event_script(R"lua(
local pid = tonumber(ARGV[6])
local praw, pscore, _, _, prow, _, pparent = member_message(pid)
if not praw then return pscore end -- (the refusal, when there is no parent)
local mute = write_refusal(uid, room, now)
if mute then return mute end
if pparent then return 'invalid' end
if prow.streaming == true then return 'conflict' end
local files = nil
if ARGV[9] ~= '' then
  files = check_files(ARGV[9], uid, room)
  if not files then return 'invalid' end
end
local id, last = next_position(zkey, lkey, now)
local ids, pids = fmt(id), fmt(pid)
local json = '{"id":' .. ids .. ',"roomId":' .. room_json .. ',"from":' .. cjson.encode(uid) .. ',"date":'
  .. fmt(math.floor(now / 1000)) .. ',"message":' .. ARGV[7] .. mention(ARGV[8], room, uid, id)
if files then json = json .. attach_files(files, ids) end
if ARGV[10] ~= '' then json = json .. ',"location":' .. ARGV[10] end
json = json .. ',"parentId":' .. pids .. '}'
redis.call('ZADD', thread_key(pids), ids, json)
redis.call('HSET', pkey, ids, pids)
redis.call('SET', 'chat:room:' .. room .. ':last_reply', ids) -- (how far mark_read may go)
local first = emit_at('message', json, id, last, '')
return emitted(first, bump_thread(pid, 1, now))
)lua");
const lua_script reply_message_script{"reply_message", reply_message_body};

// KEYS: room:{id}, chat:room:{id}:thread:{parent}. ARGV: user id, room id, parent id, max score
// ('+inf' or '(id'), limit. Members only; a parent that is a reply, or that neither exists nor
// has a thread (a deleted parent keeps its replies), is not found.
// → {'ok', {flat member, score… newest first}} | {'forbidden'} | {'not_found'}
const std::string thread_replies_body = std::string{lua::kAccess} + lua::kMessageRows + R"lua(
local uid, room, pid = ARGV[1], ARGV[2], tonumber(ARGV[3])
local allowed = access(uid, room)
if allowed ~= 'member' then return {allowed} end
if redis.call('HEXISTS', 'chat:room:' .. room .. ':reply_parents', ARGV[3]) == 1 then return {'not_found'} end
if redis.call('EXISTS', KEYS[2]) == 0 and not find_message(KEYS[1], pid, uid) then return {'not_found'} end
return {'ok', redis.call('ZREVRANGEBYSCORE', KEYS[2], ARGV[4], '-inf', 'WITHSCORES', 'LIMIT', 0, tonumber(ARGV[5]))}
)lua";
const lua_script thread_replies_script{"thread_replies", thread_replies_body};

} // namespace

void chat_store::reply_message(std::string room_id, std::int64_t parent_id, std::string user_id, std::string text,
                               message_extras extras, callback<written_event> done) {
  if (!classify_room_id(room_id) || parent_id <= 0 || !is_valid_user_id(user_id) ||
      text.size() > detail::max_text_bytes) {
    detail::fail_soon(*impl_->redis, std::move(done), errc::invalid);
    return;
  }
  if (!admit_message()) {
    detail::fail_soon(*impl_->redis, std::move(done), errc::overloaded);
    return;
  }
  detail::run_room_event_script(*impl_->scripts, impl_->sends->server_id_json(), reply_message_script, room_id,
                                std::move(user_id), {},
                                {std::to_string(parent_id), json_string(text), mention_candidates(text),
                                 file_list(extras.attachments), std::move(extras.location_json)},
                                detail::indexed(impl_->search, room_id, std::move(done)));
}

void chat_store::thread_replies(std::string room_id, std::string user_id, std::int64_t parent_id,
                                std::optional<std::int64_t> before, std::int64_t limit,
                                callback<std::vector<stored_message>> done) {
  if (parent_id <= 0 || !is_valid_user_id(user_id)) {
    detail::fail_soon(*impl_->redis, std::move(done), errc::invalid);
    return;
  }
  if (!detail::page_wanted(*impl_->redis, room_id, limit, done))
    return;
  std::vector<std::string> keys{keys::room(room_id), keys::room_thread(room_id, parent_id)};
  std::vector<std::string> args{std::move(user_id), room_id, std::to_string(parent_id),
                                before ? "(" + std::to_string(*before) : std::string{"+inf"}, std::to_string(limit)};
  impl_->scripts->run(
    thread_replies_script, std::move(keys), std::move(args),
    [done = std::move(done), room_id = std::move(room_id), metrics = impl_->redis->metrics()](redis_reply r) {
      if (r.is_array() && r.elements.size() == 1 && r.elements[0].is_string()) {
        const auto& tag = r.elements[0].str;
        if (tag == "forbidden" || tag == "not_found") {
          done(tag == "forbidden" ? errc::forbidden : errc::not_found, {});
          return;
        }
      }
      std::vector<stored_message> out;
      std::int64_t skipped = 0;
      if (!detail::tagged(r, "ok") || r.elements.size() != 2 ||
          !parse_message_rows(r.elements[1], room_id, out, skipped)) {
        done(detail::failure_of(r, "thread_replies"), {});
        return;
      }
      detail::report_unreadable(metrics, room_id, skipped);
      done(errc::ok, std::move(out));
    });
}

} // namespace chat::storage
