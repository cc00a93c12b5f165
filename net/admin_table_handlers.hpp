#pragma once
/// The admin panel's tables (issue #23), for admins and moderators (no session 401, another role 403):
/// GET /admin/users?q=&after=&limit= (every user by name, with role, presence, last seen, created,
/// ban and mutes) and GET /admin/rooms?q=&after=&limit= (every channel, public and private, with its
/// settings and counts). `q` a case-insensitive name prefix, `after` the `next` of the previous page,
/// `limit` 1-100 (50); a bad parameter answers 400.

#include "net/api_env.hpp"
#include "net/exchange.hpp"
#include "net/router.hpp"

namespace chat::net {

class admin_table_handlers {
public:
  /// Handlers working with `env` (which must outlive them).
  explicit admin_table_handlers(api_env& env) : env_(env) {}

  /// Registers the routes.
  void add_routes(router& r);

private:
  /// Both tables: reads q, after and limit, calls the store's page reader and answers
  /// `{"<field>":[rows],"next":cursor|null}`.
  void do_table(const exchange_ptr& ex, bool users);

  api_env& env_;
};

} // namespace chat::net
