#pragma once
/// Serializers of the server events (`{"type":T,"data":D}`) that actors emit. Each event is
/// serialized once and shared by all its recipients.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace chat::actors {

struct presence_row;

/// The data of a `typing` event: `{"roomId","userId","typing"}`.
std::string typing_data_json(std::string_view room_id, std::string_view user_id, bool typing);

/// A read marker's answer (HTTP `POST /room/{id}/read`): `{"roomId","lastRead","unread","mentions"}`.
std::string read_state_json(std::string_view room_id, std::int64_t last_read, std::int64_t unread,
                            std::int64_t mentions);

/// `{"type":"user.connected"|"user.disconnected","data":{"id","username","online"}}`
std::string presence_frame_json(std::string_view user_id, std::string_view username, bool online);

/// `{"type":"presence","data":{"users":[{"id","username","online"},…]}}`: the answer to a
/// `presence.watch` (the state of the users it newly watches).
std::string presence_snapshot_json(const std::vector<presence_row>& rows);

/// `{"type":"ack","data":{"clientId","id","roomId","seq"?}}`: `id` is the message the command was
/// about, `seq` the position of the event it wrote when that is not the message itself (edit, delete).
std::string ack_frame_json(std::string_view client_id, std::int64_t id, std::string_view room_id,
                           std::int64_t seq = 0);

/// `{"type":"error","data":{"code","message","clientId"?,"until"?}}` (clientId omitted when empty;
/// `until`: a mute's end, unix ms or null for one until lifted, only for error `muted`)
std::string error_frame_json(std::string_view code, std::string_view message, std::string_view client_id,
                             std::optional<std::int64_t> muted_until = std::nullopt);

} // namespace chat::actors
