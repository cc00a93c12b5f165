#pragma once
/// The client frame wrapper, `{"type":T,"data":D}`, in one place: every event a client receives
/// (actors' room and user events, the cluster's relayed envelopes, the transports' replies) is
/// built by it. `data_json` must already be valid JSON; `type` is a plain event name (no escaping).

#include <string>
#include <string_view>

namespace chat {

/// `{"type":"<type>","data":<data_json>}`, one allocation.
std::string event_json(std::string_view type, std::string_view data_json);

/// Whether `frame` was built by event_json() with this `type` (its type comes first, as built).
bool is_event(std::string_view frame, std::string_view type);

} // namespace chat
