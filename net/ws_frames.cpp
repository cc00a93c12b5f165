#include "net/ws_frames.hpp"

#include <rapidjson/document.h>

#include "common/error.hpp"
#include "common/text.hpp"
#include "net/message_media.hpp"
#include "storage/json_doc.hpp"

namespace chat::net {
namespace {

using result = std::variant<client_frame, frame_error>;

/// Longest clientId echoed back in an error (a longer one is refused by chat_service's rule).
constexpr std::size_t max_echoed_client_id = 256;

frame_error fail(std::string message, std::string client_id = {}, error code = error::bad_request) {
  return frame_error{code, std::move(message), std::move(client_id)};
}

std::string_view view(const rapidjson::Value& v) {
  return {v.GetString(), v.GetStringLength()};
}

/// The frame's clientId when it is a string (validated later), else empty.
std::string client_id_of(const rapidjson::Value& obj) {
  auto it = obj.FindMember("clientId");
  if (it == obj.MemberEnd() || !it->value.IsString() || it->value.GetStringLength() > max_echoed_client_id)
    return {};
  return std::string{view(it->value)};
}

/// Reads the frame's `roomId`; an error message when it is missing or not a room id.
const char* read_room_id(const rapidjson::Value& obj, std::string& out) {
  auto room = obj.FindMember("roomId");
  if (room == obj.MemberEnd())
    return "missing field roomId";
  if (!room->value.IsString() || !is_room_id(view(room->value)))
    return "roomId must be a room id string";
  out.assign(view(room->value));
  return nullptr;
}

/// The fields of room commands, each read into its place; an error message when one is wrong.
struct fields {
  const rapidjson::Value& obj;

