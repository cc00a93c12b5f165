#include "net/json_views.hpp"

#include "net/json.hpp"

namespace chat::net {

std::string user_json(const storage::user& u) {
  std::string out;
  out.reserve(64 + u.username.size());
  out.append("{\"id\":");
  append_json_string(out, u.id);
  out.append(",\"username\":");
  append_json_string(out, u.username);
  out.append(",\"role\":");
  append_json_string(out, u.role);
  out.push_back('}');
  return out;
}

std::string users_by_id_json(const std::vector<storage::user_view>& users) {
  std::string out;
  out.reserve(2 + users.size() * 64);
  out.push_back('{');
  bool first = true;
  for (const auto& u : users) {
    if (!first)
      out.push_back(',');
    first = false;
    append_json_string(out, u.id);
    out.append(":{\"id\":");
    append_json_string(out, u.id);
    out.append(",\"username\":");
    append_json_string(out, u.username);
    out.append(u.online ? ",\"online\":true" : ",\"online\":false");
    out.append(u.bot ? ",\"role\":\"bot\"}" : "}");
  }
  out.push_back('}');
  return out;
}

std::string user_rows_json(const std::vector<storage::user_view>& users) {
  std::string out;
  out.reserve(2 + users.size() * 80);
  out.push_back('[');
  for (const auto& u : users) {
    if (out.size() > 1)
      out.push_back(',');
    out.append("{\"id\":");
    append_json_string(out, u.id);
    out.append(",\"username\":");
    append_json_string(out, u.username);
    out.append(u.online ? ",\"online\":true" : ",\"online\":false");
    out.append(",\"role\":");
    append_json_string(out, u.bot ? std::string_view{"bot"} : u.role == "admin" ? std::string_view{"admin"} : std::string_view{"user"});
    out.push_back('}');
  }
  out.push_back(']');
  return out;
}

void append_channel_settings(std::string& out, const storage::channel_settings& c) {
  out.append(",\"topic\":");
  append_json_string(out, c.topic);
  out.append(c.is_private ? ",\"private\":true" : ",\"private\":false");
  out.append(c.archived > 0 ? ",\"archived\":true" : ",\"archived\":false");
  out.append(",\"owner\":");
  if (c.owner.empty())
    out.append("null");
  else
    append_json_string(out, c.owner);
}

std::string room_json(const storage::room_summary& room, bool with_read_state) {
  std::string out;
  out.append("{\"id\":");
  append_json_string(out, room.id);
  out.append(",\"names\":[");
  for (std::size_t i = 0; i < room.names.size(); ++i) {
    if (i > 0)
      out.push_back(',');
    append_json_string(out, room.names[i]);
  }
  out.push_back(']');
  if (room.channel)
    append_channel_settings(out, *room.channel);
  if (with_read_state) {
    out.append(",\"lastRead\":").append(std::to_string(room.last_read));
    out.append(",\"unread\":").append(std::to_string(room.unread));
    out.append(",\"mentions\":").append(std::to_string(room.mentions));
    if (room.kind == storage::room_kind::direct)
      out.append(",\"peerRead\":").append(std::to_string(room.peer_read));
    out.append(room.muted ? ",\"muted\":true" : ",\"muted\":false");
  }
  out.push_back('}');
  return out;
}

std::string rooms_json(const std::vector<storage::room_summary>& rooms) {
  std::string out = "[";
  for (std::size_t i = 0; i < rooms.size(); ++i) {
    if (i > 0)
      out.push_back(',');
    out.append(room_json(rooms[i], true));
  }
  out.push_back(']');
  return out;
}

std::string channel_json(const storage::channel_info& channel) {
  std::string out;
  out.append("{\"id\":");
  append_json_string(out, channel.id);
  out.append(",\"name\":");
  append_json_string(out, channel.name);
  out.append(",\"members\":").append(std::to_string(channel.members));
  out.append(channel.joined ? ",\"joined\":true}" : ",\"joined\":false}");
  return out;
}

std::string channels_json(const std::vector<storage::channel_info>& channels) {
  std::string out = "[";
  for (std::size_t i = 0; i < channels.size(); ++i) {
    if (i > 0)
      out.push_back(',');
    out.append(channel_json(channels[i]));
  }
  out.push_back(']');
  return out;
}

std::string messages_json(const std::vector<storage::stored_message>& messages) {
  std::size_t size = 2;
  for (const auto& m : messages)
    size += m.json.size() + 1;
  std::string out;
  out.reserve(size);
  out.push_back('[');
  for (std::size_t i = 0; i < messages.size(); ++i) {
    if (i > 0)
      out.push_back(',');
    out.append(messages[i].json);
  }
  out.push_back(']');
  return out;
}

std::optional<std::string> with_client_id(std::string message_json, std::string_view client_id) {
  while (!message_json.empty() && (message_json.back() == ' ' || message_json.back() == '\n'))
    message_json.pop_back();
  if (message_json.size() < 2 || message_json.front() != '{' || message_json.back() != '}')
    return std::nullopt;
  message_json.pop_back();
  bool empty_object = message_json.find_first_not_of(" \t\r\n", 1) == std::string::npos;
  message_json.append(empty_object ? "\"clientId\":" : ",\"clientId\":");
  append_json_string(message_json, client_id);
  message_json.push_back('}');
  return message_json;
}

} // namespace chat::net
