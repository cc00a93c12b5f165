#pragma once
/// Pure rules of the Redis key schema: ids, DM ids, username and channel-name rules, key names.
/// No Redis here, so all of it is unit-tested directly.

#include <optional>
#include <cstdint>
#include <string>
#include <string_view>

#include "storage/chat_store.hpp"

namespace chat::storage {

/// True for a user id as the tutorial issues them: 1–18 decimal digits, no leading zero.
bool is_valid_user_id(std::string_view id) noexcept;

/// The DM room id of two users: "min:max" by numeric comparison ("10","9" → "9:10").
/// std::nullopt when either id is not a valid user id or both are equal.
std::optional<std::string> dm_room_id(std::string_view a, std::string_view b);

/// Splits a canonical DM id "a:b" (a < b numerically) into its two user ids; false otherwise.
bool parse_dm_room_id(std::string_view room_id, std::string& a, std::string& b);

/// Kind of a syntactically valid room id ("0" general, "a:b" direct, digits channel);
/// std::nullopt for anything else (including a non-canonical DM id like "2:1").
std::optional<room_kind> classify_room_id(std::string_view room_id);

/// Username rule for NEW users: 2–32 characters of [A-Za-z0-9_.-].
bool is_valid_new_username(std::string_view name) noexcept;

/// Channel name rule: 1–64 characters (code points of valid UTF-8, checked by the caller), no
/// control characters, no leading/trailing space.
bool is_valid_channel_name(std::string_view name) noexcept;

/// ASCII lower-casing (matches Lua's string.lower in Redis' "C" locale).
std::string to_lower_ascii(std::string_view s);

/// Key names (tutorial schema plus our `chat:` keys).
namespace keys {
std::string user(std::string_view id);             ///< `user:{id}` (hash)
std::string user_rooms(std::string_view id);       ///< `user:{id}:rooms` (set)
std::string room(std::string_view room_id);        ///< `room:{id}` (zset of messages)
std::string room_last_id(std::string_view room_id); ///< `chat:room:{id}:last_id` (the room's last position)
std::string room_events(std::string_view room_id);  ///< `chat:room:{id}:events` (zset: event frames by position)
std::string room_deleted(std::string_view room_id); ///< `chat:room:{id}:deleted` (zset: tombstones by message id)
std::string room_horizon(std::string_view room_id); ///< `chat:room:{id}:horizon` (string: positions at or below it may be gone)
std::string room_thread(std::string_view room_id, std::int64_t parent_id); ///< `chat:room:{id}:thread:{parent}` (zset: replies by id)
std::string user_read(std::string_view user_id);    ///< `chat:user:{id}:read` (hash: room → position read up to)
std::string session(std::string_view token_hash); ///< `chat:session:{sha256hex}`
std::string rate_limit(std::string_view key);      ///< `chat:ratelimit:{key}`
std::string room_channel(std::string_view room_id); ///< Pub/Sub channel `chat:room:{id}`
std::string file(std::string_view id);              ///< `chat:file:{id}` (hash: a file's metadata)
std::string file_data(std::string_view id);         ///< `chat:file:{id}:data` (hash: chunk index → bytes)
std::string user_uploads(std::string_view user_id, std::string_view yyyymmdd); ///< `chat:user:{id}:uploads:{day}` (bytes uploaded that UTC day)
} // namespace keys

} // namespace chat::storage
