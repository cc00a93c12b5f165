#pragma once
/// Accepts connections on one port and starts an HTTP session for each, on the next of the node's
/// loops (a connection stays on its loop, which has one thread: no strand per connection). The
/// acceptor itself runs on a strand of the main loop, so stop() may come from any thread.
/// Private to the net library (Asio header).

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "net/io_loops.hpp"
#include "net/session_config.hpp"

namespace chat::net {

class listener : public std::enable_shared_from_this<listener> {
public:
  /// A listener named `name` ("client", "internal") on `ioc` whose sessions use `cfg`. With
  /// `spread`, each accepted connection goes to the next of its loops; without, it stays on `ioc`.
  listener(boost::asio::io_context& ioc, io_loops* spread, std::shared_ptr<const session_config> cfg,
           std::string name);

  listener(const listener&) = delete;
  listener& operator=(const listener&) = delete;

  /// Opens, binds and listens (synchronously); false with `error` filled on failure.
  bool open(const std::string& address, std::uint16_t port, std::string& error);
  /// Starts the accept loop.
  void run();
  /// Closes the acceptor (thread-safe; sessions are not affected).
  void stop();
  /// The bound port, 0 before open().
  std::uint16_t port() const noexcept { return port_.load(std::memory_order_relaxed); }

private:
  void do_accept();
  void on_accept(boost::system::error_code ec, boost::asio::ip::tcp::socket socket);
  void on_retry(boost::system::error_code ec);

  boost::asio::io_context& ioc_;
  io_loops* spread_;
  boost::asio::strand<boost::asio::io_context::executor_type> strand_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer retry_timer_;
  std::shared_ptr<const session_config> cfg_;
  std::string name_;
  std::atomic<std::uint16_t> port_{0};
  bool stopped_ = false; // on strand_
};

} // namespace chat::net
