#pragma once
// A scripted HTTP(S) server on a real loopback socket for the backend client's tests: it accepts one
// connection, reads one request (recorded), then plays its script: raw bytes (the test writes the
// status line, headers and chunk framing itself), pauses, an abrupt close, or waiting for the
// client to close. It runs on its own thread and io_context; everything is bounded by a deadline.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>

namespace ai_test {

namespace net = boost::asio;
using tcp = net::ip::tcp;
using namespace std::chrono_literals;

/// One step of a scripted response.
struct step {
  enum class kind { write, pause, close, await_close } what = kind::write;
  std::string bytes;
  std::chrono::milliseconds delay{0};
};

inline step send_bytes(std::string bytes) { return {step::kind::write, std::move(bytes), {}}; }
inline step delay(std::chrono::milliseconds d) { return {step::kind::pause, {}, d}; }
/// Closes the socket at once (no TLS close_notify): a mid-stream disconnect.
inline step close_now() { return {step::kind::close, {}, {}}; }
/// Reads until the client closes its side (or the server's deadline).
inline step await_close() { return {step::kind::await_close, {}, {}}; }

/// A status line and headers; `framing` is "chunked", "close" (body until the connection closes)
/// or a Content-Length value.
inline std::string head(int status, std::string_view reason, std::string_view content_type,
                        std::string_view framing = "chunked") {
  std::string h = "HTTP/1.1 " + std::to_string(status) + " " + std::string{reason} + "\r\n";
  h += "Content-Type: " + std::string{content_type} + "\r\n";
  if (framing == "chunked")
    h += "Transfer-Encoding: chunked\r\n";
  else if (framing == "close")
    h += "Connection: close\r\n";
  else
    h += "Content-Length: " + std::string{framing} + "\r\n";
  return h + "\r\n";
}

/// One chunk of a chunked body.
inline std::string chunk(std::string_view data) {
  char size[20];
  std::snprintf(size, sizeof size, "%zx\r\n", data.size());
  return size + std::string{data} + "\r\n";
}

inline std::string last_chunk() { return "0\r\n\r\n"; }

/// What the server saw.
struct recorded {
  bool got_request = false;
  std::string method, target, host, authorization, content_type, accept, body;
  bool client_closed = false; ///< the client closed while the server waited or wrote
  std::chrono::steady_clock::time_point closed_at{};
};

class loopback_server {
public:
  /// Listens on 127.0.0.1 (any port); with `tls`, speaks TLS with that server context.
  explicit loopback_server(std::vector<step> script, net::ssl::context* tls = nullptr,
                           std::chrono::milliseconds deadline = 5s)
      : script_(std::move(script)), tls_(tls), acceptor_(ioc_, tcp::endpoint{net::ip::make_address("127.0.0.1"), 0}),
        timer_(ioc_) {
    port_ = acceptor_.local_endpoint().port();
    timer_.expires_after(deadline);
    timer_.async_wait([this](boost::system::error_code ec) {
      if (!ec)
        ioc_.stop();
    });
    acceptor_.async_accept([this](boost::system::error_code ec, tcp::socket s) {
      if (ec)
        return done();
      if (tls_ != nullptr) {
        tls_stream_.emplace(std::move(s), *tls_);
        tls_stream_->async_handshake(net::ssl::stream_base::server, [this](boost::system::error_code e) {
          if (e)
            return done();
          read_request(*tls_stream_);
        });
      } else {
        socket_.emplace(std::move(s));
        read_request(*socket_);
      }
    });
    thread_ = std::thread{[this] { ioc_.run(); }};
  }

  ~loopback_server() {
    ioc_.stop();
    thread_.join();
  }

  std::uint16_t port() const { return port_; }

  /// Waits until the script has ended (or `limit`); false on timeout.
  bool wait_done(std::chrono::milliseconds limit = 3s) {
    std::unique_lock<std::mutex> lock{m_};
    return cv_.wait_for(lock, limit, [this] { return done_; });
  }

  recorded record() {
    std::lock_guard<std::mutex> lock{m_};
    return rec_;
  }

private:
  template <class Stream>
  void read_request(Stream& s) {
    boost::beast::http::async_read(s, buffer_, request_, [this, &s](boost::system::error_code ec, std::size_t) {
      if (ec)
        return done();
      {
        std::lock_guard<std::mutex> lock{m_};
        rec_.got_request = true;
        rec_.method = std::string{request_.method_string()};
        rec_.target = std::string{request_.target()};
        rec_.host = std::string{request_["Host"]};
        rec_.authorization = std::string{request_["Authorization"]};
        rec_.content_type = std::string{request_["Content-Type"]};
        rec_.accept = std::string{request_["Accept"]};
        rec_.body = request_.body();
      }
      next(s);
    });
  }

  template <class Stream>
  void next(Stream& s) {
    if (pos_ >= script_.size())
      return finish_script(s);
    const step& st = script_[pos_++];
    switch (st.what) {
      case step::kind::write:
        net::async_write(s, net::buffer(st.bytes), [this, &s](boost::system::error_code ec, std::size_t) {
          if (ec)
            return client_closed();
          next(s);
        });
        return;
      case step::kind::pause:
        pause_.emplace(ioc_);
        pause_->expires_after(st.delay);
        pause_->async_wait([this, &s](boost::system::error_code) { next(s); });
        return;
      case step::kind::close:
        return finish_script(s);
      case step::kind::await_close:
        s.async_read_some(net::buffer(sink_), [this, &s](boost::system::error_code ec, std::size_t) {
          if (ec)
            return client_closed();
          pos_--; // keep waiting
          next(s);
        });
        return;
    }
  }

  template <class Stream>
  void finish_script(Stream& s) {
    boost::system::error_code ignored;
    s.lowest_layer().close(ignored);
    done();
  }

  void client_closed() {
    {
      std::lock_guard<std::mutex> lock{m_};
      rec_.client_closed = true;
      rec_.closed_at = std::chrono::steady_clock::now();
    }
    done();
  }

  void done() {
    std::lock_guard<std::mutex> lock{m_};
    done_ = true;
    cv_.notify_all();
  }

  std::vector<step> script_;
  std::size_t pos_ = 0;
  net::ssl::context* tls_;
  net::io_context ioc_;
  tcp::acceptor acceptor_;
  net::steady_timer timer_;
  std::optional<net::steady_timer> pause_;
  std::optional<tcp::socket> socket_;
  std::optional<net::ssl::stream<tcp::socket>> tls_stream_;
  boost::beast::flat_buffer buffer_;
  boost::beast::http::request<boost::beast::http::string_body> request_;
  char sink_[4096];
  std::uint16_t port_ = 0;
  std::thread thread_;

  std::mutex m_;
  std::condition_variable cv_;
  bool done_ = false;
  recorded rec_;
};

/// A loopback port nothing listens on (bound, read, closed).
inline std::uint16_t closed_port() {
  net::io_context ioc;
  tcp::acceptor a{ioc, tcp::endpoint{net::ip::make_address("127.0.0.1"), 0}};
  return a.local_endpoint().port();
}

} // namespace ai_test
