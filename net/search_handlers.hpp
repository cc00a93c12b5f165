#pragma once
/// Message search: GET /search?q=&roomId=&before=&limit= (docs/protocol.md §1, issue #22).

#include "net/api_env.hpp"
#include "net/exchange.hpp"
#include "net/router.hpp"

namespace chat::net {

class search_handlers {
public:
  /// Handlers working with `env` (which must outlive them).
  explicit search_handlers(api_env& env) : env_(env) {}

  /// Registers the routes.
  void add_routes(router& r);

private:
  void do_search(const exchange_ptr& ex);
  /// Runs the query (the room, when one is given, was checked).
  void run(const exchange_ptr& ex, storage::search_query q);

  api_env& env_;
};

} // namespace chat::net
