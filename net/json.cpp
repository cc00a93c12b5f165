#include "net/json.hpp"

#include <rapidjson/document.h>

#include "storage/json_doc.hpp"

namespace chat::net {

std::string error_body(std::string_view code, std::string_view message) {
  std::string out;
  out.reserve(32 + code.size() + message.size());
  out.append("{\"error\":");
  append_json_string(out, code);
  out.append(",\"message\":");
  append_json_string(out, message);
  out.push_back('}');
  return out;
}

bool json_object::parse(std::string_view body) {
  members_.clear();
  storage::json_doc parsed;
  auto& doc = parsed.parse(body);
  if (doc.HasParseError() || !doc.IsObject())
    return false;
  members_.reserve(doc.MemberCount());
  for (auto it = doc.MemberBegin(); it != doc.MemberEnd(); ++it) {
    json_member m;
    const auto& v = it->value;
    if (v.IsNull()) {
      m.type = json_member::kind::null;
    } else if (v.IsBool()) {
      m.type = json_member::kind::boolean;
      m.boolean = v.GetBool();
    } else if (v.IsInt64()) {
      m.type = json_member::kind::integer;
      m.integer = v.GetInt64();
    } else if (v.IsNumber()) {
      m.type = json_member::kind::number;
    } else if (v.IsString()) {
      m.type = json_member::kind::string;
      m.text.assign(v.GetString(), v.GetStringLength());
    } else {
      m.type = json_member::kind::other;
    }
    members_.emplace_back(std::string{it->name.GetString(), it->name.GetStringLength()},
                          std::move(m));
  }
  return true;
}

const json_member* json_object::find(std::string_view name) const noexcept {
  for (const auto& [key, value] : members_)
    if (key == name)
      return &value;
  return nullptr;
}

json_object::lookup json_object::get_string(std::string_view name, std::string& out) const {
  const auto* m = find(name);
  if (m == nullptr || m->type == json_member::kind::null)
    return lookup::missing;
  if (m->type != json_member::kind::string)
    return lookup::wrong_type;
  out = m->text;
  return lookup::ok;
}

json_object::lookup json_object::get_id(std::string_view name, std::string& out) const {
  const auto* m = find(name);
  if (m == nullptr || m->type == json_member::kind::null)
    return lookup::missing;
  if (m->type == json_member::kind::string) {
    out = m->text;
    return lookup::ok;
  }
  if (m->type == json_member::kind::integer && m->integer >= 0) {
    out = std::to_string(m->integer);
    return lookup::ok;
  }
  return lookup::wrong_type;
}

} // namespace chat::net
