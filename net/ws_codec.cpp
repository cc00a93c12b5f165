// RFC 6455 framing, server side: client frames read from contiguous bytes, server frame headers.
#include "net/ws_codec.hpp"

#include <cstring>

#include "common/text.hpp"

namespace chat::net {

namespace {

constexpr std::size_t kMaxControlPayload = 125;
constexpr std::size_t kMaskBytes = 4;

constexpr ws_read fail(std::uint16_t code, std::string_view why) noexcept {
  return ws_read{ws_read::kind::error, 0, why, code};
}

bool is_control(std::uint8_t opcode) noexcept { return (opcode & 0x8) != 0; }

bool is_known(std::uint8_t opcode) noexcept {
  switch (static_cast<ws_opcode>(opcode)) {
    case ws_opcode::continuation:
    case ws_opcode::text:
    case ws_opcode::binary:
    case ws_opcode::close:
    case ws_opcode::ping:
    case ws_opcode::pong:
      return true;
  }
  return false;
}

/// Codes a peer may send (RFC 6455 §7.4; 1012–1014 registered with IANA since).
bool is_valid_close_code(std::uint16_t code) noexcept {
  if (code >= 3000 && code <= 4999)
    return true;
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014);
}

std::uint64_t read_be(const unsigned char* p, std::size_t n) noexcept {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < n; ++i)
    v = (v << 8) | p[i];
  return v;
}

/// XORs `data` with the 4-byte `key`, eight bytes at a time where it can.
void unmask(char* data, std::size_t size, const unsigned char* key) noexcept {
  std::uint32_t k32;
  std::memcpy(&k32, key, sizeof k32);
  const std::uint64_t k64 = (static_cast<std::uint64_t>(k32) << 32) | k32;
  std::size_t i = 0;
  for (; i + 8 <= size; i += 8) { // every 8-byte step starts at a multiple of 4: the key lines up
    std::uint64_t v;
    std::memcpy(&v, data + i, sizeof v);
    v ^= k64;
    std::memcpy(data + i, &v, sizeof v);
  }
  for (; i < size; ++i)
    data[i] = static_cast<char>(data[i] ^ key[i % kMaskBytes]);
}

bool valid_utf8(std::string_view text) noexcept { return utf8_length(text).has_value(); }

} // namespace

