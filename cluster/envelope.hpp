#pragma once
/// Pub/Sub envelopes between nodes: `{"serverId","type","data",…}` as the tutorial publishes them,
/// plus our fields (`ts` publisher time in ms, `prev` chain link, `to` recipients, `room`).
/// Pure functions: parsed and built here, unit-tested without Redis.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace chat::cluster {

/// A parsed envelope.
struct envelope {
  std::string server_id;          ///< the publishing node (tutorial nodes publish a number: kept as text)
  std::string type;               ///< "message", "user.connected", "show.room", …
  std::string data;               ///< the `data` value, re-serialized compactly
  std::int64_t ts_ms = 0;         ///< publisher's wall clock (ms), 0 when absent
  std::int64_t prev = 0;          ///< chain link of a room message, 0 when absent
  std::int64_t message_id = 0;    ///< `data.id` of a message, 0 when absent
  std::string room_id;            ///< `data.roomId` of a message, or `room` of a user event
  std::vector<std::string> to;    ///< recipients of a user event
  std::int64_t after = -1;        ///< a user event's follow start (`after`), -1 when absent
  std::string user_id;            ///< `data.userId` of a typing event
  bool typing = false;            ///< `data.typing` of a typing event
};

/// `{"serverId":…,"type":"typing","data":{"roomId","userId","typing"}}`
std::string typing_envelope(std::string_view server_id, std::string_view room_id, std::string_view user_id,
                            bool typing);

/// Parses an envelope; std::nullopt when it is not a JSON object with a string `type` and a `data`.
std::optional<envelope> parse_envelope(std::string_view payload);

/// `{"serverId":"<server_id>",`: how every envelope `server_id` writes begins (the send_message
/// script, user_event_envelope, typing_envelope). A node recognises its own Pub/Sub echo by it
/// without parsing: in a two-node cluster that is half of what it receives.
std::string own_envelope_prefix(std::string_view server_id);

/// `{"serverId":…,"type":…,"room":…,"to":[…],"data":<data_json>}` (data_json must be valid JSON).
std::string user_event_envelope(std::string_view server_id, std::string_view type,
                                std::string_view room_id, const std::vector<std::string>& to,
                                std::string_view data_json, std::int64_t after = -1);

/// `{"type":…,"data":<data_json>}`: the frame clients receive.
std::string client_frame(std::string_view type, std::string_view data_json);

} // namespace chat::cluster
