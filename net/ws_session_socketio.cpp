// The Socket.IO dialect of a WebSocket connection (`/socket.io/?EIO=4&transport=websocket`,
// docs/protocol.md §2.13): Engine.IO v4 packets carrying Socket.IO v5 packets. The connection,
// its queue, pacing, writes and close handshake are ws_session's; here are the Engine.IO open
// packet, the client's packets (its events become `/ws` client frames: one command path) and
// the rendering of events as `42["T",D]`.
#include "net/ws_session.hpp"

#include <variant>

#include "metrics/node_metrics.hpp"
#include "net/engineio_codec.hpp"
#include "net/invariant.hpp"
#include "net/socketio_codec.hpp"
#include "net/socketio_dialect.hpp"
#include "storage/session_token.hpp"

namespace chat::net {

namespace {

/// Engine.IO's pingTimeout announced to the client: after pingInterval + this without a ping, the
/// client gives up on the connection and reconnects.
constexpr std::chrono::milliseconds kPingTimeout{20000};

/// A random id of URL-safe characters (the Engine.IO sid and the Socket.IO socket id).
std::string new_sid() {
  return storage::new_session_token().substr(0, 20); // 80 random bits, hex
}

} // namespace

void ws_session::socketio_open() {
  // pingInterval is the keep-alive sweep's period: every sweep pings (ws_session_write.cpp).
  const auto interval = std::chrono::duration_cast<std::chrono::milliseconds>(env_.opts.live.ws_idle_timeout / 4);
  queue_engineio(eio::open_packet(new_sid(), false, interval, kPingTimeout, env_.opts.live.max_ws_frame_bytes));
}

void ws_session::queue_engineio(std::string_view packet) {
  if (state_ != conn_state::open)
    return;
  auto& out = rare().engineio;
  const auto at = out.size();
  out.resize(at + kMaxFrameHeader);
  out.resize(at + ws_frame_header(ws_opcode::text, packet.size(), out.data() + at));
  out.append(packet);
  do_write(); // after the write in flight
}

void ws_session::socketio_fail(std::string_view why) {
  env_.metrics.errors("sio_bad_packet").Increment();
  start_close(ws_close::protocol_error, std::string{why}, "protocol_error", true); // then the connection ends
}

void ws_session::on_engineio_text(std::string_view text) {
  eio::packet_error error{};
  const auto packet = eio::parse_packet(text, &error);
  if (!packet)
    return socketio_fail(eio::to_string(error));
  switch (packet->type) {
    case eio::packet_type::message:
      return on_socketio_packet(packet->data);
    case eio::packet_type::ping: // the client's probe (an upgrade); the server pings otherwise
      if (rare_ && rare_->upgrading && packet->data == "probe")
        rare_->upgrading->pause(); // the polling session's parked GET ends with a noop
      return queue_engineio(eio::encode_packet(eio::packet_type::pong, packet->data));
    case eio::packet_type::upgrade:
      if (rare_ && rare_->upgrading) { // the switch: resume after what polling delivered
        auto handover = rare_->upgrading->hand_over();
        rare_->upgrading.reset();
        release_rare();
        sio_connected_ = handover.connected;
        if (!followed_)
          follow_all(std::move(handover.delivered));
      }
      return;
    case eio::packet_type::pong: // heard_ is set by the read already
    case eio::packet_type::noop:
      return;
    case eio::packet_type::close:
      return start_close(ws_close::normal, {}, "client", false);
    case eio::packet_type::open: // the server's packet
      return socketio_fail("unexpected Engine.IO open packet");
  }
}

void ws_session::on_socketio_packet(std::string_view text) {
  using k = sio::client_step::kind;
  auto step = sio::interpret_client_packet(text, sio_connected_, session_ended_.load(std::memory_order_acquire), new_sid);
  if (step.what == k::fail)
    return socketio_fail(step.text); // counts sio_bad_packet
  if (step.error != nullptr)
    env_.metrics.errors(step.error).Increment();
  switch (step.what) {
    case k::reply:
      return queue_engineio(step.text);
    case k::connect:
      sio_connected_ = true;
      queue_engineio(step.text);
      if (!followed_) // the client is ready: its buffered events go out after the answer
        follow_all({});
      return;
    case k::disconnect:
      return start_close(ws_close::normal, {}, "client", false);
    case k::chat_frame:
      return on_chat_frame(step.text); // the same decoding, rules, errors and command path as /ws
    case k::fail:
    case k::ignore:
      return;
  }
}

outbound_parts ws_session::render_socketio(const std::string& frame) {
  // The head (frame header, `42["`, T, `",`) is built in a scratch buffer of the loop's thread:
  // take_batch copies it before the next item is rendered.
  thread_local std::string head;
  std::string_view type, data;
  CHAT_NET_INVARIANT(sio::split_event_frame(frame, type, data), "ws_session: an event frame is {\"type\":T,\"data\":D}");
  const auto payload = sio::kEventHead.size() + type.size() + sio::kEventMid.size() + data.size() + sio::kEventTail.size();
  head.resize(kMaxFrameHeader);
  head.resize(ws_frame_header(ws_opcode::text, payload, head.data()));
  head.append(sio::kEventHead).append(type).append(sio::kEventMid);
  return outbound_parts{head, data, sio::kEventTail};
}

} // namespace chat::net
