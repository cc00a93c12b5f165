#include "cluster/envelope.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "storage/json_doc.hpp"
#include "storage/key_schema.hpp"

namespace chat::cluster {
namespace {

std::string_view view(const rapidjson::Value& v) { return {v.GetString(), v.GetStringLength()}; }

/// A RapidJSON output stream that appends to a string (one allocation: the result's).
struct string_sink {
  using Ch = char;
  std::string& out;
  void Put(char c) { out.push_back(c); }
  void Flush() {}
};

/// `v` as compact JSON; `hint` is an upper bound of its size (the text it was parsed from). The
/// writer's nesting stack lives on this stack (32 levels; deeper values spill to the heap).
std::string serialize(const rapidjson::Value& v, std::size_t hint) {
  std::string out;
  out.reserve(hint);
  string_sink sink{out};
  using pool = rapidjson::MemoryPoolAllocator<rapidjson::CrtAllocator>;
  alignas(16) char levels_buffer[1024];
  pool levels{levels_buffer, sizeof levels_buffer};
  rapidjson::Writer<string_sink, rapidjson::UTF8<>, rapidjson::UTF8<>, pool> w{sink, &levels};
  v.Accept(w);
  return out;
}

std::int64_t int_member(const rapidjson::Value& obj, const char* name) {
  auto it = obj.FindMember(name);
  if (it == obj.MemberEnd())
    return 0;
  if (it->value.IsInt64())
    return it->value.GetInt64();
  if (it->value.IsNumber())
    return static_cast<std::int64_t>(it->value.GetDouble());
  return 0;
}

void put(rapidjson::Writer<rapidjson::StringBuffer>& w, std::string_view s) {
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

/// Opens a `chat:user-events` envelope: `{"serverId":…,"type":…,"action":…` (the publisher's echo
/// is recognised by own_envelope_prefix, so serverId stays first).
void start_user_event(rapidjson::Writer<rapidjson::StringBuffer>& w, std::string_view server_id,
                      std::string_view type, std::string_view action) {
  w.StartObject();
  w.Key("serverId");
  put(w, server_id);
  w.Key("type");
  put(w, type);
  w.Key("action");
  put(w, action);
}

} // namespace

std::optional<envelope> parse_envelope(std::string_view payload) {
  storage::json_doc parsed;
  auto& doc = parsed.parse(payload);
  if (doc.HasParseError() || !doc.IsObject())
    return std::nullopt;
  auto type = doc.FindMember("type");
  auto data = doc.FindMember("data");
  if (type == doc.MemberEnd() || !type->value.IsString() || data == doc.MemberEnd())
    return std::nullopt;
  envelope e;
  e.type.assign(view(type->value));
  e.data = serialize(data->value, payload.size());
  if (auto sid = doc.FindMember("serverId"); sid != doc.MemberEnd())
    e.server_id = sid->value.IsString() ? std::string{view(sid->value)} : serialize(sid->value, 32);
  e.ts_ms = int_member(doc, "ts");
  e.prev = int_member(doc, "prev");
  e.seq = int_member(doc, "seq");
  if (data->value.IsObject()) {
    e.message_id = int_member(data->value, "id");
    e.date = int_member(data->value, "date");
    if (auto id = data->value.FindMember("id"); id != data->value.MemberEnd()) {
      if (id->value.IsString())
        e.user_id.assign(view(id->value));
      else if (id->value.IsUint64())
        e.user_id = std::to_string(id->value.GetUint64());
    }
    if (auto r = data->value.FindMember("roomId"); r != data->value.MemberEnd() && r->value.IsString())
      e.room_id.assign(view(r->value));
  }
  if (auto a = doc.FindMember("action"); a != doc.MemberEnd() && a->value.IsString())
    e.action.assign(view(a->value));
  if (auto x = doc.FindMember("except"); x != doc.MemberEnd() && x->value.IsString())
    e.except_user.assign(view(x->value));
  if (auto x = doc.FindMember("only"); x != doc.MemberEnd() && x->value.IsString())
    e.only_user.assign(view(x->value));
  if (auto x = doc.FindMember("session"); x != doc.MemberEnd() && x->value.IsString())
    e.session_id.assign(view(x->value));
  if (auto x = doc.FindMember("user"); x != doc.MemberEnd() && x->value.IsString())
    e.ended_user_id.assign(view(x->value));
  if (auto r = doc.FindMember("room"); r != doc.MemberEnd() && r->value.IsString())
    e.room_id.assign(view(r->value));
  if (auto a = doc.FindMember("after"); a != doc.MemberEnd() && a->value.IsInt64())
    e.after = a->value.GetInt64();
  if (auto to = doc.FindMember("to"); to != doc.MemberEnd() && to->value.IsArray())
    for (auto& u : to->value.GetArray())
      if (u.IsString())
        e.to.emplace_back(view(u));
  return e;
}

std::string own_envelope_prefix(std::string_view server_id) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w{buf};
  w.StartObject();
  w.Key("serverId");
  put(w, server_id);
  std::string out{buf.GetString(), buf.GetSize()};
  out.push_back(',');
  return out;
}

std::string user_event_envelope(std::string_view server_id, std::string_view type, std::string_view action,
                                std::string_view room_id, const std::vector<std::string>& to,
                                std::string_view data_json, std::int64_t after) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w{buf};
  start_user_event(w, server_id, type, action);
  w.Key("room");
  put(w, room_id);
  w.Key("to");
  w.StartArray();
  for (auto& u : to)
    put(w, u);
  w.EndArray();
  w.Key("after");
  w.Int64(after);
  w.Key("data");
  w.RawValue(data_json.data(), data_json.size(), rapidjson::kObjectType);
  w.EndObject();
  return std::string{buf.GetString(), buf.GetSize()};
}

