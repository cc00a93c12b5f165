#include "actors/command_rules.hpp"

#include "common/error.hpp"
#include "common/text.hpp"
#include "storage/key_schema.hpp"

namespace chat::actors {

std::error_code check_text(std::string_view text, const command_limits& limits, std::string& why) {
  auto length = utf8_length(text);
  if (!length) {
    why = "message is not valid UTF-8";
    return error::bad_request;
  }
  if (is_blank(text)) {
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

} // namespace chat::actors
