#pragma once
/// The Redis chat tutorial client's remaining routes (docs/protocol.md §1, "Tutorial client"):
/// GET /randomname, GET /room/0/preload and GET /links, in the shapes of its Node.js server.

#include "net/api_env.hpp"
#include "net/exchange.hpp"
#include "net/router.hpp"

namespace chat::net {

class tutorial_handlers {
public:
  /// Handlers working with `env` (which must outlive them).
  explicit tutorial_handlers(api_env& env) : env_(env) {}

  /// Registers the routes.
  void add_routes(router& r);

private:
  /// GET /randomname: a random first name as plain text (the login form's suggestion).
  void do_random_name(const exchange_ptr& ex);
  /// GET /room/0/preload: `{"id":"0","name":…,"messages":[…]}`, General's newest 21 messages,
  /// newest first. Members only (401 without a session), unlike the tutorial's.
  void do_preload(const exchange_ptr& ex);
  /// GET /links: `{"github":…}` from --tutorial-github-url, or `{}`.
  void do_links(const exchange_ptr& ex);

  api_env& env_;
};

} // namespace chat::net
