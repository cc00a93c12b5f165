#define CAF_SUITE net_ws_codec

#include "caf/test/unit_test.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "net/ws_codec.hpp"

using namespace chat::net;

namespace {

using kind = ws_read::kind;
using op = ws_opcode;

constexpr std::size_t kLimit = 1 << 20;

/// How client_frame lays a frame out; the defaults give a valid final, masked frame.
struct frame_spec {
  bool fin = true;
  std::uint8_t rsv = 0; ///< as in byte 0: 0x40 RSV1, 0x20 RSV2, 0x10 RSV3
  bool masked = true;
  std::array<unsigned char, 4> key{0x37, 0xFA, 0x21, 0x3D};
  int length_bytes = -1;               ///< -1 minimal; 0, 2 or 8 forces the 7-, 16- or 64-bit form
  std::optional<std::uint64_t> length; ///< the announced length when not the payload's
};

frame_spec nonfinal() {
  frame_spec s;
  s.fin = false;
  return s;
}

/// A client frame as bytes, payload byte i masked with key[i % 4].
std::string client_frame(op opcode, std::string_view payload, const frame_spec& s = {}) {
  const std::uint64_t n = s.length.value_or(payload.size());
  int ext = s.length_bytes;
  if (ext < 0)
    ext = n < 126 ? 0 : n <= 0xFFFF ? 2 : 8;
  std::string out;
  out += static_cast<char>((s.fin ? 0x80 : 0) | s.rsv | static_cast<int>(opcode));
  const int mask_bit = s.masked ? 0x80 : 0;
  if (ext == 0) {
    out += static_cast<char>(mask_bit | static_cast<int>(n));
  } else {
    out += static_cast<char>(mask_bit | (ext == 2 ? 126 : 127));
    for (int i = ext - 1; i >= 0; --i)
      out += static_cast<char>((n >> (8 * i)) & 0xFF);
  }
  if (s.masked)
    for (auto b : s.key)
      out += static_cast<char>(b);
  for (std::size_t i = 0; i < payload.size(); ++i)
    out += s.masked ? static_cast<char>(payload[i] ^ s.key[i % 4]) : payload[i];
  return out;
}

/// A close frame's payload: the code big-endian, then the reason.
std::string close_payload(std::uint16_t code, std::string_view reason = {}) {
  std::string out{static_cast<char>(code >> 8), static_cast<char>(code & 0xFF)};
  return out.append(reason);
}

/// What a read found: "kind[ code]/consumed[:payload]", the code for close and error only.
std::string summary(const ws_read& r) {
  static constexpr const char* names[] = {"need_more", "fragment", "text", "binary",
                                          "ping",      "pong",     "close", "error"};
  std::string out = names[static_cast<int>(r.what)];
  if (r.what == kind::close || r.what == kind::error)
    out += ' ' + std::to_string(r.code);
  out += '/' + std::to_string(r.consumed);
  if (r.what != kind::error && !r.payload.empty())
    out.append(":").append(r.payload);
  return out;
}

/// Reads the frames in `bytes` one after another, as the session does: the summaries, joined by
/// " | ", up to need_more or an error.
std::string read_all(ws_reader& reader, std::string bytes) {
  std::string out;
  std::size_t used = 0;
  while (used < bytes.size()) {
    const auto r = reader.read(bytes.data() + used, bytes.size() - used);
    out += (out.empty() ? "" : " | ") + summary(r);
    if (r.what == kind::need_more || r.what == kind::error || r.consumed == 0)
      break;
    used += r.consumed;
  }
  return out;
}

std::string read_all(std::string bytes, std::size_t limit = kLimit) {
  ws_reader reader{limit};
  return read_all(reader, std::move(bytes));
}

std::string hex(std::string_view bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    if (!out.empty())
      out += ' ';
    out += digits[c >> 4];
    out += digits[c & 0xF];
  }
  return out;
}

} // namespace

