#pragma once
/// The assistant's language-model backends, as the rest of the node sees them (issue #21).
///
/// A backend turns one `ai::request` (a system prompt and the room's recent turns) into a stream
/// of text pieces. Implementations speak a real protocol to a real server: an OpenAI-compatible
/// `POST {url}/chat/completions` with `"stream":true` (ai/openai_backend), or an n8n webhook
/// (ai/n8n_backend). They run their I/O on their own threads; the caller (the assistant actor)
/// gets every callback on one of those threads and forwards it to itself as a message.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace chat::ai {

/// One turn of the conversation sent as context.
struct turn {
  enum class role : std::uint8_t { system, user, assistant };
  role who = role::user;
  std::string content; ///< in channels, a user's turn starts with "<username>: "
};

/// What the backend is asked.
struct request {
  std::string room_id;           ///< the room the reply goes to
  std::string user_id;           ///< the user whose message triggered the reply
  std::string username;          ///< their name
  std::string text;              ///< the triggering message's text
  std::vector<turn> turns;       ///< the system prompt first, then the room's last messages, oldest first
};

/// How a reply ended. `ok`: the backend said it is complete.
enum class outcome : std::uint8_t {
  ok,
  stopped,      ///< cancel() was called; the upstream connection was closed
  upstream,     ///< the backend answered an HTTP error status, or closed mid-stream
  malformed,    ///< a chunk or answer the protocol does not allow
  idle_timeout, ///< no bytes for the idle timeout
  timeout,      ///< the whole reply took longer than the reply timeout
  unreachable,  ///< could not connect (DNS, TCP, TLS, certificate)
};

/// The wire name of an outcome (`"ok"`, `"stopped"`, `"upstream"`, …): the reply's `error` field
/// and the metric label.
std::string_view to_string(outcome o) noexcept;

/// The role's name in chat-completion requests: "system", "user" or "assistant".
std::string_view to_string(turn::role r) noexcept;

/// The callbacks of one reply. Both run on a backend thread, never concurrently for one call;
/// `on_text` any number of times, then `on_end` exactly once (also after cancel()).
struct stream_handler {
  std::function<void(std::string_view piece)> on_text;                  ///< UTF-8 text to append
  std::function<void(outcome how, std::string_view detail)> on_end; ///< detail: for logs, never a key
};

/// One reply in flight. Destroying the handle does not cancel it.
class call {
public:
  virtual ~call() = default;
  /// Aborts the reply (thread-safe, idempotent): the upstream connection is closed and `on_end`
  /// follows with outcome::stopped, unless it already ended.
  virtual void cancel() = 0;
};

/// A configured backend.
class backend {
public:
  virtual ~backend() = default;
  /// Starts one reply (thread-safe; never blocks).
  virtual std::shared_ptr<call> start(request req, stream_handler handler) = 0;
  /// `"openai"` or `"n8n"`: the metric label.
  virtual std::string_view name() const noexcept = 0;
};

} // namespace chat::ai
