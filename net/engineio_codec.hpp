#pragma once
/// Engine.IO v4 packets (the transport under Socket.IO, docs/protocol.md "Socket.IO"): a type digit
/// and its data, `0{json}` open, `1` close, `2` ping, `3` pong, `4…` message, `5` upgrade, `6` noop.
/// Over WebSocket every packet is one text frame; an HTTP long-polling payload joins packets with
/// the record separator `\x1e`. Binary packets (`b<base64>` in a payload, binary frames) are not
/// supported. Pure: no Beast or RapidJSON here, never throws.

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace chat::net::eio {

/// The packet types of Engine.IO v4 (their wire digit).
enum class packet_type : char {
  open = '0',
  close = '1',
  ping = '2',
  pong = '3',
  message = '4',
  upgrade = '5',
  noop = '6',
};

/// One decoded packet; `data` views the input (valid while it is).
struct packet {
  packet_type type = packet_type::noop;
  std::string_view data;
};

/// Why a packet was refused.
enum class packet_error {
  empty,       ///< no type digit
  unknown_type,///< not one of `0`..`6`
  binary,      ///< a base64 binary packet (`b…`): not supported
};

/// Decodes one packet (a WebSocket text frame, or one record of a polling payload).
/// Returns the packet, or sets `*error` (when given) and returns nothing.
std::optional<packet> parse_packet(std::string_view text, packet_error* error = nullptr) noexcept;

/// Encodes a packet: its type digit, then `data`.
std::string encode_packet(packet_type type, std::string_view data = {});

/// The handshake's open packet:
/// `0{"sid":…,"upgrades":[…],"pingInterval":…,"pingTimeout":…,"maxPayload":…}`.
/// `sid` is made of URL-safe characters (it is not escaped); `upgrade_to_websocket` lists
/// `"websocket"` in `upgrades` (a polling session that may upgrade).
std::string open_packet(std::string_view sid, bool upgrade_to_websocket, std::chrono::milliseconds ping_interval,
                        std::chrono::milliseconds ping_timeout, std::size_t max_payload);

/// Record separator between the packets of a polling payload.
inline constexpr char kRecordSeparator = '\x1e';

/// Splits a polling payload into its packets' texts (views into `payload`); at most `max_packets`
/// (the rest stays in the last). An empty payload has no packet.
std::vector<std::string_view> split_payload(std::string_view payload, std::size_t max_packets = 1000);

/// Joins encoded packets into one polling payload.
std::string join_payload(const std::vector<std::string>& packets);

/// The text of a packet_error (for logs and close reasons).
std::string_view to_string(packet_error e) noexcept;

} // namespace chat::net::eio
