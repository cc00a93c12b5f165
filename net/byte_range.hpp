#pragma once
/// The `Range` request header of file downloads (issue #24): one byte range (`bytes=a-b`, `a-`,
/// `-n`) → 206; unsatisfiable → 416; several ranges, another unit or a malformed header → the
/// header is ignored (200, the whole file; RFC 9110 §14.2 allows it).

#include <cstdint>
#include <string_view>

namespace chat::net {

/// What a Range header asks of a file of a given size.
struct byte_range {
  enum class kind {
    whole,          ///< no usable Range: 200 with the whole file
    partial,        ///< 206 with bytes first..last (inclusive)
    unsatisfiable,  ///< 416 with `Content-Range: bytes */size`
  };
  kind what = kind::whole;
  std::uint64_t first = 0; ///< first byte (partial)
  std::uint64_t last = 0;  ///< last byte, inclusive (partial)
};

/// Interprets `header` (the Range field's value; empty when absent) for a file of `size` bytes.
byte_range parse_byte_range(std::string_view header, std::uint64_t size) noexcept;

} // namespace chat::net
