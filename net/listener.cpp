#include "net/listener.hpp"

#include <boost/asio/dispatch.hpp>

#include "metrics/log.hpp"

namespace chat::net {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {
constexpr std::chrono::milliseconds accept_retry_delay{100};
}

listener::listener(asio::io_context& ioc, io_loops* spread, std::shared_ptr<const session_config> cfg,
                   std::string name)
  : ioc_(ioc),
    spread_(spread),
    strand_(asio::make_strand(ioc)),
    acceptor_(strand_),
    retry_timer_(strand_),
    cfg_(std::move(cfg)),
    name_(std::move(name)) {}

bool listener::open(const std::string& address, std::uint16_t port, std::string& error) {
  boost::system::error_code ec;
  auto addr = asio::ip::make_address(address, ec);
  if (ec) {
    error = "invalid bind address '" + address + "': " + ec.message();
    return false;
  }
  tcp::endpoint endpoint{addr, port};
  auto fail = [&](const char* what) {
    error = std::string{what} + " " + name_ + " port " + std::to_string(port) + ": " + ec.message();
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    return false;
  };
  if (acceptor_.open(endpoint.protocol(), ec); ec)
    return fail("cannot open");
  if (acceptor_.set_option(asio::socket_base::reuse_address(true), ec); ec)
    return fail("cannot configure");
  if (acceptor_.bind(endpoint, ec); ec)
    return fail("cannot bind");
  if (acceptor_.listen(asio::socket_base::max_listen_connections, ec); ec)
    return fail("cannot listen on");
  port_.store(acceptor_.local_endpoint(ec).port(), std::memory_order_relaxed);
  log::info("http_listening", {{"listener", name_}, {"address", address}, {"port", port_.load()}});
  return true;
}

void listener::run() {
  asio::dispatch(strand_, [self = shared_from_this()] { self->do_accept(); });
}

void listener::stop() {
  asio::dispatch(strand_, [self = shared_from_this()] {
    self->stopped_ = true;
    boost::system::error_code ec;
    self->retry_timer_.cancel();
    self->acceptor_.close(ec);
  });
}

void listener::do_accept() {
  if (stopped_ || !acceptor_.is_open())
    return;
  // Each connection lives on one loop, and each loop has exactly one thread (io_loops): its
  // handlers are serialised by that alone. A strand per connection would add a mutex per handler
  // and, as a strand does not fit in any_io_executor's small buffer, a heap copy of the executor
  // in every pending operation of every idle connection.
  acceptor_.async_accept((spread_ ? spread_->next() : ioc_).get_executor(),
                         [self = shared_from_this()](boost::system::error_code ec, tcp::socket socket) {
                           self->on_accept(ec, std::move(socket));
                         });
}

void listener::on_accept(boost::system::error_code ec, tcp::socket socket) {
  if (ec == asio::error::operation_aborted || stopped_)
    return;
  if (ec) {
    // E.g. EMFILE: back off briefly instead of spinning.
    log::warn("http_accept_failed", {{"listener", name_}, {"error", ec.message()}});
    retry_timer_.expires_after(accept_retry_delay);
    retry_timer_.async_wait([self = shared_from_this()](boost::system::error_code e) { self->on_retry(e); });
    return;
  }
  boost::system::error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);
  start_http_session(std::move(socket), cfg_);
  do_accept();
}

void listener::on_retry(boost::system::error_code ec) {
  if (!ec)
    do_accept();
}

} // namespace chat::net
