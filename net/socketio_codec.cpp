#include "net/socketio_codec.hpp"

#include <array>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "storage/json_doc.hpp"

namespace chat::net::sio {
namespace {

using result = std::variant<packet, packet_error>;

/// Longest acknowledgement id accepted (digits): well inside int64.
constexpr std::size_t kMaxAckDigits = 15;
/// Longest namespace accepted.
constexpr std::size_t kMaxNamespace = 128;

/// Event names a client may not send (socket.io-parser's RESERVED_EVENTS).
constexpr std::array<std::string_view, 6> kReserved{"connect",       "connect_error", "disconnect",
                                                    "disconnecting", "newListener",   "removeListener"};

packet_error fail(std::string message) {
  return packet_error{std::move(message)};
}

std::string compact(const rapidjson::Value& v) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w{buf};
  v.Accept(w);
  return std::string{buf.GetString(), buf.GetSize()};
}

void append_escaped(std::string& out, std::string_view s) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w{buf};
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
  out.append(buf.GetString(), buf.GetSize());
}

/// The JSON payload of a packet, checked against its type (socket.io-parser's isPayloadValid).
result read_payload(packet p, std::string_view json, std::size_t max_args) {
  storage::json_doc parsed;
  auto& doc = parsed.parse(json);
  if (doc.HasParseError())
    return fail("payload is not JSON");
  switch (p.type) {
    case packet_type::connect:
      if (!doc.IsObject())
        return fail("CONNECT payload must be an object");
      p.data = compact(doc);
      return p;
    case packet_type::connect_error:
      if (!doc.IsObject() && !doc.IsString())
        return fail("CONNECT_ERROR payload must be an object or a string");
      p.data = compact(doc);
      return p;
    case packet_type::disconnect:
      return fail("DISCONNECT has no payload");
    case packet_type::event: {
      if (!doc.IsArray() || doc.Empty())
        return fail("EVENT payload must be an array starting with the event name");
      const auto& name = doc[0];
      if (name.IsString()) {
        p.event.assign(name.GetString(), name.GetStringLength());
        for (auto r : kReserved)
          if (p.event == r)
            return fail("reserved event name");
      } else if (name.IsNumber()) {
        p.event = compact(name);
      } else {
        return fail("the event name must be a string");
      }
      if (doc.Size() - 1 > max_args)
        return fail("too many event arguments");
      for (rapidjson::SizeType i = 1; i < doc.Size(); ++i)
        p.args.push_back(compact(doc[i]));
      return p;
    }
    case packet_type::ack:
      if (!doc.IsArray())
        return fail("ACK payload must be an array");
      if (doc.Size() > max_args)
        return fail("too many ack arguments");
      for (const auto& v : doc.GetArray())
        p.args.push_back(compact(v));
      return p;
  }
  return fail("unknown packet type");
}

} // namespace

std::variant<packet, packet_error> parse_packet(std::string_view text, std::size_t max_args) {
  if (text.empty())
    return fail("empty packet");
  const char t = text.front();
  if (t == '5' || t == '6')
    return fail("binary packets are not supported");
  if (t < '0' || t > '4')
    return fail("unknown packet type");
  packet p;
  p.type = static_cast<packet_type>(t);
  std::size_t i = 1;
  if (i < text.size() && text[i] == '/') { // a namespace, up to ',' or the end
    const auto comma = text.find(',', i);
    const auto end = comma == std::string_view::npos ? text.size() : comma;
    if (end - i > kMaxNamespace)
      return fail("namespace too long");
    p.nsp.assign(text.substr(i, end - i));
    i = comma == std::string_view::npos ? end : end + 1;
  }
  std::size_t digits = 0;
  std::int64_t id = 0;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
    if (++digits > kMaxAckDigits)
      return fail("ack id too long");
    id = id * 10 + (text[i] - '0');
    ++i;
  }
  if (digits > 0) {
    if (p.type != packet_type::event && p.type != packet_type::ack)
      return fail("only EVENT and ACK packets carry an id");
    p.ack_id = id;
  }
  if (i == text.size()) { // no payload
    if (p.type == packet_type::connect || p.type == packet_type::disconnect)
      return p;
    return fail("payload missing");
  }
  if (p.type == packet_type::ack && p.ack_id < 0)
    return fail("ACK without an id");
  return read_payload(std::move(p), text.substr(i), max_args);
}

std::string encode_connect(std::string_view sid) {
  std::string out = "0{\"sid\":\"";
  out.append(sid).append("\"}");
  return out;
}

std::string encode_connect_error(std::string_view message, std::string_view nsp) {
  std::string out = "4";
  if (nsp != "/")
    out.append(nsp).push_back(',');
  out.append("{\"message\":");
  append_escaped(out, message);
  out.push_back('}');
  return out;
}

std::string encode_event(std::string_view name, std::string_view data_json) {
  std::string out = "2[";
  append_escaped(out, name);
  out.push_back(',');
  out.append(data_json).push_back(']');
  return out;
}

std::string encode_ack(std::int64_t id, const std::vector<std::string>& args_json) {
  std::string out = "3" + std::to_string(id) + "[";
  for (std::size_t i = 0; i < args_json.size(); ++i) {
    if (i > 0)
      out.push_back(',');
    out.append(args_json[i]);
  }
  out.push_back(']');
  return out;
}

} // namespace chat::net::sio
