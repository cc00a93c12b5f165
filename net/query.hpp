#pragma once
/// Request-target helpers: percent-decoding, splitting off the query, and query parameters.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "net/api_types.hpp"

namespace chat::net {

/// Decodes `%XX` escapes (and `+` as a space when `plus_as_space`); malformed escapes stay as they are.
std::string percent_decode(std::string_view text, bool plus_as_space);

/// Splits a request target into path and query ("/a?b=1" → {"/a", "b=1"}); a fragment is dropped.
std::pair<std::string_view, std::string_view> split_target(std::string_view target);

/// Parses `a=1&ids[]=2&ids[]=3&flag`: keys and values are decoded, empty pairs skipped,
/// a key without `=` gets an empty value.
query_params parse_query(std::string_view query);

/// Every value of `key`, in request order.
std::vector<std::string> query_values(const query_params& q, std::string_view key);

/// One integer query parameter in [min, max]: std::nullopt when absent, and also (setting `bad`) when
/// present but not such an integer.
std::optional<std::int64_t> int_param(const query_params& q, std::string_view key, std::int64_t min,
                                      std::int64_t max, bool& bad);

} // namespace chat::net
