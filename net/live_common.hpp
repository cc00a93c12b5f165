#pragma once
/// What the real-time transports and the HTTP handlers share: room changes for users (show.room,
/// room.joined, room.left) and the close vocabulary. Commands go through actors::chat_service.

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "actors/client_sink.hpp"

namespace chat::net {

struct api_env;
}

namespace chat::storage {
enum class errc;
}

namespace chat::net {

/// Tells every connection (on every node) of `users` about a room change: `follow` (show.room,
/// room.joined: they follow the room from `after`) or `unfollow` (room.left).
void room_event_for_user(api_env& env, const std::vector<std::string>& users, std::string_view type,
                         const std::string& data_json, const std::string& room_id, actors::user_action action,
                         std::int64_t after = -1);

/// A user joined a channel (a join, an invitation, a creation): reads the room as their room list
/// shows it (`room_json`: id, names, settings), makes every connection of theirs follow it from its
/// newest message (`room.joined`, so nothing written after falls between history and live delivery)
/// and hands the room's JSON to `done` (may be empty; runs on the storage thread: post it on).
void announce_join(api_env& env, const std::string& user_id, const std::string& room_id,
                   std::function<void(storage::errc, std::string room_json)> done = {});

/// WebSocket close code for a server-side close.
std::uint16_t ws_close_code(actors::close_reason r) noexcept;
/// Close reason text sent with the close frame.
std::string_view close_reason_text(actors::close_reason r) noexcept;
/// Metric label (`reason`) of a WebSocket close code the server sent (a string literal: it lives
/// as long as the program).
std::string_view close_label(std::uint16_t code) noexcept;

} // namespace chat::net
