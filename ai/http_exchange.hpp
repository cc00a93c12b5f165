#pragma once
/// One streamed HTTP(S) exchange of a backend: resolve, connect, TLS handshake (https), POST the
/// JSON body, read the response incrementally (chunked or not) and hand its body to a protocol's
/// response_reader, which turns it into text pieces and a verdict. Beast and Asio stay in the .cpp.
///
/// Everything of an exchange runs on its backend's single I/O thread. Timeouts: no bytes for
/// `idle_timeout` -> outcome::idle_timeout (while connecting: unreachable); the whole reply longer
/// than `reply_timeout` -> outcome::timeout. An error status (not 2xx) -> outcome::upstream with the
/// status and the message of (at most `max_error_body` bytes of) its body. The API key is removed
/// from every detail.

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "ai/backend.hpp"
#include "ai/http_url.hpp"
#include "ai/response_reader.hpp"

namespace boost::asio {
class io_context;
namespace ssl {
class context;
} // namespace ssl
} // namespace boost::asio

namespace chat::ai {

/// What every exchange of one backend shares; read-only once exchanges exist.
struct exchange_setup {
  boost::asio::io_context* ioc = nullptr;  ///< the backend's loop (one thread)
  boost::asio::ssl::context* tls = nullptr; ///< set for https URLs
  http_url url;                            ///< where to POST
  std::string api_key;                     ///< `Authorization: Bearer` when not empty; never in a detail
  std::string accept;                      ///< the Accept header
  std::chrono::milliseconds idle_timeout{30000};
  std::chrono::milliseconds reply_timeout{120000};
  std::size_t max_error_body = 2048;       ///< body bytes read of an error status
  std::size_t max_body = 16u << 20;        ///< the largest response body accepted
};

/// A reply in flight. Holders other than its own pending operations should keep a weak_ptr: the
/// exchange must not outlive its io_context.
class http_exchange : public call {
public:
  /// Starts resolving (on the I/O thread only, once).
  virtual void launch() = 0;
  /// Ends the reply now with outcome::stopped and `why` (on the I/O thread only; no-op once ended).
  virtual void stop_now(std::string_view why) = 0;
};

/// A new exchange, not started: post launch() to `setup->ioc`. `cancel()` is thread-safe.
std::shared_ptr<http_exchange> make_exchange(std::shared_ptr<const exchange_setup> setup, std::string body,
                                             std::unique_ptr<response_reader> reader, stream_handler handler);

} // namespace chat::ai
