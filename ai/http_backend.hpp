#pragma once
/// A backend that speaks a protocol over HTTP(S): the transport shared by ai/openai_backend and
/// ai/n8n_backend. It owns one I/O thread (its own io_context), the TLS context of https URLs and
/// the replies in flight; start() never blocks (it builds the request body and posts the rest).

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "ai/backend.hpp"
#include "ai/http_url.hpp"
#include "ai/response_reader.hpp"

namespace chat::ai {

/// What a protocol sends and how it reads the answer.
struct protocol {
  std::string name;                                          ///< "openai" or "n8n"
  http_url url;                                              ///< the full URL of the POST
  std::string accept;                                        ///< the Accept header
  std::function<std::string(const request&)> body;           ///< the JSON request body
  std::function<std::unique_ptr<response_reader>()> reader;  ///< a reader for one response
};

/// How the transport connects.
struct transport_options {
  std::string api_key;                             ///< `Authorization: Bearer` when not empty
  std::string ca_file;                             ///< extra trusted CA certificates (PEM), https only
  std::chrono::milliseconds idle_timeout{30000};   ///< no bytes for this long -> idle_timeout
  std::chrono::milliseconds reply_timeout{120000}; ///< a longer reply -> timeout
};

class http_backend final : public backend {
public:
  /// A started backend, or nullptr with `error` set (e.g. a CA file that cannot be loaded).
  static std::unique_ptr<http_backend> create(protocol proto, const transport_options& options,
                                              std::string& error);

  /// Ends every reply in flight (on_end with outcome::stopped) and joins the I/O thread.
  /// Never call it from a callback of one of its replies.
  ~http_backend() override;

  http_backend(const http_backend&) = delete;
  http_backend& operator=(const http_backend&) = delete;

  std::shared_ptr<call> start(request req, stream_handler handler) override;
  std::string_view name() const noexcept override { return proto_.name; }

  struct io_state; ///< the loop, its thread and the replies in flight (internal)

private:
  http_backend(protocol proto, std::unique_ptr<io_state> io);

  protocol proto_;
  std::unique_ptr<io_state> io_;
};

} // namespace chat::ai
