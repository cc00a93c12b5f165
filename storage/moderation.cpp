// chat_store: moderation (issue #23): bans, mutes and the audit log. Each action is one script that checks
// who may act on whom, changes the user's state and appends its audit entry in the same atomic step.
// Keys: lua_moderation.hpp.
#include "storage/chat_store.hpp"

#include <string>

#include "storage/chat_store_impl.hpp"
#include "storage/lua_moderation.hpp"
#include "storage/lua_scripts.hpp"
#include "storage/message_json.hpp"

namespace chat::storage {

namespace {

// ARGV: actor, target, reason, until (unix ms; '0' = until lifted). → {'ok', target name} |
// 'not_found' | 'forbidden' | 'invalid' (an end in the past)
const std::string ban_user_body = std::string{lua::kAudit} + lua::kModeration + R"lua(
local refused = may_act()
if refused then return refused end
local reason, ends = ARGV[3], tonumber(ARGV[4])
if ends > 0 and ends <= now then return 'invalid' end
local key = 'chat:user:' .. target .. ':ban'
redis.call('DEL', key)
redis.call('HSET', key, 'reason', reason, 'until', string.format('%d', ends), 'by', actor, 'at', string.format('%d', now))
if ends > 0 then redis.call('PEXPIREAT', key, string.format('%d', ends)) end
local extra = ',"reason":' .. cjson.encode(reason)
if ends > 0 then extra = extra .. ',"until":' .. string.format('%d', ends) end
audit('ban', extra)
return {'ok', target_name}
)lua";
const lua_script ban_user_script{"ban_user", ban_user_body};

// ARGV: actor, target. → {'ok', target name, 1 when a ban was lifted} | 'not_found' | 'forbidden'
const std::string unban_user_body = std::string{lua::kAudit} + lua::kModeration + R"lua(
local refused = may_act()
if refused then return refused end
local lifted = redis.call('DEL', 'chat:user:' .. target .. ':ban')
if lifted == 1 then audit('unban', '') end
return {'ok', target_name, lifted}
)lua";
const lua_script unban_user_script{"unban_user", unban_user_body};

// ARGV: actor, target, end (unix ms; '0' = until lifted), room id ('' = everywhere). The mute is the
// field '*' or the room id of chat:user:{target}:mute (its ends in force are what the write scripts
// check: kAccess, write_refusal()); ends already past are dropped. → {'ok', target name} | 'not_found' |
// 'forbidden' | 'invalid' (an end in the past)
const std::string mute_user_body = std::string{lua::kAudit} + lua::kModeration + R"lua(
local refused = may_act()
if refused then return refused end
local ends, room = tonumber(ARGV[3]), ARGV[4]
if ends > 0 and ends <= now then return 'invalid' end
local key = 'chat:user:' .. target .. ':mute'
local flat = redis.call('HGETALL', key)
for i = 1, #flat, 2 do
  local e = tonumber(flat[i + 1]) or 0
  if e ~= 0 and e <= now then redis.call('HDEL', key, flat[i]) end
end
redis.call('HSET', key, room == '' and '*' or room, string.format('%d', ends))
local extra = ''
if ends > 0 then extra = ',"until":' .. string.format('%d', ends) end
if room ~= '' then extra = extra .. ',"roomId":' .. cjson.encode(room) end
audit('mute', extra)
return {'ok', target_name}
)lua";
const lua_script mute_user_script{"mute_user", mute_user_body};

// ARGV: actor, target, room id ('' = the mute everywhere). → {'ok', target name, 1 when lifted} | …
const std::string unmute_user_body = std::string{lua::kAudit} + lua::kModeration + R"lua(
local refused = may_act()
if refused then return refused end
local room = ARGV[3]
local lifted = redis.call('HDEL', 'chat:user:' .. target .. ':mute', room == '' and '*' or room)
if lifted == 1 then
  local extra = ''
  if room ~= '' then extra = ',"roomId":' .. cjson.encode(room) end
  audit('unmute', extra)
end
return {'ok', target_name, lifted}
)lua";
const lua_script unmute_user_script{"unmute_user", unmute_user_body};

// ARGV: actor, target, action, extra members (each with its leading comma). Appends an audit entry
// for an action checked elsewhere (disconnect, role). → 'ok'
const std::string audit_action_body = std::string{lua::kAudit} + lua::kModeration + R"lua(
audit(ARGV[3], ARGV[4])
return 'ok'
)lua";
const lua_script audit_action_script{"audit_action", audit_action_body};