CAF_TEST(a masked text frame is unmasked in place) {
  ws_reader reader{kLimit};
  auto buf = client_frame(op::text, "hello");
  CAF_REQUIRE_EQUAL(buf.size(), 11u);
  const auto r = reader.read(buf.data(), buf.size());
  CAF_CHECK_EQUAL(summary(r), "text/11:hello");
  CAF_CHECK(r.payload.data() == buf.data() + 6);
  CAF_CHECK_EQUAL(buf.substr(6), "hello");
}

CAF_TEST(every prefix of a frame needs more and changes nothing) {
  // 7-, 16- and 64-bit lengths: prefixes end in the header, the extended length, the mask and the
  // payload.
  for (std::size_t n : {5u, 300u, 70000u}) {
    ws_reader reader{100000};
    std::string payload(n, 'x');
    for (std::size_t i = 0; i < n; ++i)
      payload[i] = static_cast<char>('a' + i % 26);
    auto buf = client_frame(op::text, payload);
    const auto whole = buf;
    for (std::size_t len = 0; len < buf.size(); ++len) {
      if (len == 40 && buf.size() > 100)
        len = buf.size() - 40; // the middle of a long payload says nothing new
      if (auto got = summary(reader.read(buf.data(), len)); got != "need_more/0")
        CAF_FAIL(len << " bytes of a " << buf.size() << "-byte frame: " << got);
    }
    CAF_CHECK(buf == whole);
    const auto r = reader.read(buf.data(), buf.size());
    CAF_CHECK(r.what == kind::text);
    CAF_CHECK_EQUAL(r.consumed, buf.size());
    CAF_CHECK(r.payload == payload);
  }
}

CAF_TEST(frames back to back are read one at a time) {
  const auto second = client_frame(op::binary, "abc");
  CAF_CHECK_EQUAL(read_all(client_frame(op::text, "hello") + second + second.substr(0, 3)),
                  "text/11:hello | binary/9:abc | need_more/0");
}

CAF_TEST(16 bit and 64 bit lengths) {
  ws_reader reader{100000};
  for (std::size_t n : {126u, 300u, 65535u, 65536u, 70000u}) {
    std::string payload(n, 'q');
    auto buf = client_frame(op::binary, payload);
    CAF_CHECK_EQUAL(buf.size(), n + (n <= 65535 ? 8 : 14));
    const auto r = reader.read(buf.data(), buf.size());
    CAF_CHECK(r.what == kind::binary);
    CAF_CHECK_EQUAL(r.consumed, buf.size());
    CAF_CHECK_EQUAL(r.payload.size(), n);
    CAF_CHECK(r.payload == payload);
  }
}

CAF_TEST(a fragmented message with a ping in between) {
  // After the message the reader is out of it: a whole frame reads as one again.
  CAF_CHECK_EQUAL(read_all(client_frame(op::text, "hel", nonfinal()) + client_frame(op::ping, "p!")
                           + client_frame(op::continuation, "lo") + client_frame(op::text, "again")),
                  "fragment/9 | ping/8:p! | text/8:hello | text/11:again");
  // An empty fragment; a second message does not carry the first.
  ws_reader reader{kLimit};
  for (std::string head : {"ab", "ef"})
    CAF_CHECK_EQUAL(read_all(reader, client_frame(op::binary, head, nonfinal())
                                       + client_frame(op::continuation, "", nonfinal())
                                       + client_frame(op::continuation, "cd")),
                    "fragment/8 | fragment/6 | binary/8:" + head + "cd");
}

CAF_TEST(a code point may be split across fragments) {
  CAF_CHECK_EQUAL(read_all(client_frame(op::text, "caf\xC3", nonfinal())
                           + client_frame(op::continuation, "\xA9!")),
                  "fragment/10 | text/8:café!");
  CAF_CHECK_EQUAL(read_all(client_frame(op::text, "\xF0\x9F", nonfinal())
                           + client_frame(op::continuation, "\x91", nonfinal())
                           + client_frame(op::continuation, "\x8B")),
                  "fragment/8 | fragment/7 | text/7:👋");
}

