#pragma once
/// What the real-time transports and the HTTP send share: sending a chat message (access check,
/// persist + publish, local fan-out), following a user's rooms, and error/close vocabularies.

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "actors/session_shard.hpp"

#include "actors/client_sink.hpp"
#include "storage/chat_store.hpp"

namespace chat::net {


struct api_env;

namespace actors_ns = chat::actors;

/// Result callback of send_chat_message: the store outcome, the confirmed message, the room.
using sent_fn = std::function<void(storage::errc, const storage::sent_message&, const std::string& room_id)>;

/// Checks membership, persists + publishes through the store, hands the confirmed message to the
/// local room actor and counts it. `done` runs on the Redis strand.
void send_chat_message(api_env& env, const std::string& user_id, std::string room_id,
                       std::string text, sent_fn done);

/// Hands a confirmed message to the local room actor (serialized once there).
void publish_sent(api_env& env, const std::string& room_id, const storage::sent_message& m);

/// Tells every connection (on every node) of `users` about a room change (`show.room`,
/// `room.joined`: they follow the room; `room.left`: they stop following it).
void room_event_for_user(api_env& env, const std::vector<std::string>& users, std::string_view type,
                         const std::string& data_json, const std::string& room_id, std::int64_t after = -1);

/// Makes `session` follow every room of `user_id`: rooms in `resume` after the given id, the
/// others after their newest message as listed now (one read for all rooms). Rooms in `resume` the user is not a member of are ignored. With
/// `release`, the session's initial hold ends right after these follows (same sender, in order).
void follow_user_rooms(api_env& env, const std::string& user_id, const actors::session_handle& session,
                       std::map<std::string, std::int64_t> resume = {}, bool release = false);

/// `error` event code / message for a store failure.
std::string_view error_code_of(storage::errc e) noexcept;
std::string_view error_message_of(storage::errc e) noexcept;

/// `error` event code / message for a refused room.
std::string_view access_code_of(storage::room_access a) noexcept;
std::string_view access_message_of(storage::room_access a) noexcept;

/// WebSocket close code for a server-side close.
std::uint16_t ws_close_code(actors_ns::close_reason r) noexcept;
/// Close reason text sent with the close frame.
std::string_view close_reason_text(actors_ns::close_reason r) noexcept;
/// Metric label (`reason`) of a WebSocket close code the server sent.
std::string close_label(std::uint16_t code);

} // namespace chat::net
