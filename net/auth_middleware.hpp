#pragma once
/// Authentication middleware: resolves the session token (Authorization: Bearer, else the
/// chat_session cookie) to a user before a handler runs.

#include <functional>
#include <string_view>

#include "net/api_env.hpp"
#include "net/exchange.hpp"

namespace chat::net {

/// Continuation of a handler after authentication; runs on the session's executor.
using next_fn = std::function<void(const exchange_ptr&)>;

/// The token a request carries: the Bearer token when an Authorization header has one, else the
/// session cookie; empty when neither.
std::string_view request_token(const api_request& req) noexcept;

/// Resolves the session and sets `ex->user()`, then calls `next`. A missing, malformed, unknown or
/// expired token is 401 `unauthorized`; Redis down is 503.
void require_user(api_env& env, const exchange_ptr& ex, next_fn next);

/// Like require_user(), but an absent or invalid session continues without a user.
void optional_user(api_env& env, const exchange_ptr& ex, next_fn next);

} // namespace chat::net
