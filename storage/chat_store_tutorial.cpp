// chat_store: the mixed cluster with the tutorial's servers (--tutorial-pubsub).
//
// A tutorial server writes a message as `ZADD room:{id} <seconds> <json without id>` and then
// publishes it on `MESSAGES`. Its score is in seconds, ours are milliseconds: left as it is, the row
// sorts below every chatnode message of the room (in our history and in the tutorial's own), and a
// room actor whose chain head is a chatnode id would never read it. So a chatnode that sees the
// envelope live adopts the row: in one script it gives the row the room's next position (the id
// every message gets, max(now_ms, last + 1)), rewrites it in our shape, and publishes it on the
// room's channel like any message, with the chain link. Every node delivers it through the room's
// ordinary chain (exactly once, in order with chatnode messages; resume and paging see it).
// Several chatnodes may try: the script is atomic and only rows without "id" are adopted, so the
// first one does it and the others find nothing.
#include "storage/chat_store.hpp"

#include <string>

#include "common/text.hpp"
#include "storage/chat_store_impl.hpp"
#include "storage/key_schema.hpp"
#include "storage/lua_fragments.hpp"
#include "storage/lua_scripts.hpp"
#include "storage/message_json.hpp"

namespace chat::storage {

namespace {

// KEYS: room:{id}, chat:room:{id}:last_id. ARGV: Pub/Sub channel, room id as a JSON string, the
// envelope's date (integer seconds), the publisher tag (a JSON string) → number of rows adopted.
// The rows looked at are those scored in [date, date + 1) (the tutorial scores with its date);
// those with an "id" (ours, or adopted already) and those of another shape are left alone.
const std::string adopt_body = std::string{lua::kPosition} + R"lua(
local zkey, lkey = KEYS[1], KEYS[2]
local channel, room_json, date, tag = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4]
local rows = redis.call('ZRANGEBYSCORE', zkey, string.format('%d', date), '(' .. string.format('%d', date + 1))
local t = redis.call('TIME')
local now_ms = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local adopted = 0
for _, raw in ipairs(rows) do
  local ok, m = pcall(cjson.decode, raw)
  if ok and type(m) == 'table' and m.id == nil and type(m.message) == 'string' and
     (type(m.from) == 'string' or type(m.from) == 'number') then
    local from = m.from
    if type(from) == 'number' then from = string.format('%d', from) end
    local d = math.floor(tonumber(m.date) or date)
    local id, last = next_position(zkey, lkey, now_ms)
    local ids = string.format('%d', id)
    local json = '{"id":' .. ids .. ',"roomId":' .. room_json .. ',"from":' .. cjson.encode(from) .. ',"date":'
      .. string.format('%d', d) .. ',"message":' .. cjson.encode(m.message) .. '}'
    redis.call('ZREM', zkey, raw)
    redis.call('ZADD', zkey, ids, json)
    redis.call('PUBLISH', channel, '{"serverId":' .. tag .. ',"type":"message","ts":' .. string.format('%d', now_ms)
      .. ',"prev":' .. string.format('%d', last) .. ',"data":' .. json .. '}')
    adopted = adopted + 1
  end
end
return adopted
)lua";
const lua_script adopt_script{"tutorial_adopt", adopt_body};

} // namespace

void chat_store::adopt_tutorial_messages(std::string room_id, std::int64_t date, callback<std::int64_t> done) {
  if (!is_room_id(room_id) || date <= 0) {
    detail::fail_soon(*impl_->redis, std::move(done), errc::invalid);
    return;
  }
  // Not our own id: our node gets the adopted message from the room's channel like every node.
  auto tag = json_string(impl_->opts.server_id + "/tutorial");
  auto script_keys = std::vector<std::string>{keys::room(room_id), keys::room_last_id(room_id)};
  auto args = std::vector<std::string>{keys::room_channel(room_id), json_string(room_id), std::to_string(date),
                                       std::move(tag)};
  impl_->scripts->run(adopt_script, std::move(script_keys), std::move(args),
                      [done = std::move(done), feed = impl_->search, room_id](redis_reply r) {
                        if (r.is_integer()) {
                          if (r.integer > 0)
                            feed->mark(room_id); // indexed for search like the node's own messages
                          done(errc::ok, r.integer);
                          return;
                        }
                        done(detail::failure_of(r, "tutorial_adopt"), 0);
                      });
}

} // namespace chat::storage
