#pragma once
/// Decoding of a message command's optional `attachments` and `location` (issue #24; docs/protocol.md
/// §1 POST /room/{id}/messages, §2.3 `message`): shapes and types only, the same for WebSocket frames
/// and HTTP bodies. Their rules (how many, ranges, label length) are chat_service's (command_rules.hpp).

#include <string_view>

#include <rapidjson/document.h>

#include "actors/chat_service.hpp"

namespace chat::net {

/// Reads `attachments` (an array of strings) and `location` (an object with numbers `lat`, `lon`,
/// optional number `accuracy` and string `label`) of the command object `obj` into `cmd` (absent or
/// null: none); an error message when one has another shape.
const char* read_message_media(const rapidjson::Value& obj, actors::send_command& cmd);

/// The same from a JSON object body (HTTP); an error message when it is not one.
const char* read_message_media(std::string_view body, actors::send_command& cmd);

} // namespace chat::net
