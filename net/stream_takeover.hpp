#pragma once
/// A transport that takes a connection over after its HTTP request was authenticated: the
/// WebSocket upgrade (/ws) and the SSE stream (/stream). Private to the net library (Beast types).

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

namespace chat::net {

class stream_takeover {
public:
  virtual ~stream_takeover() = default;

  /// Takes over `stream` (with whatever `buffer` already read) after the request `req`.
  /// Called once, on the connection's loop; the HTTP session is done with the socket.
  virtual void start(boost::beast::tcp_stream&& stream, boost::beast::flat_buffer buffer,
                     boost::beast::http::request<boost::beast::http::string_body> req) = 0;
};

} // namespace chat::net
