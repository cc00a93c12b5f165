#pragma once
/// Users and people: GET /users?ids[]=…, GET /users/online, GET /users/search, GET /users/all,
/// GET /room/{id}/members (docs/protocol.md §1).

#include "net/api_env.hpp"
#include "net/exchange.hpp"
#include "net/router.hpp"

namespace chat::net {

class user_handlers {
public:
  /// Handlers working with `env` (which must outlive them).
  explicit user_handlers(api_env& env) : env_(env) {}

  /// Registers the routes.
  void add_routes(router& r);

private:
  void do_users(const exchange_ptr& ex);
  void do_online(const exchange_ptr& ex);
  void do_search(const exchange_ptr& ex);
  void do_all(const exchange_ptr& ex);
  void do_members(const exchange_ptr& ex);
  /// Answers 200 with the users keyed by id, or the store error.
  void on_users(const exchange_ptr& ex, storage::errc e, const std::vector<storage::user_view>& users);

  api_env& env_;
};

} // namespace chat::net
