#include "net/ws_frames.hpp"

#include <rapidjson/document.h>

#include "net/text.hpp"
#include "storage/json_doc.hpp"

namespace chat::net {
namespace {

using result = std::variant<client_frame, frame_error>;

frame_error fail(std::string code, std::string message, std::string client_id = {}) {
  return frame_error{std::move(code), std::move(message), std::move(client_id)};
}

std::string_view view(const rapidjson::Value& v) {
  return {v.GetString(), v.GetStringLength()};
}

/// Reads a required room id member into `out`; an error message otherwise.
const char* read_room_id(const rapidjson::Value& obj, std::string& out) {
  auto it = obj.FindMember("roomId");
  if (it == obj.MemberEnd())
    return "missing field roomId";
  if (!it->value.IsString() || !is_room_id(view(it->value)))
    return "roomId must be a room id string";
  out.assign(view(it->value));
  return nullptr;
}

result parse_message(const rapidjson::Value& obj, const frame_limits& limits) {
  client_frame f;
  f.type = client_frame::kind::message;
  if (auto it = obj.FindMember("clientId"); it != obj.MemberEnd()) {
    if (!it->value.IsString() || it->value.GetStringLength() > limits.max_client_id)
      return fail("bad_request", "clientId must be a string of at most 64 bytes");
    f.client_id.assign(view(it->value));
  }
  if (auto err = read_room_id(obj, f.room_id))
    return fail("bad_request", err, f.client_id);
  auto it = obj.FindMember("message");
  if (it == obj.MemberEnd())
    return fail("bad_request", "missing field message", f.client_id);
  if (!it->value.IsString())
    return fail("bad_request", "message must be a string", f.client_id);
  auto text = view(it->value);
  auto length = utf8_length(text);
  if (!length)
    return fail("bad_request", "message is not valid UTF-8", f.client_id);
  if (is_blank(text))
    return fail("bad_request", "message is empty", f.client_id);
  if (*length > limits.max_message_chars)
    return fail("too_long", "message is longer than " + std::to_string(limits.max_message_chars) +
                              " characters", f.client_id);
  f.text.assign(text);
  return f;
}

result parse_typing(const rapidjson::Value& obj) {
  client_frame f;
  f.type = client_frame::kind::typing;
  if (auto err = read_room_id(obj, f.room_id))
    return fail("bad_request", err);
  auto it = obj.FindMember("typing");
  if (it == obj.MemberEnd() || !it->value.IsBool())
    return fail("bad_request", "typing must be true or false");
  f.typing = it->value.GetBool();
  return f;
}

result parse_resume(const rapidjson::Value& obj, const frame_limits& limits) {
  client_frame f;
  f.type = client_frame::kind::resume;
  auto it = obj.FindMember("rooms");
  if (it == obj.MemberEnd() || !it->value.IsObject())
    return fail("bad_request", "rooms must be an object of room id to last id");
  if (it->value.MemberCount() > limits.max_resume_rooms)
    return fail("bad_request", "too many rooms in resume");
  for (auto& m : it->value.GetObject()) {
    if (!is_room_id(view(m.name)))
      return fail("bad_request", "rooms has a key that is not a room id");
    if (!m.value.IsInt64() || m.value.GetInt64() < 0)
      return fail("bad_request", "rooms values must be non-negative integer ids");
    f.resume.emplace_back(std::string{view(m.name)}, m.value.GetInt64());
  }
  return f;
}

} // namespace

std::variant<client_frame, frame_error> parse_client_frame(std::string_view text,
                                                           const frame_limits& limits) {
  storage::json_doc parsed;
  auto& doc = parsed.parse(text);
  if (doc.HasParseError() || !doc.IsObject())
    return fail("bad_json", "frame is not a JSON object");
  auto type_it = doc.FindMember("type");
  if (type_it == doc.MemberEnd() || !type_it->value.IsString())
    return fail("bad_request", "missing field type");
  auto type = view(type_it->value);
  if (type == "message")
    return parse_message(doc, limits);
  if (type == "typing")
    return parse_typing(doc);
  if (type == "resume")
    return parse_resume(doc, limits);
  if (type == "room.join") {
    client_frame f;
    f.type = client_frame::kind::room_join;
    if (auto err = read_room_id(doc, f.room_id))
      return fail("bad_request", err);
    return f;
  }
  if (type == "ping")
    return client_frame{};
  std::string client_id;
  if (auto it = doc.FindMember("clientId"); it != doc.MemberEnd() && it->value.IsString() &&
                                             it->value.GetStringLength() <= limits.max_client_id)
    client_id.assign(view(it->value));
  return fail("unknown_type", "unknown frame type", std::move(client_id));
}

} // namespace chat::net
