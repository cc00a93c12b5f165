#include "net/auth_middleware.hpp"

#include "net/replies.hpp"
#include "storage/session_token.hpp"

namespace chat::net {

namespace {

void resolve(api_env& env, const exchange_ptr& ex, bool required, next_fn next) {
  auto token = request_token(ex->request());
  if (token.empty() || !storage::is_well_formed_token(token)) {
    if (required)
      return reply_error(*ex, env.metrics, 401, "unauthorized", "login required");
    return next(ex);
  }
  env.store.resolve_session(
    storage::hash_session_token(token),
    ex->resume<storage::errc, storage::user>(
      [&env, ex, required, next = std::move(next)](storage::errc e, storage::user u) {
        if (e == storage::errc::ok) {
          ex->set_user(std::move(u));
          return next(ex);
        }
        if (e == storage::errc::not_found) {
          if (required)
            return reply_error(*ex, env.metrics, 401, "unauthorized", "session unknown or expired");
          return next(ex);
        }
        reply_store_error(*ex, env.metrics, e, "resolve_session");
      }));
}

} // namespace

std::string_view request_token(const api_request& req) noexcept {
  return req.bearer_token.empty() ? std::string_view{req.cookie_token}
                                  : std::string_view{req.bearer_token};
}

void require_user(api_env& env, const exchange_ptr& ex, next_fn next) {
  resolve(env, ex, true, std::move(next));
}

void optional_user(api_env& env, const exchange_ptr& ex, next_fn next) {
  resolve(env, ex, false, std::move(next));
}

} // namespace chat::net
