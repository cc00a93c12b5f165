#pragma once
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/websocket.hpp>

#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "stats.hpp"

namespace bench {

// One WebSocket connection (Beast chat-multi style): all handlers run on the stream's strand,
// reads loop forever, at most one write is in flight, queued frames wait in a deque.
class WsClient : public std::enable_shared_from_this<WsClient> {
 public:
  using tcp = boost::asio::ip::tcp;
  using Ready = std::function<void(bool ok)>;

  WsClient(boost::asio::io_context& ioc, Stats& stats, tcp::endpoint remote,
           std::optional<boost::asio::ip::address> local, std::string token, bool batch,
           Ready on_ready);

  void start();                      // connect, handshake, then read; calls on_ready once
  void send(std::string frame);      // thread-safe
  void close();                      // thread-safe, best effort
  boost::asio::strand<boost::asio::io_context::executor_type> executor() const { return strand_; }

 private:
  void do_connect();
  void on_connect(boost::beast::error_code ec);
  void on_handshake(boost::beast::error_code ec);
  void do_read();
  void on_read(boost::beast::error_code ec, std::size_t bytes);
  void do_write();
  void on_write(boost::beast::error_code ec, std::size_t bytes);
  void handle_frame(std::string_view frame);
  void ready(bool ok);

  boost::asio::strand<boost::asio::io_context::executor_type> strand_;
  // The bare socket (no tcp_stream timers on every read): the bench's own CPU per frame matters,
  // it shares the machine with the servers. The connect has its own timer.
  boost::beast::websocket::stream<tcp::socket> ws_;
  boost::asio::steady_timer connect_timer_;
  boost::beast::flat_buffer buffer_;
  std::deque<std::string> queue_;
  Stats& stats_;
  tcp::endpoint remote_;
  std::optional<boost::asio::ip::address> local_;
  std::string token_;
  bool batch_ = true;
  Ready on_ready_;
  bool connected_ = false;  // TCP connected (the connect timer no longer applies)
  bool open_ = false;
  bool closing_ = false;
};

}  // namespace bench
