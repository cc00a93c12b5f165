#include "net/user_handlers.hpp"

#include "net/auth_middleware.hpp"
#include "net/json_views.hpp"
#include "net/query.hpp"
#include "net/replies.hpp"
#include "common/text.hpp"

namespace chat::net {

namespace {
constexpr std::size_t max_ids = 100;
}

void user_handlers::add_routes(router& r) {
  r.add(http_method::get, "/users", [this](const exchange_ptr& ex) { do_users(ex); });
  r.add(http_method::get, "/users/online", [this](const exchange_ptr& ex) { do_online(ex); });
}

void user_handlers::on_users(const exchange_ptr& ex, storage::errc e,
                             const std::vector<storage::user_view>& users) {
  if (e != storage::errc::ok)
    return reply_store_error(*ex, env_.metrics, e, "get_users");
  ex->respond(json_response(200, users_by_id_json(users)));
}

void user_handlers::do_users(const exchange_ptr& ex) {
  require_user(env_, ex, [this](const exchange_ptr& x) {
    const auto& q = x->request().query;
    auto ids = query_values(q, "ids[]");
    for (auto& id : query_values(q, "ids"))
      ids.push_back(std::move(id));
    if (ids.empty() || ids.size() > max_ids)
      return reply_bad_request(*x, env_.metrics, "give 1-100 ids as ids[]=<id>");
    for (const auto& id : ids)
      if (!is_user_id(id))
        return reply_bad_request(*x, env_.metrics, "user ids are decimal numbers");
    env_.store.get_users(std::move(ids),
                         x->resume<storage::errc, std::vector<storage::user_view>>(
                           [this, x](storage::errc e, std::vector<storage::user_view> users) {
                             on_users(x, e, users);
                           }));
  });
}

void user_handlers::do_online(const exchange_ptr& ex) {
  require_user(env_, ex, [this](const exchange_ptr& x) {
    env_.store.online_users(x->resume<storage::errc, std::vector<storage::user_view>>(
      [this, x](storage::errc e, std::vector<storage::user_view> users) { on_users(x, e, users); }));
  });
}

} // namespace chat::net
