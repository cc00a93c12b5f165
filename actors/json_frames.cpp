#include "actors/json_frames.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "actors/frame.hpp"
#include "common/event_json.hpp"

namespace chat::actors {
namespace {

using writer_t = rapidjson::Writer<rapidjson::StringBuffer>;

void put(writer_t& w, std::string_view s) {
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

template <class Body>
std::string event(std::string_view type, Body&& body) {
  rapidjson::StringBuffer buf;
  writer_t w{buf};
  w.StartObject();
  w.Key("type");
  put(w, type);
  w.Key("data");
  w.StartObject();
  body(w);
  w.EndObject();
  w.EndObject();
  return std::string{buf.GetString(), buf.GetSize()};
}

} // namespace

frame_batch_ptr make_frame_batch(std::vector<frame_ptr> frames) {
  auto batch = std::make_shared<frame_batch>();
  if (frames.size() == 1) {
    batch->joined = frames.front();
  } else {
    std::size_t bytes = 0;
    for (auto& f : frames)
      bytes += f->size() + 1;
    std::string joined;
    joined.reserve(bytes);
    for (auto& f : frames) {
      if (!joined.empty())
        joined += '\n';
      joined += *f;
    }
    batch->joined = make_frame(std::move(joined));
  }
  batch->frames = std::move(frames);
  return batch;
}

const char* to_string(user_action a) noexcept {
  switch (a) {
    case user_action::follow: return "follow";
    case user_action::unfollow: return "unfollow";
    case user_action::disconnect: return "disconnect";
    case user_action::ban: return "ban";
    case user_action::deliver: break;
  }
  return "deliver";
}

user_action parse_user_action(std::string_view name, std::string_view type) noexcept {
  if (name == "follow")
    return user_action::follow;
  if (name == "unfollow")
    return user_action::unfollow;
  if (name == "disconnect")
    return user_action::disconnect;
  if (name == "ban")
    return user_action::ban;
  if (name == "deliver")
    return user_action::deliver;
  // An envelope without an action (a node of an earlier version): what its type meant then.
  if (type == "room.left")
    return user_action::unfollow;
  if (type == "user.kick")
    return user_action::disconnect;
  if (type == "show.room" || type == "room.joined")
    return user_action::follow;
  return user_action::deliver;
}

frame_ptr make_message_frame(const std::string& message_json) {
  return make_frame(event_json("message", message_json));
}

std::string read_state_json(std::string_view room_id, std::int64_t last_read, std::int64_t unread,
                            std::int64_t mentions) {
  rapidjson::StringBuffer buf;
  writer_t w{buf};
  w.StartObject();
  w.Key("roomId");
  put(w, room_id);
  w.Key("lastRead");
  w.Int64(last_read);
  w.Key("unread");
  w.Int64(unread);
  w.Key("mentions");
  w.Int64(mentions);
  w.EndObject();
  return std::string{buf.GetString(), buf.GetSize()};
}

std::string typing_data_json(std::string_view room_id, std::string_view user_id, bool typing) {
  rapidjson::StringBuffer buf;
  writer_t w{buf};
  w.StartObject();
  w.Key("roomId");
  put(w, room_id);
  w.Key("userId");
  put(w, user_id);
  w.Key("typing");
  w.Bool(typing);
  w.EndObject();
  return std::string{buf.GetString(), buf.GetSize()};
}

std::string presence_frame_json(std::string_view user_id, std::string_view username, bool online) {
  return event(online ? "user.connected" : "user.disconnected", [&](writer_t& w) {
    w.Key("id");
    put(w, user_id);
    w.Key("username");
    put(w, username);
    w.Key("online");
    w.Bool(online);
  });
}

std::string presence_snapshot_json(const std::vector<presence_row>& rows) {
  return event("presence", [&](writer_t& w) {
    w.Key("users");
    w.StartArray();
    for (auto& r : rows) {
      w.StartObject();
      w.Key("id");
      put(w, r.id);
      w.Key("username");
      put(w, r.username);
      w.Key("online");
      w.Bool(r.online);
      w.EndObject();
    }
    w.EndArray();
  });
}

std::string ack_frame_json(std::string_view client_id, std::int64_t id, std::string_view room_id,
                           std::int64_t seq) {
  return event("ack", [&](writer_t& w) {
    w.Key("clientId");
    put(w, client_id);
    w.Key("id");
    w.Int64(id);
    w.Key("roomId");
    put(w, room_id);
    if (seq != 0 && seq != id) {
      w.Key("seq");
      w.Int64(seq);
    }
  });
}

std::string error_frame_json(std::string_view code, std::string_view message,
                             std::string_view client_id, std::optional<std::int64_t> muted_until) {
  return event("error", [&](writer_t& w) {
    w.Key("code");
    put(w, code);
    w.Key("message");
    put(w, message);
    if (!client_id.empty()) {
      w.Key("clientId");
      put(w, client_id);
    }
    if (muted_until) { // a mute's end (0: until lifted → null)
      w.Key("until");
      if (*muted_until > 0)
        w.Int64(*muted_until);
      else
        w.Null();
    }
  });
}

} // namespace chat::actors
