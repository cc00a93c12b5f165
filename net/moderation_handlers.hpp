#pragma once
/// Moderation routes (issue #23), for admins and moderators (no session 401, another role 403):
/// POST / DELETE /admin/users/{id}/ban (`{"reason","until"?}`: closes the user's connections on
/// every node with 4003, login answers 403 `banned`), POST / DELETE /admin/users/{id}/mute
/// (`{"until"?,"roomId"?}`; DELETE `?roomId=`: sending, editing, replying and reacting answer `muted`),
/// GET /admin/audit?before=&limit= (the audit log, newest first). Who may act on whom is the store's rule (an admin on anyone but themselves, a
/// moderator on users).

#include <functional>

#include "net/api_env.hpp"
#include "net/exchange.hpp"
#include "net/router.hpp"
#include "storage/store_types.hpp"

namespace chat::net {

/// The signed-in caller as a moderator (id, name, role).
storage::moderator moderator_of(const exchange& ex);

/// require_user, then 403 unless the caller is an admin or a moderator, then `next`.
void require_staff(api_env& env, const exchange_ptr& ex, std::function<void(const exchange_ptr&)> next);

class moderation_handlers {
public:
  /// Handlers working with `env` (which must outlive them).
  explicit moderation_handlers(api_env& env) : env_(env) {}

  /// Registers the routes.
  void add_routes(router& r);

private:
  void do_ban(const exchange_ptr& ex);
  void do_unban(const exchange_ptr& ex);
  void do_audit(const exchange_ptr& ex);
  void do_mute(const exchange_ptr& ex);
  void do_unmute(const exchange_ptr& ex);

  api_env& env_;
};

} // namespace chat::net
