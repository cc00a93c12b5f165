#pragma once
/// The Lua scripts of the chat store. Each runs as one EVALSHA (EVAL after NOSCRIPT, see
/// script_runner), so every store operation is one atomic round trip.

#include <string>
#include <string_view>

namespace chat::storage {

/// One script: its name (metric label "EVALSHA:<name>"), source and SHA-1 (hex, as Redis computes it).
struct lua_script {
  lua_script(std::string_view script_name, std::string_view script_body);

  std::string_view name;
  std::string_view body;
  std::string sha1;
};

/// Lower-case hex SHA-1 of `data` (what SCRIPT LOAD returns for a script body).
std::string sha1_hex(std::string_view data);

/// Every script, documented with its KEYS/ARGV contract in lua_scripts.cpp or lua_room_events.cpp.
namespace scripts {
extern const lua_script ensure_schema;       ///< → number of keys created
extern const lua_script index_usernames;     ///< ARGV ids to look at → {complete (0/1), names added}
extern const lua_script create_user;         ///< ARGV name, lower, hash, admin names… → {'ok',id,role} | {'conflict'} | {'busy'}
extern const lua_script find_credentials;    ///< ARGV name, lower → {'ok',id,username,hash,role} | {'not_found'}
extern const lua_script get_users;           ///< ARGV ids… → {bot id or '', then flat id,username,online(0/1)…}
extern const lua_script online_users;        ///< ARGV limit → {bot id or '', then flat id,username…}
extern const lua_script set_role;            ///< KEYS user:{id}; ARGV role → 'ok' | 'not_found'
extern const lua_script resolve_session;     ///< KEYS session key → {'ok',id,username,role} | {'not_found'}
extern const lua_script rate_reserve;        ///< KEYS counters; ARGV window seconds, limit per key → {0,0} | {seconds to wait, first full key (1-based)}
extern const lua_script rate_release;        ///< KEYS counters; ARGV how many of them to decrement (the rest are deleted) → 1
extern const lua_script user_rooms;          ///< ARGV uid → {'ok',{id,name…}…} | {'not_found'}
extern const lua_script mute_room;           ///< ARGV uid, room, '1'|'0' → {'ok', changed (0/1)} | 'forbidden' | 'not_found'
extern const lua_script check_access;        ///< ARGV uid, room → 'member' | 'forbidden' | 'not_found'
extern const lua_script create_dm;           ///< ARGV a, b, room, opener, max rooms → {'ok',added,name_a,name_b} | {'not_found'} | {'too_many_rooms'}
extern const lua_script create_channel;      ///< ARGV name, lower, creator, per hour, max rooms, private, topic → {'ok',id} | {'conflict'} | {'not_found'} | {'rate_limited',secs} | {'too_many_rooms'}
extern const lua_script public_channels;     ///< ARGV uid, limit, after, prefix → {'ok',next,{id,name,members,joined}…} | {'bad_cursor'}
extern const lua_script join_channel;        ///< ARGV uid, room, max rooms → 'ok' | 'not_found' | 'forbidden' | 'too_many_rooms'
// People (lua_people.cpp). User rows are flat {id, username, online (0/1), role}.
extern const lua_script index_user_search;   ///< ARGV ids to look at → {complete (0/1), names added}
extern const lua_script search_users;        ///< ARGV lower prefix, limit → {bot id or '', then user rows…}
extern const lua_script list_users;          ///< ARGV after id, limit → {bot id or '', next ('' = last page), then user rows…}
extern const lua_script room_members;        ///< ARGV uid, room, max → {'ok', count, everyone (0/1), bot id or '', then user rows…} | {'forbidden'} | {'not_found'}
extern const lua_script send_message;        ///< one or more messages (see lua_send_message.cpp) → per message {id, prev, date, json} | 'forbidden' | 'not_found' | 'archived' | 'muted:…' | 'bad_file'
// Room events (lua_room_events.cpp). The event scripts share KEYS/ARGV prefix and reply (lua_fragments.hpp, kRoomEvent).
extern const lua_script events_after;        ///< KEYS room, events, horizon; ARGV after, limit → flat {tag 'm'|'e', score, member}… (a `reload` frame first below the horizon)
extern const lua_script history_before;      ///< KEYS room, deleted; ARGV max score, limit → flat {member, score}… newest first
extern const lua_script history_by_offset;   ///< KEYS room, deleted; ARGV offset, size → flat {member, score}… newest first
extern const lua_script room_head;           ///< KEYS room, last_id → the room's last position (decimal string)
} // namespace scripts

} // namespace chat::storage
