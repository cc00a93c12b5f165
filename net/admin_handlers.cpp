#include "net/admin_handlers.hpp"

#include <memory>
#include <mutex>

#include "actors/realtime.hpp"
#include "metrics/log.hpp"
#include "net/auth_middleware.hpp"
#include "net/json.hpp"
#include "net/json_views.hpp"
#include "net/moderation_handlers.hpp"
#include "net/replies.hpp"
#include "common/text.hpp"

namespace chat::net {

namespace {
using storage::errc;
} // namespace

void admin_handlers::add_routes(router& r) {
  auto page = [this](const exchange_ptr& ex) { do_page(ex); };
  r.add(http_method::get, "/admin", page);
  r.add(http_method::get, "/admin/", page);
  r.add(http_method::get, "/admin/index.html", page);
  r.add(http_method::get, "/admin/stats", [this](const exchange_ptr& ex) { do_stats(ex); });
  r.add(http_method::post, "/admin/users/{id}/disconnect", [this](const exchange_ptr& ex) { do_disconnect(ex); });
  r.add(http_method::put, "/admin/users/{id}/role", [this](const exchange_ptr& ex) { do_set_role(ex); });
}

void admin_handlers::require_admin(const exchange_ptr& ex, std::function<void(const exchange_ptr&)> next) {
  // The role comes with the session lookup of every request: a demotion takes effect at once.
  require_user(env_, ex, [this, next = std::move(next)](const exchange_ptr& x) {
    if (x->user()->role != "admin")
      return reply_error(*x, env_.metrics, 403, "forbidden", "admins only");
    next(x);
  });
}

void admin_handlers::do_page(const exchange_ptr& ex) {
  // API clients get the JSON error of a refusal. A browser navigating here (Accept: text/html) gets
  // the page itself with the refusal's status: the page then asks /admin/stats, gets the same answer
  // and shows its "sign in" / "administrators only" card. The page holds no data; the stats and the
  // actions are what is guarded.
  bool html = ex->request().accepts_html;
  optional_user(env_, ex, [this, html](const exchange_ptr& x) {
    // Admins and moderators get the page (a moderator's page hides the admin-only parts).
    unsigned status = !x->user() ? 401 : x->user()->role != "admin" && x->user()->role != "moderator" ? 403 : 200;
    if (status != 200 && !html) {
      if (status == 401)
        return reply_error(*x, env_.metrics, 401, "unauthorized", "login required");
      return reply_error(*x, env_.metrics, 403, "forbidden", "admins and moderators only");
    }
    auto res = files_.lookup("/admin/index.html");
    if (!res)
      return reply_error(*x, env_.metrics, 404, "not_found", "the admin page is not installed");
    res->status = status;
    res->headers.emplace_back("Cache-Control", "no-store");
    x->respond(std::move(*res));
  });
}

void admin_handlers::do_stats(const exchange_ptr& ex) {
  require_admin(ex, [this](const exchange_ptr& x) {
    auto reader = env_.admin_stats;
    if (!reader)
      return reply_error(*x, env_.metrics, 503, "unavailable", "cluster statistics are not available");
    reader(x->resume<bool, std::string>([this, x](bool ok, std::string json) {
      if (!ok)
        return reply_error(*x, env_.metrics, 503, "unavailable", "storage is unavailable; retry later");
      auto res = json_response(200, std::move(json));
      res.headers.emplace_back("Cache-Control", "no-store");
      x->respond(std::move(res));
    }));
  });
}

void admin_handlers::do_disconnect(const exchange_ptr& ex) {
  require_staff(env_, ex, [this](const exchange_ptr& x) {
    const auto& target = x->param("id");
    if (!is_user_id(target))
      return reply_error(*x, env_.metrics, 404, "not_found", "unknown user");
    env_.store.get_user(target, x->resume<errc, storage::user>([this, x](errc e, storage::user u) {
      if (e == errc::not_found)
        return reply_error(*x, env_.metrics, 404, "not_found", "unknown user");
      if (e != errc::ok)
        return reply_store_error(*x, env_.metrics, e, "get_user");
      if (u.id == x->user()->id || (x->user()->role != "admin" && u.role != "user" && u.role != "bot"))
        return reply_error(*x, env_.metrics, 403, "forbidden", "you may not moderate this user (yourself, an admin, or a moderator)");
      if (env_.realtime != nullptr)
        env_.realtime->kick_user(u.id); // this node, and every other node through Pub/Sub
      env_.store.audit(moderator_of(*x), u.id, "disconnect");
      log::info("admin_action", {{"admin", x->user()->id},
                                 {"admin_name", x->user()->username},
                                 {"action", "disconnect"},
                                 {"target", u.id},
                                 {"addr", x->request().remote_address}});
      x->respond(json_response(200, "{\"id\":" + json_string(u.id) + ",\"disconnected\":true}"));
    }));
  });
}

void admin_handlers::do_set_role(const exchange_ptr& ex) {
  require_admin(ex, [this](const exchange_ptr& x) {
    json_object body;
    if (!read_json_body(*x, env_.metrics, body))
      return;
    std::string role;
    if (body.get_string("role", role) != json_object::lookup::ok ||
        (role != "admin" && role != "moderator" && role != "user"))
      return reply_bad_request(*x, env_.metrics, "\"role\" must be \"admin\", \"moderator\" or \"user\"");
    const auto& target = x->param("id");
    if (!is_user_id(target))
      return reply_error(*x, env_.metrics, 404, "not_found", "unknown user");
    env_.store.set_role(target, role, x->resume<errc, bool>([this, x, role](errc e, bool) {
      if (e == errc::not_found)
        return reply_error(*x, env_.metrics, 404, "not_found", "unknown user");
      if (e != errc::ok)
        return reply_store_error(*x, env_.metrics, e, "set_role");
      log::info("admin_action", {{"admin", x->user()->id},
                                 {"admin_name", x->user()->username},
                                 {"action", "set_role"},
                                 {"target", x->param("id")},
                                 {"role", role},
                                 {"addr", x->request().remote_address}});
      env_.store.audit(moderator_of(*x), x->param("id"), "set_role", ",\"role\":" + json_string(role));
      env_.store.get_user(x->param("id"), x->resume<errc, storage::user>([this, x](errc e2, storage::user u) {
        if (e2 != errc::ok)
          return reply_store_error(*x, env_.metrics, e2, "get_user");
        x->respond(json_response(200, user_json(u)));
      }));
    }));
  });
}

} // namespace chat::net