// ARGV: before (a stream id, exclusive; '' = the newest), limit. → flat id, entry JSON… newest first
const lua_script audit_page_script{"audit_page", R"lua(
local max = '+'
if ARGV[1] ~= '' then max = '(' .. ARGV[1] end
local out = {}
for _, e in ipairs(redis.call('XREVRANGE', 'chat:audit', max, '-', 'COUNT', tonumber(ARGV[2]))) do
  out[#out + 1] = e[1]
  out[#out + 1] = e[2][2]
end
return out
)lua"};

/// A stream id as Redis writes them: "<ms>-<seq>".
bool is_stream_id(std::string_view id) {
  auto dash = id.find('-');
  if (dash == std::string_view::npos || dash == 0 || dash + 1 == id.size() || id.size() > 41)
    return false;
  for (std::size_t i = 0; i < id.size(); ++i)
    if (i != dash && (id[i] < '0' || id[i] > '9'))
      return false;
  return true;
}

/// A moderation script's refusal as an errc (the strings the scripts answer).
std::optional<errc> refusal_of(const redis_reply& r) {
  if (r.text_is("not_found"))
    return errc::not_found;
  if (r.text_is("forbidden"))
    return errc::forbidden;
  if (r.text_is("invalid"))
    return errc::invalid;
  return std::nullopt;
}

} // namespace

void chat_store::ban_user(moderator by, std::string target, ban_info ban, callback<std::string> done) {
  if (!is_valid_user_id(by.id) || !is_valid_user_id(target) || ban.until < 0 || ban.reason.size() > 500) {
    detail::fail_soon(*impl_->redis, std::move(done), errc::invalid);
    return;
  }
  impl_->scripts->run(ban_user_script, {}, {by.id, std::move(target), std::move(ban.reason), std::to_string(ban.until)},
                      [done = std::move(done)](redis_reply r) {
                        if (auto e = refusal_of(r))
                          return done(*e, {});
                        if (!detail::tagged(r, "ok") || r.elements.size() != 2)
                          return done(detail::failure_of(r, "ban_user"), {});
                        done(errc::ok, std::move(r.elements[1].str));
                      });
}

void chat_store::unban_user(moderator by, std::string target, callback<bool> done) {
  if (!is_valid_user_id(by.id) || !is_valid_user_id(target)) {
    detail::fail_soon(*impl_->redis, std::move(done), errc::invalid);
    return;
  }
  impl_->scripts->run(unban_user_script, {}, {by.id, std::move(target)}, [done = std::move(done)](redis_reply r) {
    if (auto e = refusal_of(r))
      return done(*e, false);
    if (!detail::tagged(r, "ok") || r.elements.size() != 3 || !r.elements[2].is_integer())
      return done(detail::failure_of(r, "unban_user"), false);
    done(errc::ok, r.elements[2].integer == 1);
  });
}

void chat_store::mute_user(moderator by, std::string target, std::string room_id, std::int64_t until,
                           callback<std::string> done) {
  if (!is_valid_user_id(by.id) || !is_valid_user_id(target) || until < 0 ||
      (!room_id.empty() && !classify_room_id(room_id))) {
    detail::fail_soon(*impl_->redis, std::move(done), errc::invalid);
    return;
  }
  impl_->scripts->run(mute_user_script, {}, {by.id, std::move(target), std::to_string(until), std::move(room_id)},
                      [done = std::move(done)](redis_reply r) {
                        if (auto e = refusal_of(r))
                          return done(*e, {});
                        if (!detail::tagged(r, "ok") || r.elements.size() != 2)
                          return done(detail::failure_of(r, "mute_user"), {});
                        done(errc::ok, std::move(r.elements[1].str));
                      });
}

void chat_store::unmute_user(moderator by, std::string target, std::string room_id, callback<bool> done) {
  if (!is_valid_user_id(by.id) || !is_valid_user_id(target) || (!room_id.empty() && !classify_room_id(room_id))) {
    detail::fail_soon(*impl_->redis, std::move(done), errc::invalid);
    return;
  }
  impl_->scripts->run(unmute_user_script, {}, {by.id, std::move(target), std::move(room_id)},
                      [done = std::move(done)](redis_reply r) {
                        if (auto e = refusal_of(r))
                          return done(*e, false);
                        if (!detail::tagged(r, "ok") || r.elements.size() != 3 || !r.elements[2].is_integer())
                          return done(detail::failure_of(r, "unmute_user"), false);
                        done(errc::ok, r.elements[2].integer == 1);
                      });
}

void chat_store::audit(moderator by, std::string target, std::string action, std::string extra_json) {
  if (!is_valid_user_id(by.id) || !is_valid_user_id(target))
    return;
  impl_->scripts->run(audit_action_script, {}, {by.id, std::move(target), std::move(action), std::move(extra_json)},
                      [](redis_reply r) {
                        if (!r.text_is("ok"))
                          detail::failure_of(r, "audit_action"); // (logged; the action itself happened)
                      });
}

void chat_store::audit_log(std::string before, std::int64_t limit, callback<std::vector<audit_entry>> done) {
  if ((!before.empty() && !is_stream_id(before)) || limit < 1 || limit > 200) {
    detail::fail_soon(*impl_->redis, std::move(done), errc::invalid);
    return;
  }
  impl_->scripts->run(audit_page_script, {}, {std::move(before), std::to_string(limit)},
                      [done = std::move(done)](redis_reply r) {
                        if (!r.is_array() || r.elements.size() % 2 != 0)
                          return done(detail::failure_of(r, "audit_page"), {});
                        std::vector<audit_entry> out;
                        out.reserve(r.elements.size() / 2);
                        for (std::size_t i = 0; i + 1 < r.elements.size(); i += 2)
                          out.push_back({std::move(r.elements[i].str), std::move(r.elements[i + 1].str)});
                        done(errc::ok, std::move(out));
                      });
}

} // namespace chat::storage
