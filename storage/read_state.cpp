// chat_store: read state (issue #22): how far a user has read a room, and what is unread after it.
// The marker lives in `chat:user:{uid}:read` (room → position) and only moves forward; unread and
// mention counts are computed from ids (ZCOUNT after the marker), so no counter can drift.
#include "storage/chat_store.hpp"

#include <string>

#include "metrics/node_metrics.hpp"
#include "storage/chat_store_impl.hpp"
#include "storage/key_schema.hpp"
#include "storage/lua_fragments.hpp"
#include "storage/lua_scripts.hpp"
#include "storage/room_event_replies.hpp"

namespace chat::storage {

namespace {

// Common KEYS/ARGV (kRoomEvent), then KEYS[4] chat:user:{uid}:read, ARGV[6] the position read up to.
// Members only. The marker moves to min(ARGV[6], the room's newest message or thread reply) when that is further than
// where it is. Answers {'same', last read, unread, mentions}, or, when it moved,
// {'event', last read, unread, mentions, <the common reply of emit('read', …)>}: in a DM for both
// participants (the other one sees how far it was read: "Seen"), elsewhere for the reader's own
// connections only (emit_for): a channel's read marker is private.
const std::string mark_read_body = lua::room_event_script(R"lua(
local upto = tonumber(ARGV[6])
local allowed = access(uid, room)
if allowed ~= 'member' then return allowed end
local head = 0 -- the newest message or thread reply (read markers count messages)
do
  local top = redis.call('ZREVRANGE', zkey, 0, 0, 'WITHSCORES')
  if top[2] then head = math.floor(tonumber(top[2]) or 0) end
  local reply = tonumber(redis.call('GET', 'chat:room:' .. room .. ':last_reply') or '0') or 0
  if reply > head then head = reply end
end
if upto > head then upto = head end
local cur = tonumber(redis.call('HGET', KEYS[4], room) or '0') or 0
if upto <= cur then
  local unread, mentions = read_counts(uid, room, cur)
  return {'same', cur, unread, mentions}
end
redis.call('HSET', KEYS[4], room, fmt(upto))
local unread, mentions = read_counts(uid, room, upto)
local body = '{"roomId":' .. room_json .. ',"userId":' .. cjson.encode(uid) .. ',"id":' .. fmt(upto)
local ev
if string.match(room, '^%d+:%d+$') then ev = emit('read', body) else ev = emit_for('read', body, uid) end
return {'event', upto, unread, mentions, ev}
)lua", lua::kReadState);
const lua_script mark_read_script{"mark_read", mark_read_body};

/// The mark_read reply into `out`.
errc parse_read_reply(redis_reply& r, read_state& out) {
  if (r.text_is("forbidden"))
    return errc::forbidden;
  if (r.text_is("not_found"))
    return errc::not_found;
  if (!r.is_array() || r.elements.size() < 4 || !r.elements[0].is_string())
    return detail::failure_of(r, "mark_read");
  auto& e = r.elements;
  const auto& tag = e[0].str;
  bool event = tag == "event";
  if ((!event && tag != "same") || e.size() != (event ? 5u : 4u) || !e[1].is_integer() ||
      !e[2].is_integer() || !e[3].is_integer())
    return detail::unexpected(r, "mark_read");
  out.last_read = e[1].integer;
  out.unread = e[2].integer;
  out.mentions = e[3].integer;
  out.moved = tag != "same";
  if (event) {
    written_event ev;
    if (auto pe = parse_written_event(e[4], ev, "mark_read"); pe != errc::ok)
      return pe;
    out.event = std::move(ev);
  }
  return errc::ok;
}

} // namespace

void chat_store::mark_read(std::string room_id, std::string user_id, std::int64_t upto,
                           callback<read_state> done) {
  if (!classify_room_id(room_id) || !is_valid_user_id(user_id) || upto <= 0) {
    detail::fail_soon(*impl_->redis, std::move(done), errc::invalid);
    return;
  }
  auto read_key = keys::user_read(user_id);
  detail::run_room_script(*impl_->scripts, impl_->sends->server_id_json(), mark_read_script, room_id,
                          std::move(user_id), {std::move(read_key)}, {std::to_string(upto)},
                          [done = std::move(done), metrics = impl_->redis->metrics()](redis_reply r) {
                            read_state st;
                            auto e = parse_read_reply(r, st);
                            if (e == errc::ok && st.event && metrics != nullptr)
                              metrics->pubsub_published().Increment();
                            done(e, std::move(st));
                          });
}

} // namespace chat::storage
