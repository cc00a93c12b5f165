// `/socket.io/` over WebSocket without a valid session: Socket.IO refuses at its own level, so the
// upgrade is accepted, the Engine.IO handshake done, and every CONNECT answered with CONNECT_ERROR
// `44{"message":"unauthorized"}` (socket.io-client's connect_error, after which it closes).
// No user, no realtime session: Beast's stream does it all, and the connection ends within
// kLifetime whatever the client does.
#include <chrono>
#include <memory>
#include <string>

#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/websocket.hpp>

#include "metrics/node_metrics.hpp"
#include "net/engineio_codec.hpp"
#include "net/socketio_codec.hpp"
#include "net/stream_takeover.hpp"
#include "net/transports.hpp"

namespace chat::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;

namespace {

/// The whole life of a refused connection.
constexpr auto kLifetime = std::chrono::seconds(10);
/// Largest client message read (a CONNECT with its auth object).
constexpr std::size_t kMaxRead = 4096;

class socketio_refusal : public std::enable_shared_from_this<socketio_refusal> {
public:
  socketio_refusal(beast::tcp_stream&& stream, api_env& env)
    : ws_(std::move(stream)), timer_(ws_.get_executor()), env_(env) {}

  void run(http::request<http::string_body> req) {
    ws_.set_option(websocket::stream_base::timeout{std::chrono::seconds(10), kLifetime, false});
    ws_.set_option(websocket::stream_base::decorator(
      [](websocket::response_type& res) { res.set(http::field::server, "chatnode"); }));
    ws_.read_message_max(kMaxRead);
    ws_.text(true);
    timer_.expires_after(kLifetime);
    timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (!ec)
        beast::get_lowest_layer(self->ws_).close(); // every pending operation ends
    });
    ws_.async_accept(req, beast::bind_front_handler(&socketio_refusal::on_accept, shared_from_this()));
  }

private:
  void on_accept(beast::error_code ec) {
    if (ec)
      return done();
    const auto interval = std::chrono::duration_cast<std::chrono::milliseconds>(env_.opts.live.ws_idle_timeout / 4);
    send(eio::open_packet("unauthorized", false, interval, std::chrono::milliseconds{20000}, kMaxRead));
    read();
  }

  void read() {
    ws_.async_read(in_, beast::bind_front_handler(&socketio_refusal::on_read, shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t) {
    if (ec)
      return done();
    const auto text = beast::buffers_to_string(in_.data());
    in_.consume(in_.size());
    auto packet = eio::parse_packet(text);
    if (packet && packet->type == eio::packet_type::message && !packet->data.empty() && packet->data.front() == '0') {
      env_.metrics.errors("sio_unauthorized").Increment();
      send("4" + sio::encode_connect_error("unauthorized"));
    } else if (packet && packet->type == eio::packet_type::close) {
      return done();
    }
    read();
  }

  /// Writes are rare (the open packet, one answer per CONNECT): queued one after the other.
  void send(std::string packet) {
    out_.push_back(std::move(packet));
    if (out_.size() == 1)
      write_next();
  }

  void write_next() {
    ws_.async_write(asio::buffer(out_.front()), [self = shared_from_this()](beast::error_code ec, std::size_t) {
      self->out_.erase(self->out_.begin());
      if (ec)
        return self->done();
      if (!self->out_.empty())
        self->write_next();
    });
  }

  void done() {
    timer_.cancel();
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    beast::get_lowest_layer(ws_).close();
  }

  websocket::stream<beast::tcp_stream> ws_;
  asio::steady_timer timer_;
  api_env& env_;
  beast::flat_buffer in_;
  std::vector<std::string> out_;
};

class socketio_refusal_takeover : public stream_takeover {
public:
  explicit socketio_refusal_takeover(api_env& env) : env_(env) {}
  void start(beast::tcp_stream&& stream, beast::flat_buffer, http::request<http::string_body> req) override {
    // (Bytes that came with the request are dropped: a client waits for the 101.)
    std::make_shared<socketio_refusal>(std::move(stream), env_)->run(std::move(req));
  }

private:
  api_env& env_;
};

} // namespace

std::shared_ptr<stream_takeover> make_socketio_refusal(api_env& env) {
  return std::make_shared<socketio_refusal_takeover>(env);
}

} // namespace chat::net
