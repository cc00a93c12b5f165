#pragma once
/// What a listener gives each of its HTTP sessions, and the (Beast-free) way to start one.

#include <chrono>
#include <cstddef>
#include <memory>

#include <boost/asio/ip/tcp.hpp>

#include "net/client_address.hpp"
#include "net/connection_registry.hpp"
#include "net/request_handler.hpp"
#include "net/server.hpp"

namespace chat::metrics {
class node_metrics;
}

namespace chat::net {

/// Shared, immutable settings of the sessions of one listener.
struct session_config {
  std::shared_ptr<request_handler> handler;       ///< answers the requests
  std::shared_ptr<connection_registry> registry;  ///< open connections of the server
  metrics::node_metrics* metrics = nullptr;       ///< counts requests and connections; null = not counted
  std::size_t max_body_bytes = server_options{}.max_body_bytes;     ///< 413 above
  /// Body limit of upload routes (`POST /room/{id}/files`, 413 above); 0: no upload routes (their
  /// bodies are read like any other).
  std::size_t max_upload_bytes = 0;
  std::size_t max_header_bytes = server_options{}.max_header_bytes; ///< 431 above
  std::chrono::seconds request_timeout = server_options{}.request_timeout; ///< per read or write, and keep-alive idle time
  /// Peers whose X-Forwarded-For / Forwarded name the client (empty: the TCP peer is the client).
  trusted_proxies trusted;
};

/// Starts an HTTP session on an accepted socket (whose executor is its loop's: one thread).
void start_http_session(boost::asio::ip::tcp::socket socket, std::shared_ptr<const session_config> cfg);

} // namespace chat::net
