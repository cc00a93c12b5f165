#include "ws_wire.hpp"

#include <cstring>
#include <random>

namespace bench::ws_wire {

std::ptrdiff_t parse(std::string_view in, frame& out, std::size_t& need) {
  need = 0;
  if (in.size() < 2) return 0;
  const auto b0 = static_cast<std::uint8_t>(in[0]);
  const auto b1 = static_cast<std::uint8_t>(in[1]);
  if ((b0 & 0x70) != 0 || (b1 & 0x80) != 0) return -1;  // reserved bits (no extensions) or masked
  std::size_t header = 2;
  std::uint64_t len = b1 & 0x7f;
  if (len == 126) {
    header = 4;
    if (in.size() < header) return 0;
    len = (static_cast<std::uint64_t>(static_cast<std::uint8_t>(in[2])) << 8) | static_cast<std::uint8_t>(in[3]);
  } else if (len == 127) {
    header = 10;
    if (in.size() < header) return 0;
    len = 0;
    for (int i = 2; i < 10; ++i) len = (len << 8) | static_cast<std::uint8_t>(in[static_cast<std::size_t>(i)]);
    if (len >> 62) return -1;
  }
  const auto op = static_cast<opcode>(b0 & 0x0f);
  const bool fin = (b0 & 0x80) != 0;
  if ((b0 & 0x08) != 0 && (!fin || len > 125)) return -1;  // control frames: whole and short
  need = header + static_cast<std::size_t>(len);
  if (in.size() < need) return 0;
  out.op = op;
  out.fin = fin;
  out.payload = in.substr(header, static_cast<std::size_t>(len));
  return static_cast<std::ptrdiff_t>(need);
}

void append_masked(std::string& out, opcode op, std::string_view payload, std::uint32_t mask) {
  const auto len = payload.size();
  out.push_back(static_cast<char>(0x80 | static_cast<std::uint8_t>(op)));
  if (len < 126) {
    out.push_back(static_cast<char>(0x80 | len));
  } else if (len <= 0xffff) {
    out.push_back(static_cast<char>(0x80 | 126));
    out.push_back(static_cast<char>(len >> 8));
    out.push_back(static_cast<char>(len & 0xff));
  } else {
    out.push_back(static_cast<char>(0x80 | 127));
    for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>((static_cast<std::uint64_t>(len) >> shift) & 0xff));
  }
  char key[4];
  std::memcpy(key, &mask, 4);
  out.append(key, 4);
  const auto start = out.size();
  out.append(payload);
  for (std::size_t i = 0; i < len; ++i) out[start + i] = static_cast<char>(out[start + i] ^ key[i & 3]);
}

std::string upgrade_request(std::string_view host, std::string_view target, std::string_view token) {
  // The key only has to be 16 random bytes, base64: the server echoes a hash of it that a load
  // generator has no reason to check.
  static constexpr char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  thread_local std::mt19937 rng{std::random_device{}()};
  std::string key;
  for (int i = 0; i < 21; ++i) key.push_back(b64[rng() % 64]);
  key += "Q==";  // 22 significant characters + padding = 16 bytes
  std::string req;
  req.reserve(256 + token.size());
  req.append("GET ").append(target).append(" HTTP/1.1\r\nHost: ").append(host);
  req.append("\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ");
  req.append(key).append("\r\nAuthorization: Bearer ").append(token);
  req.append("\r\nUser-Agent: chatbench\r\n\r\n");
  return req;
}

bool is_switching_protocols(std::string_view head) {
  return head.substr(0, 13) == "HTTP/1.1 101 ";
}

}  // namespace bench::ws_wire
