#include "net/user_handlers.hpp"

#include "net/auth_middleware.hpp"
#include "net/json_views.hpp"
#include "net/query.hpp"
#include "net/replies.hpp"
#include "common/text.hpp"
#include "net/json.hpp"
#include "storage/key_schema.hpp"

#include <optional>

namespace chat::net {

namespace {
constexpr std::size_t max_ids = 100;
constexpr std::size_t max_search_bytes = 64;
constexpr std::int64_t member_rows = 1000;

/// An optional `limit` in [1, hi]: `fallback` when absent, std::nullopt when present and not such an
/// integer (net/query.hpp int_param).
std::optional<std::int64_t> limit_param(const query_params& q, std::int64_t fallback, std::int64_t hi) {
  bool bad = false;
  auto v = int_param(q, "limit", 1, hi, bad);
  if (bad)
    return std::nullopt;
  return v.value_or(fallback);
}
} // namespace

void user_handlers::add_routes(router& r) {
  r.add(http_method::get, "/users", [this](const exchange_ptr& ex) { do_users(ex); });
  r.add(http_method::get, "/users/online", [this](const exchange_ptr& ex) { do_online(ex); });
  r.add(http_method::get, "/users/search", [this](const exchange_ptr& ex) { do_search(ex); });
  r.add(http_method::get, "/users/all", [this](const exchange_ptr& ex) { do_all(ex); });
  r.add(http_method::get, "/room/{id}/members", [this](const exchange_ptr& ex) { do_members(ex); });
  r.add(http_method::get, "/rooms/{id}/members", [this](const exchange_ptr& ex) { do_members(ex); });
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

void user_handlers::do_search(const exchange_ptr& ex) {
  require_user(env_, ex, [this](const exchange_ptr& x) {
    const auto& q = x->request().query;
    auto text = q.find("q");
    bool control = false;
    if (text != q.end())
      for (char c : text->second)
        control = control || static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
    if (text == q.end() || text->second.empty() || text->second.size() > max_search_bytes || control)
      return reply_bad_request(*x, env_.metrics, "\"q\" (a username prefix) must be 1-64 bytes without control characters");
    auto limit = limit_param(q, 20, 50);
    if (!limit)
      return reply_bad_request(*x, env_.metrics, "\"limit\" must be an integer in 1-50");
    env_.store.search_users(text->second, *limit,
                            x->resume<storage::errc, std::vector<storage::user_view>>(
                              [this, x](storage::errc e, std::vector<storage::user_view> users) {
                                if (e != storage::errc::ok)
                                  return reply_store_error(*x, env_.metrics, e, "search_users");
                                x->respond(json_response(200, "{\"users\":" + user_rows_json(users) + "}"));
                              }));
  });
}

void user_handlers::do_all(const exchange_ptr& ex) {
  require_user(env_, ex, [this](const exchange_ptr& x) {
    const auto& q = x->request().query;
    std::int64_t after = 0;
    auto a = q.find("after");
    if (a != q.end() && !a->second.empty()) {
      auto v = storage::is_valid_user_id(a->second) ? parse_int64(a->second) : std::nullopt;
      if (!v)
        return reply_bad_request(*x, env_.metrics, "\"after\" must be a user id (the \"next\" of the previous page)");
      after = *v;
    }
    auto limit = limit_param(q, 50, 100);
    if (!limit)
      return reply_bad_request(*x, env_.metrics, "\"limit\" must be an integer in 1-100");
    env_.store.list_users(after, *limit,
                          x->resume<storage::errc, storage::user_page>([this, x](storage::errc e, storage::user_page p) {
                            if (e != storage::errc::ok)
                              return reply_store_error(*x, env_.metrics, e, "list_users");
                            x->respond(json_response(200, "{\"users\":" + user_rows_json(p.users) + ",\"next\":" +
                                                            (p.next.empty() ? std::string{"null"} : json_string(p.next)) + "}"));
                          }));
  });
}

void user_handlers::do_members(const exchange_ptr& ex) {
  require_user(env_, ex, [this](const exchange_ptr& x) {
    const auto& room_id = x->param("id");
    if (!is_room_id(room_id))
      return reply_error(*x, env_.metrics, 404, "not_found", "unknown room");
    env_.store.room_members(
      x->user()->id, room_id, member_rows,
      x->resume<storage::errc, storage::member_list>([this, x, room_id](storage::errc e, storage::member_list m) {
        if (e != storage::errc::ok)
          return reply_store_error(*x, env_.metrics, e, "room_members");
        auto body = "{\"roomId\":" + json_string(room_id) + ",\"count\":" + std::to_string(m.count) +
                    ",\"everyone\":" + (m.everyone ? "true" : "false");
        if (m.channel) { // a channel: its name and settings (issue #23)
          body += ",\"name\":" + json_string(m.channel->name);
          append_channel_settings(body, *m.channel);
        }
        body += ",\"members\":" + user_rows_json(m.users) + "}";
        x->respond(json_response(200, std::move(body)));
      }));
  });
}

} // namespace chat::net
