#pragma once
/// Messages: GET /room/{id}/messages (offset/size or before/limit paging) and
/// POST /room/{id}/messages (201 only after Redis confirmed the write).

#include <cstdint>
#include <optional>
#include <string>

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
  /// A validated message to send.
  struct draft {
    std::string text;
    std::optional<std::string> client_id;
  };

  void do_list(const exchange_ptr& ex);
  void on_list_access(const exchange_ptr& ex, const page& p);
  void do_send(const exchange_ptr& ex);
  void on_send_draft(const exchange_ptr& ex, draft d);
  void on_send_allowed(const exchange_ptr& ex, draft d);

  /// Parses the paging query; answers 400 and returns false when it is invalid.
  bool read_page(const exchange_ptr& ex, page& out);
  /// Parses and validates the message body; answers 400 and returns false when it is invalid.
  bool read_draft(const exchange_ptr& ex, draft& out);
  /// Checks membership of the room, then calls `next` (403/404/503 otherwise).
  void check_member(const exchange_ptr& ex, std::function<void()> next);

  api_env& env_;
};

} // namespace chat::net
