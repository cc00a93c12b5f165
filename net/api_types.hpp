#pragma once
/// Beast-free request and response model shared by the router and every handler.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
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
  /// The body was not read (an upload route): a handler that takes it answers with a body_sink,
  /// any other answer refuses it unread.
  bool body_deferred = false;
  std::optional<std::uint64_t> content_length; ///< `Content-Length`, when given
  std::string file_name;      ///< `X-File-Name` (still percent-encoded), empty when absent
  std::string range;          ///< `Range`, empty when absent
  std::string if_none_match;  ///< `If-None-Match`, empty when absent
};

class body_sink;   // below
class body_source; // below

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
  /// When set (an answer to a body_deferred request), the session reads the body into it; the
  /// sink's finish() gives the answer that is written (the rest of this response is ignored).
  std::shared_ptr<body_sink> sink;
  /// When set, the body is streamed from it (`body` is ignored); `source_length` is its size.
  std::shared_ptr<body_source> source;
  std::uint64_t source_length = 0; ///< Content-Length of a streamed body
};

/// Receives a deferred request body piece by piece (uploads: net/file_upload.hpp). The session
/// calls one method at a time, the next only after the previous one called back; callbacks may
/// run on any thread (the session posts them back to its loop).
class body_sink {
public:
  virtual ~body_sink() = default;
  /// The next piece of the body (never empty). `done(std::nullopt)`: go on reading;
  /// `done(response)`: the request ends with that answer and the rest of the body is not read
  /// (abort() is not called then).
  virtual void write(std::string piece, std::function<void(std::optional<api_response>)> done) = 0;
  /// The body is complete: `done` gets the answer.
  virtual void finish(std::function<void(api_response)> done) = 0;
  /// The body will not complete (client gone, over the limit, timeout, node draining): drop what
  /// was stored. No callback; nothing else is called afterwards.
  virtual void abort() = 0;
};

/// A response body produced piece by piece (a stored file: net/file_download.hpp). The session
/// writes the head with api_response::source_length as `Content-Length`, then asks for pieces
/// until that many bytes went out; one call at a time, callbacks on any thread.
class body_source {
public:
  virtual ~body_source() = default;
  /// The next piece (not empty), or `ok` false when it cannot be read (the connection is closed:
  /// the client sees a short body).
  virtual void next(std::function<void(bool ok, std::string piece)> done) = 0;
};

} // namespace chat::net
