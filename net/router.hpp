#pragma once
/// Matches method + path against route patterns such as `/room/{id}/messages`.
/// Literal segments beat `{param}` segments, so `/rooms/public` wins over `/rooms/{userId}`.
/// HEAD is served by a GET route when the route has no HEAD handler of its own.

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "net/api_types.hpp"

namespace chat::net {

class exchange;

class router {
public:
  /// A route's handler; gets the exchange with route and parameters already set.
  using handler_fn = std::function<void(const std::shared_ptr<exchange>&)>;

  /// What match() found.
  enum class outcome { found, not_found, method_not_allowed };

  /// Result of match(). `pattern` points into the router (valid as long as the router lives).
  struct match_result {
    outcome result = outcome::not_found; ///< found, 404 or 405
    std::string_view pattern;            ///< the matched pattern (found and 405)
    const handler_fn* handler = nullptr; ///< the handler (found only)
    path_params params;                  ///< decoded `{name}` values (found only)
    std::string allow;                   ///< `Allow` header value (405 only), e.g. "GET, HEAD"
  };

  /// Adds a route; a pattern is `/`-separated literal or `{name}` segments. Registering the same
  /// method and pattern twice, or a malformed pattern, is a broken invariant.
  void add(http_method method, std::string_view pattern, handler_fn handler);

  /// Finds the route for `method` and the raw (percent-encoded) `path`.
  match_result match(http_method method, std::string_view path) const;

private:
  struct segment {
    std::string text; ///< literal text, or the parameter name
    bool param = false;
  };
  struct route {
    std::string pattern;
    std::vector<segment> segments;
    std::vector<std::pair<http_method, handler_fn>> handlers;
  };

  static bool matches(const route& r, const std::vector<std::string_view>& parts);
  static bool more_specific(const route& a, const route& b);

  std::vector<std::unique_ptr<route>> routes_;
};

/// Splits a raw path into its segments ("/a/b" → {"a","b"}; "/" → {}); empty segments are kept.
std::vector<std::string_view> split_path(std::string_view path);

} // namespace chat::net
