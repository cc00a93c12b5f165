#pragma once
/// The query of `GET /rooms/public` (docs/protocol.md §1): `limit`, `after`, `q`. Pure, unit-tested.

#include <optional>
#include <string>

#include "net/api_types.hpp"
#include "storage/chat_store.hpp"

namespace chat::net {

/// What a request for public channels asks for.
struct channel_request {
  /// No `limit`, `after` or `q`: the unpaged answer of old clients (a plain array, at most
  /// `legacy_limit` channels in name order).
  bool legacy = false;
  storage::channel_page_query page; ///< limit (1..100, default 50), cursor, name prefix
};

inline constexpr std::int64_t channel_page_default = 50; ///< `limit` when absent
inline constexpr std::int64_t channel_page_max = 100;    ///< largest `limit`
inline constexpr std::int64_t channel_legacy_limit = 1000; ///< rows of the unpaged answer

/// Parses the query; std::nullopt and `why` (a bad_request message) when a parameter is invalid:
/// `limit` not an integer in 1..100, `after` not a channel id, `q` over 64 characters, not UTF-8 or
/// with control characters. `q` is trimmed; an empty `q` filters nothing.
std::optional<channel_request> parse_channel_request(const query_params& q, std::string& why);

/// `{"channels":[…],"next":"<id>"|null}`.
std::string channel_page_json(const storage::channel_page& page);

} // namespace chat::net
