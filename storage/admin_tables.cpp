// chat_store: the admin panel's tables (issue #23): every user with their moderation state, every
// channel with its counts. Each page is one script with a bounded amount of work; the rows come back
// as JSON objects (numbers through string.format('%d'), strings through cjson.encode).
#include "storage/chat_store.hpp"

#include <string>

#include "storage/chat_store_impl.hpp"
#include "storage/lua_channels.hpp"
#include "storage/lua_fragments.hpp"
#include "storage/lua_scripts.hpp"

namespace chat::storage {

namespace {

constexpr std::size_t max_prefix_bytes = 64;
constexpr std::int64_t max_rows = 100;

/// now (Redis time, ms) and num(v): a stored integer as JSON ('null' when absent or not a number).
constexpr char kAdminCommon[] = R"lua(
local now
do
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function num(v)
  local n = tonumber(v or '')
  if n then return string.format('%d', n) end
  return 'null'
end
)lua";

// ARGV: prefix (lower-case or ''), after (an index member "<lower name>\0<id>" or ''), limit.
// → {'ok', next ('' = last page; else "<id>:<lower name>"), row JSON…} | {'bad_cursor'}.
// Rows in the order of chat:user_search (lower-case name, then id); an entry whose user is gone or
// renamed is skipped. A ban or mute whose end has passed is not shown.
const std::string admin_users_body = lua::user_search_index() + kAdminCommon + R"lua(
local prefix, after, limit = ARGV[1], ARGV[2], tonumber(ARGV[3])
index_user_search(1000)
local min, max = '-', '+'
if prefix ~= '' then min = '[' .. prefix; max = '(' .. prefix .. '\255' end
if after ~= '' then
  if string.sub(after, 1, #prefix) ~= prefix then return {'bad_cursor'} end
  min = '(' .. after
end
local entries = redis.call('ZRANGEBYLEX', 'chat:user_search', min, max, 'LIMIT', 0, limit)
local out = {'ok', ''}
for _, m in ipairs(entries) do
  local sep = string.find(m, '\0', 1, true)
  local id = sep and string.sub(m, sep + 1) or ''
  local h = redis.call('HMGET', 'user:' .. id, 'username', 'role', 'created', 'last_seen')
  if sep and h[1] and string.lower(h[1]) == string.sub(m, 1, sep - 1) then
    local banned = 'null'
    local ban = redis.call('HMGET', 'chat:user:' .. id .. ':ban', 'reason', 'until')
    if ban[1] then
      local u = tonumber(ban[2] or '0') or 0
      if u == 0 or u > now then
        banned = '{"reason":' .. cjson.encode(ban[1]) .. ',"until":' .. (u > 0 and string.format('%d', u) or 'null') .. '}'
      end
    end
    local mutes = {}
    local flat = redis.call('HGETALL', 'chat:user:' .. id .. ':mute')
    for i = 1, #flat, 2 do
      local e = tonumber(flat[i + 1]) or 0
      if e == 0 or e > now then
        mutes[#mutes + 1] = '{"roomId":' .. (flat[i] == '*' and 'null' or cjson.encode(flat[i])) .. ',"until":'
          .. (e > 0 and string.format('%d', e) or 'null') .. '}'
      end
    end
    out[#out + 1] = '{"id":' .. cjson.encode(id) .. ',"username":' .. cjson.encode(h[1]) .. ',"role":'
      .. cjson.encode(h[2] or 'user') .. ',"online":'
      .. (redis.call('SISMEMBER', 'online_users', id) == 1 and 'true' or 'false')
      .. ',"lastSeen":' .. num(h[4]) .. ',"created":' .. num(h[3]) .. ',"banned":' .. banned
      .. ',"muted":[' .. table.concat(mutes, ',') .. ']}'
  end
end
if #entries == limit then
  local m = entries[#entries]
  local sep = string.find(m, '\0', 1, true)
  if sep then out[2] = string.sub(m, sep + 1) .. ':' .. string.sub(m, 1, sep - 1) end
end
return out
)lua";
const lua_script admin_users_script{"admin_users", admin_users_body};

// ARGV: prefix (lower-case or ''), after (a channel id or ''), limit. Walks channel ids down from
// chat:room_seq (below `after`), at most a budget of ids per page; a channel is an id in
// chat:channels or chat:private_channels with a name. → {'ok', next ('' = last page), row JSON…}
const std::string admin_rooms_body = std::string{kAdminCommon} + lua::kChannels + R"lua(
local prefix, after, limit = ARGV[1], ARGV[2], tonumber(ARGV[3])
local id = (tonumber(redis.call('GET', 'chat:room_seq') or '0') or 0) + 1
if after ~= '' then
  local a = tonumber(after)
  if a < id then id = a end
end
local budget = limit * 4 + 200
if prefix ~= '' then budget = limit * 20 + 1000 end
local out = {'ok', ''}
local n = 0
while id > 1 and n < limit and budget > 0 do
  id = id - 1
  budget = budget - 1
  local sid = string.format('%d', id)
  local listed_private = redis.call('SISMEMBER', 'chat:private_channels', sid) == 1
  if listed_private or redis.call('SISMEMBER', 'chat:channels', sid) == 1 then
    local name = redis.call('GET', 'room:' .. sid .. ':name')
    if name and (prefix == '' or string.sub(string.lower(name), 1, #prefix) == prefix) then
      local meta = channel_meta(sid) -- {topic, owner, private, archived} (kChannels)
      local owner, owner_name = 'null', 'null'
      if meta[2] ~= '' then
        owner = cjson.encode(meta[2])
        local on = redis.call('HGET', 'user:' .. meta[2], 'username')
        if on then owner_name = cjson.encode(on) end
      end
      local private = listed_private or meta[3] == 1
      local archived = meta[4] > 0
      out[#out + 1] = '{"id":' .. cjson.encode(sid) .. ',"name":' .. cjson.encode(name) .. ',"private":'
        .. (private and 'true' or 'false') .. ',"archived":' .. (archived and 'true' or 'false')
        .. ',"topic":' .. cjson.encode(meta[1]) .. ',"owner":' .. owner .. ',"ownerName":' .. owner_name
        .. ',"members":' .. string.format('%d', redis.call('SCARD', 'room:' .. sid .. ':members'))
        .. ',"messages":' .. string.format('%d', redis.call('ZCARD', 'room:' .. sid))
        .. ',"lastActivity":' .. num(redis.call('GET', 'chat:room:' .. sid .. ':last_id')) .. '}'
      n = n + 1
    end
  end
end
if id > 1 then out[2] = string.format('%d', id) end
return out
)lua";
const lua_script admin_rooms_script{"admin_rooms", admin_rooms_body};

bool valid_prefix(const std::string& prefix) {
  return prefix.size() <= max_prefix_bytes && prefix.find('\0') == std::string::npos;
}

bool all_digits(std::string_view s) {
  if (s.empty() || s.size() > 18)
    return false;
  for (char c : s)
    if (c < '0' || c > '9')
      return false;
  return true;
}

/// A users cursor "<id>:<lower name>" as its index member "<lower name>\0<id>" ("" when malformed).
std::string user_cursor_member(const std::string& cursor) {
  auto colon = cursor.find(':');
  if (colon == std::string::npos || !all_digits(std::string_view{cursor}.substr(0, colon)) ||
      colon + 1 == cursor.size() || cursor.find('\0') != std::string::npos || cursor.size() > 200)
    return {};
  return cursor.substr(colon + 1) + '\0' + cursor.substr(0, colon);
}

/// Calls `done` with the page of a table script's reply.
void deliver_page(redis_reply& r, const char* op, const callback<admin_page>& done) {
  if (detail::tagged(r, "bad_cursor"))
    return done(errc::invalid, {});
  if (!detail::tagged(r, "ok") || r.elements.size() < 2 || !r.elements[1].is_string())
    return done(detail::failure_of(r, op), {});
  admin_page page;
  page.next = std::move(r.elements[1].str);
  page.rows.reserve(r.elements.size() - 2);
  for (std::size_t i = 2; i < r.elements.size(); ++i) {
    if (!r.elements[i].is_string())
      return done(detail::failure_of(r, op), {});
    page.rows.push_back(std::move(r.elements[i].str));
  }
  done(errc::ok, std::move(page));
}

} // namespace

void chat_store::admin_users(std::string prefix, std::string after, std::int64_t limit, callback<admin_page> done) {
  std::string member;
  if (!after.empty())
    member = user_cursor_member(after);
  if (!valid_prefix(prefix) || limit < 1 || limit > max_rows || (!after.empty() && member.empty())) {
    detail::fail_soon(*impl_->redis, std::move(done), errc::invalid);
    return;
  }
  impl_->scripts->run(admin_users_script, {}, {to_lower_ascii(prefix), std::move(member), std::to_string(limit)},
                      [done = std::move(done)](redis_reply r) { deliver_page(r, "admin_users", done); });
}

void chat_store::admin_rooms(std::string prefix, std::string after, std::int64_t limit, callback<admin_page> done) {
  if (!valid_prefix(prefix) || limit < 1 || limit > max_rows || (!after.empty() && !all_digits(after))) {
    detail::fail_soon(*impl_->redis, std::move(done), errc::invalid);
    return;
  }
  impl_->scripts->run(admin_rooms_script, {}, {to_lower_ascii(prefix), std::move(after), std::to_string(limit)},
                      [done = std::move(done)](redis_reply r) { deliver_page(r, "admin_rooms", done); });
}

} // namespace chat::storage
