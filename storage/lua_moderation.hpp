#pragma once
/// Internal to chat_storage: the Lua fragment of moderation (issue #23), shared by the moderation
/// scripts (moderation.cpp).
///
/// Keys:
/// - `chat:user:{id}:ban` (hash reason, until, by, at; PEXPIREAT `until` when it has an end): a ban;
/// - `chat:user:{id}:mute` (hash '*' or room id → end, unix ms, 0 = until lifted): mutes;
/// - `chat:audit` (stream, newest ~10,000 kept): one entry `e` = the action's JSON per moderation or
///   admin action.

namespace chat::storage::lua {

/// audit_entry(actor, action, target, extra): appends `{"ts","actor","actorName","action","target",
/// "targetName"<extra>}` to `chat:audit` (newest ~10,000 kept; the names are looked up, `target` ''
/// for none; `extra`: more members, each with its leading comma). Every script that audits uses it
/// (moderation, a moderator's delete, channel management).
inline constexpr char kAudit[] = R"lua(
local function audit_entry(actor, action, target, extra)
  local t = redis.call('TIME')
  local ts = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  local target_name = ''
  if target ~= '' then target_name = redis.call('HGET', 'user:' .. target, 'username') or '' end
  redis.call('XADD', 'chat:audit', 'MAXLEN', '~', '10000', '*', 'e', '{"ts":' .. string.format('%d', ts)
    .. ',"actor":' .. cjson.encode(actor) .. ',"actorName":'
    .. cjson.encode(redis.call('HGET', 'user:' .. actor, 'username') or '') .. ',"action":' .. cjson.encode(action)
    .. ',"target":' .. cjson.encode(target) .. ',"targetName":' .. cjson.encode(target_name) .. (extra or '') .. '}')
end
)lua";

/// The common start of a moderation script: ARGV[1] actor id, ARGV[2] target id. Defines actor,
/// target, now (Redis time, ms), actor_role, target_name, target_role; may_act() answers nil when the
/// actor may act on the target (an admin on anyone but themselves; a moderator on users), else the
/// refusal ('not_found' for an unknown target, 'forbidden'). After kAudit: audit(action, extra) appends the entry
/// `{"ts","actor","actorName","action","target","targetName"<extra>}` (`extra`: more members, each
/// with its leading comma).
inline constexpr char kModeration[] = R"lua(
local actor, target = ARGV[1], ARGV[2]
local now
do
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local a = redis.call('HMGET', 'user:' .. actor, 'username', 'role')
local t = redis.call('HMGET', 'user:' .. target, 'username', 'role')
local actor_name, actor_role = a[1] or '', a[2] or 'user'
local target_name, target_role = t[1], t[2] or 'user'
local function may_act()
  if not target_name then return 'not_found' end
  if actor == target then return 'forbidden' end
  if actor_role == 'admin' then return nil end
  if actor_role == 'moderator' and (target_role == 'user' or target_role == 'bot') then return nil end
  return 'forbidden'
end
local function audit(action, extra) audit_entry(actor, action, target, extra) end
)lua";

} // namespace chat::storage::lua