std::string session_end_envelope(std::string_view server_id, std::string_view session_id,
                                 std::string_view user_id) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w{buf};
  start_user_event(w, server_id, "session.ended", "end_session");
  w.Key("to");
  w.StartArray();
  w.EndArray();
  w.Key("session");
  put(w, session_id);
  w.Key("user");
  put(w, user_id);
  w.Key("data");
  w.StartObject();
  w.EndObject();
  w.EndObject();
  return std::string{buf.GetString(), buf.GetSize()};
}

std::string signal_envelope(std::string_view server_id, std::string_view type, std::string_view except_user,
                            std::string_view data_json) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w{buf};
  w.StartObject();
  w.Key("serverId");
  put(w, server_id);
  w.Key("type");
  put(w, type);
  w.Key("except");
  put(w, except_user);
  w.Key("data");
  w.RawValue(data_json.data(), data_json.size(), rapidjson::kObjectType);
  w.EndObject();
  return std::string{buf.GetString(), buf.GetSize()};
}

std::optional<std::string> tutorial_show_room_data(std::string_view data_json) {
  storage::json_doc parsed;
  auto& doc = parsed.parse(data_json);
  if (doc.HasParseError() || !doc.IsObject())
    return std::nullopt;
  auto id = doc.FindMember("id");
  auto names = doc.FindMember("names");
  if (id == doc.MemberEnd() || !id->value.IsString() || names == doc.MemberEnd() || !names->value.IsArray() ||
      names->value.Size() != 2)
    return std::nullopt;
  std::string a, b;
  if (!storage::parse_dm_room_id(view(id->value), a, b))
    return std::nullopt;
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w{buf};
  w.StartObject();
  w.Key("id");
  put(w, view(id->value));
  w.Key("names");
  w.StartArray();
  for (auto& n : names->value.GetArray()) {
    const rapidjson::Value* name = &n;
    if (n.IsArray() && n.Size() == 1)
      name = &n[0];
    if (!name->IsString())
      return std::nullopt;
    put(w, view(*name));
  }
  w.EndArray();
  w.EndObject();
  return std::string{buf.GetString(), buf.GetSize()};
}

} // namespace chat::cluster
