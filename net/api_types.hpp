#pragma once
/// Beast-free request and response model shared by the router and every handler.

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace chat::net {

class stream_takeover; // net/stream_takeover.hpp (Beast types; the HTTP session uses it)

/// The HTTP methods the API distinguishes; anything else is `other`.
enum class http_method { get, head, post, put, patch, del, options, other };

/// Upper-case name of a method ("GET", …; "OTHER" for other).
std::string_view to_string(http_method m) noexcept;

/// Decoded query parameters; repeated keys (`ids[]=1&ids[]=2`) keep every value in order.
using query_params = std::multimap<std::string, std::string, std::less<>>;

/// Values of `{name}` segments of the matched route, in pattern order.
using path_params = std::vector<std::pair<std::string_view, std::string>>;

/// One HTTP request as handlers see it.
struct api_request {
  http_method method = http_method::other; ///< request method
  std::string path;           ///< raw path (still percent-encoded), without the query
  query_params query;         ///< decoded query parameters
  std::string body;           ///< request body (at most max_body_bytes)
  std::string content_type;   ///< `Content-Type` header, empty when absent
  bool has_content_type = false; ///< whether a `Content-Type` header was sent
  std::string cookie_token;   ///< value of the `chat_session` cookie, empty when absent
  std::string bearer_token;   ///< token of `Authorization: Bearer …`, empty when absent
  std::string remote_address; ///< client IP address: the TCP peer, or what a trusted proxy names (client_address.hpp)
  std::string origin;         ///< `Origin` header, empty when absent
  bool has_origin = false;    ///< whether an `Origin` header was sent
  std::string host;           ///< `Host` header
  bool websocket_upgrade = false; ///< a WebSocket upgrade request (`Upgrade: websocket`)
  std::string last_event_id;  ///< `Last-Event-ID` header (SSE resume), empty when absent
  bool accepts_html = false;  ///< `Accept` lists text/html (a browser navigating to a page)
};

/// One HTTP response as handlers produce it; the session adds framing and security headers.
struct api_response {
  unsigned status = 200;  ///< HTTP status code
  std::string body;       ///< body (ignored when `file_path` is set)
  std::string content_type = "application/json; charset=utf-8"; ///< `Content-Type`
  std::vector<std::pair<std::string, std::string>> headers; ///< extra headers (Set-Cookie, Allow, …)
  std::string file_path;  ///< when set, the body is this file (static files)
  bool close = false;     ///< close the connection after this response
  std::string_view route = "unmatched"; ///< route pattern for metrics; must point to static storage
  std::shared_ptr<stream_takeover> takeover; ///< when set, a transport takes the connection over
};

} // namespace chat::net
