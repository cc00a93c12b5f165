#include "net/http_message.hpp"

#include <boost/beast/websocket/rfc6455.hpp>

#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/file_body.hpp>
#include <boost/beast/http/message.hpp>

#include "common/text.hpp"
#include "net/cookies.hpp"
#include "net/query.hpp"
#include "net/replies.hpp"

namespace chat::net {

namespace beast = boost::beast;
namespace http = boost::beast::http;

namespace {

constexpr std::string_view html_csp =
  "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; style-src 'self'; "
  "frame-ancestors 'none'";

template <class Body>
void set_headers(http::response<Body>& r, api_response& res, bool keep_alive) {
  if (!res.content_type.empty())
    r.set(http::field::content_type, res.content_type);
  r.set("X-Content-Type-Options", "nosniff");
  r.set("Referrer-Policy", "same-origin");
  if (res.content_type.rfind("text/html", 0) == 0)
    r.set("Content-Security-Policy", html_csp);
  bool has_cache_control = false;
  for (auto& [name, value] : res.headers) {
    has_cache_control = has_cache_control || name == "Cache-Control";
    r.insert(name, value);
  }
  if (!has_cache_control && res.file_path.empty())
    r.set(http::field::cache_control, "no-store");
  r.keep_alive(keep_alive);
}

http::message_generator bodyless(api_response& res, std::uint64_t length, unsigned version,
                                 bool keep_alive) {
  http::response<http::empty_body> r{static_cast<http::status>(res.status), version};
  set_headers(r, res, keep_alive);
  r.content_length(length);
  return http::message_generator{std::move(r)};
}

} // namespace

http_method to_method(http::verb v) noexcept {
  switch (v) {
    case http::verb::get: return http_method::get;
    case http::verb::head: return http_method::head;
    case http::verb::post: return http_method::post;
    case http::verb::put: return http_method::put;
    case http::verb::patch: return http_method::patch;
    case http::verb::delete_: return http_method::del;
    case http::verb::options: return http_method::options;
    default: return http_method::other;
  }
}

api_request to_api_request(const http::request<http::string_body>& req, const std::string& remote_address) {
  auto copy = req;
  return to_api_request(std::move(copy), remote_address);
}

api_request to_api_request(http::request<http::string_body>&& req, const std::string& remote_address) {
  api_request out;
  out.method = to_method(req.method());
  auto [path, query] = split_target(req.target());
  out.path = std::string{path};
  out.query = parse_query(query);
  if (auto it = req.find(http::field::content_type); it != req.end()) {
    out.has_content_type = true;
    out.content_type = std::string{it->value()};
  }
  auto cookies = req.equal_range(http::field::cookie);
  for (auto it = cookies.first; it != cookies.second; ++it) {
    auto token = cookie_value(it->value(), session_cookie_name);
    if (!token.empty()) {
      out.cookie_token = std::string{token};
      break;
    }
  }
  if (auto it = req.find(http::field::authorization); it != req.end())
    out.bearer_token = std::string{bearer_token(it->value())};
  if (auto it = req.find(http::field::origin); it != req.end()) {
    out.has_origin = true;
    out.origin = std::string{it->value()};
  }
  out.host = std::string{req[http::field::host]};
  out.websocket_upgrade = beast::websocket::is_upgrade(req);
  if (auto it = req.find("Last-Event-ID"); it != req.end())
    out.last_event_id = std::string{it->value()};
  if (auto it = req.find(http::field::accept); it != req.end())
    out.accepts_html = std::string_view{it->value()}.find("text/html") != std::string_view::npos;
  if (auto it = req.find(http::field::content_length); it != req.end())
    if (auto n = parse_int64(it->value()); n && *n >= 0) // (the parser accepted it: one number)
      out.content_length = static_cast<std::uint64_t>(*n);
  if (auto it = req.find("X-File-Name"); it != req.end())
    out.file_name = std::string{it->value()};
  if (auto it = req.find(http::field::range); it != req.end())
    out.range = std::string{it->value()};
  if (auto it = req.find(http::field::if_none_match); it != req.end())
    out.if_none_match = std::string{it->value()};
  out.remote_address = remote_address;
  out.body = std::move(req.body());
  return out;
}

http::message_generator to_message(api_response&& res, http_method method, unsigned version,
                                   bool keep_alive) {
  const bool head = method == http_method::head;
  if (res.source) // the head only: the session streams the body after it
    return bodyless(res, res.source_length, version, keep_alive);
  if (!res.file_path.empty()) {
    http::file_body::value_type file;
    beast::error_code ec;
    file.open(res.file_path.c_str(), beast::file_mode::scan, ec);
    if (!ec) {
      auto size = file.size();
      if (head)
        return bodyless(res, size, version, keep_alive);
      http::response<http::file_body> r{std::piecewise_construct, std::make_tuple(std::move(file)),
                                        std::make_tuple(static_cast<http::status>(res.status), version)};
      set_headers(r, res, keep_alive);
      r.content_length(size);
      return http::message_generator{std::move(r)};
    }
    // Deleted or unreadable since the lookup.
    auto route = res.route;
    res = error_response(404, "not_found", "unknown route");
    res.route = route;
  }
  if (head)
    return bodyless(res, res.body.size(), version, keep_alive);
  http::response<http::string_body> r{static_cast<http::status>(res.status), version};
  set_headers(r, res, keep_alive);
  r.body() = std::move(res.body);
  r.prepare_payload();
  return http::message_generator{std::move(r)};
}

} // namespace chat::net
