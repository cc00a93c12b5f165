#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

// The WebSocket wire format (RFC 6455) as far as a load generator needs it: server frames are
// parsed in place from the read buffer (no copy, no UTF-8 pass), client frames are masked into
// one string that is written as is. Beast's client stream costs more per message than the whole
// rest of the receive path, and chatbench shares the machine with the servers it measures.
namespace bench::ws_wire {

enum class opcode : std::uint8_t { continuation = 0, text = 1, binary = 2, close = 8, ping = 9, pong = 10 };

struct frame {
  opcode op = opcode::text;
  bool fin = true;
  std::string_view payload;  // points into the parsed buffer
};

// Size of the unmasked server frame at the front of `in` (header + payload), 0 when `in` holds
// only part of it (`need` then says how many bytes the whole frame takes, when the header is
// complete), or -1 for a frame a server must not send (masked, reserved bits, bad lengths).
std::ptrdiff_t parse(std::string_view in, frame& out, std::size_t& need);

// Appends a masked client frame holding `payload` to `out`.
void append_masked(std::string& out, opcode op, std::string_view payload, std::uint32_t mask);

// The HTTP/1.1 upgrade request for `target` on `host`, authenticated with a bearer token.
std::string upgrade_request(std::string_view host, std::string_view target, std::string_view token);

// True when `head` (the response head, up to the blank line) is a 101 Switching Protocols.
bool is_switching_protocols(std::string_view head);

}  // namespace bench::ws_wire
