#pragma once
/// Internal to chat_storage: a room's replay horizon (issue #26), shared by every script that drops
/// positioned events (the event log's cap in emit_at and ai_finalize, history retention) and by
/// events_after, which reads it.
///
/// Key: `chat:room:{id}:horizon` (string): every position at or below it may be gone from the room's
/// storage (message rows, event log frames). A replay from a cursor below it cannot be exact: it
/// starts with the `reload` frame (docs/protocol.md §2.4) and continues after the horizon.

namespace chat::storage::lua {

/// horizon_key(room) → the key; raise_horizon(room, pos): the horizon moves up to `pos` (never
/// down); cap_log(ekey, room): keeps the newest 10,000 frames of the room's event log and raises the
/// horizon to the highest position it drops.
inline constexpr char kHorizon[] = R"lua(
local function horizon_key(room) return 'chat:room:' .. room .. ':horizon' end
local function raise_horizon(room, pos)
  local key = horizon_key(room)
  if pos > (tonumber(redis.call('GET', key) or '0') or 0) then redis.call('SET', key, string.format('%d', pos)) end
end
local function cap_log(ekey, room)
  if redis.call('ZCARD', ekey) <= 10000 then return end
  local cut = redis.call('ZRANGE', ekey, -10001, -10001, 'WITHSCORES')
  redis.call('ZREMRANGEBYRANK', ekey, 0, -10001)
  if cut[2] then raise_horizon(room, math.floor(tonumber(cut[2]))) end
end
)lua";

} // namespace chat::storage::lua