CAF_TEST(framing violations are protocol errors) {
  frame_spec s;
  s.masked = false;
  CAF_CHECK_EQUAL(read_all(client_frame(op::text, "hello", s)), "error 1002/0");
  CAF_CHECK_EQUAL(read_all(client_frame(op::ping, "", s)), "error 1002/0");
  for (int rsv : {0x40, 0x20, 0x10}) {
    s = {};
    s.rsv = static_cast<std::uint8_t>(rsv);
    CAF_CHECK_EQUAL(std::to_string(rsv) + " " + read_all(client_frame(op::text, "hello", s)),
                    std::to_string(rsv) + " error 1002/0");
  }
  for (int code : {3, 4, 5, 6, 7, 11, 12, 13, 14, 15})
    CAF_CHECK_EQUAL(std::to_string(code) + " " + read_all(client_frame(static_cast<op>(code), "x")),
                    std::to_string(code) + " error 1002/0");
  for (auto control : {op::close, op::ping, op::pong}) {
    CAF_CHECK_EQUAL(read_all(client_frame(control, "", nonfinal())), "error 1002/0");
    CAF_CHECK_EQUAL(read_all(client_frame(control, std::string(126, 'x'))), "error 1002/0");
  }
  CAF_CHECK_EQUAL(read_all(client_frame(op::ping, std::string(125, 'x'))),
                  "ping/131:" + std::string(125, 'x'));
  // An error names a reason.
  s = {};
  s.masked = false;
  ws_reader reader{kLimit};
  auto buf = client_frame(op::text, "hello", s);
  CAF_CHECK(!reader.read(buf.data(), buf.size()).payload.empty());
}

CAF_TEST(continuation and data frames must match the message state) {
  CAF_CHECK_EQUAL(read_all(client_frame(op::continuation, "x")), "error 1002/0");
  CAF_CHECK_EQUAL(read_all(client_frame(op::continuation, "x", nonfinal())), "error 1002/0");
  CAF_CHECK_EQUAL(read_all(client_frame(op::text, "a", nonfinal()) + client_frame(op::continuation, "b")
                           + client_frame(op::continuation, "c")),
                  "fragment/7 | text/7:ab | error 1002/0");
  for (auto data : {op::text, op::binary}) {
    CAF_CHECK_EQUAL(read_all(client_frame(op::text, "a", nonfinal()) + client_frame(data, "b")),
                    "fragment/7 | error 1002/0");
    CAF_CHECK_EQUAL(
      read_all(client_frame(op::binary, "a", nonfinal()) + client_frame(data, "b", nonfinal())),
      "fragment/7 | error 1002/0");
  }
}

CAF_TEST(lengths must be minimal and below 2 to the 63) {
  frame_spec s;
  s.length_bytes = 2;
  CAF_CHECK_EQUAL(read_all(client_frame(op::text, "hello", s)), "error 1002/0");
  CAF_CHECK_EQUAL(read_all(client_frame(op::text, std::string(125, 'a'), s)), "error 1002/0");
  s.length_bytes = 8;
  CAF_CHECK_EQUAL(read_all(client_frame(op::text, "hello", s)), "error 1002/0");
  CAF_CHECK_EQUAL(read_all(client_frame(op::text, std::string(300, 'a'), s)), "error 1002/0");
  CAF_CHECK_EQUAL(read_all(client_frame(op::binary, std::string(65535, 'a'), s)), "error 1002/0");
  s.length = (std::uint64_t{1} << 63) | 5; // the header alone
  CAF_CHECK_EQUAL(read_all(client_frame(op::binary, "", s)), "error 1002/0");
}

CAF_TEST(close frames need a valid code) {
  // One byte: here followed by 0x81, which would make the valid code 3969 (0x0F81).
  CAF_CHECK_EQUAL(read_all(client_frame(op::close, "\x0F") + client_frame(op::text, "x")), "error 1002/0");
  for (int code : {0, 999, 1004, 1005, 1006, 1015, 1016, 2000, 2999, 5000, 65535}) {
    auto frame = client_frame(op::close, close_payload(static_cast<std::uint16_t>(code)));
    CAF_CHECK_EQUAL(std::to_string(code) + " " + read_all(frame), std::to_string(code) + " error 1002/0");
  }
  for (int code : {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 3000, 3999, 4000,
                   4999}) {
    auto frame = client_frame(op::close, close_payload(static_cast<std::uint16_t>(code)));
    CAF_CHECK_EQUAL(read_all(frame), "close " + std::to_string(code) + "/8");
  }
}

