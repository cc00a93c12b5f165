#pragma once
/// Messages over HTTP: GET /room/{id}/messages (offset/size or before/limit paging), and the
/// commands POST /room/{id}/messages (201), PATCH and DELETE /room/{id}/messages/{messageId} (200),
/// each answered only after Redis confirmed the write. The commands are decoded here and carried
/// out by actors::chat_service, the same path as the WebSocket frames.

#include <cstdint>
#include <optional>
#include <string>

#include "actors/chat_service.hpp"
#include "net/api_env.hpp"
#include "net/exchange.hpp"
#include "net/router.hpp"

namespace chat::net {

class command_request;

class message_handlers {
public:
  /// Handlers working with `env` (which must outlive them).
  explicit message_handlers(api_env& env) : env_(env) {}

  /// Registers the routes.
  void add_routes(router& r);

private:
  /// A validated paging request.
  struct page {
    bool by_offset = true;
    std::int64_t offset = 0;
    std::int64_t size = 15;
    std::optional<std::int64_t> before;
    std::int64_t limit = 50;
  };

  void do_list(const exchange_ptr& ex);
  void on_list_access(const exchange_ptr& ex, const page& p);
  /// GET /room/{id}/messages/{messageId}/replies?before=&limit=: a thread's replies, newest first.
  void do_replies(const exchange_ptr& ex);
  /// Parses the paging query; answers 400 and returns false when it is invalid.
  bool read_page(const exchange_ptr& ex, page& out);

  /// The routes of the room commands (POST, PATCH, DELETE): one row per kind.
  void add_command_routes(router& r);
  /// Decodes a request into a room command, or answers it (400/404) and returns nullopt.
  using decode_fn = std::function<std::optional<actors::room_command>(command_request&)>;
  /// Reshapes a successful result's data for the HTTP answer (may be empty).
  using shape_fn = std::function<void(actors::command_result&)>;
  /// Authenticates, decodes, executes the command through chat_service and answers `status`.
  void run_command(const exchange_ptr& ex, unsigned status, decode_fn decode, shape_fn shape = {});
  /// The answer to a command: `status` with the event's data, or the error's table row.
  void answer(const exchange_ptr& ex, unsigned status, actors::command_result r);

  api_env& env_;
};

} // namespace chat::net
