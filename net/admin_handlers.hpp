#pragma once
/// Admin routes (role "admin"; no session 401, another role 403):
/// GET /admin, /admin/, /admin/index.html (the live page, web/admin/index.html; moderators too),
/// GET /admin/stats (cluster-wide JSON), PUT /admin/users/{id}/role (`{"role":"admin"|"moderator"|"user"}`),
/// and, for moderators too, POST /admin/users/{id}/disconnect (closes the user's connections on every
/// node). Every action writes an `admin_action` log line and an audit log entry (moderation_handlers).

#include <functional>
#include <string>

#include "net/api_env.hpp"
#include "net/exchange.hpp"
#include "net/router.hpp"
#include "net/static_files.hpp"

namespace chat::net {

class admin_handlers {
public:
  /// Handlers working with `env` (which must outlive them).
  explicit admin_handlers(api_env& env) : env_(env), files_(env.opts.web_root) {}

  /// Registers the routes.
  void add_routes(router& r);

private:
  /// require_user + role check, then `next`.
  void require_admin(const exchange_ptr& ex, std::function<void(const exchange_ptr&)> next);

  void do_page(const exchange_ptr& ex);
  void do_stats(const exchange_ptr& ex);
  void do_disconnect(const exchange_ptr& ex);
  void do_set_role(const exchange_ptr& ex);

  api_env& env_;
  static_files files_;
};

} // namespace chat::net
