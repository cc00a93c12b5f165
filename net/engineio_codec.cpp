#include "net/engineio_codec.hpp"

namespace chat::net::eio {

std::optional<packet> parse_packet(std::string_view text, packet_error* error) noexcept {
  auto refuse = [error](packet_error e) -> std::optional<packet> {
    if (error != nullptr)
      *error = e;
    return std::nullopt;
  };
  if (text.empty())
    return refuse(packet_error::empty);
  const char c = text.front();
  if (c == 'b')
    return refuse(packet_error::binary);
  if (c < '0' || c > '6')
    return refuse(packet_error::unknown_type);
  return packet{static_cast<packet_type>(c), text.substr(1)};
}

std::string encode_packet(packet_type type, std::string_view data) {
  std::string out;
  out.reserve(1 + data.size());
  out.push_back(static_cast<char>(type));
  out.append(data);
  return out;
}

std::string open_packet(std::string_view sid, bool upgrade_to_websocket, std::chrono::milliseconds ping_interval,
                        std::chrono::milliseconds ping_timeout, std::size_t max_payload) {
  std::string out = "0{\"sid\":\"";
  out.append(sid);
  out.append("\",\"upgrades\":[");
  if (upgrade_to_websocket)
    out.append("\"websocket\"");
  out.append("],\"pingInterval\":").append(std::to_string(ping_interval.count()));
  out.append(",\"pingTimeout\":").append(std::to_string(ping_timeout.count()));
  out.append(",\"maxPayload\":").append(std::to_string(max_payload));
  out.push_back('}');
  return out;
}

std::vector<std::string_view> split_payload(std::string_view payload, std::size_t max_packets) {
  std::vector<std::string_view> out;
  if (payload.empty() || max_packets == 0)
    return out;
  while (out.size() + 1 < max_packets) {
    const auto at = payload.find(kRecordSeparator);
    if (at == std::string_view::npos)
      break;
    out.push_back(payload.substr(0, at));
    payload.remove_prefix(at + 1);
  }
  out.push_back(payload);
  return out;
}

std::string join_payload(const std::vector<std::string>& packets) {
  std::size_t bytes = 0;
  for (const auto& p : packets)
    bytes += p.size() + 1;
  std::string out;
  out.reserve(bytes);
  for (const auto& p : packets) {
    if (!out.empty() || &p != &packets.front())
      out.push_back(kRecordSeparator);
    out.append(p);
  }
  return out;
}

std::string_view to_string(packet_error e) noexcept {
  switch (e) {
    case packet_error::empty: return "empty Engine.IO packet";
    case packet_error::unknown_type: return "unknown Engine.IO packet type";
    case packet_error::binary: return "binary Engine.IO packets are not supported";
  }
  return "bad Engine.IO packet";
}

} // namespace chat::net::eio
