#include "actors/json_frames.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "actors/frame.hpp"

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

frame_ptr make_message_frame(const std::string& message_json) {
  static constexpr std::string_view head = R"({"type":"message","data":)";
  std::string out;
  out.reserve(head.size() + message_json.size() + 1);
  out.append(head).append(message_json).push_back('}');
  return make_frame(std::move(out));
}

std::string typing_frame_json(std::string_view room_id, std::string_view user_id, bool typing) {
  return event("typing", [&](writer_t& w) {
    w.Key("roomId");
    put(w, room_id);
    w.Key("userId");
    put(w, user_id);
    w.Key("typing");
    w.Bool(typing);
  });
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

std::string ack_frame_json(std::string_view client_id, std::int64_t id, std::string_view room_id) {
  return event("ack", [&](writer_t& w) {
    w.Key("clientId");
    put(w, client_id);
    w.Key("id");
    w.Int64(id);
    w.Key("roomId");
    put(w, room_id);
  });
}

std::string error_frame_json(std::string_view code, std::string_view message,
                             std::string_view client_id) {
  return event("error", [&](writer_t& w) {
    w.Key("code");
    put(w, code);
    w.Key("message");
    put(w, message);
    if (!client_id.empty()) {
      w.Key("clientId");
      put(w, client_id);
    }
  });
}

} // namespace chat::actors
