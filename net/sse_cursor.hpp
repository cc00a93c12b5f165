#pragma once
/// The SSE resume cursor: the last delivered message id of each room of a connection, as sent in
/// `id:` lines and read back from `Last-Event-ID` (`<roomId>=<id>` joined by `,`; room ids are
/// digits and ':' only, so no escaping is needed).

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace chat::net {

/// Room id → last delivered message id.
using sse_cursor = std::map<std::string, std::int64_t, std::less<>>;

/// `0=1764103286123,1:2=1764103286999`
std::string format_sse_cursor(const sse_cursor& cursor);

/// Parses a `Last-Event-ID`; malformed entries are skipped, at most `max_rooms` are read.
sse_cursor parse_sse_cursor(std::string_view text, std::size_t max_rooms = 1000);

} // namespace chat::net
