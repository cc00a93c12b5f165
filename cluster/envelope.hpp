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
  std::int64_t prev = 0;          ///< chain link of a room event, 0 when absent
  std::int64_t seq = 0;           ///< position of a room event other than a message (`seq`), 0 when absent
  std::int64_t message_id = 0;    ///< `data.id` of a message, 0 when absent
  std::string user_id;            ///< `data.id` as text (a string, or an integer in decimal), "" when absent: the user of a presence event
  std::string room_id;            ///< `data.roomId` of a message, or `room` of a user event
  std::vector<std::string> to;    ///< recipients of a user event
  std::int64_t after = -1;        ///< a user event's follow start (`after`), -1 when absent
  std::string action;             ///< a user event's `action` (follow, unfollow, disconnect, deliver); "" when absent
  std::string except_user;        ///< `except` of a room signal: the user whose connections skip it
  std::string session_id;         ///< `session` of a session end: the token's SHA-256 ("" when absent)
  std::string ended_user_id;      ///< `user` of a session end ("" when absent)
  std::string only_user;          ///< `only` of a room event for one member's connections ("" = every member)
  std::int64_t date = 0;          ///< `data.date` (unix seconds, floored; a tutorial message's), 0 when absent
};

/// A tutorial server's `show.room` data (`{"id":"a:b","names":[["Pablo"],["Joe"]]}`; names as
/// strings or one-element lists) as chatnode sends `show.room`: `{"id":"a:b","names":["Pablo","Joe"]}`.
/// std::nullopt unless `id` is a DM id (two user ids) and `names` holds two such names.
std::optional<std::string> tutorial_show_room_data(std::string_view data_json);

/// `{"serverId":…,"type":…,"except":…,"data":<data_json>}`: an ephemeral room event (a signal, e.g.
/// typing) relayed on the room's channel; every node fans it out to its local members except the
/// connections of `except_user`. No position: never stored, never replayed.
std::string signal_envelope(std::string_view server_id, std::string_view type, std::string_view except_user,
                            std::string_view data_json);

/// Parses an envelope; std::nullopt when it is not a JSON object with a string `type` and a `data`.
std::optional<envelope> parse_envelope(std::string_view payload);

/// `{"serverId":"<server_id>",`: how every envelope `server_id` writes begins (the send_message
/// script, user_event_envelope, signal_envelope). A node recognises its own Pub/Sub echo by it
/// without parsing: in a two-node cluster that is half of what it receives.
std::string own_envelope_prefix(std::string_view server_id);

/// `{"serverId":…,"type":…,"action":…,"room":…,"to":[…],"after":…,"data":<data_json>}` (data_json must be
/// valid JSON): an event for the connections of the users in `to`; `action` says what it does to them.
std::string user_event_envelope(std::string_view server_id, std::string_view type, std::string_view action,
                                std::string_view room_id, const std::vector<std::string>& to,
                                std::string_view data_json, std::int64_t after = -1);

/// `{"serverId":…,"type":"session.ended","action":"end_session","to":[],"session":…,"user":…,"data":{}}`
/// on `chat:user-events`: every node closes its connections of session `session_id` (the token's
/// SHA-256, never the token), or of every session of `user_id` when `session_id` is empty. `to` is
/// empty so that a node of an earlier version ignores it (it delivers user events to `to` only).
std::string session_end_envelope(std::string_view server_id, std::string_view session_id,
                                 std::string_view user_id);

} // namespace chat::cluster
