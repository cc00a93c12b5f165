// chat_store: people (user search, the paged user list, room members).
#include <algorithm>

#include "storage/chat_store.hpp"

#include "storage/chat_store_impl.hpp"
#include "storage/key_schema.hpp"

namespace chat::storage {

namespace {

constexpr std::size_t max_prefix_bytes = 64;
constexpr std::int64_t max_search = 50;
constexpr std::int64_t max_list = 100;
constexpr std::int64_t max_members = 1000;

/// Parses flat user rows {id, username, online, role} of `r` from element `from` on.
bool parse_user_rows(const redis_reply& r, std::size_t from, const std::string& bot, std::vector<user_view>& out) {
  if (!r.is_array() || r.elements.size() < from || (r.elements.size() - from) % 4 != 0)
    return false;
  out.reserve((r.elements.size() - from) / 4);
  for (std::size_t i = from; i < r.elements.size(); i += 4) {
    const auto& e = r.elements;
    if (!e[i].is_string() || !e[i + 1].is_string() || !e[i + 2].is_integer() || !e[i + 3].is_string())
      return false;
    user_view v;
    v.id = e[i].str;
    v.username = e[i + 1].str;
    v.online = e[i + 2].integer == 1;
    v.bot = !bot.empty() && v.id == bot;
    v.role = e[i + 3].str;
    out.push_back(std::move(v));
  }
  return true;
}

bool is_string_at(const redis_reply& r, std::size_t i) {
  return r.is_array() && r.elements.size() > i && r.elements[i].is_string();
}

} // namespace

void chat_store::search_users(std::string prefix, std::int64_t limit, callback<std::vector<user_view>> done) {
  if (prefix.empty() || prefix.size() > max_prefix_bytes || prefix.find('\0') != std::string::npos ||
      limit < 1 || limit > max_search) {
    detail::fail_soon(*impl_->redis, std::move(done), errc::invalid);
    return;
  }
  impl_->scripts->run(scripts::search_users, {}, {to_lower_ascii(prefix), std::to_string(limit)},
                      [done = std::move(done)](redis_reply r) {
                        std::vector<user_view> out;
                        if (is_string_at(r, 0) && parse_user_rows(r, 1, r.elements[0].str, out))
                          done(errc::ok, std::move(out));
                        else
                          done(detail::failure_of(r, "search_users"), {});
                      });
}

void chat_store::list_users(std::int64_t after, std::int64_t limit, callback<user_page> done) {
  if (after < 0 || limit < 1 || limit > max_list) {
    detail::fail_soon(*impl_->redis, std::move(done), errc::invalid);
    return;
  }
  impl_->scripts->run(scripts::list_users, {}, {std::to_string(after), std::to_string(limit)},
                      [done = std::move(done)](redis_reply r) {
                        user_page page;
                        if (is_string_at(r, 1) && parse_user_rows(r, 2, r.elements[0].str, page.users)) {
                          page.next = r.elements[1].str;
                          done(errc::ok, std::move(page));
                        } else {
                          done(detail::failure_of(r, "list_users"), {});
                        }
                      });
}

void chat_store::room_members(std::string user_id, std::string room_id, std::int64_t max,
                              callback<member_list> done) {
  if (!is_valid_user_id(user_id) || !classify_room_id(room_id) || max < 1 || max > max_members) {
    detail::fail_soon(*impl_->redis, std::move(done), errc::invalid);
    return;
  }
  impl_->scripts->run(
    scripts::room_members, {}, {std::move(user_id), std::move(room_id), std::to_string(max)},
    [done = std::move(done)](redis_reply r) {
      if (detail::tagged(r, "forbidden"))
        return done(errc::forbidden, {});
      if (detail::tagged(r, "not_found"))
        return done(errc::not_found, {});
      member_list m;
      if (!detail::tagged(r, "ok") || r.elements.size() < 5 || !r.elements[1].is_integer() ||
          !r.elements[2].is_integer() || !r.elements[3].is_string() || !r.elements[4].is_array() ||
          !parse_user_rows(r, 5, r.elements[3].str, m.users))
        return done(detail::failure_of(r, "room_members"), {});
      if (const auto& s = r.elements[4]; !s.elements.empty()) { // a channel: {name, settings…}
        channel_settings c;
        if (!s.elements[0].is_string() || !detail::parse_channel_meta(s, 1, c))
          return done(detail::unexpected(r, "room_members"), {});
        c.name = s.elements[0].str;
        m.channel = std::move(c);
      }
      m.count = r.elements[1].integer;
      m.everyone = r.elements[2].integer == 1;
      std::sort(m.users.begin(), m.users.end(), [](const user_view& a, const user_view& b) {
        auto la = to_lower_ascii(a.username), lb = to_lower_ascii(b.username);
        return la != lb ? la < lb : a.id < b.id;
      });
      done(errc::ok, std::move(m));
    });
}

} // namespace chat::storage
