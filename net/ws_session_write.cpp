// The outbound half of a WebSocket connection: frames other threads queue (inbox, wake-up,
// pacing), the batches written from them (one write in flight), and the keep-alive sweep.
// The connection's lifecycle and its inbound frames are in ws_session.cpp.
#include "net/ws_session.hpp"

#include <chrono>

#include <boost/asio/dispatch.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/asio/write.hpp>

#include "metrics/node_metrics.hpp"
#include "net/pacing_policy.hpp"

namespace chat::net {

namespace asio = boost::asio;
namespace beast = boost::beast;

namespace {

constexpr auto transport = metrics::transport::ws;
constexpr std::size_t kMaxBatchFrames = 64;        ///< events per WebSocket message (batch mode)
constexpr std::size_t kMaxBatchBytes = 64 * 1024;  ///< bytes per WebSocket message (batch mode)
constexpr std::size_t kKeepCapacity = 16;          ///< queue slots an idle connection keeps
constexpr std::size_t kKeepBatchBytes = 16 * 1024; ///< batch buffer a busy connection keeps
constexpr char kBatchSeparator = '\n';

} // namespace

void ws_session::enqueue(actors::frame_ptr frame, bool message) {
  if (!inbox_.put(outbound{std::move(frame), message}))
    return; // the flush already on its way takes this frame along
  if (coalescer_ && busy_.load(std::memory_order_relaxed)) {
    auto since = std::chrono::steady_clock::now().time_since_epoch().count() - last_write_.load(std::memory_order_relaxed);
    if (since < coalescer_->interval().count()) { // busy and wrote just now: collect until the next tick
      env_.metrics.paced_writes().Increment();
      coalescer_->defer(shared_from_this());
      return;
    }
  }
  waker_->wake(shared_from_this()); // one cross-thread wake-up for every connection that waits
}

void ws_session::wake() {
  asio::dispatch(ex_, [self = shared_from_this()] { self->on_inbox(); });
}

void ws_session::keepalive_sweep() {
  if (finished_)
    return;
  if (closing_) { // a close handshake in progress: the peer has two sweeps to answer
    if (++silent_sweeps_ >= 2)
      teardown();
    return;
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
    timed_out_ = true;
    teardown();
  }
}

void ws_session::write_deferred() {
  // The tick runs on this connection's loop: the writes start here and now (inline), one
  // connection after the other, instead of hundreds of posted handlers held at once.
  asio::dispatch(ex_, [self = shared_from_this()] {
    if (self->keeps_collecting())
      return self->coalescer_->defer(self); // a later tick; the events ride along with that flush
    self->paced_ = true; // a write that waited for a tick: the connection is busy
    self->on_inbox();
  });
}

bool ws_session::keeps_collecting() {
  // The bound check first: with collecting off, no inbox lock and no clock reading per tick.
  if (closing_ || finished_ || coalescer_->max_wait() <= coalescer_->interval())
    return false;
  const auto waiting = inbox_.size() + (queue_.size() - queue_head_);
  const std::chrono::steady_clock::duration since{std::chrono::steady_clock::now().time_since_epoch().count() -
                                                  last_write_.load(std::memory_order_relaxed)};
  return keep_collecting(waiting, since, coalescer_->interval(), coalescer_->max_wait());
}

void ws_session::on_inbox() {
  if (queue_head_ == queue_.size()) { // the usual case: the inbox is swapped in (no allocation)
    queue_.clear();
    queue_head_ = 0;
  } else if (queue_head_ >= kKeepCapacity && queue_head_ * 2 >= queue_.size()) {
    // Still writing what came before: drop the written prefix first (amortised O(1)), so that a
    // connection that never quite drains does not grow the vector without bound.
    queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(queue_head_));
    queue_head_ = 0;
  }
  inbox_.take(queue_);
  if (closing_ || finished_ || !accepted_)
    return drop_queued();
  if (!writing_)
    do_write();
}

void ws_session::do_write() {
  if (writing_ || close_sent_ || finished_ || !accepted_)
    return;
  if (pong_due_ || ping_due_)
    return write_control(write_kind::control);
  if (closing_)
    return write_control(write_kind::close);
  write_data();
}

