#pragma once
/// Checks applied to state-changing requests before any handler runs: cross-site Origin and
/// Content-Type.

#include <string>
#include <string_view>
#include <vector>

namespace chat::net {

/// True when a state-changing request from `origin` is allowed: it is in `allowed` (exact,
/// case-insensitive, trailing '/' ignored), or its host[:port] equals the `Host` header (default
/// ports 80/443 made explicit on both sides). Opaque origins ("null") are never same-origin.
bool origin_allowed(std::string_view origin, std::string_view host,
                    const std::vector<std::string>& allowed);

/// True for JSON media types (`application/json`, with or without parameters such as charset).
bool is_json_content_type(std::string_view content_type);

} // namespace chat::net
