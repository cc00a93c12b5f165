#pragma once
/// RFC 6455 framing of an accepted `/ws` connection, server side. Beast performs the upgrade
/// handshake; after it the connection speaks frames through this codec instead of Beast's
/// websocket stream, whose state (~2.5 KB, a fixed 1,536-byte read buffer among it) every idle
/// connection would otherwise hold for its whole life (docs/benchmarks.md, session 9). Here an idle
/// connection holds no buffer at all: bytes are parsed from the caller's buffer, and only a
/// fragmented message is assembled in the reader. No Asio in the interface, so every rule is
/// unit-tested directly. Private to the net library.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace chat::net {

/// Frame opcodes (RFC 6455 §5.2).
enum class ws_opcode : std::uint8_t { continuation = 0, text = 1, binary = 2, close = 8, ping = 9, pong = 10 };

/// Close codes the server sends (RFC 6455 §7.4.1).
namespace ws_close {
inline constexpr std::uint16_t normal = 1000;
inline constexpr std::uint16_t protocol_error = 1002;
inline constexpr std::uint16_t unsupported = 1003;      ///< a data type the endpoint does not accept
inline constexpr std::uint16_t no_status = 1005;        ///< reported for a close frame without a code; never sent
inline constexpr std::uint16_t invalid_payload = 1007;  ///< text that is not UTF-8
inline constexpr std::uint16_t too_big = 1009;
} // namespace ws_close

/// Largest server frame header: 2 bytes + a 64-bit length (no mask).
inline constexpr std::size_t kMaxFrameHeader = 10;

/// What ws_reader::read found at the front of its input.
struct ws_read {
  enum class kind : std::uint8_t {
    need_more, ///< no whole frame yet: nothing consumed; call again with more bytes after these
    fragment,  ///< a non-final data frame was consumed into the reader; nothing to handle yet
    text,      ///< a whole text message (valid UTF-8): `payload`
    binary,    ///< a whole binary message: `payload`
    ping,      ///< `payload` (at most 125 bytes): answer with a pong carrying it
    pong,      ///< `payload`
    close,     ///< the peer's close: `code` (ws_close::no_status without one), `payload` its reason
    error,     ///< a protocol violation: close with `code`, `payload` a static reason; read no further
  };
  kind what = kind::need_more;
  std::size_t consumed = 0;  ///< bytes of the input this frame used (0 for need_more and error)
  std::string_view payload;  ///< into the input or the reader; valid until the next read()
  std::uint16_t code = 0;    ///< close and error only
};

/// Parses client frames. A frame must be whole in one input to be read (the caller keeps the
/// unread tail and offers it again with more bytes); its payload is unmasked in place. Enforces:
/// frames masked, RSV bits clear, known opcodes, control frames final and at most 125 bytes,
/// minimal length encoding, continuation only inside a message and data frames not inside one
/// (1002); a message's size, as soon as a header announces more than the limit (1009, before its
/// payload arrives: the caller never buffers more than one limit); UTF-8 text and close reasons
/// (1007); valid close codes (1002).
class ws_reader {
public:
  /// `max_message_bytes`: the largest message, fragments summed (larger: error 1009).
  explicit ws_reader(std::size_t max_message_bytes) noexcept : max_message_(max_message_bytes) {}

  /// Reads the frame at the front of `data[0, size)`.
  ws_read read(char* data, std::size_t size);

  /// Frees the assembly buffer of a fragmented message that is complete (for idle connections).
  void shrink() noexcept;

private:
  std::size_t max_message_;
  /// Fragments of the message in progress, or the last assembled message; allocated only for a
  /// fragmented message (most clients never send one), freed by shrink().
  std::unique_ptr<std::string> message_;
  bool in_message_ = false;
  bool text_ = false;
  bool delivered_ = false; ///< message_ holds a message already handed out: clear it first
};

/// Writes the header of a final, unmasked server frame with `size` payload bytes to `out` and
/// returns its length (2, 4 or 10).
std::size_t ws_frame_header(ws_opcode op, std::size_t size, char* out) noexcept;

/// A whole close frame: `code` and `reason`, the reason cut to fit 125 bytes at a UTF-8 boundary.
std::string ws_close_frame(std::uint16_t code, std::string_view reason);

} // namespace chat::net
