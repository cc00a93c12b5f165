#include "net/socketio_dialect.hpp"

#include <variant>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "storage/json_doc.hpp"

namespace chat::net::sio {
namespace {

constexpr std::string_view kFrameHead = "{\"type\":\"";
constexpr std::string_view kFrameMid = "\",\"data\":";

/// The members of a tutorial `message` carried over to the `/ws` frame (`from`, `date` are not).
constexpr std::string_view kMessageFields[] = {"roomId", "message", "clientId", "parentId", "attachments", "location"};

} // namespace

bool split_event_frame(std::string_view frame, std::string_view& type, std::string_view& data) noexcept {
  if (frame.size() < kFrameHead.size() + kFrameMid.size() + 2 || frame.substr(0, kFrameHead.size()) != kFrameHead ||
      frame.back() != '}')
    return false;
  // The type ends at the first unescaped quote.
  std::size_t i = kFrameHead.size();
  while (i < frame.size() && frame[i] != '"')
    i += frame[i] == '\\' ? 2 : 1;
  if (i >= frame.size() || frame.substr(i, kFrameMid.size()) != kFrameMid)
    return false;
  type = frame.substr(kFrameHead.size(), i - kFrameHead.size());
  const auto data_at = i + kFrameMid.size();
  if (data_at >= frame.size() - 1)
    return false; // no data
  data = frame.substr(data_at, frame.size() - 1 - data_at);
  return true;
}

std::optional<std::string> to_chat_frame(const packet& event) {
  if (event.type != packet_type::event)
    return std::nullopt;
  const bool message = event.event == "message";
  if (!message && event.event != "room.join")
    return std::nullopt;
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w{buf};
  w.StartObject();
  w.Key("type");
  w.String(message ? "message" : "room.join");
  if (!event.args.empty()) {
    storage::json_doc parsed;
    auto& arg = parsed.parse(event.args.front()); // compact JSON from the codec: it parses
    if (!arg.HasParseError()) {
      if (!message) {
        w.Key("roomId");
        arg.Accept(w);
      } else if (arg.IsObject()) {
        for (auto name : kMessageFields) {
          auto it = arg.FindMember(rapidjson::StringRef(name.data(), name.size()));
          if (it == arg.MemberEnd())
            continue;
          w.Key(name.data(), static_cast<rapidjson::SizeType>(name.size()));
          it->value.Accept(w);
        }
      }
    }
  }
  w.EndObject();
  return std::string{buf.GetString(), buf.GetSize()};
}

client_step interpret_client_packet(std::string_view text, bool connected, bool session_ended,
                                    std::string (*new_sid)()) {
  using k = client_step::kind;
  auto parsed = parse_packet(text);
  if (auto* err = std::get_if<packet_error>(&parsed))
    return {k::fail, err->message, "sio_bad_packet"};
  auto& p = std::get<packet>(parsed);
  if (p.nsp != "/") { // only the main namespace
    if (p.type == packet_type::connect)
      return {k::reply, "4" + encode_connect_error("Invalid namespace", p.nsp), "sio_bad_namespace"};
    return {k::ignore, {}, "sio_bad_namespace"};
  }
  switch (p.type) {
    case packet_type::connect:
      if (session_ended)
        return {k::reply, "4" + encode_connect_error("unauthorized"), "sio_unauthorized"};
      if (connected)
        return {}; // connected already
      return {k::connect, "4" + encode_connect(new_sid()), nullptr};
    case packet_type::disconnect:
      return {k::disconnect, {}, nullptr};
    case packet_type::event:
      if (!connected)
        return {k::ignore, {}, "sio_not_connected"};
      if (auto frame = to_chat_frame(p))
        return {k::chat_frame, std::move(*frame), nullptr};
      return {k::ignore, {}, "sio_unknown_event"};
    case packet_type::ack:           // the server asks for none
    case packet_type::connect_error: // the server's packet
      return {k::ignore, {}, "sio_unexpected_packet"};
  }
  return {k::ignore, {}, "sio_unexpected_packet"};
}

} // namespace chat::net::sio
