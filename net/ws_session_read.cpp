// The inbound half of a WebSocket connection: readiness, non-blocking reads into the loop's
// buffer, and the frames found there (ws_codec.hpp). An idle connection holds one pending wait and
// no read buffer. Client frame handling is in ws_session.cpp, the outbound half in
// ws_session_write.cpp.
#include "net/ws_session.hpp"

#include <variant>

#include <boost/asio/post.hpp>
#include <boost/beast/core/bind_handler.hpp>

#include "common/error.hpp"
#include "metrics/node_metrics.hpp"

namespace chat::net {

namespace asio = boost::asio;
namespace beast = boost::beast;

namespace {

/// The loop's read buffer: every connection of the loop reads into it and parses from it in
/// place; only a frame's unread start is copied out (into rare_->rx).
constexpr std::size_t kReadBytes = 16 * 1024;
/// Full reads in a row before the loop's other connections get a turn.
constexpr int kReadsPerTurn = 4;

/// The clientId of a command frame (others have none).
std::string_view client_id_of(const client_frame& f) noexcept {
  if (f.type != client_frame::kind::command)
    return {};
  return std::visit([](const auto& c) -> std::string_view { return c.client_id; }, f.command);
}

char* read_buffer() noexcept {
  thread_local std::array<char, kReadBytes> buffer;
  return buffer.data();
}

} // namespace

void ws_session::do_read() {
  // After a read found the socket empty (would_block or a short read). Queuing the wait re-arms the
  // socket's edge-triggered registration (asio: EPOLL_CTL_MOD), which also reports bytes that
  // arrived in between, so none are left unread.
  socket_.async_wait(loop_socket::wait_read, beast::bind_front_handler(&ws_session::on_readable, shared_from_this()));
}

void ws_session::on_readable(beast::error_code ec) {
  if (ec)
    return finish(end_reason());
  read_available();
}

void ws_session::read_available() {
  for (int i = 0; i < kReadsPerTurn; ++i) {
    char* buffer = read_buffer();
    beast::error_code ec;
    const auto n = socket_.read_some(asio::buffer(buffer, kReadBytes), ec); // non-blocking
    if (ec == asio::error::would_block)
      return do_read();
    if (ec)
      return finish(end_reason());
    heard_ = true;
    if (!consume(buffer, n))
      return; // closed or failed: nothing more is read
    if (n < kReadBytes)
      return do_read(); // drained
  }
  // More is waiting: the loop's other connections first.
  asio::post(ex_, [self = shared_from_this()] { self->read_available(); });
}

bool ws_session::consume(char* data, std::size_t size) {
  std::string* rx = rare_ && !rare_->rx.empty() ? &rare_->rx : nullptr;
  if (rx != nullptr) { // the start of a frame came before: parse from the joined bytes
    rx->append(data, size);
    data = rx->data();
    size = rx->size();
  }
  std::size_t used = 0;
  bool reading = true;
  while (reading && used < size) {
    const auto r = reader_.read(data + used, size - used);
    if (r.what == ws_read::kind::need_more)
      break;
    if (r.what == ws_read::kind::error) {
      fail(r.code, r.payload);
      reading = false;
      break;
    }
    used += r.consumed;
    reading = on_frame(r);
  }
  if (!reading || used == size) {
    if (rx != nullptr) { // nothing kept: an idle connection holds no read memory
      std::string{}.swap(*rx);
      release_rare();
    }
  } else if (rx == nullptr) {
    rare().rx.assign(data + used, size - used);
  } else {
    rx->erase(0, used);
  }
  reader_.shrink();
  return reading;
}

bool ws_session::on_frame(const ws_read& r) {
  switch (r.what) {
    case ws_read::kind::text:
      if (state_ == conn_state::open) // after a close, data frames are read and dropped (RFC 6455 §5.5.1)
        on_text(r.payload);
      return state_ != conn_state::finished;
    case ws_read::kind::binary:
      if (state_ == conn_state::open && socketio()) { // attachments of binary packets: not supported
        env_.metrics.errors("sio_binary_frame").Increment();
        start_close(ws_close::unsupported, "binary packets are not supported", "protocol_error", true);
        return false;
      }
      if (state_ == conn_state::open) {
        env_.metrics.errors("ws_binary_frame").Increment();
        send_error(error::bad_request, "binary frames are not supported", {});
      }
      return true;
    case ws_read::kind::ping:
      if (state_ == conn_state::open) { // only the latest ping needs its pong (RFC 6455 §5.5.3)
        rare().pong_payload.assign(r.payload);
        pong_due_ = true;
        do_write();
      }
      return true;
    case ws_read::kind::close:
      if (state_ == conn_state::close_sent) { // the answer to ours: the handshake is complete
        teardown();
        return false;
      }
      // Echo the peer's code (ours if a close of our own was already due); the connection ends
      // once it is written.
      start_close(r.code == ws_close::no_status ? ws_close::normal : r.code, {}, "client", true);
      return false;
    default: // pong, or a fragment assembled in the reader
      return true;
  }
}

void ws_session::on_text(std::string_view text) {
  if (socketio())
    return on_engineio_text(text);
  on_chat_frame(text);
}

void ws_session::on_chat_frame(std::string_view text) {
  auto parsed = parse_client_frame(text, env_.chat.limits().max_resume_rooms, env_.chat.limits().max_watch_users);
  if (auto* err = std::get_if<frame_error>(&parsed))
    return send_error(err->error, err->message, err->client_id);
  auto& frame = std::get<client_frame>(parsed);
  if (session_ended_.load(std::memory_order_acquire)) // logout, expiry: nothing more is carried out
    return send_error(error::unauthorized, "session ended", client_id_of(frame));
  handle_frame(std::move(frame));
}

void ws_session::fail(std::uint16_t code, std::string_view why) {
  const bool too_big = code == ws_close::too_big;
  env_.metrics.errors(too_big ? "ws_frame_too_big" : "ws_protocol_error").Increment();
  if (state_ == conn_state::close_sent)
    return teardown();
  start_close(code, std::string{why}, too_big ? "too_big" : "protocol_error", true); // then the connection ends
}

} // namespace chat::net
