#include "actors/command_rules.hpp"

#include <cmath>
#include <cstdio>
#include <set>

#include "common/error.hpp"
#include "common/text.hpp"
#include "storage/file_store.hpp"
#include "storage/key_schema.hpp"
#include "storage/message_json.hpp"

namespace chat::actors {

std::error_code check_text(std::string_view text, const command_limits& limits, std::string& why,
                           bool may_be_blank) {
  auto length = utf8_length(text);
  if (!length) {
    why = "message is not valid UTF-8";
    return error::bad_request;
  }
  if (!may_be_blank && is_blank(text)) {
    why = "message must not be blank";
    return error::bad_request;
  }
  if (*length > limits.max_message_chars) {
    why = "message is longer than " + std::to_string(limits.max_message_chars) + " characters";
    return error::too_long;
  }
  return {};
}

std::error_code check_client_id(std::string_view client_id, const command_limits& limits, std::string& why) {
  auto length = utf8_length(client_id);
  if (!length || *length > limits.max_client_id_chars) {
    why = "clientId must be valid UTF-8 of at most " + std::to_string(limits.max_client_id_chars) +
          " characters";
    return error::bad_request;
  }
  return {};
}

std::error_code check_room_id(std::string_view room_id, std::string& why) {
  if (storage::classify_room_id(room_id))
    return {};
  why = "no such room";
  return error::not_found;
}

std::error_code check_attachments(const std::vector<std::string>& ids, std::string& why) {
  if (ids.size() > max_attachments) {
    why = "a message has at most " + std::to_string(max_attachments) + " attachments";
    return error::bad_request;
  }
  std::set<std::string_view> seen;
  for (const auto& id : ids) {
    if (!storage::is_file_id(id)) {
      why = "attachments must hold file ids";
      return error::bad_request;
    }
    if (!seen.insert(id).second) {
      why = "a file is attached at most once";
      return error::bad_request;
    }
  }
  return {};
}

std::error_code check_location(const message_location& where, std::string& why) {
  if (!std::isfinite(where.lat) || where.lat < -90 || where.lat > 90) {
    why = "location.lat must be a number from -90 to 90";
    return error::bad_request;
  }
  if (!std::isfinite(where.lon) || where.lon < -180 || where.lon > 180) {
    why = "location.lon must be a number from -180 to 180";
    return error::bad_request;
  }
  if (where.accuracy && (!std::isfinite(*where.accuracy) || *where.accuracy < 0)) {
    why = "location.accuracy must be a number of metres >= 0";
    return error::bad_request;
  }
  if (where.label) {
    auto length = utf8_length(*where.label);
    if (!length || *length > max_location_label_chars) {
      why = "location.label must be valid UTF-8 of at most " + std::to_string(max_location_label_chars) +
            " characters";
      return error::bad_request;
    }
  }
  return {};
}

namespace {

void append_number(std::string& out, double v) {
  char buf[32];
  auto n = std::snprintf(buf, sizeof buf, "%.14g", v == 0 ? 0.0 : v); // (no "-0")
  out.append(buf, static_cast<std::size_t>(n));
}

} // namespace

std::string location_json(const message_location& where) {
  std::string out = "{\"lat\":";
  append_number(out, where.lat);
  out += ",\"lon\":";
  append_number(out, where.lon);
  if (where.accuracy) {
    out += ",\"accuracy\":";
    append_number(out, *where.accuracy);
  }
  if (where.label) {
    out += ",\"label\":";
    storage::append_json_string(out, *where.label);
  }
  out += "}";
  return out;
}

} // namespace chat::actors