CAF_TEST(a message may reach the limit but not pass it) {
  constexpr std::size_t limit = 1024;
  ws_reader reader{limit};
  auto buf = client_frame(op::text, std::string(limit, 'a'));
  const auto r = reader.read(buf.data(), buf.size());
  CAF_CHECK(r.what == kind::text);
  CAF_CHECK_EQUAL(r.payload.size(), limit);
  CAF_CHECK_EQUAL(r.consumed, limit + 8);
  // Headers alone (with the mask): at the limit the payload is awaited, past it refused at once.
  frame_spec s;
  s.length = limit;
  CAF_CHECK_EQUAL(read_all(client_frame(op::text, "", s), limit), "need_more/0");
  s.length = limit + 1;
  CAF_CHECK_EQUAL(client_frame(op::text, "", s).size(), 8u);
  CAF_CHECK_EQUAL(read_all(client_frame(op::text, "", s), limit), "error 1009/0");
  CAF_CHECK_EQUAL(read_all(client_frame(op::binary, "", s), limit), "error 1009/0");
  s.length = std::uint64_t{1} << 40;
  CAF_CHECK_EQUAL(read_all(client_frame(op::binary, "", s), limit), "error 1009/0");
}

CAF_TEST(fragments are summed against the limit) {
  constexpr std::size_t limit = 1024;
  frame_spec s;
  s.length = 600;
  const auto first = client_frame(op::text, std::string(600, 'a'), nonfinal());
  // The second fragment's header alone is refused.
  CAF_CHECK_EQUAL(read_all(first + client_frame(op::continuation, "", s), limit),
                  "fragment/608 | error 1009/0");
  // 600 + 424 is exactly the limit.
  ws_reader reader{limit};
  CAF_CHECK_EQUAL(read_all(reader, first), "fragment/608");
  auto buf = client_frame(op::continuation, std::string(424, 'b'));
  const auto r = reader.read(buf.data(), buf.size());
  CAF_CHECK(r.what == kind::text);
  CAF_CHECK(r.payload == std::string(600, 'a') + std::string(424, 'b'));
}

CAF_TEST(text must be utf8) {
  for (std::string bad : {"\xC3\x28", "\xC0\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80", "a\xFF", "abc\xC3"})
    CAF_CHECK_EQUAL(hex(bad) + " " + read_all(client_frame(op::text, bad)), hex(bad) + " error 1007/0");
  CAF_CHECK_EQUAL(read_all(client_frame(op::text, "héllo 👋 \xEF\xBF\xBF")),
                  "text/21:héllo 👋 \xEF\xBF\xBF");
  const std::string controls{"a\0\n\x7F", 4}; // control characters are UTF-8 too
  CAF_CHECK_EQUAL(read_all(client_frame(op::text, controls)), "text/10:" + controls);
  // In fragments the error may come at the bad fragment or at the end of the message.
  for (auto [head, tail] : {std::pair{"\xC3", "\x28"}, std::pair{"a\xE2\x82", ""}}) {
    auto got = read_all(client_frame(op::text, head, nonfinal()) + client_frame(op::continuation, tail));
    CAF_CHECK_EQUAL(got.substr(got.size() < 12 ? 0 : got.size() - 12), "error 1007/0");
  }
  CAF_CHECK_EQUAL(read_all(client_frame(op::close, close_payload(1000, "\xC3\x28"))), "error 1007/0");
  // Binary is not checked.
  const std::string bytes{"\xC3\x28\xC0\xAF\xED\xA0\x80\xFF\x00", 9};
  CAF_CHECK_EQUAL(read_all(client_frame(op::binary, bytes)), "binary/15:" + bytes);
}

