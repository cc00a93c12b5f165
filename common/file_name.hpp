#pragma once
/// The file name rule of uploads (issue #24) and its encoding in URLs and Content-Disposition.

#include <string>
#include <string_view>

namespace chat {

/// An upload's file name (after percent-decoding): 1–255 bytes of valid UTF-8, no control
/// characters (C0, DEL, C1), no `/` or `\`, not "." or "..".
bool is_valid_file_name(std::string_view name) noexcept;

/// `text` with every byte except the RFC 3986 unreserved characters (A–Z a–z 0–9 - . _ ~)
/// percent-encoded (upper-case hex): safe as a URL path segment and as an RFC 8187 `filename*`
/// value.
std::string percent_encode_unreserved(std::string_view text);

} // namespace chat
