#pragma once
/// Checks applied to requests at the boundary: cross-site Origin, Content-Type, passwords.

#include <string>
#include <string_view>
#include <vector>

namespace chat::net {

/// True when a state-changing request from `origin` is allowed: it is in `allowed` (exact,
/// case-insensitive, trailing '/' ignored), or its host[:port] equals the `Host` header (default
/// ports 80/443 made explicit on both sides). Opaque origins ("null") are never same-origin.
bool origin_allowed(std::string_view origin, std::string_view host,
                    const std::vector<std::string>& allowed);

/// True when a password can be hashed and compared: valid UTF-8 without NUL characters (bcrypt
/// reads a C string, so a NUL would end it early; the tutorial's bcrypt refuses it too).
bool is_acceptable_password(std::string_view password) noexcept;

/// True when a request's `Transfer-Encoding` (its fields joined by ',') is one the node can read:
/// exactly `chunked`. Anything else (`xchunked`, `gzip, chunked`, `chunked, gzip`, empty) must be
/// refused with 400 and the connection closed: a final coding other than chunked leaves the body
/// length unknown (RFC 9112 §6.3), and the node decodes no other coding.
bool is_supported_transfer_encoding(std::string_view value);

/// True for JSON media types (`application/json`, with or without parameters such as charset).
bool is_json_content_type(std::string_view content_type);

} // namespace chat::net
