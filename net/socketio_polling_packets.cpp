// The client's packets of a long-polling session (POST bodies): Engine.IO, then Socket.IO, then
// the tutorial's events as `/ws` client frames on the one command path (as ws_session_socketio.cpp
// does for a WebSocket).
#include <variant>

#include "actors/json_frames.hpp"
#include "actors/realtime.hpp"
#include "common/error.hpp"
#include "net/engineio_codec.hpp"
#include "net/socketio_codec.hpp"
#include "net/socketio_dialect.hpp"
#include "net/socketio_polling_session.hpp"
#include "net/ws_frames.hpp"
#include "storage/session_token.hpp"

namespace chat::net {

using namespace polling_detail;

void polling_session::on_packet(std::string_view text) {
  eio::packet_error error{};
  const auto packet = eio::parse_packet(text, &error);
  if (!packet) {
    env_.metrics.errors("sio_bad_packet").Increment();
    return close("protocol_error");
  }
  switch (packet->type) {
    case eio::packet_type::message:
      return on_socketio(packet->data);
    case eio::packet_type::close:
      return close("client");
    case eio::packet_type::ping:
      push(eio::encode_packet(eio::packet_type::pong, packet->data), false);
      return;
    default: // pong, noop, upgrade (not offered)
      return;
  }
}

void polling_session::on_socketio(std::string_view text) {
  using k = sio::client_step::kind;
  bool connected = false;
  {
    std::lock_guard lock{mutex_};
    connected = connected_;
  }
  auto step = sio::interpret_client_packet(text, connected, session_ended_.load(std::memory_order_acquire),
                                           [] { return storage::new_session_token().substr(0, 20); });
  if (step.error != nullptr)
    env_.metrics.errors(step.error).Increment();
  switch (step.what) {
    case k::fail:
      return close("protocol_error");
    case k::reply:
      push(std::move(step.text), false);
      return;
    case k::connect: {
      {
        std::lock_guard lock{mutex_};
        if (connected_)
          return;
        connected_ = true;
      }
      push(std::move(step.text), false);
      env_.realtime->release(session_); // the held events follow the answer
      return;
    }
    case k::disconnect:
      return close("client");
    case k::chat_frame:
      return on_chat_frame(step.text);
    case k::ignore:
      return;
  }
}

void polling_session::on_chat_frame(std::string_view text) {
  auto parsed = parse_client_frame(text, env_.chat.limits().max_resume_rooms, env_.chat.limits().max_watch_users);
  auto send_error = [this](std::error_code ec, std::string_view message, std::string_view client_id) {
    const auto& e = info(ec);
    env_.metrics.errors("ws_" + std::string{e.code}).Increment();
    send_event(actors::error_frame_json(e.code, message.empty() ? e.message : message, client_id));
  };
  if (auto* err = std::get_if<frame_error>(&parsed))
    return send_error(err->error, err->message, err->client_id);
  auto& f = std::get<client_frame>(parsed);
  if (session_ended_.load(std::memory_order_acquire))
    return send_error(error::unauthorized, "session ended", {});
  auto self = shared_from_this();
  if (f.type == client_frame::kind::command) {
    return env_.chat.execute(origin(), std::move(f.command), on_loop(), [self](actors::command_result r) {
      if (r.error)
        return self->send_event(actors::error_frame_json(info(r.error).code, r.message, r.client_id, r.muted_until));
      self->send_event(actors::ack_frame_json(r.client_id, r.id, r.room_id, r.seq));
    });
  }
  if (f.type == client_frame::kind::room_join) {
    return env_.chat.follow(origin(), session_, std::move(f.room_id), -1, on_loop(),
                            [self, send_error](std::error_code ec, const std::string& why) {
                              if (ec)
                                send_error(ec, why, {});
                            });
  }
}


} // namespace chat::net