CAF_TEST(close ping and pong carry their payload) {
  CAF_CHECK_EQUAL(read_all(client_frame(op::close, "")), "close 1005/6");
  CAF_CHECK_EQUAL(read_all(client_frame(op::close, close_payload(1000, "bye"))), "close 1000/11:bye");
  CAF_CHECK_EQUAL(read_all(client_frame(op::pong, "abc")), "pong/9:abc");
  CAF_CHECK_EQUAL(read_all(client_frame(op::pong, "")), "pong/6");
  CAF_CHECK_EQUAL(read_all(client_frame(op::ping, "")), "ping/6");
}

CAF_TEST(server frame headers) {
  char out[kMaxFrameHeader];
  auto header = [&](op o, std::size_t size) { return hex({out, ws_frame_header(o, size, out)}); };
  CAF_CHECK_EQUAL(header(op::text, 0), "81 00");
  CAF_CHECK_EQUAL(header(op::text, 125), "81 7d");
  CAF_CHECK_EQUAL(header(op::binary, 5), "82 05");
  CAF_CHECK_EQUAL(header(op::close, 2), "88 02");
  CAF_CHECK_EQUAL(header(op::ping, 125), "89 7d");
  CAF_CHECK_EQUAL(header(op::pong, 0), "8a 00");
  CAF_CHECK_EQUAL(header(op::text, 126), "81 7e 00 7e");
  CAF_CHECK_EQUAL(header(op::text, 300), "81 7e 01 2c");
  CAF_CHECK_EQUAL(header(op::text, 65535), "81 7e ff ff");
  CAF_CHECK_EQUAL(header(op::text, 65536), "81 7f 00 00 00 00 00 01 00 00");
  CAF_CHECK_EQUAL(header(op::binary, std::size_t{1} << 32), "82 7f 00 00 00 01 00 00 00 00");
}

CAF_TEST(server close frames) {
  CAF_CHECK_EQUAL(hex(ws_close_frame(1000, "bye")), "88 05 03 e8 62 79 65");
  CAF_CHECK_EQUAL(hex(ws_close_frame(ws_close::too_big, "")), "88 02 03 f1");
  auto f = ws_close_frame(1002, std::string(200, 'a'));
  CAF_REQUIRE_EQUAL(f.size(), 127u);
  CAF_CHECK_EQUAL(hex(f.substr(0, 4)), "88 7d 03 ea");
  CAF_CHECK(f.substr(4) == std::string(123, 'a'));
  // Cut at a code point: 61 two-byte characters fit in 123 bytes.
  std::string accents;
  for (int i = 0; i < 100; ++i)
    accents += "é";
  f = ws_close_frame(1007, accents);
  CAF_REQUIRE_EQUAL(f.size(), 2u + 2 + 122);
  CAF_CHECK_EQUAL(hex(f.substr(0, 4)), "88 7c 03 ef");
  CAF_CHECK(f.substr(4) == accents.substr(0, 122));
  // A 4-byte character over the edge is dropped whole.
  f = ws_close_frame(1000, std::string(121, 'a') + "👋");
  CAF_CHECK_EQUAL(hex(f.substr(0, 4)), "88 7b 03 e8");
  CAF_CHECK(f.substr(4) == std::string(121, 'a'));
}

CAF_TEST(shrink keeps the reader working) {
  // The session shrinks after every input, also in the middle of a message.
  ws_reader reader{kLimit};
  CAF_CHECK_EQUAL(read_all(reader, client_frame(op::text, "hel", nonfinal())), "fragment/9");
  reader.shrink();
  CAF_CHECK_EQUAL(read_all(reader, client_frame(op::continuation, "lo")), "text/8:hello");
  reader.shrink();
  CAF_CHECK_EQUAL(read_all(reader, client_frame(op::text, "wor", nonfinal())), "fragment/9");
  CAF_CHECK_EQUAL(read_all(reader, client_frame(op::continuation, "ld")), "text/8:world");
  reader.shrink();
  CAF_CHECK_EQUAL(read_all(reader, client_frame(op::text, "again")), "text/11:again");
  reader.shrink();
  CAF_CHECK_EQUAL(read_all(reader, client_frame(op::continuation, "x")), "error 1002/0");
}
