#include "common/file_type.hpp"

#include <algorithm>

namespace chat {

namespace {

constexpr std::string_view octet_stream = "application/octet-stream";

std::uint32_t byte_at(std::string_view s, std::size_t i) noexcept {
  return static_cast<unsigned char>(s[i]);
}

std::uint32_t be16(std::string_view s, std::size_t i) noexcept {
  return byte_at(s, i) << 8 | byte_at(s, i + 1);
}

std::uint32_t be32(std::string_view s, std::size_t i) noexcept {
  return be16(s, i) << 16 | be16(s, i + 2);
}

std::uint32_t le16(std::string_view s, std::size_t i) noexcept {
  return byte_at(s, i) | byte_at(s, i + 1) << 8;
}

std::uint32_t le24(std::string_view s, std::size_t i) noexcept {
  return le16(s, i) | byte_at(s, i + 2) << 16;
}

bool starts_with(std::string_view s, std::string_view prefix) noexcept {
  return s.substr(0, prefix.size()) == prefix;
}

/// `t` with dimensions when both are positive.
file_type sized(std::string_view mime, std::uint32_t w, std::uint32_t h) noexcept {
  file_type t;
  t.mime = mime;
  if (w > 0 && h > 0) {
    t.width = w;
    t.height = h;
  }
  return t;
}

file_type unsized(std::string_view mime) noexcept {
  file_type t;
  t.mime = mime;
  return t;
}

/// PNG: the signature, then the IHDR chunk (length 13) with width and height (big endian, < 2^31).
file_type png(std::string_view s) noexcept {
  if (s.size() < 24 || be32(s, 8) != 13 || s.substr(12, 4) != "IHDR")
    return unsized("image/png");
  auto w = be32(s, 16), h = be32(s, 20);
  if (w > 0x7FFFFFFFu || h > 0x7FFFFFFFu)
    return unsized("image/png");
  return sized("image/png", w, h);
}

/// GIF: the logical screen width and height (little endian) after the 6-byte signature.
file_type gif(std::string_view s) noexcept {
  if (s.size() < 10)
    return unsized("image/gif");
  return sized("image/gif", le16(s, 6), le16(s, 8));
}

/// True for the SOFn markers that carry the frame size (C0–CF without DHT C4, JPG C8, DAC CC).
bool is_sof(std::uint32_t m) noexcept {
  return m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC;
}

/// JPEG: walks the marker segments from SOI to the first SOFn (frame height then width, big
/// endian); stops at SOS/EOI, a malformed segment or the end of `s`.
file_type jpeg(std::string_view s) noexcept {
  std::size_t i = 2;
  while (i < s.size()) {
    if (byte_at(s, i) != 0xFF)
      break; // not a marker: malformed
    while (i < s.size() && byte_at(s, i) == 0xFF)
      ++i; // fill bytes
    if (i >= s.size())
      break;
    const auto m = byte_at(s, i++);
    if (m == 0xD8 || m == 0x01 || (m >= 0xD0 && m <= 0xD7))
      continue; // standalone markers
    if (m == 0xD9 || m == 0xDA || m == 0x00)
      break; // end of image, start of scan (no frame header before it), or a stuffed byte
    if (s.size() - i < 2)
      break;
    const auto len = be16(s, i);
    if (len < 2)
      break;
    if (is_sof(m)) {
      // length(2) precision(1) height(2) width(2)
      if (len < 7 || s.size() - i < 7)
        break;
      return sized("image/jpeg", be16(s, i + 5), be16(s, i + 3));
    }
    i += len;
  }
  return unsized("image/jpeg");
}

/// WebP: RIFF container, first chunk VP8 (lossy key frame), VP8L (lossless) or VP8X (extended).
file_type webp(std::string_view s) noexcept {
  const auto chunk = s.substr(12, 4);
  if (chunk == "VP8 ") {
    if (s.size() < 30)
      return unsized("image/webp");
    // frame tag (3 bytes; bit 0 = 0 for a key frame), start code 9D 01 2A, 14-bit sizes.
    if ((byte_at(s, 20) & 1) != 0 || byte_at(s, 23) != 0x9D || byte_at(s, 24) != 0x01 || byte_at(s, 25) != 0x2A)
      return unsized("image/webp");
    return sized("image/webp", le16(s, 26) & 0x3FFF, le16(s, 28) & 0x3FFF);
  }
  if (chunk == "VP8L") {
    // signature 0x2F, then 14 bits width-1 and 14 bits height-1 (little endian bit stream).
    if (s.size() < 25 || byte_at(s, 20) != 0x2F)
      return unsized("image/webp");
    const std::uint32_t bits = byte_at(s, 21) | byte_at(s, 22) << 8 | byte_at(s, 23) << 16 | byte_at(s, 24) << 24;
    return sized("image/webp", (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1);
  }
  if (chunk == "VP8X") {
    // flags (1 byte) + reserved (3), then 24-bit canvas width-1 and height-1.
    if (s.size() < 30)
      return unsized("image/webp");
    return sized("image/webp", le24(s, 24) + 1, le24(s, 27) + 1);
  }
  return unsized("image/webp");
}

} // namespace

file_type detect_file_type(std::string_view head) noexcept {
  const auto s = head.substr(0, std::min(head.size(), file_type_scan_bytes));
  if (starts_with(s, std::string_view{"\x89PNG\r\n\x1A\n", 8}))
    return png(s);
  if (starts_with(s, "\xFF\xD8\xFF"))
    return jpeg(s);
  if (starts_with(s, "GIF87a") || starts_with(s, "GIF89a"))
    return gif(s);
  if (s.size() >= 12 && starts_with(s, "RIFF") && s.substr(8, 4) == "WEBP")
    return webp(s);
  return unsized(octet_stream);
}

} // namespace chat
