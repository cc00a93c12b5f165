#include "storage/message_json.hpp"

#include <cerrno>
#include <cmath>
#include <cstdlib>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace chat::storage {

namespace {

using writer_t = rapidjson::Writer<rapidjson::StringBuffer>;

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

} // namespace

std::string json_string(std::string_view text) {
  rapidjson::StringBuffer buf;
  writer_t w{buf};
  w.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
  return std::string{buf.GetString(), buf.GetSize()};
}

std::string build_message_json(std::int64_t id, std::string_view room_id, std::string_view from,
                               std::int64_t date, std::string_view text) {
  std::string out;
  out.reserve(64 + room_id.size() + from.size() + text.size());
  out.append("{\"id\":").append(std::to_string(id));
  out.append(",\"roomId\":").append(json_string(room_id));
  out.append(",\"from\":").append(json_string(from));
  out.append(",\"date\":").append(std::to_string(date));
  out.append(",\"message\":").append(json_string(text));
  out.append("}");
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
  rapidjson::Document d;
  d.Parse(raw.data(), raw.size());
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
  std::string text;
  if (auto it = d.FindMember("message"); it != d.MemberEnd() && !it->value.IsNull()) {
    if (!it->value.IsString())
      return std::nullopt;
    text.assign(it->value.GetString(), it->value.GetStringLength());
  }
  msg.json = build_message_json(msg.id, room, from, date, text);
  return msg;
}

} // namespace chat::storage
