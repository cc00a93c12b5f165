// libFuzzer target: net/ws_codec, the RFC 6455 reader of client frames (headers, lengths, masking,
// fragmentation, control frames, close payloads) and the server-side frame writers.
//
// Input: byte 0 picks the message limit, byte 1 how the bytes arrive (all at once, or in chunks of
// 1..N bytes as a socket hands them over: the caller keeps the unread tail and offers it again with
// more bytes, as ws_session_read does); the rest is the client's byte stream, which must read the same
// however its bytes arrive. A second pass builds a frame from the input with the server's header
// writer, masks it, and reads it back (round trip).

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "common/text.hpp"
#include "fuzz_check.hpp"
#include "net/ws_codec.hpp"

namespace {

using chat::net::ws_read;
using chat::net::ws_reader;
using kind = ws_read::kind;

constexpr std::size_t limits[] = {0, 1, 7, 125, 126, 200, 65535, 65536, 1 << 20};

bool valid_utf8(std::string_view s) { return chat::utf8_length(s).has_value(); }

/// Checks one read() result against the reader's contract; false when reading must stop.
bool check(const ws_read& r, const char* data, std::size_t size) {
  switch (r.what) {
    case kind::need_more:
      FUZZ_CHECK(r.consumed == 0);
      return true;
    case kind::error:
      FUZZ_CHECK(r.consumed == 0);
      FUZZ_CHECK(r.code == chat::net::ws_close::protocol_error || r.code == chat::net::ws_close::too_big ||
                 r.code == chat::net::ws_close::invalid_payload);
      FUZZ_CHECK(!r.payload.empty()); // the static reason
      return false;
    case kind::fragment:
      FUZZ_CHECK(r.payload.empty());
      break;
    case kind::text:
      FUZZ_CHECK(valid_utf8(r.payload));
      break;
    case kind::ping:
    case kind::pong:
      FUZZ_CHECK(r.payload.size() <= 125);
      FUZZ_CHECK(chat::fuzz::inside(r.payload, {data, size}));
      break;
    case kind::close:
      FUZZ_CHECK(r.payload.size() <= 123);
      FUZZ_CHECK(valid_utf8(r.payload));
      FUZZ_CHECK(r.code == chat::net::ws_close::no_status || (r.code >= 1000 && r.code < 5000));
      break;
    case kind::binary:
      break;
  }
  FUZZ_CHECK(r.consumed >= 6 && r.consumed <= size); // at least 2 header bytes and the mask key
  return true;
}

/// What the reader reported, frame by frame (payloads copied: views die with the buffer).
struct event {
  kind what;
  std::string payload;
  std::uint16_t code;
  bool operator==(const event& o) const { return what == o.what && payload == o.payload && code == o.code; }
};

/// Reads `stream` as arriving in chunks of `chunk` bytes (0: all at once).
std::vector<event> read_stream(std::string_view stream, std::size_t limit, std::size_t chunk, bool shrink) {
  std::vector<event> events;
  ws_reader reader{limit};
  std::string pending; // the unread tail, as the session's buffer keeps it
  std::size_t offered = 0;
  while (offered < stream.size()) { // at most size / chunk + 1 rounds
    const auto n = chunk == 0 ? stream.size() : std::min(chunk, stream.size() - offered);
    pending.append(stream.substr(offered, n));
    offered += n;
    // An exactly sized heap copy, so that ASan sees any read past the bytes offered.
    std::unique_ptr<char[]> buf{new char[pending.size()]};
    std::memcpy(buf.get(), pending.data(), pending.size());
    std::size_t at = 0;
    for (;;) {
      auto r = reader.read(buf.get() + at, pending.size() - at);
      const bool go_on = check(r, buf.get() + at, pending.size() - at);
      if (r.what != kind::need_more)
        events.push_back({r.what, std::string{r.payload}, r.code});
      if (!go_on)
        return events;
      if (r.what == kind::need_more)
        break;
      at += r.consumed;
      if (shrink)
        reader.shrink();
    }
    pending.assign(buf.get() + at, pending.size() - at);
  }
  return events;
}

/// A client frame built from the server's header writer, masked with `key`, reads back as itself.
void round_trip(chat::net::ws_opcode op, std::string_view payload, const unsigned char key[4]) {
  char header[chat::net::kMaxFrameHeader];
  const auto n = chat::net::ws_frame_header(op, payload.size(), header);
  FUZZ_CHECK(n == 2 || n == 4 || n == 10);
  std::string frame(header, n);
  frame[1] = static_cast<char>(frame[1] | 0x80);
  frame.append(reinterpret_cast<const char*>(key), 4);
  for (std::size_t i = 0; i < payload.size(); ++i)
    frame.push_back(static_cast<char>(payload[i] ^ key[i % 4]));
  ws_reader reader{1 << 20};
  auto r = reader.read(frame.data(), frame.size());
  const bool text = op == chat::net::ws_opcode::text;
  if (text && !valid_utf8(payload)) {
    FUZZ_CHECK(r.what == kind::error && r.code == chat::net::ws_close::invalid_payload);
    return;
  }
  FUZZ_CHECK(r.what == (text ? kind::text : kind::binary));
  FUZZ_CHECK(r.consumed == frame.size());
  FUZZ_CHECK(r.payload == payload);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  chat::fuzz::input in{data, size};
  const auto limit = limits[in.byte() % std::size(limits)];
  const auto mode = in.byte();
  const std::size_t chunk = mode & 0x3F; // 0: the whole stream at once
  const bool shrink = (mode & 0x40) != 0;
  const auto stream = in.rest();
  const auto events = read_stream(stream, limit, chunk, shrink);
  if (chunk != 0) // how the bytes arrive changes nothing
    FUZZ_CHECK(events == read_stream(stream, limit, 0, shrink));

  // The writers: a close frame always fits a control frame and keeps a valid reason valid.
  const auto code = static_cast<std::uint16_t>(size * 7919);
  auto close = chat::net::ws_close_frame(code, stream);
  FUZZ_CHECK(close.size() >= 4 && close.size() <= 127);
  FUZZ_CHECK(std::size_t{static_cast<unsigned char>(close[1])} == close.size() - 2);
  FUZZ_CHECK(static_cast<unsigned char>(close[2]) == code >> 8 && static_cast<unsigned char>(close[3]) == (code & 0xFF));
  if (valid_utf8(stream))
    FUZZ_CHECK(valid_utf8(std::string_view{close}.substr(4)));

  const unsigned char key[4] = {static_cast<unsigned char>(mode), 0x5A, static_cast<unsigned char>(size), 0xC3};
  round_trip((mode & 0x80) != 0 ? chat::net::ws_opcode::binary : chat::net::ws_opcode::text, stream, key);
  return 0;
}
