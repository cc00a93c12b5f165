// chat_store: the assistant's replies (issue #21): the bot user, start (placeholder message + the
// room's stream lock), append (text so far + a published message.delta), finish, stop and the orphan
// sweep. Each is one Lua script (keys: storage/ai_replies.hpp), side by side with its method.
#include "storage/ai_replies.hpp"

#include <algorithm>
#include <cstdlib>
#include <string>

#include "storage/chat_store.hpp"
#include "storage/chat_store_impl.hpp"
#include "storage/key_schema.hpp"
#include "storage/lua_fragments.hpp"
#include "storage/lua_scripts.hpp"
#include "storage/message_json.hpp"
#include "storage/room_event_replies.hpp"

namespace chat::storage {

namespace {

std::string ai_base() {
  return std::string{lua::kAccess} + lua::kPosition + lua::kMessageRows + lua::kHorizon + lua::kAiReplies;
}

// ARGV: name, lower(name). The bot user, created once: role 'bot', password '!' (no bcrypt hash
// matches it: a login answers as for a wrong password), always in online_users.
const std::string ensure_bot_body = lua::username_index() + R"lua(
local name, lower = ARGV[1], ARGV[2]
local id = redis.call('GET', 'chat:ai:bot')
if id and redis.call('EXISTS', 'user:' .. id) == 1 then
  redis.call('SADD', 'online_users', id)
  return {'ok', id, redis.call('HGET', 'user:' .. id, 'username') or name}
end
if redis.call('EXISTS', 'username:' .. name) == 1 then return {'conflict'} end
if not index_usernames(1000) then return {'busy'} end
if redis.call('HEXISTS', 'chat:usernames', lower) == 1 then return {'conflict'} end
local before = tonumber(redis.call('GET', 'total_users') or '0') or 0
id = tostring(redis.call('INCR', 'total_users'))
redis.call('SET', 'username:' .. name, 'user:' .. id)
redis.call('HSET', 'user:' .. id, 'username', name, 'password', '!', 'role', 'bot')
redis.call('SADD', 'user:' .. id .. ':rooms', '0')
redis.call('HSET', 'chat:usernames', lower, id)
if tonumber(redis.call('GET', 'chat:usernames:upto') or '0') == before then
  redis.call('SET', 'chat:usernames:upto', id)
end
redis.call('SET', 'chat:ai:bot', id)
redis.call('SADD', 'online_users', id)
return {'ok', id, name}
)lua";
const lua_script ensure_bot_script{"ai_ensure_bot", ensure_bot_body};

// ARGV: server id (JSON), room, user, bot, owner, lease ms, replies per hour (0: no limit), ttl ms.
// → {'ok', id, prev, json} | {'busy'} | {'rate_limited', seconds} | {'forbidden'} | {'not_found'}
const std::string start_body = ai_base() + R"lua(
local server_json, room, uid, bot, owner = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local lease, per_hour, ttl = tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8])
local allowed = access(uid, room)
if allowed ~= 'member' then return {allowed} end
local skey = ai_key(room)
if redis.call('EXISTS', skey) == 1 then return {'busy'} end
local now = ai_now()
if per_hour > 0 then
  local log = 'chat:ai:user:' .. uid .. ':requests'
  redis.call('ZREMRANGEBYSCORE', log, '-inf', ai_fmt(now - 3600000))
  if redis.call('ZCARD', log) >= per_hour then
    local oldest = tonumber(redis.call('ZRANGE', log, 0, 0, 'WITHSCORES')[2])
    return {'rate_limited', ai_fmt(math.max(1, math.ceil((oldest + 3600000 - now) / 1000)))}
  end
  redis.call('ZADD', log, ai_fmt(now), ai_fmt(now) .. '/' .. room)
  redis.call('PEXPIRE', log, 3600000)
end
local zkey = 'room:' .. room
local id, last = next_position(zkey, 'chat:room:' .. room .. ':last_id', now)
local ids = ai_fmt(id)
local json = '{"id":' .. ids .. ',"roomId":' .. cjson.encode(room) .. ',"from":' .. cjson.encode(bot) .. ',"date":'
  .. ai_fmt(math.floor(now / 1000)) .. ',"message":"","streaming":true}'
redis.call('ZADD', zkey, ids, json)
redis.call('PUBLISH', 'chat:room:' .. room, '{"serverId":' .. server_json .. ',"type":"message","ts":' .. ai_fmt(now)
  .. ',"prev":' .. ai_fmt(last) .. ',"data":' .. json .. '}')
redis.call('HSET', skey, 'id', ids, 'text', '', 'owner', owner, 'user', uid, 'lease', ai_fmt(now + lease),
  'started', ai_fmt(now))
redis.call('PEXPIRE', skey, ttl)
redis.call('ZADD', 'chat:ai:streams', ai_fmt(now + lease), room .. '/' .. ids)
return {'ok', id, last, json}
)lua";
const lua_script start_script{"ai_start", start_body};

