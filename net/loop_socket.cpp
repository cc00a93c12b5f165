#include "net/loop_socket.hpp"

#include <unistd.h>

#include "net/invariant.hpp"

namespace chat::net {

loop_socket to_loop_socket(boost::asio::ip::tcp::socket&& socket) {
  const auto* ex = socket.get_executor().target<boost::asio::io_context::executor_type>();
  CHAT_NET_INVARIANT(ex != nullptr, "a connection whose executor is not its loop's io_context executor");
  loop_socket out(*ex);
  if (!socket.is_open())
    return out;
  boost::system::error_code ec;
  const auto protocol = socket.local_endpoint(ec).protocol();
  if (ec)
    return out; // the peer is gone already: the closed socket fails the first operation
  const auto fd = socket.release(ec); // leaves the loop's reactor; `out` registers it again
  if (ec)
    return out;
  out.assign(protocol, fd, ec);
  if (ec)
    ::close(fd);
  return out;
}

} // namespace chat::net
