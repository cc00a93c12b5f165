#include "net/admin_table_handlers.hpp"

#include "net/json.hpp"
#include "net/moderation_handlers.hpp"
#include "net/query.hpp"
#include "net/replies.hpp"
#include "storage/chat_store.hpp"
#include "storage/message_json.hpp"

namespace chat::net {

namespace {
using storage::errc;
constexpr std::size_t max_q_bytes = 64;
} // namespace

void admin_table_handlers::add_routes(router& r) {
  r.add(http_method::get, "/admin/users", [this](const exchange_ptr& ex) { do_table(ex, true); });
  r.add(http_method::get, "/admin/rooms", [this](const exchange_ptr& ex) { do_table(ex, false); });
}

void admin_table_handlers::do_table(const exchange_ptr& ex, bool users) {
  require_staff(env_, ex, [this, users](const exchange_ptr& x) {
    const auto& query = x->request().query;
    std::string q, after;
    if (auto it = query.find("q"); it != query.end())
      q = it->second;
    if (auto it = query.find("after"); it != query.end())
      after = it->second;
    if (q.size() > max_q_bytes || q.find('\0') != std::string::npos)
      return reply_bad_request(*x, env_.metrics, "\"q\" must be a name prefix of at most 64 bytes");
    bool bad = false;
    auto limit = int_param(query, "limit", 1, 100, bad);
    if (bad)
      return reply_bad_request(*x, env_.metrics, "\"limit\" must be an integer in 1-100");
    auto done = x->resume<errc, storage::admin_page>([this, x, users](errc e, storage::admin_page page) {
      if (e == errc::invalid)
        return reply_bad_request(*x, env_.metrics, "\"after\" must be the \"next\" of a page");
      if (e != errc::ok)
        return reply_store_error(*x, env_.metrics, e, users ? "admin_users" : "admin_rooms");
      std::string out = users ? R"({"users":[)" : R"({"rooms":[)";
      for (std::size_t i = 0; i < page.rows.size(); ++i) {
        if (i > 0)
          out.push_back(',');
        out += page.rows[i];
      }
      out += R"(],"next":)";
      if (page.next.empty())
        out += "null";
      else
        storage::append_json_string(out, page.next);
      out.push_back('}');
      auto res = json_response(200, std::move(out));
      res.headers.emplace_back("Cache-Control", "no-store");
      x->respond(std::move(res));
    });
    if (users)
      env_.store.admin_users(std::move(q), std::move(after), limit.value_or(50), std::move(done));
    else
      env_.store.admin_rooms(std::move(q), std::move(after), limit.value_or(50), std::move(done));
  });
}

} // namespace chat::net
