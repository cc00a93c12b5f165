#pragma once
/// One request in progress: the request, what routing and authentication found out, and the way back
/// to the HTTP session. Handlers only touch an exchange on its session's executor; resume() wraps a
/// callback from another thread (Redis strand, hasher thread) so that it runs there.

#include <functional>
#include <memory>
#include <optional>
#include <string_view>
#include <tuple>
#include <utility>

#include "net/api_types.hpp"
#include "storage/chat_store.hpp"

namespace chat::net {

class exchange : public std::enable_shared_from_this<exchange> {
public:
  /// Runs a function on the session's executor (thread-safe).
  using post_fn = std::function<void(std::function<void()>)>;
  /// Hands the response to the session (thread-safe; called at most once).
  using reply_fn = std::function<void(api_response)>;

  /// An exchange for `req`; `post` and `reply` come from the HTTP session.
  exchange(api_request req, post_fn post, reply_fn reply);

  exchange(const exchange&) = delete;
  exchange& operator=(const exchange&) = delete;

  /// The request (read-only for handlers except for moving the body out).
  api_request& request() noexcept { return req_; }
  /// The value of path parameter `name` of the matched route; empty when there is none.
  const std::string& param(std::string_view name) const;
  /// Set by the router: pattern (static storage) and parameters of the matched route.
  void set_route(std::string_view pattern, path_params params);
  /// The matched route pattern ("unmatched" until set).
  std::string_view route() const noexcept { return route_; }

  /// The authenticated user, if the authentication middleware found one.
  const std::optional<storage::user>& user() const noexcept { return user_; }
  /// Records the authenticated user.
  void set_user(storage::user u) { user_ = std::move(u); }

  /// Sends the response; a second call is a broken invariant.
  void respond(api_response res);
  /// Whether respond() was called.
  bool responded() const noexcept { return !reply_; }

  /// Runs `fn` on the session's executor.
  void post(std::function<void()> fn) { post_(std::move(fn)); }

  /// Wraps `f` into a callback that may be called from any thread; `f(args…)` then runs on the
  /// session's executor and the exchange stays alive until it did.
  template <class... Args, class F>
  std::function<void(Args...)> resume(F f) {
    return [self = shared_from_this(), f = std::move(f)](Args... args) mutable {
      self->post([f = std::move(f), a = std::make_tuple(std::move(args)...)]() mutable {
        std::apply(f, std::move(a));
      });
    };
  }

private:
  api_request req_;
  post_fn post_;
  reply_fn reply_;
  std::string_view route_ = "unmatched";
  path_params params_;
  std::optional<storage::user> user_;
};

/// Shared handle of an exchange, as passed between handlers and callbacks.
using exchange_ptr = std::shared_ptr<exchange>;

} // namespace chat::net
