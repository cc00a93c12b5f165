#include "storage/message_json.hpp"

#include <cerrno>
#include <cmath>
#include <cstdlib>

#include <rapidjson/document.h>

#include "storage/json_doc.hpp"
#include "storage/key_schema.hpp"
#include "storage/message_media.hpp"

namespace chat::storage {

namespace {

/// Converts a finite double to int64 by flooring; false when out of range.
bool floor_to_int64(double v, std::int64_t& out) noexcept {
  if (!std::isfinite(v))
    return false;
  double f = std::floor(v);
  if (f < -9.0e18 || f > 9.0e18)
    return false;
  out = static_cast<std::int64_t>(f);
  return true;
}

/// A JSON number or numeric string as int64 (floored); false otherwise.
bool number_of(const rapidjson::Value& v, std::int64_t& out) noexcept {
  if (v.IsInt64()) {
    out = v.GetInt64();
    return true;
  }
  if (v.IsNumber())
    return floor_to_int64(v.GetDouble(), out);
  if (v.IsString()) {
    double d = 0;
    return parse_score(std::string_view{v.GetString(), v.GetStringLength()}, d) && floor_to_int64(d, out);
  }
  return false;
}

/// A JSON string, or an integer rendered as decimal; false for other types.
bool text_of(const rapidjson::Value& v, std::string& out) {
  if (v.IsString()) {
    out.assign(v.GetString(), v.GetStringLength());
    return true;
  }
  std::int64_t n = 0;
  if (v.IsNumber() && number_of(v, n)) {
    out = std::to_string(n);
    return true;
  }
  return false;
}

/// `,"mentions":[…]` of a stored row's `mentions` when it is a non-empty array of user ids (at most
/// 200, as the scripts write it); nothing otherwise.
void append_mentions(std::string& out, const rapidjson::Value& v) {
  if (!v.IsArray() || v.Empty() || v.Size() > 200)
    return;
  for (const auto& id : v.GetArray())
    if (!id.IsString() || !is_valid_user_id(std::string_view{id.GetString(), id.GetStringLength()}))
      return;
  out.append(",\"mentions\":[");
  for (const auto& id : v.GetArray()) {
    if (out.back() != '[')
      out.push_back(',');
    out.push_back('"');
    out.append(id.GetString(), id.GetStringLength());
    out.push_back('"');
  }
  out.push_back(']');
}

} // namespace

void append_json_string(std::string& out, std::string_view text) {
  static constexpr char hex[] = "0123456789abcdef";
  out.reserve(out.size() + text.size() + 2);
  out.push_back('"');
  std::size_t run = 0; // start of the bytes not yet copied
  for (std::size_t i = 0; i < text.size(); ++i) {
    auto u = static_cast<unsigned char>(text[i]);
    if (u >= 0x20 && u != '"' && u != '\\' && u != 0x7F)
      continue;
    out.append(text.data() + run, i - run);
    run = i + 1;
    switch (u) {
      case '"': out.append("\\\""); break;
      case '\\': out.append("\\\\"); break;
      case '\n': out.append("\\n"); break;
      case '\r': out.append("\\r"); break;
      case '\t': out.append("\\t"); break;
      case '\b': out.append("\\b"); break;
      case '\f': out.append("\\f"); break;
      default:
        out.append("\\u00");
        out.push_back(hex[u >> 4]);
        out.push_back(hex[u & 0xF]);
    }
  }
  out.append(text.data() + run, text.size() - run);
  out.push_back('"');
}

std::string json_string(std::string_view text) {
  std::string out;
  append_json_string(out, text);
  return out;
}

namespace {

/// A positive integer member of `d` (`key`), or 0.
std::int64_t positive_member(const rapidjson::Value& d, const char* key) {
  std::int64_t v = 0;
  if (auto it = d.FindMember(key); it != d.MemberEnd() && it->value.IsNumber() && number_of(it->value, v) && v > 0)
    return v;
  return 0;
}

/// `,"parentId":p` of a thread reply and `,"replies":n,"lastReplyAt":t` of a parent with replies
/// (lua_threads.hpp), each only when well formed.
void append_thread_fields(std::string& out, const rapidjson::Value& d) {
  if (auto parent = positive_member(d, "parentId"))
    out.append(",\"parentId\":").append(std::to_string(parent));
  if (auto replies = positive_member(d, "replies")) {
    out.append(",\"replies\":").append(std::to_string(replies));
    out.append(",\"lastReplyAt\":").append(std::to_string(positive_member(d, "lastReplyAt")));
  }
}

/// Adds `,"reactions":{"<emoji>":["<userId>",…],…}` before the closing brace of the message JSON
/// `out`, in stored order; emoji whose value is not an array of strings, and empty arrays, are left
/// out, and so is the field when nothing is left.
void append_reactions(std::string& out, const rapidjson::Value& v) {
  if (!v.IsObject() || v.MemberCount() == 0)
    return;
  std::string field = ",\"reactions\":{";
  bool any = false;
  for (auto& m : v.GetObject()) {
    if (!m.value.IsArray() || m.value.Empty())
      continue;
    std::string users;
    bool ok = true;
    for (auto& u : m.value.GetArray()) {
      if (!u.IsString()) {
        ok = false;
        break;
      }
      users.push_back(users.empty() ? '[' : ',');
      append_json_string(users, std::string_view{u.GetString(), u.GetStringLength()});
    }
    if (!ok)
      continue;
    if (any)
      field.push_back(',');
    append_json_string(field, std::string_view{m.name.GetString(), m.name.GetStringLength()});
    field.append(":").append(users).push_back(']');
    any = true;
  }
  if (!any)
    return;
  out.pop_back(); // the message's closing brace
  out.append(field).append("}}");
}

/// `{"id":…,"roomId":"…","from":"…","date":…` (the object left open).
void append_message_head(std::string& out, std::int64_t id, std::string_view room_id, std::string_view from,
                         std::int64_t date) {
  out.append("{\"id\":").append(std::to_string(id));
  out.append(",\"roomId\":");
  append_json_string(out, room_id);
  out.append(",\"from\":");
  append_json_string(out, from);
  out.append(",\"date\":").append(std::to_string(date));
}

} // namespace

std::string build_message_json(std::int64_t id, std::string_view room_id, std::string_view from,
                               std::int64_t date, std::string_view text, std::int64_t edited,
                               const reply_marks* reply, std::string_view extra_fields) {
  std::string out;
  out.reserve(80 + room_id.size() + from.size() + text.size() + extra_fields.size());
  append_message_head(out, id, room_id, from, date);
  out.append(",\"message\":");
  append_json_string(out, text);
  out.append(extra_fields);
  if (edited > 0)
    out.append(",\"edited\":").append(std::to_string(edited));
  if (reply != nullptr) {
    out.append(reply->streaming ? ",\"streaming\":true" : ",\"streaming\":false");
    if (reply->stopped)
      out.append(",\"stopped\":true");
    if (!reply->error.empty()) {
      out.append(",\"error\":");
      append_json_string(out, reply->error);
    }
  }
  out.append("}");
  return out;
}

std::string build_tombstone_json(std::int64_t id, std::string_view room_id, std::string_view from,
                                 std::int64_t date, std::string_view extra_fields) {
  std::string out;
  out.reserve(80 + room_id.size() + from.size() + extra_fields.size());
  append_message_head(out, id, room_id, from, date);
  out.append(extra_fields);
  out.append(",\"deleted\":true}");
  return out;
}

bool parse_score(std::string_view text, double& out) noexcept {
  if (text.empty() || text.size() > 64)
    return false;
  char buf[65];
  text.copy(buf, text.size());
  buf[text.size()] = '\0';
  char* end = nullptr;
  errno = 0;
  double v = std::strtod(buf, &end);
  if (end != buf + text.size() || errno == ERANGE || !std::isfinite(v))
    return false;
  out = v;
  return true;
}

std::optional<stored_message> normalise_message(std::string_view raw, double score,
                                                std::string_view room_id) {
  json_doc parsed;
  auto& d = parsed.parse(raw);
  if (d.HasParseError() || !d.IsObject())
    return std::nullopt;
  stored_message msg;
  if (auto it = d.FindMember("id"); it != d.MemberEnd()) {
    if (!number_of(it->value, msg.id))
      return std::nullopt;
  } else if (!floor_to_int64(score, msg.id)) {
    return std::nullopt;
  }
  std::string room{room_id};
  if (auto it = d.FindMember("roomId"); it != d.MemberEnd() && !it->value.IsNull())
    if (!text_of(it->value, room))
      return std::nullopt;
  std::string from;
  if (auto it = d.FindMember("from"); it != d.MemberEnd() && !it->value.IsNull())
    if (!text_of(it->value, from))
      return std::nullopt;
  std::int64_t date = 0;
  if (auto it = d.FindMember("date"); it != d.MemberEnd() && !it->value.IsNull()) {
    if (!number_of(it->value, date))
      return std::nullopt;
    if (date > 100'000'000'000LL) // a millisecond timestamp: seconds are what we expose
      date /= 1000;
  } else {
    double secs = score > 1.0e11 ? score / 1000.0 : score;
    if (!floor_to_int64(secs, date))
      return std::nullopt;
  }
  std::string thread; // a reply's parentId, a parent's replies and lastReplyAt (issue #22)
  append_thread_fields(thread, d);
  if (auto it = d.FindMember("deleted"); it != d.MemberEnd() && !it->value.IsNull()) {
    if (!it->value.IsBool())
      return std::nullopt;
    if (it->value.GetBool()) { // a tombstone: whatever text it may hold is gone
      if (auto m = d.FindMember("moderated"); m != d.MemberEnd() && m->value.IsBool() && m->value.GetBool())
        thread += ",\"moderated\":true"; // deleted by an admin or moderator (issue #23)
      msg.json = build_tombstone_json(msg.id, room, from, date, thread);
      return msg;
    }
  }
  std::int64_t edited = 0;
  if (auto it = d.FindMember("edited"); it != d.MemberEnd() && !it->value.IsNull())
    if (!number_of(it->value, edited) || edited <= 0)
      return std::nullopt;
  std::string text;
  if (auto it = d.FindMember("message"); it != d.MemberEnd() && !it->value.IsNull()) {
    if (!it->value.IsString())
      return std::nullopt;
    text.assign(it->value.GetString(), it->value.GetStringLength());
  }
  std::optional<reply_marks> reply;
  if (auto it = d.FindMember("streaming"); it != d.MemberEnd() && !it->value.IsNull()) {
    if (!it->value.IsBool())
      return std::nullopt;
    reply.emplace();
    reply->streaming = it->value.GetBool();
    if (auto st = d.FindMember("stopped"); st != d.MemberEnd() && st->value.IsBool())
      reply->stopped = st->value.GetBool();
    if (auto er = d.FindMember("error"); er != d.MemberEnd() && er->value.IsString())
      reply->error.assign(er->value.GetString(), er->value.GetStringLength());
  }
  std::string extras;
  if (auto it = d.FindMember("mentions"); it != d.MemberEnd())
    append_mentions(extras, it->value);
  append_media_fields(extras, d); // files and location (issue #24)
  extras += thread;
  msg.json = build_message_json(msg.id, room, from, date, text, edited, reply ? &*reply : nullptr, extras);
  if (auto it = d.FindMember("reactions"); it != d.MemberEnd())
    append_reactions(msg.json, it->value);
  return msg;
}

} // namespace chat::storage
