#pragma once
/// JSON shapes of the API (protocol.md §1) built from storage types.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "storage/chat_store.hpp"

namespace chat::net {

/// `{"id","username","role"}`.
std::string user_json(const storage::user& u);

/// Object keyed by id: `{"1":{"id":"1","username":"Pablo","online":false},…}`.
std::string users_by_id_json(const std::vector<storage::user_view>& users);

/// People rows (GET /users/search, /users/all, /room/{id}/members): an array of
/// `{"id","username","online","role"}`, role "user" | "admin" | "bot".
std::string user_rows_json(const std::vector<storage::user_view>& users);

/// Appends a channel's settings as members `,"topic","private","archived","owner"` (owner null when
/// none; issue #23).
void append_channel_settings(std::string& out, const storage::channel_settings& c);

/// `{"id","names":[…]}` (a channel also with its settings); `with_read_state`: also
/// `"lastRead","unread","mentions"` (the listing).
std::string room_json(const storage::room_summary& room, bool with_read_state = false);

/// Array of room_json() with the read state.
std::string rooms_json(const std::vector<storage::room_summary>& rooms);

/// `{"id","name","members","joined"}`.
std::string channel_json(const storage::channel_info& channel);

/// Array of channel_json().
std::string channels_json(const std::vector<storage::channel_info>& channels);

/// Array of the stored messages' JSON, in the given order.
std::string messages_json(const std::vector<storage::stored_message>& messages);

/// `message_json` (an object) with `"clientId":<client_id>` added; std::nullopt when
/// `message_json` does not end in `}`.
std::optional<std::string> with_client_id(std::string message_json, std::string_view client_id);

} // namespace chat::net
