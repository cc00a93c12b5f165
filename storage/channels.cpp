// chat_store: channel management (issue #23): settings (room.updated), members, deletion. Each script
// checks who may act (kChannels, may_manage), writes and audits in one atomic step.
#include "storage/chat_store.hpp"

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "storage/chat_store_impl.hpp"
#include "storage/key_schema.hpp"
#include "storage/lua_channels.hpp"
#include "storage/lua_fragments.hpp"
#include "storage/lua_moderation.hpp"
#include "storage/room_event_replies.hpp"

namespace chat::storage {

namespace {

// Common KEYS/ARGV (kRoomEvent), then per setting one argument: '-' (unchanged) or '=' and the new
// value: ARGV[6] name, [7] topic ('=' alone removes it), [8] private ('=1'/'=0'), [9] archived
// ('=1'/'=0'), [10] owner (a member). The owner or an admin. A rename moves the channel's entry in
// the name map (a taken name: 'conflict') and, for a public channel, in the name index; a private
// channel leaves the public set and index, a public one enters them. Emits `room.updated` with every
// setting.
const std::string update_channel_body = lua::room_event_script(R"lua(
local function arg(i)
  if ARGV[i] == '-' then return nil end
  return string.sub(ARGV[i], 2)
end
local refusal = may_manage(uid, room)
if refusal then return refusal end
local name, topic, private, arch, owner = arg(6), arg(7), arg(8), arg(9), arg(10)
local mkey = meta_key(room)
if owner and redis.call('SISMEMBER', 'room:' .. room .. ':members', owner) == 0 then return 'invalid' end
local old = redis.call('GET', 'room:' .. room .. ':name')
local old_lower = string.lower(old)
local lower = old_lower
local is_private = redis.call('HGET', mkey, 'private') == '1'
local changed = {}
if name and name ~= old then
  lower = string.lower(name)
  if lower ~= old_lower then
    local general = string.lower(redis.call('GET', 'room:0:name') or 'General')
    if lower == general or redis.call('HEXISTS', 'chat:channel_names', lower) == 1 then return 'conflict' end
    redis.call('HDEL', 'chat:channel_names', old_lower)
    redis.call('HSET', 'chat:channel_names', lower, room)
  end
  redis.call('SET', 'room:' .. room .. ':name', name)
  if not is_private then
    redis.call('ZREM', 'chat:channel_index', old_lower .. '\0' .. room)
    redis.call('ZADD', 'chat:channel_index', 0, lower .. '\0' .. room)
  end
  changed[#changed + 1] = 'name'
end
if private and (private == '1') ~= is_private then
  if private == '1' then
    unlist(room, lower)
    redis.call('SADD', 'chat:private_channels', room)
    redis.call('HSET', mkey, 'private', '1')
  else
    redis.call('SREM', 'chat:private_channels', room)
    redis.call('HDEL', mkey, 'private')
    list(room, lower)
  end
  changed[#changed + 1] = 'private'
end
if topic then
  if topic == '' then redis.call('HDEL', mkey, 'topic') else redis.call('HSET', mkey, 'topic', topic) end
  changed[#changed + 1] = 'topic'
end
if arch then
  if arch == '0' then
    redis.call('HDEL', mkey, 'archived')
  elseif redis.call('HEXISTS', mkey, 'archived') == 0 then
    redis.call('HSET', mkey, 'archived', fmt(now))
  end
  changed[#changed + 1] = 'archived'
end
if owner then
  redis.call('HSET', mkey, 'owner', owner)
  changed[#changed + 1] = 'owner'
end
local fields = '[]'
if #changed > 0 then fields = cjson.encode(changed) end
audit_channel(uid, 'update_channel', room, name or old, owner or '', ',"fields":' .. fields)
return emit('room.updated', settings_json(room))
)lua", (std::string{lua::kAudit} + lua::kChannels).c_str());
const lua_script update_channel_script{"update_channel", update_channel_body};

// ARGV: actor, room, user, max rooms per user (0: none). The owner or an admin adds (invites) a user;
// the new member has read what was there. → {'ok', 1 | 0 (a member already)} | {refusal}
const std::string add_member_body = std::string{lua::kRoomLimits} + lua::kPosition + lua::kAudit + lua::kChannels + R"lua(
local actor, room, user, max = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
local refusal = may_manage(actor, room)
if refusal then return {refusal} end
if redis.call('EXISTS', 'user:' .. user) == 0 then return {'not_found'} end
if redis.call('SISMEMBER', 'room:' .. room .. ':members', user) == 1 then return {'ok', 0} end
if redis.call('SISMEMBER', 'user:' .. user .. ':rooms', room) == 0 and rooms_full(user, max) then
  return {'too_many_rooms'}
end
redis.call('HSET', 'chat:user:' .. user .. ':read', room,
           string.format('%d', last_position('room:' .. room, 'chat:room:' .. room .. ':last_id')))
redis.call('SADD', 'room:' .. room .. ':members', user)
redis.call('SADD', 'user:' .. user .. ':rooms', room)
audit_channel(actor, 'add_member', room, redis.call('GET', 'room:' .. room .. ':name') or '', user)
return {'ok', 1}
)lua";
const lua_script add_member_script{"add_channel_member", add_member_body};

// ARGV: actor, room, user. Leaving (actor = user) is any member's; removing someone else is the
// owner's or an admin's, never of the owner ('conflict'). An owner who leaves leaves the channel
// without owner. → {'ok', 1 | 0 (was no member)} | {refusal}
const std::string remove_member_body = std::string{lua::kAudit} + lua::kChannels + R"lua(
local actor, room, user = ARGV[1], ARGV[2], ARGV[3]
if redis.call('EXISTS', 'room:' .. room .. ':name') == 0 and redis.call('SISMEMBER', 'chat:channels', room) == 0 then
  return {'not_found'}
end
local owner = redis.call('HGET', meta_key(room), 'owner')
if actor ~= user then
  local refusal = may_manage(actor, room)
  if refusal then return {refusal} end
  if owner == user then return {'conflict'} end
end
local was = redis.call('SREM', 'room:' .. room .. ':members', user) + redis.call('SREM', 'user:' .. user .. ':rooms', room)
if owner == user then redis.call('HDEL', meta_key(room), 'owner') end
if actor ~= user and was > 0 then
  audit_channel(actor, 'remove_member', room, redis.call('GET', 'room:' .. room .. ':name') or '', user)
end
return {'ok', was > 0 and 1 or 0}
)lua";
const lua_script remove_member_script{"remove_channel_member", remove_member_body};

// ARGV: actor, room. The owner or an admin deletes a channel: every key of it goes (its threads found
// through the reply map), its members lose it from their room lists, read markers, mutes and mention
// indexes; it leaves the name map, the public set and index or the private set.
// → {'ok', member ids…} | {refusal}
const std::string delete_channel_body = std::string{lua::kAudit} + lua::kChannels + R"lua(
local actor, room = ARGV[1], ARGV[2]
local refusal = may_manage(actor, room)
if refusal then return {refusal} end
local name = redis.call('GET', 'room:' .. room .. ':name')
local lower = string.lower(name)
local members = redis.call('SMEMBERS', 'room:' .. room .. ':members')
local base = 'chat:room:' .. room
for _, m in ipairs(members) do
  redis.call('SREM', 'user:' .. m .. ':rooms', room)
  redis.call('HDEL', 'chat:user:' .. m .. ':read', room)
  redis.call('SREM', 'chat:user:' .. m .. ':muted', room)
  redis.call('HDEL', 'chat:user:' .. m .. ':mute', room)
  redis.call('UNLINK', base .. ':mentions:' .. m)
end
for _, f in ipairs(redis.call('SMEMBERS', base .. ':files')) do
  redis.call('UNLINK', 'chat:file:' .. f, 'chat:file:' .. f .. ':data')
end
local parents = {}
for _, p in ipairs(redis.call('HVALS', base .. ':reply_parents')) do
  if not parents[p] then
    parents[p] = true
    redis.call('UNLINK', base .. ':thread:' .. p)
  end
end
redis.call('UNLINK', 'room:' .. room, 'room:' .. room .. ':members', base .. ':events', base .. ':deleted',
           base .. ':reply_parents', base .. ':last_reply', base .. ':last_id', base .. ':meta', base .. ':files')
if redis.call('HGET', 'chat:channel_names', lower) == room then redis.call('HDEL', 'chat:channel_names', lower) end
unlist(room, lower)
redis.call('SREM', 'chat:private_channels', room)
redis.call('HDEL', 'chat:search:upto', room)
redis.call('DEL', 'room:' .. room .. ':name')
audit_channel(actor, 'delete_channel', room, name, '', ',"members":' .. #members)
local out = {'ok'}
for _, m in ipairs(members) do out[#out + 1] = m end
return out
)lua";
const lua_script delete_channel_script{"delete_channel", delete_channel_body};

/// '-' (unchanged) or '=' + the value.
std::string setting(const std::optional<std::string>& v) { return v ? "=" + *v : "-"; }
std::string setting(const std::optional<bool>& v) { return v ? (*v ? "=1" : "=0") : "-"; }

/// The refusal tag of a management script's reply as an errc; errc::ok for {'ok', …}.
errc refusal_of(const redis_reply& r, std::string_view op) {
  static constexpr std::pair<std::string_view, errc> refusals[] = {
    {"forbidden", errc::forbidden}, {"not_found", errc::not_found}, {"conflict", errc::conflict},
    {"too_many_rooms", errc::too_many_rooms}};
  for (const auto& [tag, e] : refusals)
    if (detail::tagged(r, tag))
      return e;
  if (detail::tagged(r, "ok"))
    return errc::ok;
  return detail::failure_of(r, op);
}

/// A flag reply {'ok', 0|1} → the flag.
void answer_flag(const callback<bool>& done, const redis_reply& r, std::string_view op) {
  auto e = refusal_of(r, op);
  if (e == errc::ok && (r.elements.size() != 2 || !r.elements[1].is_integer()))
    e = detail::unexpected(r, op);
  done(e, e == errc::ok && r.elements[1].integer == 1);
}

/// A management call on `room_id`: errc::invalid for General and DMs, errc::not_found for a room id that
/// is no room id at all (checked before Redis).
errc precheck(const std::string& room_id, const std::string& actor, const std::string* user = nullptr) {
  auto kind = classify_room_id(room_id);
  if (!kind)
    return errc::not_found;
  if (*kind != room_kind::channel)
    return errc::invalid;
  if (!is_valid_user_id(actor) || (user != nullptr && !is_valid_user_id(*user)))
    return errc::not_found;
  return errc::ok;
}

} // namespace

bool detail::parse_channel_meta(const redis_reply& r, std::size_t first, channel_settings& out) {
  const auto& e = r.elements;
  if (!r.is_array() || e.size() != first + 4 || !e[first].is_string() || !e[first + 1].is_string() ||
      !e[first + 2].is_integer() || !e[first + 3].is_integer())
    return false;
  out.topic = e[first].str;
  out.owner = e[first + 1].str;
  out.is_private = e[first + 2].integer == 1;
  out.archived = e[first + 3].integer;
  return true;
}

void chat_store::update_channel(std::string room_id, std::string actor, channel_patch patch,
                                callback<written_event> done) {
  if (auto e = precheck(room_id, actor); e != errc::ok || (patch.name && !is_valid_channel_name(*patch.name)) ||
                                         (patch.owner && !is_valid_user_id(*patch.owner))) {
    detail::fail_soon(*impl_->redis, std::move(done), e != errc::ok ? e : errc::invalid);
    return;
  }
  detail::run_room_event_script(*impl_->scripts, impl_->sends->server_id_json(), update_channel_script, room_id,
                                std::move(actor), {},
                                {setting(patch.name), setting(patch.topic), setting(patch.is_private),
                                 setting(patch.archived), setting(patch.owner)},
                                std::move(done));
}

void chat_store::add_channel_member(std::string room_id, std::string actor, std::string user_id,
                                    callback<bool> done) {
  if (auto e = precheck(room_id, actor, &user_id); e != errc::ok) {
    detail::fail_soon(*impl_->redis, std::move(done), e);
    return;
  }
  impl_->scripts->run(add_member_script, {},
                      {std::move(actor), std::move(room_id), std::move(user_id),
                       std::to_string(impl_->opts.max_rooms_per_user)},
                      [done = std::move(done)](redis_reply r) { answer_flag(done, r, "add_channel_member"); });
}

void chat_store::remove_channel_member(std::string room_id, std::string actor, std::string user_id,
                                       callback<bool> done) {
  if (auto e = precheck(room_id, actor, &user_id); e != errc::ok) {
    detail::fail_soon(*impl_->redis, std::move(done), e);
    return;
  }
  impl_->scripts->run(remove_member_script, {}, {std::move(actor), std::move(room_id), std::move(user_id)},
                      [done = std::move(done)](redis_reply r) { answer_flag(done, r, "remove_channel_member"); });
}

void chat_store::leave_channel(std::string user_id, std::string room_id, callback<bool> done) {
  auto actor = user_id;
  remove_channel_member(std::move(room_id), std::move(actor), std::move(user_id), std::move(done));
}

void chat_store::delete_channel(std::string room_id, std::string actor, callback<std::vector<std::string>> done) {
  if (auto e = precheck(room_id, actor); e != errc::ok) {
    detail::fail_soon(*impl_->redis, std::move(done), e);
    return;
  }
  impl_->scripts->run(delete_channel_script, {}, {std::move(actor), std::move(room_id)},
                      [done = std::move(done)](redis_reply r) {
                        auto e = refusal_of(r, "delete_channel");
                        std::vector<std::string> members;
                        for (std::size_t i = 1; e == errc::ok && i < r.elements.size(); ++i)
                          members.push_back(std::move(r.elements[i].str));
                        done(e, std::move(members));
                      });
}

} // namespace chat::storage
