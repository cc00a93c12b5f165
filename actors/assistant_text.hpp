#pragma once
/// Text helpers of the assistant's streamed replies (issue #21): backend pieces become deltas only
/// up to a complete, valid UTF-8 character, and offsets count code points.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace chat::actors {

/// The length of the longest prefix of `s` that does not end inside a UTF-8 sequence (a lead byte
/// whose continuation bytes have not all arrived yet stays behind).
std::size_t complete_utf8_prefix(std::string_view s) noexcept;

/// `s` as valid UTF-8: every byte that does not start a well-formed sequence becomes U+FFFD.
std::string valid_utf8(std::string_view s);

/// Code points of valid UTF-8 `s`.
std::int64_t code_points(std::string_view s) noexcept;

/// The data of a `message.delta` event: `{"roomId","id","offset","text"}`.
std::string delta_data_json(std::string_view room_id, std::int64_t id, std::int64_t offset, std::string_view text);

/// The data of the `error` event that answers a trigger the assistant cannot take now:
/// `{"code","message","roomId","id"}` (`id`: the triggering message), with `"retryAfter"` (seconds)
/// when `retry_after` > 0.
std::string trigger_error_json(std::string_view code, std::string_view message, std::string_view room_id,
                               std::int64_t id, std::int64_t retry_after = 0);

} // namespace chat::actors