ws_read ws_reader::read(char* data, std::size_t size) {
  if (delivered_) { // the last assembled message has been handled
    message_->clear();
    delivered_ = false;
  }
  const auto* p = reinterpret_cast<const unsigned char*>(data);
  if (size < 2)
    return {};
  const bool fin = (p[0] & 0x80) != 0;
  const std::uint8_t opcode = p[0] & 0x0F;
  const bool masked = (p[1] & 0x80) != 0;
  const std::uint8_t len7 = p[1] & 0x7F;
  if ((p[0] & 0x70) != 0)
    return fail(ws_close::protocol_error, "reserved bits set");
  if (!is_known(opcode))
    return fail(ws_close::protocol_error, "unknown opcode");
  if (!masked)
    return fail(ws_close::protocol_error, "client frames must be masked");
  const bool control = is_control(opcode);
  if (control && (!fin || len7 > kMaxControlPayload))
    return fail(ws_close::protocol_error, "bad control frame");
  if (!control) {
    const bool continuation = opcode == static_cast<std::uint8_t>(ws_opcode::continuation);
    if (continuation != in_message_)
      return fail(ws_close::protocol_error, continuation ? "continuation outside a message" : "message inside a message");
  }

  std::size_t header = 2;
  std::uint64_t length = len7;
  if (len7 == 126) {
    header += 2;
    if (size < header)
      return {};
    length = read_be(p + 2, 2);
    if (length < 126)
      return fail(ws_close::protocol_error, "length not minimally encoded");
  } else if (len7 == 127) {
    header += 8;
    if (size < header)
      return {};
    length = read_be(p + 2, 8);
    if ((length >> 63) != 0 || length <= 0xFFFF)
      return fail(ws_close::protocol_error, length >> 63 ? "length too large" : "length not minimally encoded");
  }
  if (!control && length > max_message_ - (in_message_ ? message_->size() : 0))
    return fail(ws_close::too_big, "message too big"); // from the header: its payload is never buffered
  const std::size_t key_at = header;
  header += kMaskBytes;
  if (size < header || size - header < length)
    return {};

  char* payload = data + header;
  const auto n = static_cast<std::size_t>(length);
  unmask(payload, n, p + key_at);
  ws_read out{ws_read::kind::need_more, header + n, std::string_view{payload, n}, 0};

  switch (static_cast<ws_opcode>(opcode)) {
    case ws_opcode::ping:
      out.what = ws_read::kind::ping;
      return out;
    case ws_opcode::pong:
      out.what = ws_read::kind::pong;
      return out;
    case ws_opcode::close:
      out.what = ws_read::kind::close;
      out.code = ws_close::no_status;
      if (n == 0)
        return out;
      if (n == 1)
        return fail(ws_close::protocol_error, "close payload of one byte");
      out.code = static_cast<std::uint16_t>(read_be(p + header, 2));
      out.payload.remove_prefix(2);
      if (!is_valid_close_code(out.code))
        return fail(ws_close::protocol_error, "invalid close code");
      if (!valid_utf8(out.payload))
        return fail(ws_close::invalid_payload, "close reason is not UTF-8");
      return out;
    default:
      break;
  }

  if (opcode != static_cast<std::uint8_t>(ws_opcode::continuation))
    text_ = opcode == static_cast<std::uint8_t>(ws_opcode::text);
  if (!fin || in_message_) { // part of a fragmented message: assemble it
    if (!message_)
      message_ = std::make_unique<std::string>();
    message_->append(payload, n);
    in_message_ = !fin;
    if (!fin) {
      out.what = ws_read::kind::fragment;
      out.payload = {};
      return out;
    }
    out.payload = *message_;
    delivered_ = true;
  }
  if (text_ && !valid_utf8(out.payload))
    return fail(ws_close::invalid_payload, "text is not UTF-8");
  out.what = text_ ? ws_read::kind::text : ws_read::kind::binary;
  return out;
}

void ws_reader::shrink() noexcept {
  if (!in_message_) {
    delivered_ = false;
    message_.reset();
  }
}

std::size_t ws_frame_header(ws_opcode op, std::size_t size, char* out) noexcept {
  auto* o = reinterpret_cast<unsigned char*>(out);
  o[0] = static_cast<unsigned char>(0x80 | static_cast<std::uint8_t>(op));
  if (size <= kMaxControlPayload) {
    o[1] = static_cast<unsigned char>(size);
    return 2;
  }
  if (size <= 0xFFFF) {
    o[1] = 126;
    o[2] = static_cast<unsigned char>(size >> 8);
    o[3] = static_cast<unsigned char>(size);
    return 4;
  }
  o[1] = 127;
  const auto v = static_cast<std::uint64_t>(size);
  for (int i = 0; i < 8; ++i)
    o[2 + i] = static_cast<unsigned char>(v >> (56 - 8 * i));
  return kMaxFrameHeader;
}

std::string ws_close_frame(std::uint16_t code, std::string_view reason) {
  constexpr std::size_t max_reason = kMaxControlPayload - 2;
  if (reason.size() > max_reason) {
    auto cut = max_reason;
    while (cut > 0 && (static_cast<unsigned char>(reason[cut]) & 0xC0) == 0x80)
      --cut; // back to the first byte of the code point that does not fit
    reason = reason.substr(0, cut);
  }
  std::string frame(2 + 2 + reason.size(), '\0');
  ws_frame_header(ws_opcode::close, 2 + reason.size(), frame.data());
  frame[2] = static_cast<char>(code >> 8);
  frame[3] = static_cast<char>(code & 0xFF);
  std::memcpy(frame.data() + 4, reason.data(), reason.size());
  return frame;
}

} // namespace chat::net
