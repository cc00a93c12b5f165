#pragma once
/// File type detection from magic bytes (never from a client's Content-Type or file name), with the
/// pixel dimensions of the image formats the web client shows inline: PNG, JPEG, GIF and WebP.
/// Pure functions on the first bytes of a file; truncated or malformed headers never crash and
/// give no dimensions.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace chat {

/// How many leading bytes detect_file_type looks at (JPEG SOFn markers are scanned this far).
inline constexpr std::size_t file_type_scan_bytes = 256 * 1024;

/// The detected type of a file.
struct file_type {
  /// "image/png", "image/jpeg", "image/gif", "image/webp" or "application/octet-stream".
  std::string_view mime = "application/octet-stream";
  /// Pixel width and height: both set (and > 0) or neither (non-images, unreadable headers).
  std::optional<std::uint32_t> width;
  std::optional<std::uint32_t> height;

  /// True for the four image types (served inline).
  bool is_image() const noexcept { return mime != "application/octet-stream"; }
};

/// The type of a file whose first bytes are `head` (at most file_type_scan_bytes are read; pass
/// fewer when the file is shorter).
file_type detect_file_type(std::string_view head) noexcept;

} // namespace chat
