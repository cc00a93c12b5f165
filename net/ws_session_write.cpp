// The outbound half of a WebSocket connection: the outbound queue's hooks (wake-up, pacing), the
// writes started from it (one in flight: a data frame, a pong or ping, the close), and the
// keep-alive sweep. The connection's lifecycle and its inbound frames are in ws_session.cpp.
#include "net/ws_session.hpp"

#include <chrono>

#include <boost/asio/dispatch.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/asio/write.hpp>

#include "metrics/node_metrics.hpp"
#include "net/invariant.hpp"
#include "net/pacing_policy.hpp"

namespace chat::net {

namespace asio = boost::asio;
namespace beast = boost::beast;

namespace {

constexpr std::size_t kMaxBatchFrames = 64;       ///< events per write (batch mode: per WebSocket message)
constexpr std::size_t kMaxBatchBytes = 64 * 1024; ///< bytes per write (batch mode: per WebSocket message)
constexpr std::string_view kBatchSeparator = "\n";

} // namespace

void ws_session::flush_wanted() {
  auto* coalescer = this->coalescer();
  if (coalescer && busy_.load(std::memory_order_relaxed)) {
    auto since = std::chrono::steady_clock::now().time_since_epoch().count() - last_write_.load(std::memory_order_relaxed);
    if (since < coalescer->interval().count()) { // busy and wrote just now: collect until the next tick
      env_.metrics.paced_writes().Increment();
      coalescer->defer(shared_from_this());
      return;
    }
  }
  loop_->waker->wake(shared_from_this()); // one cross-thread wake-up for every connection that waits
}

void ws_session::wake() {
  asio::dispatch(ex_, [self = shared_from_this()] { self->on_inbox(); });
}

void ws_session::keepalive_sweep() {
  if (state_ == conn_state::finished)
    return;
  if (closing()) { // a close handshake in progress: the peer has two sweeps to answer
    if (++silent_sweeps_ >= 2)
      teardown();
    return;
  }
  if (socketio()) { // Engine.IO: the server pings every pingInterval (one sweep), the client answers
    ping_due_ = true;
    do_write();
  }
  if (heard_) {
    heard_ = false;
    silent_sweeps_ = 0;
    return;
  }
  ++silent_sweeps_;
  if (silent_sweeps_ == 2) { // half the idle timeout: a live peer answers with a pong
    ping_due_ = true;
    do_write(); // or after the write in flight
  } else if (silent_sweeps_ >= 4) { // the idle timeout: the peer is gone
    finish("idle");
  }
}

void ws_session::write_deferred() {
  // The tick runs on this connection's loop: the writes start here and now (inline), one
  // connection after the other, instead of hundreds of posted handlers held at once.
  asio::dispatch(ex_, [self = shared_from_this()] {
    if (self->keeps_collecting())
      return self->coalescer()->defer(self); // a later tick; the events ride along with that flush
    self->paced_ = true; // a write that waited for a tick: the connection is busy
    self->on_inbox();
  });
}

bool ws_session::keeps_collecting() {
  // The bound check first: with collecting off, no inbox lock and no clock reading per tick.
  auto* coalescer = this->coalescer();
  if (state_ != conn_state::open || coalescer->max_wait() <= coalescer->interval())
    return false;
  const std::chrono::steady_clock::duration since{std::chrono::steady_clock::now().time_since_epoch().count() -
                                                  last_write_.load(std::memory_order_relaxed)};
  return keep_collecting(queue_.pending(), since, coalescer->interval(), coalescer->max_wait());
}

void ws_session::on_inbox() {
  // Frames are written only while open: before the accept, and once a close is due, they are dropped.
  if (queue_.flush(state_ == conn_state::open))
    do_write();
}

void ws_session::do_write() {
  if (in_flight_ != write_kind::none)
    return; // after the write in flight
  switch (state_) {
    case conn_state::handshake:  // the socket is not ours yet
    case conn_state::close_sent: // nothing is written after our close
    case conn_state::finished:
      return;
    case conn_state::open:
      if (pong_due_ || ping_due_ || (rare_ && !rare_->engineio.empty()))
        return write_control(write_kind::control);
      return write_data();
    case conn_state::closing:
    case conn_state::ending:
      return write_control(write_kind::close);
  }
}

void ws_session::write_control(write_kind kind) {
  // Control frames go out between messages (every message is one frame): the pong first, then a
  // keep-alive ping, then the close, after which nothing is written.
  asio::const_buffer frame;
  if (kind == write_kind::close) {
    auto& rare = this->rare();
    rare.control = ws_close_frame(close_code_, rare.close_text);
    frame = asio::buffer(rare.control);
    if (state_ == conn_state::closing)
      enter(conn_state::close_sent); // (ending: the connection ends once this is written)
  } else if (pong_due_) {
    auto& rare = this->rare();
    rare.control.resize(kMaxFrameHeader);
    rare.control.resize(ws_frame_header(ws_opcode::pong, rare.pong_payload.size(), rare.control.data()));
    rare.control.append(rare.pong_payload);
    frame = asio::buffer(rare.control);
    pong_due_ = false;
    std::string{}.swap(rare.pong_payload);
  } else if (rare_ && !rare_->engineio.empty()) { // Engine.IO packets of our own (Socket.IO dialect)
    rare_->control.swap(rare_->engineio);
    rare_->engineio.clear();
    frame = asio::buffer(rare_->control);
  } else {
    // A keep-alive ping has no payload: one constant frame for every connection, so that a sweep
    // that pings thousands of idle connections allocates nothing of ours for them.
    static const std::array<char, 2> ws_ping = [] {
      std::array<char, kMaxFrameHeader> h{};
      const auto n = ws_frame_header(ws_opcode::ping, 0, h.data());
      CHAT_NET_INVARIANT(n == 2, "ws_session: a ping's header is two bytes");
      return std::array<char, 2>{h[0], h[1]};
    }();
    // The Socket.IO dialect pings at the Engine.IO level: a text frame "2".
    static const std::array<char, 3> engineio_ping = [] {
      std::array<char, kMaxFrameHeader> h{};
      const auto n = ws_frame_header(ws_opcode::text, 1, h.data());
      CHAT_NET_INVARIANT(n == 2, "ws_session: a one-byte text frame's header is two bytes");
      return std::array<char, 3>{h[0], h[1], '2'};
    }();
    const std::string_view ping = socketio() ? std::string_view{engineio_ping.data(), engineio_ping.size()}
                                             : std::string_view{ws_ping.data(), ws_ping.size()};
    ping_due_ = false;
    // Nothing is in flight, so an idle socket takes the two bytes at once (it is non-blocking):
    // no write operation is allocated per ping either. What it does not take goes out as usual.
    beast::error_code ec;
    const auto sent = socket_.write_some(asio::buffer(ping), ec);
    if (!ec && sent == ping.size())
      return do_write(); // (anything else due: a pong, data)
    if (ec && ec != asio::error::would_block) {
      queue_.drop_waiting();
      return finish(end_reason());
    }
    frame = asio::buffer(ping.data() + sent, ping.size() - sent);
  }
  in_flight_ = kind;
  asio::async_write(socket_, frame, beast::bind_front_handler(&ws_session::on_write, shared_from_this()));
}

void ws_session::write_data() {
  // Batching clients get every waiting frame (up to a bound) in one WebSocket message, copied
  // into one buffer; the others, and a lone frame, are written as they are (no copy).
  const auto waiting = queue_.waiting();
  if (waiting == 0)
    return;
  in_flight_ = write_kind::data;
  if (auto* coalescer = this->coalescer()) {
    // Busy: this write follows the previous one within the interval. Only busy connections are
    // paced; one that gets an event now and then is written at once (pacing would only delay it).
    auto now = std::chrono::steady_clock::now().time_since_epoch().count();
    busy_.store(paced_ || now - last_write_.load(std::memory_order_relaxed) < coalescer->interval().count(),
                std::memory_order_relaxed);
    paced_ = false;
    last_write_.store(now, std::memory_order_relaxed);
  }
  if (socketio()) { // every event one Engine.IO packet (one text frame), all in one write
    const auto frames = queue_.take_batch(kMaxBatchFrames, kMaxBatchBytes, {},
                                          [](const outbound& item) { return render_socketio(*item.frame); });
    asio::async_write(socket_, asio::buffer(frames.data(), frames.size()),
                      beast::bind_front_handler(&ws_session::on_write, shared_from_this()));
    return;
  }
  if (waiting > 1 && !opts_.batch) {
    // Plain clients take one event per WebSocket message, but not one write per event: the
    // waiting events go out as consecutive frames, each with its header, copied into one buffer
    // (one write, as in batch mode; the header scratch is appended before the next is rendered).
    const auto frames = queue_.take_batch(kMaxBatchFrames, kMaxBatchBytes, {}, [this](const outbound& item) {
      const auto n = ws_frame_header(ws_opcode::text, item.frame->size(), header_.data());
      return outbound_parts{std::string_view{header_.data(), n}, *item.frame, {}};
    });
    asio::async_write(socket_, asio::buffer(frames.data(), frames.size()),
                      beast::bind_front_handler(&ws_session::on_write, shared_from_this()));
    return;
  }
  const std::string_view body = waiting == 1 ? std::string_view{queue_.take_one()}
                                             : queue_.take_batch(kMaxBatchFrames, kMaxBatchBytes, kBatchSeparator);
  // One text frame per message, its header beside the shared payload: one gather write.
  const auto header_size = ws_frame_header(ws_opcode::text, body.size(), header_.data());
  const std::array<asio::const_buffer, 2> buffers{asio::buffer(header_.data(), header_size),
                                                  asio::buffer(body.data(), body.size())};
  asio::async_write(socket_, buffers, beast::bind_front_handler(&ws_session::on_write, shared_from_this()));
}

void ws_session::on_write(beast::error_code ec, std::size_t) {
  const auto kind = std::exchange(in_flight_, write_kind::none);
  if (kind == write_kind::data)
    queue_.written(!ec); // its slots back; counted when it went out
  if (ec) {
    queue_.drop_waiting();
    return finish(end_reason());
  }
  if (kind == write_kind::close) {
    // Ours answered the peer's, or follows a protocol violation: the connection ends. Otherwise
    // the peer's answer ends it (ws_session_read.cpp), or the keep-alive sweep does.
    if (state_ == conn_state::ending)
      teardown();
    return;
  }
  do_write();
  if (in_flight_ == write_kind::none)
    release_idle_buffers();
}

void ws_session::release_idle_buffers() {
  // A burst may have grown the buffers; an idle connection should not keep that memory. A busy
  // one (paced) keeps its batch buffer for the next tick.
  queue_.release_idle(busy_.load(std::memory_order_relaxed));
  if (rare_) {
    std::string{}.swap(rare_->control); // written: no control frame is in flight
    release_rare();
  }
}

ws_session::rare_state& ws_session::rare() {
  if (!rare_)
    rare_ = std::make_unique<rare_state>();
  return *rare_;
}

void ws_session::release_rare() noexcept {
  // A close chosen keeps its text until the connection ends; a pong due keeps its payload; a
  // control frame in flight keeps its buffer; a partial frame keeps its bytes.
  if (!rare_ || rare_->handshake || rare_->follow_timer || close_code_ != 0 || pong_due_ ||
      in_flight_ == write_kind::control || in_flight_ == write_kind::close || !rare_->rx.empty() ||
      !rare_->engineio.empty() || rare_->upgrading)
    return;
  rare_.reset();
}

} // namespace chat::net
