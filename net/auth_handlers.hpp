#pragma once
/// Accounts and sessions: POST /register, POST /login, POST /logout, GET /me.

#include <functional>
#include <string>

#include "net/api_env.hpp"
#include "net/exchange.hpp"
#include "net/router.hpp"

namespace chat::net {

class auth_handlers {
public:
  /// Handlers working with `env` (which must outlive them).
  explicit auth_handlers(api_env& env) : env_(env) {}

  /// Registers the four routes.
  void add_routes(router& r);

private:
  /// The counters of one login: failures of (username, client address) and of the address.
  struct login_counters {
    std::string user_address; ///< rate key of the (username, address) pair
    std::string address;      ///< rate key of the address
  };

  void do_register(const exchange_ptr& ex);
  void on_register_hashed(const exchange_ptr& ex, std::string username, std::optional<std::string> hash);
  void do_login(const exchange_ptr& ex);
  void on_login_credentials(const exchange_ptr& ex, std::string password, login_counters counters,
                            storage::errc e, storage::user_credentials creds);
  /// Answers a login that failed (401): its attempt stays counted.
  void login_failed(const exchange_ptr& ex, const std::string& user_id);
  /// Gives a login's attempt back (it did not fail: the store or the hasher was busy); `succeeded`
  /// also forgets the failures of (username, address).
  void release_login(const login_counters& counters, bool succeeded);
  void do_logout(const exchange_ptr& ex);
  void do_me(const exchange_ptr& ex);

  /// Reads `{"username","password"}`; answers 400 and returns false when either is missing or
  /// the password cannot be a password (NUL, invalid UTF-8).
  bool read_credentials(const exchange_ptr& ex, std::string& username, std::string& password);
  /// Counts an attempt on every counter; calls `next` when none was full, answers 429 with
  /// Retry-After otherwise (metric kind `kinds[i]` for the first full counter i), or 503.
  void reserve_attempt(const exchange_ptr& ex, std::vector<storage::chat_store::rate_counter> counters,
                       std::vector<std::string_view> kinds, std::function<void()> next);
  /// Issues a new token for `u`, stores its hash and answers `status` with the user and the cookie.
  void start_session(const exchange_ptr& ex, storage::user u, unsigned status);

  api_env& env_;
};

} // namespace chat::net
