#define CAF_SUITE common_file_type
#include "caf/test/unit_test.hpp"

#include <string>

#include "common/file_type.hpp"

using chat::detect_file_type;

namespace {

std::string bytes(std::initializer_list<int> list) {
  std::string out;
  for (int b : list)
    out.push_back(static_cast<char>(b));
  return out;
}

std::string be32(std::uint32_t v) {
  return bytes({int(v >> 24 & 0xFF), int(v >> 16 & 0xFF), int(v >> 8 & 0xFF), int(v & 0xFF)});
}

const std::string png_sig = bytes({0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A});

/// A PNG head: signature + IHDR chunk of the given size.
std::string png(std::uint32_t w, std::uint32_t h) {
  return png_sig + be32(13) + "IHDR" + be32(w) + be32(h) + bytes({8, 6, 0, 0, 0}) + be32(0);
}

/// A JPEG head: SOI, an APP0 segment, a DQT-like segment, then a SOF of the given marker.
std::string jpeg(int sof, int w, int h) {
  std::string s = bytes({0xFF, 0xD8});
  s += bytes({0xFF, 0xE0, 0x00, 0x10}) + "JFIF" + std::string(10, '\0');
  s += bytes({0xFF, 0xDB, 0x00, 0x04, 0x00, 0x00});
  s += bytes({0xFF, sof, 0x00, 0x11, 0x08, h >> 8, h & 0xFF, w >> 8, w & 0xFF, 0x03});
  s += std::string(9, '\0');
  return s;
}

std::string riff(std::string chunk, std::string payload) {
  return "RIFF" + bytes({0x40, 0, 0, 0}) + "WEBP" + chunk + bytes({0x20, 0, 0, 0}) + payload;
}

} // namespace

CAF_TEST(png dimensions come from IHDR whatever the name) {
  auto t = detect_file_type(png(640, 480));
  CAF_CHECK_EQUAL(std::string{t.mime}, "image/png");
  CAF_CHECK(t.is_image());
  CAF_REQUIRE(t.width && t.height);
  CAF_CHECK_EQUAL(*t.width, 640u);
  CAF_CHECK_EQUAL(*t.height, 480u);
}

CAF_TEST(truncated or malformed png headers keep the type without dimensions) {
  auto full = png(10, 20);
  for (std::size_t n = 8; n < 24; ++n) {
    auto t = detect_file_type(full.substr(0, n));
    CAF_CHECK_EQUAL(std::string{t.mime}, "image/png");
    CAF_CHECK(!t.width && !t.height);
  }
  auto bad = full;
  bad[12] = 'X'; // not IHDR
  CAF_CHECK(!detect_file_type(bad).width);
  CAF_CHECK(!detect_file_type(png(0, 5)).width);
  CAF_CHECK(!detect_file_type(png(0x80000000u, 5)).width);
  CAF_CHECK_EQUAL(std::string{detect_file_type(png_sig.substr(0, 7)).mime}, "application/octet-stream");
}

CAF_TEST(gif logical screen size) {
  auto t = detect_file_type("GIF89a" + bytes({0x2C, 0x01, 0xC8, 0x00}) + std::string(10, '\0'));
  CAF_CHECK_EQUAL(std::string{t.mime}, "image/gif");
  CAF_REQUIRE(t.width);
  CAF_CHECK_EQUAL(*t.width, 300u);
  CAF_CHECK_EQUAL(*t.height, 200u);
  auto old = detect_file_type("GIF87a" + bytes({1, 0, 2, 0}));
  CAF_CHECK_EQUAL(*old.width, 1u);
  CAF_CHECK_EQUAL(*old.height, 2u);
  auto cut = detect_file_type("GIF89a" + bytes({1, 0, 2}));
  CAF_CHECK_EQUAL(std::string{cut.mime}, "image/gif");
  CAF_CHECK(!cut.width);
  CAF_CHECK_EQUAL(std::string{detect_file_type("GIF90a1234").mime}, "application/octet-stream");
}

