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
  void do_register(const exchange_ptr& ex);
  void on_register_hashed(const exchange_ptr& ex, std::string username, std::optional<std::string> hash);
  void do_login(const exchange_ptr& ex);
  void on_login_credentials(const exchange_ptr& ex, std::string password, storage::errc e,
                            storage::user_credentials creds);
  void do_logout(const exchange_ptr& ex);
  void do_me(const exchange_ptr& ex);

  /// Reads `{"username","password"}`; answers 400 and returns false when either is missing.
  bool read_credentials(const exchange_ptr& ex, std::string& username, std::string& password);
  /// Counts an attempt for the username and the client address; calls `next` when both are under
  /// the limit, answers 429 (or 503) otherwise.
  void check_attempts(const exchange_ptr& ex, const std::string& username, std::function<void()> next);
  /// Issues a new token for `u`, stores its hash and answers `status` with the user and the cookie.
  void start_session(const exchange_ptr& ex, storage::user u, unsigned status);

  api_env& env_;
};

} // namespace chat::net
