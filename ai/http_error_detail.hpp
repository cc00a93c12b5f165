#pragma once
/// The detail of a backend's error status: `HTTP 401 Unauthorized: Incorrect API key provided`.
/// Pure.

#include <cstddef>
#include <string>
#include <string_view>

namespace chat::ai {

/// Describes an error response from its status, reason phrase and (the start of) its body: the
/// message of a JSON body (`{"error":{"message"}}`, `{"error":"…"}`, `{"message"}`, `{"detail"}`)
/// or else the body's text; control characters become spaces, at most `max_chars` bytes of body
/// text are kept (cut at a UTF-8 character boundary, "…" appended).
std::string describe_http_error(unsigned status, std::string_view reason, std::string_view body,
                                std::size_t max_chars = 300);

/// `text` with control characters (and invalid UTF-8 bytes) replaced by spaces, runs of spaces
/// collapsed, trimmed, and cut to at most `max_bytes` at a character boundary ("…" appended).
std::string printable_excerpt(std::string_view text, std::size_t max_bytes);

/// Every occurrence of `secret` (when not empty) in `text` replaced by `[redacted]`.
std::string redact(std::string_view text, std::string_view secret);

} // namespace chat::ai
