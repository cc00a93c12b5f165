#pragma once
/// The protocol half of an HTTP backend: what a successful (2xx) response's body means.
/// Implementations are pure (no I/O): ai/openai_backend (SSE) and ai/n8n_backend (JSON lines or
/// one JSON answer). The exchange (ai/http_exchange) owns the connection, the timeouts and the
/// error statuses; it hands each reader the body as it arrives.

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "ai/backend.hpp"

namespace chat::ai {

/// How a reader judged the reply.
struct verdict {
  outcome how = outcome::ok;
  std::string detail; ///< for logs; must not carry secrets (the exchange also redacts the key)
};

/// Receives the text pieces a reader found.
using text_fn = std::function<void(std::string_view piece)>;

class response_reader {
public:
  virtual ~response_reader() = default;

  /// The header of a 2xx response arrived; `content_type` as sent (may be empty).
  virtual void on_header(std::string_view content_type) = 0;

  /// A piece of the body. Text found goes to `emit`. A verdict ends the reply: the exchange then
  /// closes the connection without reading further.
  virtual std::optional<verdict> on_body(std::string_view bytes, const text_fn& emit) = 0;

  /// The body ended as HTTP framed it (last chunk, Content-Length reached, or the connection closed
  /// a body without length): the final verdict.
  virtual verdict on_complete(const text_fn& emit) = 0;
};

} // namespace chat::ai
