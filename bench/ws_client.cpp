#include "ws_client.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

#include <charconv>
#include <cstring>
#include <iostream>
#include <netinet/in.h>
#include <random>

#include "clock.hpp"
#include "ws_wire.hpp"

namespace bench {

namespace net = boost::asio;
using boost::system::error_code;

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

namespace {

constexpr std::size_t kInitialBuffer = 4096;

// Parses the decimal integer at s[pos...] and moves pos past it.
bool parse_i64(std::string_view s, std::size_t& pos, std::int64_t& out) {
  auto r = std::from_chars(s.data() + pos, s.data() + s.size(), out);
  if (r.ec != std::errc()) return false;
  pos = static_cast<std::size_t>(r.ptr - s.data());
  return true;
}

// "<sender>:<seq>:<t_ns>" starting at pos: returns t_ns.
bool parse_stamp(std::string_view s, std::size_t pos, std::int64_t& t_ns) {
  std::int64_t sender = 0, seq = 0;
  if (!parse_i64(s, pos, sender) || pos >= s.size() || s[pos] != ':') return false;
  ++pos;
  if (!parse_i64(s, pos, seq) || pos >= s.size() || s[pos] != ':') return false;
  ++pos;
  return parse_i64(s, pos, t_ns);
}

// The event's "type" value: the node writes it first ({"type":"message",...}); anything else is
// looked up.
std::string_view event_type(std::string_view f) {
  static constexpr std::string_view head = "{\"type\":\"";
  std::size_t start = 0;
  if (f.substr(0, head.size()) == head) {
    start = head.size();
  } else {
    auto p = f.find("\"type\":\"");
    if (p == std::string_view::npos) return {};
    start = p + head.size() - 1;
  }
  auto end = f.find('"', start);
  return end == std::string_view::npos ? std::string_view{} : f.substr(start, end - start);
}

std::atomic<int> logged_errors{0};

// A Socket.IO EVENT `42["T",…]`: its name T (the dialect's events are the node's types).
std::string_view socketio_event_type(std::string_view f) {
  static constexpr std::string_view head = "42[\"";
  if (f.substr(0, head.size()) != head) return {};
  auto end = f.find('"', head.size());
  return end == std::string_view::npos ? std::string_view{} : f.substr(head.size(), end - head.size());
}

// A /ws client frame `{"type":"T",REST` as the Socket.IO EVENT `42["T",{REST]`.
std::string socketio_event(std::string_view frame) {
  static constexpr std::string_view head = "{\"type\":\"";
  if (frame.substr(0, head.size()) != head) return std::string(frame);
  auto end = frame.find("\",", head.size());
  if (end == std::string_view::npos) return std::string(frame);
  std::string out;
  out.reserve(frame.size() + 8);
  out.append("42[\"").append(frame.substr(head.size(), end - head.size())).append("\",{");
  out.append(frame.substr(end + 2)).append("]");
  return out;
}

}  // namespace

WsClient::WsClient(net::io_context& ioc, Stats& stats, tcp::endpoint remote,
                   std::optional<net::ip::address> local, std::string token, std::string path,
                   std::vector<std::string> first_frames, Ready on_ready)
    : ex_(ioc.get_executor()),
      socket_(ioc),
      connect_timer_(ioc),
      buf_(kInitialBuffer),
      stats_(stats),
      remote_(remote),
      local_(local),
      token_(std::move(token)),
      mask_(static_cast<std::uint32_t>(std::random_device{}())),
      path_(std::move(path)),
      first_frames_(std::move(first_frames)),
      on_ready_(std::move(on_ready)),
      socketio_(path_.rfind("/socket.io/", 0) == 0) {}

void WsClient::start() {
  net::dispatch(ex_, [self = shared_from_this()] { self->do_connect(); });
}

void WsClient::do_connect() {
  if (local_) {
    error_code ec;
    socket_.open(tcp::v4(), ec);
    if (!ec) {
      int one = 1;
      ::setsockopt(socket_.native_handle(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
      socket_.bind(tcp::endpoint(*local_, 0), ec);
    }
    if (ec) return on_connect(ec);
  }
  connect_timer_.expires_after(std::chrono::seconds(20));  // connect and upgrade
  connect_timer_.async_wait([self = shared_from_this()](error_code ec) {
    if (!ec && !self->open_) self->socket_.close(ec);  // the pending operation fails
  });
  socket_.async_connect(remote_, [self = shared_from_this()](error_code ec) { self->on_connect(ec); });
}

void WsClient::on_connect(error_code ec) {
  if (ec) return fail("connect");
  socket_.set_option(tcp::no_delay(true), ec);
  std::string host = remote_.address().to_string() + ":" + std::to_string(remote_.port());
  // The request is the first queued write; frames sent before the 101 wait behind it.
  queue_.push_front(ws_wire::upgrade_request(host, path_, token_));
  net::async_write(socket_, net::buffer(queue_.front()),
                   [self = shared_from_this()](error_code ec, std::size_t) { self->on_upgrade_written(ec); });
}

void WsClient::on_upgrade_written(error_code ec) {
  if (ec) return fail("upgrade request");
  queue_.pop_front();
  do_read();
}

void WsClient::do_read() {
  socket_.async_read_some(net::buffer(buf_.data() + end_, buf_.size() - end_),
                          [self = shared_from_this()](error_code ec, std::size_t n) { self->on_read(ec, n); });
}

void WsClient::on_read(error_code ec, std::size_t bytes) {
  if (ec) return fail("read");
  end_ += bytes;
  if (!open_) {  // still the upgrade response
    std::string_view got(buf_.data() + begin_, end_ - begin_);
    auto blank = got.find("\r\n\r\n");
    if (blank == std::string_view::npos) {
      if (end_ == buf_.size()) return fail("upgrade response too large");
      return do_read();
    }
    if (!ws_wire::is_switching_protocols(got.substr(0, blank))) return fail("upgrade refused");
    open_ = true;
    connect_timer_.cancel();
    begin_ += blank + 4;
    for (auto& text : first_frames_) {  // before anything a sender queues
      std::string frame;
      ws_wire::append_masked(frame, ws_wire::opcode::text, text, mask_);
      queue_.push_back(std::move(frame));
    }
    first_frames_.clear();
    if (!queue_.empty()) do_write();  // before ready(): what it queues waits behind this write
    ready(true);
  }
  if (!parse_frames()) return;
  do_read();
}

bool WsClient::parse_frames() {
  // Everything this read brought is handled with one clock reading: the events arrived together.
  const std::int64_t now = now_ns();
  std::size_t need = 0;
  std::uint64_t frames = 0;
  while (begin_ < end_) {
    ws_wire::frame f;
    auto n = ws_wire::parse(std::string_view(buf_.data() + begin_, end_ - begin_), f, need);
    if (n < 0) {
      fail("protocol error");
      return false;
    }
    if (n == 0) break;
    begin_ += static_cast<std::size_t>(n);
    ++frames;
    switch (f.op) {
      case ws_wire::opcode::text:
      case ws_wire::opcode::binary:
      case ws_wire::opcode::continuation:
        if (f.fin && fragments_.empty()) {  // a whole message in one frame: handled where it lies
          handle_message(f.payload, now);
        } else {
          fragments_.append(f.payload);
          if (f.fin) handle_message(fragments_, now), fragments_.clear();
        }
        break;
      case ws_wire::opcode::ping: {
        std::string pong;
        ws_wire::append_masked(pong, ws_wire::opcode::pong, f.payload, mask_);
        queue_frame(std::move(pong));
        break;
      }
      case ws_wire::opcode::pong:
        break;
      case ws_wire::opcode::close:
        fail("closed by the server");
        return false;
    }
  }
  if (frames > 0) stats_.frames.fetch_add(frames, std::memory_order_relaxed);
  if (delivered_ > 0) {
    stats_.delivered.fetch_add(delivered_, std::memory_order_relaxed);
    delivered_ = 0;
  }
  // Keep the unparsed tail at the front, and make room for a frame larger than the buffer.
  if (begin_ == end_) {
    begin_ = end_ = 0;
  } else if (begin_ > 0) {
    std::memmove(buf_.data(), buf_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  if (need > buf_.size()) buf_.resize(std::max(need, 2 * buf_.size()));
  return true;
}

void WsClient::handle_message(std::string_view text, std::int64_t now) {
  if (socketio_) return handle_engineio(text, now);  // one Engine.IO packet per WebSocket message
  // Batch mode: several events per WebSocket message, one per line.
  for (auto nl = text.find('\n'); nl != std::string_view::npos; nl = text.find('\n')) {
    handle_event(text.substr(0, nl), now);
    text.remove_prefix(nl + 1);
  }
  handle_event(text, now);
}

void WsClient::handle_engineio(std::string_view packet, std::int64_t now) {
  if (packet == "2") {  // the server's Engine.IO ping: a pong, or it closes the connection as idle
    std::string pong;
    ws_wire::append_masked(pong, ws_wire::opcode::text, "3", mask_);
    return queue_frame(std::move(pong));
  }
  if (packet.substr(0, 2) == "42") return handle_event(packet, now);  // an event; "0…" open, "40…" connected
}

void WsClient::handle_event(std::string_view f, std::int64_t now) {
  auto type = socketio_ ? socketio_event_type(f) : event_type(f);
  if (type == "message") {
    static constexpr std::string_view key = "\"message\":\"b:";
    auto p = f.find(key);
    std::int64_t t = 0;
    if (p != std::string_view::npos && parse_stamp(f, p + key.size(), t) && stats_.in_window(t)) {
      ++delivered_;
      stats_.latency.record((now - t) / 1000);
      if (t < stats_.connected_all_ns.load(std::memory_order_relaxed)) {
        stats_.latency_connecting.record((now - t) / 1000);
        if (t >= resumed_ns_) stats_.latency_connecting_live.record((now - t) / 1000);
      } else {
        stats_.latency_after.record((now - t) / 1000);
      }
    }
  } else if (type == "ack") {
    static constexpr std::string_view key = "\"clientId\":\"";
    auto p = f.find(key);
    std::int64_t t = 0;
    if (p != std::string_view::npos && parse_stamp(f, p + key.size(), t) && stats_.in_window(t))
      stats_.acked.fetch_add(1, std::memory_order_relaxed);
  } else if (type == "resumed") {
    if (resumed_ns_ == INT64_MAX) resumed_ns_ = now;
  } else if (type == "user.connected" || type == "user.disconnected" || type == "presence") {
    presence_.fetch_add(1, std::memory_order_relaxed);
    stats_.presence_events.fetch_add(1, std::memory_order_relaxed);
  } else if (type == "error") {
    if (f.find("\"rate_limited\"") != std::string_view::npos) {
      stats_.rate_limited.fetch_add(1, std::memory_order_relaxed);
    } else if (f.find("\"overloaded\"") != std::string_view::npos) {  // shed by the node: not sent
      stats_.overloaded.fetch_add(1, std::memory_order_relaxed);
    } else {
      stats_.other_errors.fetch_add(1, std::memory_order_relaxed);
      if (logged_errors.fetch_add(1) < 5) std::cerr << "chatbench: server error frame: " << f << "\n";
    }
  }
}

void WsClient::send(std::string text) {
  net::dispatch(ex_, [self = shared_from_this(), text = std::move(text)] {
    if (self->closing_) return;
    std::string wrapped;  // (a Socket.IO client's frame; the plain one goes as it is)
    if (self->socketio_) wrapped = socketio_event(text);
    const std::string& payload = self->socketio_ ? wrapped : text;
    std::string frame;
    frame.reserve(payload.size() + 14);
    ws_wire::append_masked(frame, ws_wire::opcode::text, payload, self->mask_);
    self->queue_frame(std::move(frame));
  });
}

void WsClient::queue_frame(std::string frame) {
  queue_.push_back(std::move(frame));
  if (open_ && queue_.size() == 1) do_write();
}

void WsClient::do_write() {
  net::async_write(socket_, net::buffer(queue_.front()),
                   [self = shared_from_this()](error_code ec, std::size_t n) { self->on_write(ec, n); });
}

void WsClient::on_write(error_code ec, std::size_t) {
  if (ec) {
    queue_.clear();
    return;
  }
  queue_.pop_front();
  if (!queue_.empty() && open_) do_write();
}

void WsClient::fail(std::string_view why) {
  const bool was_open = open_;
  open_ = false;
  error_code ignored;
  connect_timer_.cancel();
  socket_.close(ignored);
  if (!was_open) return ready(false);
  if (!closing_ && !stats_.stopping.load()) {
    stats_.closed.fetch_add(1, std::memory_order_relaxed);
    if (logged_errors.fetch_add(1) < 5) std::cerr << "chatbench: connection closed (" << why << ")\n";
  }
}

void WsClient::ready(bool ok) {
  if (!ok && logged_errors.fetch_add(1) < 5)
    std::cerr << "chatbench: connection to " << remote_ << " failed\n";
  if (on_ready_) {
    auto cb = std::move(on_ready_);
    on_ready_ = nullptr;
    cb(ok);
  }
}

void WsClient::close() {
  net::post(ex_, [self = shared_from_this()] {
    if (self->closing_) return;
    self->closing_ = true;
    // Closing the socket is enough for a benchmark (no close handshake wait).
    error_code ec;
    self->socket_.shutdown(tcp::socket::shutdown_both, ec);
    self->socket_.close(ec);
  });
}

}  // namespace bench