// ARGV: server id (JSON), room, message id, owner, text, delta data JSON, lease ms, ttl ms.
// Only the owner of the room's current stream appends; the delta is published on the room channel
// as a signal in the same step, so the key's text is always exactly what the deltas carried.
// → 'ok' | 'not_found' (the reply ended: stopped, swept, or another owner)
const std::string append_body = ai_base() + R"lua(
local server_json, room, mid, owner, text = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4], ARGV[5]
local lease, ttl = tonumber(ARGV[7]), tonumber(ARGV[8])
local skey = ai_key(room)
local s = redis.call('HMGET', skey, 'id', 'owner', 'text')
if not s[1] or tonumber(s[1]) ~= mid or s[2] ~= owner then return 'not_found' end
local now = ai_now()
if text ~= '' then
  redis.call('HSET', skey, 'text', (s[3] or '') .. text, 'lease', ai_fmt(now + lease))
  redis.call('PUBLISH', 'chat:room:' .. room, '{"serverId":' .. server_json
    .. ',"type":"message.delta","except":"","data":' .. ARGV[6] .. '}')
else
  redis.call('HSET', skey, 'lease', ai_fmt(now + lease))
end
redis.call('PEXPIRE', skey, ttl)
redis.call('ZADD', 'chat:ai:streams', ai_fmt(now + lease), room .. '/' .. ARGV[3])
return 'ok'
)lua";
const lua_script append_script{"ai_append", append_body};

// ARGV: server id (JSON), room, message id, owner, last text, stopped (0/1), error code ('' none).
const std::string finish_body = ai_base() + R"lua(
local server_json, room, mid, owner = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4]
local s = redis.call('HMGET', ai_key(room), 'id', 'owner')
if not s[1] or tonumber(s[1]) ~= mid or s[2] ~= owner then return 'not_found' end
return ai_finalize(server_json, room, mid, ARGV[5], ARGV[6] == '1', ARGV[7], ai_now())
)lua";
const lua_script finish_script{"ai_finish", finish_body};

// ARGV: server id (JSON), room, user, message id. A member of a DM, or in other rooms the user who
// triggered the reply or an admin, stops it at once with its text so far.
const std::string stop_body = ai_base() + R"lua(
local server_json, room, uid, mid = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
local allowed = access(uid, room)
if allowed ~= 'member' then return allowed end
local s = redis.call('HMGET', ai_key(room), 'id', 'user')
if not s[1] or tonumber(s[1]) ~= mid then return 'not_found' end
if not string.find(room, ':', 1, true) and s[2] ~= uid and redis.call('HGET', 'user:' .. uid, 'role') ~= 'admin' then
  return 'forbidden'
end
return ai_finalize(server_json, room, mid, '', true, '', ai_now())
)lua";
const lua_script stop_script{"ai_stop", stop_body};

// ARGV: server id (JSON), max replies. Finalizes (error 'interrupted') up to max replies whose lease
// expired: their owner died or lost Redis. → {{room, seq, prev, data, frame}…}
const std::string sweep_body = ai_base() + R"lua(
local now = ai_now()
local due = redis.call('ZRANGEBYSCORE', 'chat:ai:streams', '-inf', ai_fmt(now), 'LIMIT', 0, tonumber(ARGV[2]))
local out = {}
for _, m in ipairs(due) do
  redis.call('ZREM', 'chat:ai:streams', m)
  local room, mid = string.match(m, '^(.+)/(%d+)$')
  if room then
    local r = ai_finalize(ARGV[1], room, tonumber(mid), '', false, 'interrupted', now)
    if type(r) == 'table' then out[#out + 1] = {room, r[2], r[3], r[4], r[5]} end
  end
end
return out
)lua";
const lua_script sweep_script{"ai_sweep", sweep_body};

std::string ms(std::chrono::milliseconds d) {
  return std::to_string(std::max<std::int64_t>(1, d.count()));
}

/// Settles `done` with the common room event reply (parse_written_event) of a finalize.
redis_client::reply_handler written(callback<written_event> done, const char* op) {
  return [done = std::move(done), op](redis_reply r) {
    written_event ev;
    auto e = parse_written_event(r, ev, op); // before ev is moved into the call
    done(e, std::move(ev));
  };
}

} // namespace

void chat_store::ensure_ai_bot(std::string name, callback<user> done) {
  if (!is_valid_new_username(name)) {
    detail::fail_soon(*impl_->redis, std::move(done), errc::invalid);
    return;
  }
  auto lower = to_lower_ascii(name);
  impl_->scripts->run(ensure_bot_script, {}, {std::move(name), std::move(lower)}, [done = std::move(done)](redis_reply r) {
    if (detail::tagged(r, "conflict"))
      return done(errc::conflict, user{});
    if (detail::tagged(r, "busy"))
      return done(errc::overloaded, user{});
    if (!detail::tagged(r, "ok") || r.elements.size() != 3 || !r.elements[1].is_string() || !r.elements[2].is_string())
      return done(detail::failure_of(r, "ai_ensure_bot"), user{});
    done(errc::ok, user{r.elements[1].str, r.elements[2].str, "bot"});
  });
}

