#include "ws_client.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>

#include <charconv>
#include <iostream>
#include <netinet/in.h>

#include "clock.hpp"

namespace bench {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

namespace {

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

std::atomic<int> logged_errors{0};

}  // namespace

WsClient::WsClient(net::io_context& ioc, Stats& stats, tcp::endpoint remote,
                   std::optional<net::ip::address> local, std::string token, bool batch,
                   Ready on_ready)
    : strand_(net::make_strand(ioc)),
      ws_(strand_),
      connect_timer_(strand_),
      stats_(stats),
      remote_(remote),
      local_(local),
      token_(std::move(token)),
      batch_(batch),
      on_ready_(std::move(on_ready)) {}

void WsClient::start() {
  net::dispatch(strand_, [self = shared_from_this()] { self->do_connect(); });
}

void WsClient::do_connect() {
  auto& sock = beast::get_lowest_layer(ws_);
  if (local_) {
    beast::error_code ec;
    sock.open(tcp::v4(), ec);
    if (!ec) {
      int one = 1;
      ::setsockopt(sock.native_handle(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
      sock.bind(tcp::endpoint(*local_, 0), ec);
    }
    if (ec) return on_connect(ec);
  }
  connect_timer_.expires_after(std::chrono::seconds(20));
  connect_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
    if (!ec && !self->connected_) beast::get_lowest_layer(self->ws_).close(ec);  // the connect fails
  });
  beast::get_lowest_layer(ws_).async_connect(
      remote_, beast::bind_front_handler(&WsClient::on_connect, shared_from_this()));
}

void WsClient::on_connect(beast::error_code ec) {
  connect_timer_.cancel();
  if (ec) return ready(false);
  connected_ = true;
  beast::get_lowest_layer(ws_).set_option(tcp::no_delay(true), ec);
  auto timeouts = websocket::stream_base::timeout::suggested(beast::role_type::client);
  timeouts.handshake_timeout = std::chrono::seconds(20);
  ws_.set_option(timeouts);
  ws_.set_option(websocket::stream_base::decorator([tok = token_](websocket::request_type& req) {
    req.set(beast::http::field::authorization, "Bearer " + tok);
    req.set(beast::http::field::user_agent, "chatbench");
  }));
  ws_.read_message_max(1 << 20);
  std::string host = remote_.address().to_string() + ":" + std::to_string(remote_.port());
  ws_.async_handshake(host, batch_ ? "/ws?batch=1" : "/ws",
                      beast::bind_front_handler(&WsClient::on_handshake, shared_from_this()));
}

void WsClient::on_handshake(beast::error_code ec) {
  if (ec) return ready(false);
  open_ = true;
  ready(true);
  do_read();
  if (!queue_.empty()) do_write();
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

void WsClient::do_read() {
  ws_.async_read(buffer_, beast::bind_front_handler(&WsClient::on_read, shared_from_this()));
}

void WsClient::on_read(beast::error_code ec, std::size_t) {
  if (ec) {
    open_ = false;
    if (!closing_ && !stats_.stopping.load()) {
      stats_.closed.fetch_add(1, std::memory_order_relaxed);
      if (logged_errors.fetch_add(1) < 5)
        std::cerr << "chatbench: connection closed: " << ec.message() << " (" << ws_.reason().code << ")\n";
    }
    return;
  }
  stats_.frames.fetch_add(1, std::memory_order_relaxed);
  auto data = buffer_.cdata();
  std::string_view rest(static_cast<const char*>(data.data()), data.size());
  // Batch mode: several events per WebSocket message, one per line.
  for (auto nl = rest.find('\n'); nl != std::string_view::npos; nl = rest.find('\n')) {
    handle_frame(rest.substr(0, nl));
    rest.remove_prefix(nl + 1);
  }
  handle_frame(rest);
  buffer_.consume(buffer_.size());
  do_read();
}

void WsClient::handle_frame(std::string_view f) {
  if (f.find("\"type\":\"message\"") != std::string_view::npos) {
    static constexpr std::string_view key = "\"message\":\"b:";
    auto p = f.find(key);
    std::int64_t t = 0;
    if (p != std::string_view::npos && parse_stamp(f, p + key.size(), t) && stats_.in_window(t)) {
      stats_.delivered.fetch_add(1, std::memory_order_relaxed);
      stats_.latency.record((now_ns() - t) / 1000);
    }
  } else if (f.find("\"type\":\"ack\"") != std::string_view::npos) {
    static constexpr std::string_view key = "\"clientId\":\"";
    auto p = f.find(key);
    std::int64_t t = 0;
    if (p != std::string_view::npos && parse_stamp(f, p + key.size(), t) && stats_.in_window(t))
      stats_.acked.fetch_add(1, std::memory_order_relaxed);
  } else if (f.find("\"type\":\"error\"") != std::string_view::npos) {
    if (f.find("\"rate_limited\"") != std::string_view::npos) {
      stats_.rate_limited.fetch_add(1, std::memory_order_relaxed);
    } else {
      stats_.other_errors.fetch_add(1, std::memory_order_relaxed);
      if (logged_errors.fetch_add(1) < 5) std::cerr << "chatbench: server error frame: " << f << "\n";
    }
  }
}

void WsClient::send(std::string frame) {
  net::dispatch(strand_, [self = shared_from_this(), frame = std::move(frame)]() mutable {
    if (self->closing_) return;
    self->queue_.push_back(std::move(frame));
    if (self->open_ && self->queue_.size() == 1) self->do_write();
  });
}

void WsClient::do_write() {
  ws_.text(true);
  ws_.async_write(net::buffer(queue_.front()),
                  beast::bind_front_handler(&WsClient::on_write, shared_from_this()));
}

void WsClient::on_write(beast::error_code ec, std::size_t) {
  if (ec) {
    queue_.clear();
    return;
  }
  queue_.pop_front();
  if (!queue_.empty() && open_) do_write();
}

void WsClient::close() {
  net::post(strand_, [self = shared_from_this()] {
    if (self->closing_) return;
    self->closing_ = true;
    if (!self->open_) {
      beast::error_code ec;
      beast::get_lowest_layer(self->ws_).close(ec);
      return;
    }
    // Cancel the read; closing the socket is enough for a benchmark (no close handshake wait).
    beast::error_code ec;
    beast::get_lowest_layer(self->ws_).cancel(ec);
    beast::get_lowest_layer(self->ws_).shutdown(tcp::socket::shutdown_both, ec);
    beast::get_lowest_layer(self->ws_).close(ec);
  });
}

}  // namespace bench
