#include "net/message_media.hpp"

#include <string>

#include "storage/json_doc.hpp"

namespace chat::net {

namespace {

/// Bounds the decoding work of a hostile array (the rule, at most 10, is command_rules').
constexpr rapidjson::SizeType max_decoded_attachments = 100;

/// An optional member: nullptr when absent or null.
const rapidjson::Value* optional_member(const rapidjson::Value& obj, const char* name) {
  auto it = obj.FindMember(name);
  return it == obj.MemberEnd() || it->value.IsNull() ? nullptr : &it->value;
}

} // namespace

const char* read_message_media(const rapidjson::Value& obj, actors::send_command& cmd) {
  if (const auto* a = optional_member(obj, "attachments")) {
    if (!a->IsArray())
      return "attachments must be an array of file ids";
    if (a->Size() > max_decoded_attachments)
      return "a message has at most 10 attachments";
    cmd.attachments.reserve(a->Size());
    for (const auto& id : a->GetArray()) {
      if (!id.IsString())
        return "attachments must be an array of file ids";
      cmd.attachments.emplace_back(id.GetString(), id.GetStringLength());
    }
  }
  const auto* l = optional_member(obj, "location");
  if (l == nullptr)
    return nullptr;
  if (!l->IsObject())
    return "location must be an object {lat, lon, accuracy?, label?}";
  actors::message_location where;
  const auto* lat = optional_member(*l, "lat");
  const auto* lon = optional_member(*l, "lon");
  if (lat == nullptr || !lat->IsNumber())
    return "location.lat must be a number";
  if (lon == nullptr || !lon->IsNumber())
    return "location.lon must be a number";
  where.lat = lat->GetDouble();
  where.lon = lon->GetDouble();
  if (const auto* accuracy = optional_member(*l, "accuracy")) {
    if (!accuracy->IsNumber())
      return "location.accuracy must be a number";
    where.accuracy = accuracy->GetDouble();
  }
  if (const auto* label = optional_member(*l, "label")) {
    if (!label->IsString())
      return "location.label must be a string";
    where.label.emplace(label->GetString(), label->GetStringLength());
  }
  cmd.location = std::move(where);
  return nullptr;
}

const char* read_message_media(std::string_view body, actors::send_command& cmd) {
  storage::json_doc parsed;
  const auto& doc = parsed.parse(body);
  if (doc.HasParseError() || !doc.IsObject())
    return "body must be a JSON object";
  return read_message_media(doc, cmd);
}

} // namespace chat::net
