#include "storage/message_media.hpp"

#include <cmath>
#include <cstdio>
#include <string_view>

#include "storage/message_json.hpp"

namespace chat::storage {

namespace {

std::string_view view(const rapidjson::Value& v) {
  return {v.GetString(), v.GetStringLength()};
}

/// A string member of `obj`, or nullptr.
const rapidjson::Value* string_member(const rapidjson::Value& obj, const char* name) {
  auto it = obj.FindMember(name);
  return it != obj.MemberEnd() && it->value.IsString() ? &it->value : nullptr;
}

/// A finite number member of `obj`, or nullptr.
const rapidjson::Value* number_member(const rapidjson::Value& obj, const char* name) {
  auto it = obj.FindMember(name);
  return it != obj.MemberEnd() && it->value.IsNumber() && std::isfinite(it->value.GetDouble()) ? &it->value
                                                                                               : nullptr;
}

/// A JSON number as the scripts write it: integers as integers, others `%.14g`.
void append_number(std::string& out, const rapidjson::Value& v) {
  if (v.IsInt64()) {
    out += std::to_string(v.GetInt64());
    return;
  }
  char buf[32];
  auto n = std::snprintf(buf, sizeof buf, "%.14g", v.GetDouble());
  out.append(buf, static_cast<std::size_t>(n));
}

/// One attachment; false when it is not of the shape the scripts write.
bool append_attachment(std::string& out, const rapidjson::Value& a) {
  if (!a.IsObject())
    return false;
  const auto* id = string_member(a, "id");
  const auto* name = string_member(a, "name");
  const auto* type = string_member(a, "type");
  const auto* url = string_member(a, "url");
  const auto* size = number_member(a, "size");
  if (!id || !name || !type || !url || !size)
    return false;
  out += "{\"id\":";
  append_json_string(out, view(*id));
  out += ",\"name\":";
  append_json_string(out, view(*name));
  out += ",\"size\":";
  append_number(out, *size);
  out += ",\"type\":";
  append_json_string(out, view(*type));
  const auto* width = number_member(a, "width");
  const auto* height = number_member(a, "height");
  if (width && height) {
    out += ",\"width\":";
    append_number(out, *width);
    out += ",\"height\":";
    append_number(out, *height);
  }
  out += ",\"url\":";
  append_json_string(out, view(*url));
  out += '}';
  return true;
}

} // namespace

std::string file_list(const std::vector<std::string>& ids) {
  std::string out;
  for (const auto& id : ids) {
    if (!out.empty())
      out += ' ';
    out += id;
  }
  return out;
}

void append_media_fields(std::string& out, const rapidjson::Value& row) {
  if (auto it = row.FindMember("attachments"); it != row.MemberEnd() && it->value.IsArray() && !it->value.Empty()) {
    std::string field = ",\"attachments\":[";
    bool any = false;
    for (const auto& a : it->value.GetArray()) {
      if (any)
        field += ',';
      auto mark = field.size();
      if (append_attachment(field, a))
        any = true;
      else if (any)
        field.resize(mark - 1); // (drop the comma)
    }
    if (any)
      out.append(field).append("]");
  }
  auto it = row.FindMember("location");
  if (it == row.MemberEnd() || !it->value.IsObject())
    return;
  const auto& l = it->value;
  const auto* lat = number_member(l, "lat");
  const auto* lon = number_member(l, "lon");
  if (!lat || !lon)
    return;
  out += ",\"location\":{\"lat\":";
  append_number(out, *lat);
  out += ",\"lon\":";
  append_number(out, *lon);
  if (const auto* accuracy = number_member(l, "accuracy")) {
    out += ",\"accuracy\":";
    append_number(out, *accuracy);
  }
  if (const auto* label = string_member(l, "label")) {
    out += ",\"label\":";
    append_json_string(out, view(*label));
  }
  out += '}';
}

} // namespace chat::storage
