#pragma once
/// Socket.IO v5 packets (carried in Engine.IO `4` message packets, engineio_codec.hpp):
/// `<type>[/nsp,][ack id][json]`, CONNECT `0[/nsp,]{auth}?`, DISCONNECT `1`, EVENT
/// `2[id]["name",args…]`, ACK `3<id>[args…]`, CONNECT_ERROR `4{"message"}`. Binary packets
/// (BINARY_EVENT `5`, BINARY_ACK `6`) are refused. Pure: no Beast or RapidJSON here, never throws.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace chat::net::sio {

/// The packet types of Socket.IO v5 (their wire digit).
enum class packet_type : char {
  connect = '0',
  disconnect = '1',
  event = '2',
  ack = '3',
  connect_error = '4',
};

/// One decoded packet.
struct packet {
  packet_type type = packet_type::connect;
  std::string nsp = "/";          ///< the namespace (`/` when the packet names none)
  std::int64_t ack_id = -1;       ///< EVENT: the id the sender wants an ACK for; ACK: its id; -1: none
  std::string data;               ///< CONNECT: the auth object (compact JSON), or empty; CONNECT_ERROR: its payload
  std::string event;              ///< EVENT: its name
  std::vector<std::string> args;  ///< EVENT: the arguments after the name; ACK: all; each compact JSON
};

/// Why a packet was refused (a decoding error: Socket.IO servers close the connection).
struct packet_error {
  std::string message;
};

/// Decodes the data of one Engine.IO message packet. At most `max_args` event arguments.
std::variant<packet, packet_error> parse_packet(std::string_view text, std::size_t max_args = 16);

/// `0{"sid":"<sid>"}`: the answer to a CONNECT of the main namespace (`sid`: URL-safe characters).
std::string encode_connect(std::string_view sid);

/// `4[/nsp,]{"message":"<message>"}`: a refused CONNECT (`message` is JSON-escaped).
std::string encode_connect_error(std::string_view message, std::string_view nsp = "/");

/// `2["<name>",<data_json>]`: an event with one argument (`name` is JSON-escaped; `data_json` is
/// inserted as it is).
std::string encode_event(std::string_view name, std::string_view data_json);

/// `3<id>[<args_json>…]`: an acknowledgement (each argument inserted as it is).
std::string encode_ack(std::int64_t id, const std::vector<std::string>& args_json);

} // namespace chat::net::sio
