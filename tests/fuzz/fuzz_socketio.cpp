// libFuzzer target: net/engineio_codec, net/socketio_codec and net/socketio_dialect, the packets
// of the `/socket.io/` endpoint (protocol.md "Socket.IO"): a polling payload split into Engine.IO
// packets, each message packet decoded as Socket.IO, each event mapped onto a `/ws` frame and
// decoded by ws_frames. Also splits the input as an outbound event frame. No actor system.

#include <string>
#include <variant>

#include "fuzz_check.hpp"
#include "net/engineio_codec.hpp"
#include "net/socketio_codec.hpp"
#include "net/socketio_dialect.hpp"
#include "net/ws_frames.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  chat::fuzz::input in{data, size};
  const std::string text{in.rest()}; // an exactly sized copy
  namespace eio = chat::net::eio;
  namespace sio = chat::net::sio;
  std::string_view type, body;
  if (sio::split_event_frame(text, type, body))
    FUZZ_CHECK(type.size() + body.size() < text.size());
  for (auto record : eio::split_payload(text, 64)) {
    eio::packet_error error{};
    auto packet = eio::parse_packet(record, &error);
    if (!packet) {
      FUZZ_CHECK(!eio::to_string(error).empty());
      continue;
    }
    FUZZ_CHECK(packet->data.size() + 1 == record.size());
    if (packet->type != eio::packet_type::message)
      continue;
    auto parsed = sio::parse_packet(packet->data);
    if (auto* err = std::get_if<sio::packet_error>(&parsed)) {
      FUZZ_CHECK(!err->message.empty());
      continue;
    }
    const auto& p = std::get<sio::packet>(parsed);
    FUZZ_CHECK(!p.nsp.empty() && p.nsp.front() == '/');
    FUZZ_CHECK(p.args.size() <= 16);
    if (p.type == sio::packet_type::ack)
      FUZZ_CHECK(p.ack_id >= 0);
    if (auto frame = sio::to_chat_frame(p)) {
      auto decoded = chat::net::parse_client_frame(*frame, 16);
      if (auto* f = std::get_if<chat::net::client_frame>(&decoded))
        FUZZ_CHECK(f->type == chat::net::client_frame::kind::command ||
                   f->type == chat::net::client_frame::kind::room_join);
    }
  }
  return 0;
}
