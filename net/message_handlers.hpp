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
  void do_send(const exchange_ptr& ex);
  void do_edit(const exchange_ptr& ex);
  void do_delete(const exchange_ptr& ex);

  /// Parses the paging query; answers 400 and returns false when it is invalid.
  bool read_page(const exchange_ptr& ex, page& out);
  /// Decodes `{"message","clientId"?}` (`with_text`) or an optional `{"clientId"}`; answers 400
  /// and returns false when a field has the wrong type.
  bool read_body(const exchange_ptr& ex, bool with_text, std::string& text, std::string& client_id);
  /// The `{messageId}` path parameter; answers 404 and returns nullopt when it is not an id.
  std::optional<std::int64_t> message_id(const exchange_ptr& ex);
  /// The completion of a command: `status` with the event's data, or the error's table row.
  actors::result_fn answer(const exchange_ptr& ex, unsigned status);
  /// Runs a completion on the exchange's executor.
  static actors::post_fn on_session(const exchange_ptr& ex);

  api_env& env_;
};

} // namespace chat::net
