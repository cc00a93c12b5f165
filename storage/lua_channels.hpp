#pragma once
/// Internal to chat_storage: the Lua fragment of channel management (issue #23), shared by the
/// channel scripts (channels.cpp) and the room list (lua_scripts.cpp).
///
/// Keys: `chat:room:{id}:meta` (hash): `owner` (user id; absent: no owner, admins manage), `topic`,
/// `private` ('1'), `archived` (unix ms), `created` (unix ms); no hash: a public channel without owner
/// (created before issue #23, or by the tutorial). `chat:private_channels` (set): ids of private
/// channels; public ones are in `chat:channels` and its name index `chat:channel_index` (kRoomLimits).

namespace chat::storage::lua {

/// meta_key(room) → its settings hash. channel_meta(room) → {topic, owner, private (0/1), archived (ms, 0:
/// no)}: what the room list and the member list show. may_manage(uid, room) → nil when `uid` may
/// manage channel `room` (its owner, or an admin), else 'not_found' (no such channel) / 'forbidden'.
/// settings_json(room) → the channel's `{"roomId","name","topic","private","archived","owner"` (no
/// closing brace: room.updated's data before its `seq`). unlist(room, lower) / list(room, lower):
/// take a channel out of / put it into the public set and its name index (keeping the index's
/// "synced" count true). audit_channel(uid, action, room, name, target, extra): an audit log entry
/// (after kAudit, lua_moderation.hpp) with the room's id and name.
inline constexpr char kChannels[] = R"lua(
local function meta_key(room) return 'chat:room:' .. room .. ':meta' end
local function channel_meta(room)
  local m = redis.call('HMGET', meta_key(room), 'topic', 'owner', 'private', 'archived')
  return {m[1] or '', m[2] or '', m[3] == '1' and 1 or 0, tonumber(m[4] or '0') or 0}
end
local function may_manage(uid, room)
  if redis.call('EXISTS', 'room:' .. room .. ':name') == 0 then return 'not_found' end
  if redis.call('HGET', 'user:' .. uid, 'role') == 'admin' then return nil end
  if redis.call('HGET', meta_key(room), 'owner') == uid then return nil end
  return 'forbidden'
end
local function settings_json(room)
  local m = channel_meta(room)
  local owner = 'null'
  if m[2] ~= '' then owner = cjson.encode(m[2]) end
  return '{"roomId":' .. cjson.encode(room) .. ',"name":'
    .. cjson.encode(redis.call('GET', 'room:' .. room .. ':name') or '') .. ',"topic":' .. cjson.encode(m[1])
    .. ',"private":' .. (m[3] == 1 and 'true' or 'false') .. ',"archived":' .. (m[4] > 0 and 'true' or 'false')
    .. ',"owner":' .. owner
end
local function index_synced()
  local n = redis.call('SCARD', 'chat:channels')
  return n, tonumber(redis.call('GET', 'chat:channel_index:synced') or '-1') == n
end
local function unlist(room, lower)
  local n, synced = index_synced()
  redis.call('ZREM', 'chat:channel_index', lower .. '\0' .. room)
  if redis.call('SREM', 'chat:channels', room) == 1 and synced then
    redis.call('SET', 'chat:channel_index:synced', n - 1)
  end
end
local function list(room, lower)
  local n, synced = index_synced()
  redis.call('ZADD', 'chat:channel_index', 0, lower .. '\0' .. room)
  if redis.call('SADD', 'chat:channels', room) == 1 and synced then
    redis.call('SET', 'chat:channel_index:synced', n + 1)
  end
end
local function audit_channel(uid, action, room, name, target, extra)
  audit_entry(uid, action, target, ',"roomId":' .. cjson.encode(room) .. ',"roomName":' .. cjson.encode(name) .. (extra or ''))
end
)lua";

} // namespace chat::storage::lua
