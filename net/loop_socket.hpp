#pragma once
/// A long-lived connection's socket, typed on its loop's executor. Accepted sockets carry
/// `any_io_executor` (the HTTP layer is written against it); every pending operation of such a
/// socket holds type-erased executor copies. A WebSocket or SSE stream that idles for hours is
/// moved onto `io_context::executor_type` instead: smaller pending operations per idle connection
/// and no type-erased dispatch per handler. Private to the net library.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

namespace chat::net {

using loop_socket = boost::asio::basic_stream_socket<boost::asio::ip::tcp, boost::asio::io_context::executor_type>;

/// Moves `socket` (open or not, no operation pending; its executor must be an io_context's plain
/// executor, as the listener hands out) onto
/// its io_context's executor type. The descriptor stays the same; on failure the result is
/// closed, and the connection's first operation fails.
loop_socket to_loop_socket(boost::asio::ip::tcp::socket&& socket);

} // namespace chat::net
