#pragma once
/// Internal to chat_storage: the Lua fragment of messages carrying files or a location (issue #24),
/// in send_message and every room event script (room_event_script, lua_fragments.hpp).
///
/// A file is `chat:file:{id}` (hash: room, owner, name, size, type, width?, height?, state, message, …)
/// and `chat:file:{id}:data` (its chunks): storage/redis_file_store.cpp. A message attaches files its
/// sender uploaded to the same room that are ready and not attached yet; attaching sets the hash's
/// `message` to the message id and PERSISTs both keys (no more 24 h expiry). The message row then
/// carries `,"attachments":[{"id","name","size","type","width"?,"height"?,"url"}]` and the location
/// (pre-serialized by C++, actors/command_rules.hpp location_json) as `,"location":{…}`, after its
/// mentions. Deleting the message deletes its files.

namespace chat::storage::lua {

/// check_files(list, uid, room): the files of `list` (ids separated by spaces), each existing,
/// ready, owned by `uid`, of `room`, not attached and named once: a table of {id, fields}, or nil when
/// one is not (the message is refused; nothing written).
/// attach_files(files, ids): attaches check_files()'s files to message `ids` (text) and answers the
/// row's `,"attachments":[…]`.
/// media_fields(row): what a rewrite of a decoded row (an edit) keeps: its attachments and location,
/// re-serialized in the order send wrote them ('' for neither).
/// drop_files(row, ids): deletes the files of a decoded row that message `ids` attached.
/// `chat:room:{id}:files` (set) holds the room's attached files: deleting a channel deletes them.
inline constexpr char kMedia[] = R"lua(
local function file_url(id, name)
  return '/files/' .. id .. '/' .. (string.gsub(name, '[^A-Za-z0-9%-%._~]', function(c)
    return string.format('%%%02X', string.byte(c)) end))
end
local function attachment_json(id, name, size, ftype, width, height)
  local s = '{"id":"' .. id .. '","name":' .. cjson.encode(name) .. ',"size":' .. string.format('%d', size)
    .. ',"type":' .. cjson.encode(ftype)
  if width and height then
    s = s .. ',"width":' .. string.format('%d', width) .. ',"height":' .. string.format('%d', height)
  end
  return s .. ',"url":"' .. file_url(id, name) .. '"}'
end
local function check_files(list, uid, room)
  local files, seen = {}, {}
  for id in string.gmatch(list, '%S+') do
    if seen[id] or not string.match(id, '^[0-9a-f]+$') then return nil end
    seen[id] = true
    local h = redis.call('HMGET', 'chat:file:' .. id, 'state', 'owner', 'room', 'message', 'name', 'size', 'type',
                         'width', 'height')
    if h[1] ~= 'ready' or h[2] ~= uid or h[3] ~= room or (h[4] and h[4] ~= '') then return nil end
    files[#files + 1] = {id, h}
  end
  return files
end
local function attach_files(files, ids)
  local parts = {}
  for i, f in ipairs(files) do
    local key, h = 'chat:file:' .. f[1], f[2]
    redis.call('HSET', key, 'message', ids)
    redis.call('SADD', 'chat:room:' .. h[3] .. ':files', f[1]) -- so a deleted channel takes its files
    redis.call('PERSIST', key)
    redis.call('PERSIST', key .. ':data')
    parts[i] = attachment_json(f[1], h[5] or '', tonumber(h[6] or '') or 0, h[7] or 'application/octet-stream',
                               tonumber(h[8] or ''), tonumber(h[9] or ''))
  end
  return ',"attachments":[' .. table.concat(parts, ',') .. ']'
end
local function media_fields(row)
  local s = ''
  if type(row.attachments) == 'table' then
    local parts = {}
    for _, a in ipairs(row.attachments) do
      if type(a) == 'table' and type(a.id) == 'string' and string.match(a.id, '^[0-9a-f]+$')
         and type(a.name) == 'string' then
        local w, h = a.width, a.height
        if type(w) ~= 'number' or type(h) ~= 'number' then w, h = nil, nil end
        parts[#parts + 1] = attachment_json(a.id, a.name, tonumber(a.size) or 0,
                                            type(a.type) == 'string' and a.type or 'application/octet-stream', w, h)
      end
    end
    if #parts > 0 then s = ',"attachments":[' .. table.concat(parts, ',') .. ']' end
  end
  local l = row.location
  if type(l) == 'table' and type(l.lat) == 'number' and type(l.lon) == 'number' then
    s = s .. ',"location":{"lat":' .. cjson.encode(l.lat) .. ',"lon":' .. cjson.encode(l.lon)
    if type(l.accuracy) == 'number' then s = s .. ',"accuracy":' .. cjson.encode(l.accuracy) end
    if type(l.label) == 'string' then s = s .. ',"label":' .. cjson.encode(l.label) end
    s = s .. '}'
  end
  return s
end
local function drop_files(row, ids)
  if type(row.attachments) ~= 'table' then return end
  for _, a in ipairs(row.attachments) do
    if type(a) == 'table' and type(a.id) == 'string' then
      local key = 'chat:file:' .. a.id
      if redis.call('HGET', key, 'message') == ids then
        redis.call('DEL', key, key .. ':data')
        if type(row.roomId) == 'string' then redis.call('SREM', 'chat:room:' .. row.roomId .. ':files', a.id) end
      end
    end
  end
end
)lua";

} // namespace chat::storage::lua
