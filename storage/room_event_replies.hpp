#pragma once
/// Parsing of the replies of the room event scripts (lua_room_events.cpp) and of the history pages:
/// pure functions over redis_reply, unit-tested without Redis.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "storage/chat_store.hpp"
#include "storage/redis_reply.hpp"

namespace chat::storage {

/// The common reply of a room event script (lua_fragments.hpp, kRoomEvent): {'ok', seq, prev, data,
/// frame, audience} → errc::ok with `out` filled (strings moved out of `r`), and each further five
/// values (a command that wrote several events: emitted()) into `out.more`; 'forbidden' / 'not_found'
/// / 'conflict' / 'too_many_reactions' / 'invalid' / 'archived' / 'muted:<end>' (out.muted_until) → that errc (nothing was written); anything else → unavailable (no answer, or Redis refused) or internal
/// (logged with `op`).
errc parse_written_event(redis_reply& r, written_event& out, std::string_view op);

/// A script's refusal 'muted:<end ms>' (kAccess, write_refusal()) → the end (0: until lifted); std::nullopt for
/// any other reply.
std::optional<std::int64_t> muted_until(const redis_reply& r);

/// Appends the client frame of a message: `{"type":"message","data":<json>}`.
void append_message_frame(std::string& out, std::string_view json);

/// A history page (flat member, score pairs) normalised into `out` in reply order; rows that do not
/// parse are skipped and counted in `skipped`. False when the reply has another shape.
bool parse_message_rows(const redis_reply& r, std::string_view room_id, std::vector<stored_message>& out,
                        std::int64_t& skipped);

/// An event log row `{"only":"<user id>",…}` (an event for one user's connections: emit_for) becomes
/// the client frame `{…}` and its audience; other rows are left as they are (audience stays empty).
/// False for a row that starts like an audience but is malformed.
bool split_audience(std::string& row, std::string& audience);

/// The events_after reply (flat triples: tag 'm' | 'e', score, member) into `out` in reply order:
/// message rows normalised and wrapped into their frame (id = the message id), event rows as stored
/// (id = the floored score, frame moved out of `r`). Unreadable rows are skipped and counted in `skipped`. False when the
/// reply has another shape.
bool parse_event_rows(redis_reply& r, std::string_view room_id, std::vector<stored_event>& out,
                      std::int64_t& skipped);

} // namespace chat::storage