CAF_TEST(jpeg sof markers after other segments) {
  for (int sof : {0xC0, 0xC1, 0xC2, 0xCF}) {
    auto t = detect_file_type(jpeg(sof, 1024, 768));
    CAF_CHECK_EQUAL(std::string{t.mime}, "image/jpeg");
    CAF_REQUIRE(t.width);
    CAF_CHECK_EQUAL(*t.width, 1024u);
    CAF_CHECK_EQUAL(*t.height, 768u);
  }
  // DHT (C4) is not a frame header: no dimensions from it.
  auto dht = detect_file_type(jpeg(0xC4, 5, 5));
  CAF_CHECK_EQUAL(std::string{dht.mime}, "image/jpeg");
  CAF_CHECK(!dht.width);
  // Fill bytes before a marker are skipped.
  auto filled = jpeg(0xC0, 3, 4);
  filled.insert(2, bytes({0xFF, 0xFF}));
  auto f = detect_file_type(filled);
  CAF_CHECK(f.width == 3u && f.height == 4u);
}

CAF_TEST(truncated and malformed jpeg never crash and give no dimensions) {
  auto full = jpeg(0xC0, 100, 50);
  for (std::size_t n = 3; n + 10 < full.size(); ++n) {
    auto t = detect_file_type(full.substr(0, n));
    CAF_CHECK_EQUAL(std::string{t.mime}, "image/jpeg");
    CAF_CHECK(!t.width);
  }
  // A segment length pointing past the end, a length < 2, a scan before any frame header.
  CAF_CHECK(!detect_file_type(bytes({0xFF, 0xD8, 0xFF, 0xE0, 0xFF, 0xFF, 0x00})).width);
  CAF_CHECK(!detect_file_type(bytes({0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x01, 0xFF, 0xC0})).width);
  CAF_CHECK(!detect_file_type(bytes({0xFF, 0xD8, 0xFF, 0xDA, 0x00, 0x02, 0xFF, 0xC0, 0x00, 0x11, 8, 0, 1, 0, 1})).width);
  CAF_CHECK(!detect_file_type(bytes({0xFF, 0xD8, 0xFF, 0xFF, 0xFF})).width);
}

CAF_TEST(webp lossy lossless and extended) {
  auto lossy = detect_file_type(riff("VP8 ", bytes({0x10, 0x02, 0x00, 0x9D, 0x01, 0x2A, 0x80, 0x02, 0xE0, 0x01})));
  CAF_CHECK_EQUAL(std::string{lossy.mime}, "image/webp");
  CAF_REQUIRE(lossy.width);
  CAF_CHECK_EQUAL(*lossy.width, 640u);
  CAF_CHECK_EQUAL(*lossy.height, 480u);
  // VP8L: width-1 = 99 (14 bits), height-1 = 49.
  const std::uint32_t bits = 99u | 49u << 14;
  auto lossless = detect_file_type(riff("VP8L", bytes({0x2F, int(bits & 0xFF), int(bits >> 8 & 0xFF),
                                                      int(bits >> 16 & 0xFF), int(bits >> 24 & 0xFF), 0})));
  CAF_REQUIRE(lossless.width);
  CAF_CHECK_EQUAL(*lossless.width, 100u);
  CAF_CHECK_EQUAL(*lossless.height, 50u);
  auto extended = detect_file_type(riff("VP8X", bytes({0x10, 0, 0, 0, 0xFF, 0x0F, 0x00, 0x37, 0x04, 0x00})));
  CAF_REQUIRE(extended.width);
  CAF_CHECK_EQUAL(*extended.width, 4096u);
  CAF_CHECK_EQUAL(*extended.height, 1080u);
  auto cut = riff("VP8X", bytes({0x10, 0, 0, 0, 0xFF}));
  CAF_CHECK_EQUAL(std::string{detect_file_type(cut).mime}, "image/webp");
  CAF_CHECK(!detect_file_type(cut).width);
  CAF_CHECK(!detect_file_type(riff("VP8 ", bytes({0x10, 0x02, 0x00, 0x9D, 0x01, 0x2B, 1, 0, 1, 0}))).width);
  CAF_CHECK_EQUAL(std::string{detect_file_type(std::string{"RIFF\x40\0\0\0WAVEfmt ", 16}).mime}, "application/octet-stream");
}

CAF_TEST(anything else is an octet stream without dimensions) {
  for (std::string s : {std::string{}, std::string{"<!doctype html><html>"}, std::string{"%PDF-1.7"},
                        std::string{"\xFF\xD8"}, std::string{"RIFF"}}) {
    auto t = detect_file_type(s);
    CAF_CHECK_EQUAL(std::string{t.mime}, "application/octet-stream");
    CAF_CHECK(!t.is_image());
    CAF_CHECK(!t.width && !t.height);
  }
}