  const char* room_and_client(std::string& room_id, std::string& client_id) const {
    if (auto it = obj.FindMember("clientId"); it != obj.MemberEnd()) {
      if (!it->value.IsString() || it->value.GetStringLength() > max_echoed_client_id)
        return "clientId must be a string";
      client_id.assign(view(it->value));
    }
    return read_room_id(obj, room_id);
  }
  const char* text(std::string& out) const {
    auto it = obj.FindMember("message");
    if (it == obj.MemberEnd())
      return "missing field message";
    if (!it->value.IsString())
      return "message must be a string";
    out.assign(view(it->value));
    return nullptr;
  }
  const char* emoji(std::string& out) const { // (its rule is chat_service's: common/emoji.hpp)
    auto it = obj.FindMember("emoji");
    if (it == obj.MemberEnd())
      return "missing field emoji";
    if (!it->value.IsString())
      return "emoji must be a string";
    out.assign(view(it->value));
    return nullptr;
  }
  const char* on(bool& out) const {
    auto it = obj.FindMember("on");
    if (it == obj.MemberEnd() || !it->value.IsBool())
      return "on must be true or false";
    out = it->value.GetBool();
    return nullptr;
  }
  const char* parent_id(std::int64_t& out) const { // optional: a thread reply (issue #22)
    auto it = obj.FindMember("parentId");
    if (it == obj.MemberEnd() || it->value.IsNull())
      return nullptr;
    if (!it->value.IsInt64() || it->value.GetInt64() <= 0)
      return "parentId must be a positive integer message id";
    out = it->value.GetInt64();
    return nullptr;
  }
  const char* media(actors::send_command& out) const { // optional: files and a location (issue #24)
    return read_message_media(obj, out);
  }
  const char* message_id(std::int64_t& out) const {
    auto it = obj.FindMember("id");
    if (it == obj.MemberEnd())
      return "missing field id";
    if (!it->value.IsInt64() || it->value.GetInt64() <= 0)
      return "id must be a positive integer message id";
    out = it->value.GetInt64();
    return nullptr;
  }
};

/// Decodes a room command of type Command: the room and clientId, then its own fields in order, the first wrong one refuses the frame
/// (with the clientId when it was read).
template <class Command, class... Readers>
result decode(const rapidjson::Value& obj, Readers... readers) {
  Command cmd;
  fields f{obj};
  const char* err = f.room_and_client(cmd.room_id, cmd.client_id);
  ((err = err ? err : readers(f, cmd)), ...);
  if (err)
    return fail(err, cmd.client_id.empty() ? client_id_of(obj) : cmd.client_id);
  client_frame out;
  out.type = client_frame::kind::command;
  out.command = std::move(cmd);
  return out;
}

/// The room commands by frame type: a new kind is one row.
result parse_room_command(std::string_view type, const rapidjson::Value& obj, bool& known) {
  known = true;
  if (type == "message")
    return decode<actors::send_command>(obj, [](const fields& f, auto& c) { return f.text(c.text); },
                                        [](const fields& f, auto& c) { return f.parent_id(c.parent_id); },
                                        [](const fields& f, auto& c) { return f.media(c); });
  if (type == "message.edit")
    return decode<actors::edit_command>(obj, [](const fields& f, auto& c) { return f.message_id(c.id); },
                                        [](const fields& f, auto& c) { return f.text(c.text); });
  if (type == "message.delete")
    return decode<actors::delete_command>(obj, [](const fields& f, auto& c) { return f.message_id(c.id); });
  if (type == "message.stop")
    return decode<actors::stop_command>(obj, [](const fields& f, auto& c) { return f.message_id(c.id); });
  if (type == "read")
    return decode<actors::read_command>(obj, [](const fields& f, auto& c) { return f.message_id(c.id); });
  if (type == "reaction")
    return decode<actors::reaction_command>(obj, [](const fields& f, auto& c) { return f.message_id(c.id); },
                                            [](const fields& f, auto& c) { return f.emoji(c.emoji); },
                                            [](const fields& f, auto& c) { return f.on(c.on); });
  known = false;
  return client_frame{};
}

result parse_typing(const rapidjson::Value& obj) {
  client_frame f;
  f.type = client_frame::kind::typing;
  if (auto err = read_room_id(obj, f.room_id))
    return fail(err);
  auto it = obj.FindMember("typing");
  if (it == obj.MemberEnd() || !it->value.IsBool())
    return fail("typing must be true or false");
  f.typing = it->value.GetBool();
  return f;
}

result parse_resume(const rapidjson::Value& obj, std::size_t max_rooms) {
  client_frame f;
  f.type = client_frame::kind::resume;
  auto it = obj.FindMember("rooms");
  if (it == obj.MemberEnd() || !it->value.IsObject())
    return fail("rooms must be an object of room id to last id");
  if (it->value.MemberCount() > max_rooms)
    return fail("too many rooms in resume");
  for (auto& m : it->value.GetObject()) {
    if (!is_room_id(view(m.name)))
      return fail("rooms has a key that is not a room id");
    if (!m.value.IsInt64() || m.value.GetInt64() < 0)
      return fail("rooms values must be non-negative integer ids");
    f.resume.emplace_back(std::string{view(m.name)}, m.value.GetInt64());
  }
  return f;
}

/// `{"type":"presence.watch","users":["<id>",…],"clientId"?}`: the whole watch set.
result parse_presence_watch(const rapidjson::Value& obj, std::size_t max_users) {
  client_frame f;
  f.type = client_frame::kind::presence_watch;
  f.client_id = client_id_of(obj);
  auto it = obj.FindMember("users");
  if (it == obj.MemberEnd() || !it->value.IsArray())
    return fail("users must be an array of user ids", f.client_id);
  if (it->value.Size() > max_users)
    return fail("presence.watch names at most " + std::to_string(max_users) + " users", f.client_id,
                error::too_long);
  f.users.reserve(it->value.Size());
  for (auto& u : it->value.GetArray()) {
    if (!u.IsString() || !is_user_id(view(u)))
      return fail("users must hold user id strings", f.client_id);
    f.users.emplace_back(view(u));
  }
  return f;
}

} // namespace

std::variant<client_frame, frame_error> parse_client_frame(std::string_view text, std::size_t max_resume_rooms,
                                                           std::size_t max_watch_users) {
  storage::json_doc parsed;
  auto& doc = parsed.parse(text);
  if (doc.HasParseError() || !doc.IsObject())
    return fail("frame is not a JSON object", {}, error::bad_json);
  auto type_it = doc.FindMember("type");
  if (type_it == doc.MemberEnd() || !type_it->value.IsString())
    return fail("missing field type", client_id_of(doc));
  auto type = view(type_it->value);
  bool known = false;
  if (auto r = parse_room_command(type, doc, known); known)
    return r;
  if (type == "typing")
    return parse_typing(doc);
  if (type == "resume")
    return parse_resume(doc, max_resume_rooms);
  if (type == "room.join") {
    client_frame f;
    f.type = client_frame::kind::room_join;
    if (auto err = read_room_id(doc, f.room_id))
      return fail(err);
    return f;
  }
  if (type == "ping")
    return client_frame{};
  if (type == "presence.watch")
    return parse_presence_watch(doc, max_watch_users);
  return fail("unknown frame type", client_id_of(doc), error::unknown_type);
}

} // namespace chat::net
