// libFuzzer target: common/file_type, the magic-byte sniffing of every uploaded file (PNG, JPEG,
// GIF, WebP headers with their dimensions; anything else an octet stream).
//
// Input: byte 0 picks a cut; the rest is the file's head. Properties: no crash or over-read (ASan),
// dimensions both set and positive or both absent, only on images, and a head cut shorter never
// finds other dimensions than the whole one (the parser reads forward only).

#include <string>

#include "common/file_type.hpp"
#include "fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  chat::fuzz::input in{data, size};
  const auto cut_byte = in.byte();
  const std::string head{in.rest()}; // an exactly sized copy: ASan sees reads past its end
  const auto t = chat::detect_file_type(head);
  FUZZ_CHECK(t.width.has_value() == t.height.has_value());
  if (t.width) {
    FUZZ_CHECK(t.is_image());
    FUZZ_CHECK(*t.width > 0 && *t.height > 0);
  }
  FUZZ_CHECK(t.mime == "application/octet-stream" || t.mime == "image/png" || t.mime == "image/jpeg" ||
             t.mime == "image/gif" || t.mime == "image/webp");

  const auto cut = head.empty() ? 0 : cut_byte % (head.size() + 1);
  const std::string prefix = head.substr(0, cut);
  const auto p = chat::detect_file_type(prefix);
  if (prefix.size() >= 12)
    FUZZ_CHECK(p.mime == t.mime); // the type is decided by the first 12 bytes
  if (p.width)
    FUZZ_CHECK(p.width == t.width && p.height == t.height);
  return 0;
}
