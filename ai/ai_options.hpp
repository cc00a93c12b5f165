#pragma once
/// The assistant's backend settings and the one place that turns them into a backend.
/// The API key is a secret: it is never logged, printed, put in a metric or an error detail
/// (describe() and every error text leave it out; replies' details have it redacted).

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "ai/backend.hpp"

namespace chat::ai {

/// Which protocol the backend speaks.
enum class backend_kind : std::uint8_t {
  none,   ///< no assistant
  openai, ///< OpenAI-compatible chat completions (`url` is the base, e.g. http://localhost:11434/v1)
  n8n,    ///< an n8n webhook (`url` is the webhook's full URL)
};

/// `"none"`, `"openai"`, `"n8n"`.
std::string_view to_string(backend_kind kind) noexcept;

/// Parses the names above; false on anything else.
bool parse_backend_kind(std::string_view text, backend_kind& out) noexcept;

/// The settings (filled by the app from its options; a plain struct).
struct ai_options {
  backend_kind kind = backend_kind::none;
  std::string url;      ///< http:// or https://; its path may be secret (an n8n webhook): never logged
  std::string model;    ///< the `model` of chat completions (required for openai)
  std::string api_key;  ///< SECRET: sent as `Authorization: Bearer`; loaded from a file by the caller
  std::string ca_file;  ///< extra trusted CA certificates (PEM) for https; empty = system store only
  std::chrono::milliseconds idle_timeout{std::chrono::seconds{30}};   ///< no bytes this long -> idle_timeout
  std::chrono::milliseconds reply_timeout{std::chrono::seconds{120}}; ///< longer replies -> timeout
};

/// The backend for `options`, running (its I/O thread started). nullptr with `error` set when the
/// options are unusable (kind none, a bad URL, no model, a CA file that cannot be loaded, a key with
/// control characters). `error` names the problem, never the key or the URL's path.
/// Surrounding whitespace of the key (a trailing newline of a key file) is ignored.
std::unique_ptr<backend> make_backend(const ai_options& options, std::string& error);

/// One line for logs: kind, scheme://host:port, model, whether a key is set, the CA file, timeouts.
/// Never the key nor the URL's path or query.
std::string describe(const ai_options& options);

} // namespace chat::ai
