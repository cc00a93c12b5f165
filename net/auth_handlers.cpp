#include "net/auth_handlers.hpp"

#include "metrics/log.hpp"
#include "net/auth_middleware.hpp"
#include "net/client_address.hpp"
#include "net/cookies.hpp"
#include "net/json.hpp"
#include "net/json_views.hpp"
#include "net/invariant.hpp"
#include "net/replies.hpp"
#include "storage/message_json.hpp"
#include "net/request_guards.hpp"
#include "common/error.hpp"
#include "net/session_revocation.hpp"
#include "common/text.hpp"
#include "storage/session_token.hpp"

namespace chat::net {

namespace {

using storage::errc;
using verdict = storage::password_hasher::verdict;

constexpr std::chrono::seconds attempt_window{60};
constexpr std::size_t max_login_name_bytes = 64;
constexpr std::size_t max_login_password_bytes = 1024;

/// A valid bcrypt hash (cost 10) of a random throw-away string: unknown users cost a verify too, so
/// response times do not tell whether a username exists.
constexpr const char* dummy_hash = "$2b$10$9jPsg4g4B.d4r7wLFq0F2OpuScFKUipXB0khOD.IcvGXWB/G.LCtG";

} // namespace

void auth_handlers::add_routes(router& r) {
  r.add(http_method::post, "/register", [this](const exchange_ptr& ex) { do_register(ex); });
  r.add(http_method::post, "/login", [this](const exchange_ptr& ex) { do_login(ex); });
  r.add(http_method::post, "/logout", [this](const exchange_ptr& ex) { do_logout(ex); });
  r.add(http_method::get, "/me", [this](const exchange_ptr& ex) { do_me(ex); });
}

bool auth_handlers::read_credentials(const exchange_ptr& ex, std::string& username,
                                     std::string& password) {
  json_object body;
  if (!read_json_body(*ex, env_.metrics, body))
    return false;
  if (body.get_string("username", username) != json_object::lookup::ok ||
      body.get_string("password", password) != json_object::lookup::ok) {
    reply_bad_request(*ex, env_.metrics, "\"username\" and \"password\" must be strings");
    return false;
  }
  if (!is_acceptable_password(password)) {
    reply_bad_request(*ex, env_.metrics, "password must be valid UTF-8 without NUL characters");
    return false;
  }
  return true;
}

void auth_handlers::reserve_attempt(const exchange_ptr& ex,
                                    std::vector<storage::chat_store::rate_counter> counters,
                                    std::vector<std::string_view> kinds, std::function<void()> next) {
  CHAT_NET_INVARIANT(kinds.size() == counters.size(), "one metric kind per rate counter");
  env_.store.rate_reserve(
    std::move(counters), attempt_window,
    ex->resume<errc, storage::chat_store::rate_verdict>(
      [this, ex, kinds = std::move(kinds), next = std::move(next)](errc e, storage::chat_store::rate_verdict v) {
        if (e != errc::ok)
          return reply_store_error(*ex, env_.metrics, e, "rate_reserve");
        if (v.retry_after > 0) {
          auto kind = v.full < kinds.size() ? kinds[v.full] : std::string_view{"login"};
          log::debug("http_attempt_throttled", {{"kind", kind}, {"addr", ex->request().remote_address}});
          return reply_rate_limited(*ex, env_.metrics, kind, std::chrono::seconds{v.retry_after});
        }
        next();
      }));
}

void auth_handlers::start_session(const exchange_ptr& ex, storage::user u, unsigned status) {
  // The token the client came with (if any) is replaced: its session ends (deleted, its live
  // connections closed on every node).
  auto old = request_token(ex->request());
  if (!old.empty() && storage::is_well_formed_token(old))
    env_.sessions->end_session(storage::hash_session_token(old), {});
  auto token = storage::new_session_token();
  auto hash = storage::hash_session_token(token);
  auto user_id = u.id;
  env_.store.create_session(
    std::move(hash), std::move(user_id),
    ex->resume<errc, bool>([this, ex, token = std::move(token), u = std::move(u), status](errc e, bool) {
      if (e != errc::ok)
        return reply_store_error(*ex, env_.metrics, e, "create_session");
      auto res = json_response(status, user_json(u));
      res.headers.emplace_back("Set-Cookie",
                               session_cookie(token, env_.opts.session_ttl, env_.opts.cookie_secure));
      log::info("http_session_started",
                {{"user", u.id}, {"status", status}, {"addr", ex->request().remote_address}});
      ex->respond(std::move(res));
    }));
}

// -- POST /register ---------------------------------------------------------------

void auth_handlers::do_register(const exchange_ptr& ex) {
  std::string username, password;
  if (!read_credentials(ex, username, password))
    return;
  if (!is_valid_username(username))
    return reply_bad_request(*ex, env_.metrics,
                             "username must be 2-32 characters of A-Z a-z 0-9 _ . -");
  if (password.size() < 8 || password.size() > 72)
    return reply_bad_request(*ex, env_.metrics, "password must be 8-72 bytes");
  // Every registration counts (each costs a bcrypt hash), per client address only: nobody can
  // keep a name from being registered elsewhere.
  auto key = "register:addr:" + rate_limit_address(ex->request().remote_address);
  const auto limit = static_cast<std::int64_t>(env_.opts.login_attempts_per_minute);
  reserve_attempt(ex, {{std::move(key), limit}}, {"register_address"},
                  [this, ex, username, password = std::move(password)]() mutable {
                    env_.hasher.hash(std::move(password),
                                     ex->resume<std::optional<std::string>>(
                                       [this, ex, username = std::move(username)](std::optional<std::string> hash) {
                                         on_register_hashed(ex, username, std::move(hash));
                                       }));
                  });
}

void auth_handlers::on_register_hashed(const exchange_ptr& ex, std::string username,
                                       std::optional<std::string> hash) {
  if (!hash)
    return reply_error(*ex, env_.metrics, 503, "unavailable", "server busy, retry later");
  env_.store.create_user(std::move(username), std::move(*hash),
                         ex->resume<errc, storage::user>([this, ex](errc e, storage::user u) {
                           if (e == errc::conflict)
                             return reply_error(*ex, env_.metrics, 409, "conflict",
                                                "username already taken");
                           if (e == errc::overloaded) // 503 with Retry-After
                             return reply_error(*ex, env_.metrics, error::overloaded,
                                                "usernames are still being indexed; retry in a moment");
                           if (e != errc::ok)
                             return reply_store_error(*ex, env_.metrics, e, "create_user");
                           log::info("http_user_registered", {{"user", u.id}, {"addr", ex->request().remote_address}});
                           start_session(ex, std::move(u), 201);
                         }));
}

// -- POST /login ----------------------------------------------------------------------

void auth_handlers::do_login(const exchange_ptr& ex) {
  std::string username, password;
  if (!read_credentials(ex, username, password))
    return;
  if (username.empty() || username.size() > max_login_name_bytes || password.empty() ||
      password.size() > max_login_password_bytes)
    return reply_bad_request(*ex, env_.metrics, "username or password has an invalid length");
  // Failures count per (username, address) and per address, so that failures from one place never
  // lock the user out elsewhere. The attempt is counted before the password is checked (parallel
  // guesses cannot slip past the limit) and given back when it succeeds.
  auto address = rate_limit_address(ex->request().remote_address);
  login_counters counters{"login:fail:user:" + address + "|" + to_lower_ascii(username),
                          "login:fail:addr:" + address};
  std::vector<storage::chat_store::rate_counter> limits{
    {counters.user_address, static_cast<std::int64_t>(env_.opts.login_attempts_per_minute)},
    {counters.address, static_cast<std::int64_t>(env_.opts.login_failures_per_address_per_minute)}};
  auto next = [this, ex, username, password = std::move(password), counters]() mutable {
    env_.store.find_credentials(
      username, ex->resume<errc, storage::user_credentials>(
                  [this, ex, password = std::move(password), counters = std::move(counters)](
                    errc e, storage::user_credentials c) mutable {
                    on_login_credentials(ex, std::move(password), std::move(counters), e, std::move(c));
                  }));
  };
  reserve_attempt(ex, std::move(limits), {"login_user_address", "login_address"}, std::move(next));
}

void auth_handlers::on_login_credentials(const exchange_ptr& ex, std::string password, login_counters counters,
                                         errc e, storage::user_credentials creds) {
  if (e != errc::ok && e != errc::not_found) {
    release_login(counters, false);
    return reply_store_error(*ex, env_.metrics, e, "find_credentials");
  }
  if (e == errc::not_found) {
    env_.hasher.verify(std::move(password), dummy_hash, ex->resume<verdict>([this, ex](verdict) {
      login_failed(ex, {});
    }));
    return;
  }
  auto stored = std::move(creds.password_hash);
  env_.hasher.verify(
    std::move(password), std::move(stored),
    ex->resume<verdict>([this, ex, counters = std::move(counters), u = std::move(creds.info),
                         ban = std::move(creds.ban)](verdict v) mutable {
      if (v == verdict::busy) {
        release_login(counters, false);
        return reply_error(*ex, env_.metrics, 503, "unavailable", "server busy, retry later");
      }
      if (v != verdict::match)
        return login_failed(ex, u.id);
      release_login(counters, true);
      if (ban) { // the right password of a banned account: the ban, never a session (issue #23)
        std::string body = R"({"error":"banned","message":"this account is banned","reason":)";
        storage::append_json_string(body, ban->reason);
        body += R"(,"until":)" + (ban->until > 0 ? std::to_string(ban->until) : std::string{"null"}) + "}";
        env_.metrics.errors("banned").Increment();
        return ex->respond(json_response(403, std::move(body)));
      }
      start_session(ex, std::move(u), 200);
    }));
}

void auth_handlers::login_failed(const exchange_ptr& ex, const std::string& user_id) {
  log::info("http_login_failed", {{"user", user_id.empty() ? std::string{"unknown"} : user_id},
                                  {"addr", ex->request().remote_address}});
  reply_error(*ex, env_.metrics, 401, "invalid_credentials", "invalid username or password");
}

void auth_handlers::release_login(const login_counters& counters, bool succeeded) {
  // Best effort: should it fail, the attempt stays counted until its window ends.
  if (succeeded)
    env_.store.rate_release({counters.address}, {counters.user_address}, [](errc, bool) {});
  else
    env_.store.rate_release({counters.address, counters.user_address}, {}, [](errc, bool) {});
}

// -- POST /logout, GET /me ----------------------------------------------------------------

void auth_handlers::do_logout(const exchange_ptr& ex) {
  auto finish = [this](const exchange_ptr& x) {
    auto res = json_response(200, "null");
    res.headers.emplace_back("Set-Cookie", clear_session_cookie(env_.opts.cookie_secure));
    x->respond(std::move(res));
  };
  auto token = request_token(ex->request());
  if (token.empty() || !storage::is_well_formed_token(token))
    return finish(ex);
  // The session ends everywhere: deleted, and its live connections (WebSocket, SSE) on every node
  // refuse commands and close (session_revocation.hpp); this node's before the answer.
  env_.sessions->end_session(storage::hash_session_token(token),
                             ex->resume<errc>([this, ex, finish](errc e) {
                               if (e != errc::ok && e != errc::not_found)
                                 return reply_store_error(*ex, env_.metrics, e, "delete_session");
                               finish(ex);
                             }));
}

void auth_handlers::do_me(const exchange_ptr& ex) {
  optional_user(env_, ex, [](const exchange_ptr& x) {
    const auto& u = x->user();
    x->respond(json_response(200, u ? user_json(*u) : std::string{"null"}));
  });
}

} // namespace chat::net