void chat_store::ai_start(ai_start_request req, callback<ai_started> done) {
  if (!classify_room_id(req.room_id) || !is_valid_user_id(req.user_id) || !is_valid_user_id(req.bot_id)) {
    detail::fail_soon(*impl_->redis, std::move(done), errc::invalid);
    return;
  }
  std::vector<std::string> args{impl_->sends->server_id_json(), req.room_id,          std::move(req.user_id),
                                std::move(req.bot_id),          std::move(req.owner), ms(req.lease),
                                std::to_string(std::max<std::int64_t>(0, req.per_hour)), ms(req.ttl)};
  impl_->scripts->run(start_script, {}, std::move(args), [done = std::move(done)](redis_reply r) {
    ai_started s;
    if (detail::tagged(r, "busy"))
      return done(errc::conflict, s);
    if (detail::tagged(r, "forbidden"))
      return done(errc::forbidden, s);
    if (detail::tagged(r, "not_found"))
      return done(errc::not_found, s);
    if (detail::tagged(r, "rate_limited") && r.elements.size() == 2) {
      s.retry_after = std::max<std::int64_t>(1, std::strtoll(r.elements[1].str.c_str(), nullptr, 10));
      return done(errc::rate_limited, s);
    }
    auto& e = r.elements;
    if (!detail::tagged(r, "ok") || e.size() != 4 || !e[1].is_integer() || !e[2].is_integer() || !e[3].is_string())
      return done(detail::failure_of(r, "ai_start"), s);
    s.id = e[1].integer;
    s.prev = e[2].integer;
    s.json = std::move(e[3].str);
    done(errc::ok, std::move(s));
  });
}

void chat_store::ai_append(ai_append_request req, callback<bool> done) {
  if (!classify_room_id(req.room_id) || req.id <= 0 || req.text.size() > detail::max_text_bytes) {
    detail::fail_soon(*impl_->redis, std::move(done), errc::invalid);
    return;
  }
  std::vector<std::string> args{impl_->sends->server_id_json(), std::move(req.room_id), std::to_string(req.id),
                                std::move(req.owner),           std::move(req.text),    std::move(req.delta_data),
                                ms(req.lease),                  ms(req.ttl)};
  impl_->scripts->run(append_script, {}, std::move(args), [done = std::move(done)](redis_reply r) {
    if (r.text_is("ok"))
      return done(errc::ok, true);
    if (r.text_is("not_found"))
      return done(errc::not_found, false);
    done(detail::failure_of(r, "ai_append"), false);
  });
}

void chat_store::ai_finish(ai_finish_request req, callback<written_event> done) {
  if (!classify_room_id(req.room_id) || req.id <= 0 || req.text.size() > detail::max_text_bytes) {
    detail::fail_soon(*impl_->redis, std::move(done), errc::invalid);
    return;
  }
  auto marked = detail::indexed(impl_->search, req.room_id, std::move(done)); // (the final text is searchable)
  std::vector<std::string> args{impl_->sends->server_id_json(), std::move(req.room_id), std::to_string(req.id),
                                std::move(req.owner),           std::move(req.text),    req.stopped ? "1" : "0",
                                std::move(req.error)};
  impl_->scripts->run(finish_script, {}, std::move(args), written(std::move(marked), "ai_finish"));
}

void chat_store::ai_stop(std::string room_id, std::int64_t id, std::string user_id, callback<written_event> done) {
  if (!classify_room_id(room_id) || id <= 0 || !is_valid_user_id(user_id)) {
    detail::fail_soon(*impl_->redis, std::move(done), errc::invalid);
    return;
  }
  impl_->scripts->run(stop_script, {},
                      {impl_->sends->server_id_json(), std::move(room_id), std::move(user_id), std::to_string(id)},
                      written(std::move(done), "ai_stop"));
}

void chat_store::ai_sweep(std::int64_t max, callback<std::vector<ai_swept>> done) {
  impl_->scripts->run(
    sweep_script, {}, {impl_->sends->server_id_json(), std::to_string(std::clamp<std::int64_t>(max, 1, 100))},
    [done = std::move(done)](redis_reply r) {
      if (!r.is_array())
        return done(detail::failure_of(r, "ai_sweep"), {});
      std::vector<ai_swept> out;
      for (auto& row : r.elements) {
        auto& e = row.elements;
        if (!row.is_array() || e.size() != 5 || !e[0].is_string() || !e[1].is_integer() || !e[2].is_integer()
            || !e[3].is_string() || !e[4].is_string())
          return done(detail::unexpected(r, "ai_sweep"), {});
        out.push_back(ai_swept{std::move(e[0].str),
                               written_event{e[1].integer, e[2].integer, std::move(e[3].str), std::move(e[4].str), {}, {}, 0}});
      }
      done(errc::ok, std::move(out));
    });
}

} // namespace chat::storage
