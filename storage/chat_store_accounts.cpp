// chat_store: accounts (create, look up, list, roles).
#include "storage/chat_store.hpp"

#include "common/text.hpp"
#include "storage/chat_store_impl.hpp"
#include "storage/key_schema.hpp"

namespace chat::storage {

namespace {

constexpr std::size_t max_get_users = 100;
constexpr int max_online_users = 1000;

/// Parses the replies of get_users / online_users: the bot user's id (or ""), then flat
/// {id, username, online}… or {id, username}… rows.
bool parse_user_views(const redis_reply& r, std::size_t stride, bool all_online, std::vector<user_view>& out) {
  if (!r.is_array() || r.elements.empty() || !r.elements[0].is_string() || (r.elements.size() - 1) % stride != 0)
    return false;
  const auto& bot = r.elements[0].str;
  out.reserve((r.elements.size() - 1) / stride);
  for (std::size_t i = 1; i < r.elements.size(); i += stride) {
    if (!r.elements[i].is_string() || !r.elements[i + 1].is_string())
      return false;
    user_view v;
    v.id = r.elements[i].str;
    v.username = r.elements[i + 1].str;
    v.online = all_online || (stride == 3 && r.elements[i + 2].is_integer() && r.elements[i + 2].integer == 1);
    v.bot = !bot.empty() && v.id == bot;
    out.push_back(std::move(v));
  }
  return true;
}

} // namespace

void chat_store::set_admin_names(std::vector<std::string> names) {
  for (auto& n : names)
    n = to_lower_ascii(n);
  std::lock_guard<std::mutex> lock{impl_->admin_mutex};
  impl_->admin_names = std::move(names);
}

void chat_store::create_user(std::string username, std::string password_hash, callback<user> done) {
  if (!is_valid_new_username(username) || password_hash.empty()) {
    detail::fail_soon(*impl_->redis, std::move(done), errc::invalid);
    return;
  }
  auto lower = to_lower_ascii(username);
  std::vector<std::string> args{username, lower, std::move(password_hash)};
  {
    std::lock_guard<std::mutex> lock{impl_->admin_mutex};
    args.insert(args.end(), impl_->admin_names.begin(), impl_->admin_names.end());
  }
  impl_->scripts->run(scripts::create_user, {}, std::move(args),
                      [done = std::move(done), username](redis_reply r) {
                        if (detail::tagged(r, "conflict")) {
                          done(errc::conflict, user{});
                        } else if (detail::tagged(r, "busy")) { // the index is still being built
                          done(errc::overloaded, user{});
                        } else if (detail::tagged(r, "ok") && r.elements.size() == 3) {
                          log::info("user_created", {{"user_id", r.elements[1].str}, {"role", r.elements[2].str}});
                          done(errc::ok, user{r.elements[1].str, username, r.elements[2].str});
                        } else {
                          done(detail::failure_of(r, "create_user"), user{});
                        }
                      });
}

void chat_store::find_credentials(std::string username, callback<user_credentials> done) {
  if (!detail::is_lookup_username(username)) {
    detail::fail_soon(*impl_->redis, std::move(done), errc::not_found);
    return;
  }
  auto lower = to_lower_ascii(username);
  impl_->scripts->run(scripts::find_credentials, {}, {std::move(username), std::move(lower)},
                      [done = std::move(done)](redis_reply r) {
                        if (detail::tagged(r, "not_found")) {
                          done(errc::not_found, user_credentials{});
                        } else if (detail::tagged(r, "ok") && r.elements.size() == 8) {
                          user_credentials c;
                          c.info = user{r.elements[1].str, r.elements[2].str, r.elements[4].str};
                          c.password_hash = r.elements[3].str;
                          if (r.elements[5].str == "1") // banned (issue #23): the login answers 403
                            c.ban = ban_info{r.elements[6].str, parse_int64(r.elements[7].str).value_or(0)};
                          done(errc::ok, std::move(c));
                        } else {
                          done(detail::failure_of(r, "find_credentials"), user_credentials{});
                        }
                      });
}

void chat_store::get_user(std::string user_id, callback<user> done) {
  if (!is_valid_user_id(user_id)) {
    detail::fail_soon(*impl_->redis, std::move(done), errc::not_found);
    return;
  }
  impl_->redis->command({"HMGET", keys::user(user_id), "username", "role"},
                        [done = std::move(done), user_id](redis_reply r) {
                          if (!r.is_array() || r.elements.size() != 2) {
                            done(detail::failure_of(r, "get_user"), user{});
                          } else if (!r.elements[0].is_string()) {
                            done(errc::not_found, user{});
                          } else {
                            std::string role = r.elements[1].is_string() ? r.elements[1].str : "user";
                            done(errc::ok, user{user_id, r.elements[0].str, std::move(role)});
                          }
                        });
}

void chat_store::get_users(std::vector<std::string> ids, callback<std::vector<user_view>> done) {
  std::vector<std::string> valid;
  for (auto& id : ids) {
    if (valid.size() >= max_get_users)
      break;
    if (is_valid_user_id(id))
      valid.push_back(std::move(id));
  }
  if (valid.empty()) {
    detail::fail_soon(*impl_->redis, std::move(done), errc::ok);
    return;
  }
  impl_->scripts->run(scripts::get_users, {}, std::move(valid), [done = std::move(done)](redis_reply r) {
    std::vector<user_view> out;
    if (parse_user_views(r, 3, false, out))
      done(errc::ok, std::move(out));
    else
      done(detail::failure_of(r, "get_users"), {});
  });
}

void chat_store::online_users(callback<std::vector<user_view>> done) {
  impl_->scripts->run(scripts::online_users, {}, {std::to_string(max_online_users)},
                      [done = std::move(done)](redis_reply r) {
                        std::vector<user_view> out;
                        if (parse_user_views(r, 2, true, out))
                          done(errc::ok, std::move(out));
                        else
                          done(detail::failure_of(r, "online_users"), {});
                      });
}

void chat_store::set_role(std::string user_id, std::string role, callback<bool> done) {
  if (role != "user" && role != "moderator" && role != "admin") {
    detail::fail_soon(*impl_->redis, std::move(done), errc::invalid);
    return;
  }
  if (!is_valid_user_id(user_id)) {
    detail::fail_soon(*impl_->redis, std::move(done), errc::not_found);
    return;
  }
  impl_->scripts->run(scripts::set_role, {keys::user(user_id)}, {std::move(role)},
                      [done = std::move(done)](redis_reply r) {
                        if (r.text_is("ok"))
                          done(errc::ok, true);
                        else if (r.text_is("not_found"))
                          done(errc::not_found, false);
                        else
                          done(detail::failure_of(r, "set_role"), false);
                      });
}

} // namespace chat::storage