void ws_session::write_control(write_kind kind) {
  // Control frames go out between messages (every message is one frame): the pong first, then a
  // keep-alive ping, then the close, after which nothing is written.
  if (kind == write_kind::close) {
    control_ = ws_close_frame(close_code_, close_text_);
    close_sent_ = true;
  } else {
    const bool pong = pong_due_;
    const std::string_view payload = pong ? std::string_view{pong_payload_} : std::string_view{};
    control_.resize(kMaxFrameHeader);
    control_.resize(ws_frame_header(pong ? ws_opcode::pong : ws_opcode::ping, payload.size(), control_.data()));
    control_.append(payload);
    (pong ? pong_due_ : ping_due_) = false;
    if (pong)
      std::string{}.swap(pong_payload_);
  }
  writing_ = true;
  in_flight_kind_ = kind;
  asio::async_write(socket_, asio::buffer(control_),
                    beast::bind_front_handler(&ws_session::on_write, shared_from_this()));
}

void ws_session::write_data() {
  // Batching clients get every waiting frame (up to a bound) in one WebSocket message, copied
  // into one buffer; the others, and a lone frame, are written as they are (no copy).
  if (queue_head_ == queue_.size())
    return;
  writing_ = true;
  in_flight_kind_ = write_kind::data;
  if (coalescer_) {
    // Busy: this write follows the previous one within the interval. Only busy connections are
    // paced; one that gets an event now and then is written at once (pacing would only delay it).
    auto now = std::chrono::steady_clock::now().time_since_epoch().count();
    busy_.store(paced_ || now - last_write_.load(std::memory_order_relaxed) < coalescer_->interval().count(),
                std::memory_order_relaxed);
    paced_ = false;
    last_write_.store(now, std::memory_order_relaxed);
  }
  asio::const_buffer body;
  if (!opts_.batch || queue_.size() - queue_head_ == 1) {
    auto& next = queue_[queue_head_++];
    single_ = std::move(next.frame);
    in_flight_events_ = 1;
    in_flight_messages_ = next.message ? 1 : 0;
    body = asio::buffer(*single_);
  } else {
    batch_.clear();
    while (queue_head_ < queue_.size() && in_flight_events_ < kMaxBatchFrames) {
      auto& next = queue_[queue_head_];
      if (!batch_.empty()) {
        if (batch_.size() + 1 + next.frame->size() > kMaxBatchBytes)
          break;
        batch_.push_back(kBatchSeparator);
      }
      batch_.append(*next.frame);
      ++in_flight_events_;
      in_flight_messages_ += next.message ? 1 : 0;
      next.frame.reset();
      ++queue_head_;
    }
    body = asio::buffer(batch_);
  }
  if (queue_head_ == queue_.size()) {
    queue_.clear();
    queue_head_ = 0;
  }
  // One text frame per message, its header beside the shared payload: one gather write.
  const auto header_size = ws_frame_header(ws_opcode::text, body.size(), header_.data());
  const std::array<asio::const_buffer, 2> buffers{asio::buffer(header_.data(), header_size), body};
  asio::async_write(socket_, buffers, beast::bind_front_handler(&ws_session::on_write, shared_from_this()));
}

void ws_session::on_write(beast::error_code ec, std::size_t) {
  writing_ = false;
  const auto kind = in_flight_kind_;
  const auto events = in_flight_events_;
  const auto messages = in_flight_messages_;
  gate_.release(events);
  in_flight_events_ = in_flight_messages_ = 0;
  single_.reset();
  if (ec) {
    drop_queued();
    return finish(end_reason());
  }
  if (kind == write_kind::data) {
    env_.metrics.socket_writes(transport).Increment();
    env_.metrics.events_written(transport).Increment(static_cast<double>(events));
    if (messages > 0)
      env_.metrics.messages_delivered(transport).Increment(static_cast<double>(messages));
  } else if (kind == write_kind::close) {
    // Ours answered the peer's, or follows a protocol violation: the connection ends. Otherwise
    // the peer's answer ends it (ws_session_read.cpp), or the keep-alive sweep does.
    if (peer_closed_ || failing_)
      teardown();
    return;
  }
  do_write();
  if (!writing_)
    release_idle_buffers();
}

void ws_session::drop_queued() {
  gate_.release(queue_.size() - queue_head_);
  queue_.clear();
  queue_head_ = 0;
}

void ws_session::release_idle_buffers() {
  // A burst may have grown the buffers; an idle connection should not keep that memory. A busy
  // one (paced) keeps its batch buffer for the next tick.
  if (queue_.capacity() > kKeepCapacity)
    std::vector<outbound>{}.swap(queue_);
  if (batch_.capacity() > std::string{}.capacity() &&
      (!busy_.load(std::memory_order_relaxed) || batch_.capacity() > kKeepBatchBytes))
    std::string{}.swap(batch_);
  if (control_.capacity() > std::string{}.capacity())
    std::string{}.swap(control_);
}

} // namespace chat::net
