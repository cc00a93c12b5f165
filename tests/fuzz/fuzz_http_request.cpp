// libFuzzer target: the HTTP request path of net/http_session, without a socket: bytes through
// Beast's request_parser with the session's header and body limits, pipelined requests one after
// the other, each parsed request through net/http_message's to_api_request (the copying variant
// for /ws and /stream, as the session keeps those for a takeover), then what the handlers read from
// it: the path (router's split_path, static_files' relative_path), the SSE Last-Event-ID cursor,
// and a response written back with the request's method and HTTP version. The requests read must be
// the same however the bytes arrive.
//
// Input: byte 0 picks how the bytes arrive (all at once, or in chunks of 1..127 bytes); the rest is
// the connection's byte stream.

#include <string>
#include <vector>

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include "common/text.hpp"
#include "fuzz_check.hpp"
#include "net/http_message.hpp"
#include "net/replies.hpp"
#include "net/router.hpp"
#include "net/server.hpp"
#include "net/sse_cursor.hpp"
#include "net/static_files.hpp"

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;

/// static_files' answer never leaves the web root.
void check_relative_path(std::string_view path) {
  auto rel = chat::net::static_files::relative_path(path);
  if (!rel)
    return;
  FUZZ_CHECK(!rel->empty() && rel->front() != '/' && rel->back() != '/');
  FUZZ_CHECK(rel->find_first_of(std::string_view{"\\\0:", 3}) == std::string::npos);
  const auto path_of_rel = "/" + *rel; // split_path returns views into it
  for (auto part : chat::net::split_path(path_of_rel)) {
    FUZZ_CHECK(!part.empty());
    FUZZ_CHECK(part.front() != '.'); // no ".", "..", nor hidden files
  }
}

/// The response the session would write for this request (headers only matter here).
void write_response(chat::net::http_method method, unsigned version, bool keep_alive) {
  auto gen = chat::net::to_message(chat::net::error_response(404, "not_found", "unknown route"), method,
                                   version, keep_alive);
  std::size_t total = 0;
  for (int i = 0; i < 64 && !gen.is_done(); ++i) {
    beast::error_code ec;
    auto buffers = gen.prepare(ec);
    FUZZ_CHECK(!ec);
    const auto n = asio::buffer_size(buffers);
    total += n;
    gen.consume(n);
  }
  FUZZ_CHECK(gen.is_done() && total > 0);
}

/// Handles one parsed request as http_session::handle_request does, minus the handler.
void handle(http::request<http::string_body>&& req) {
  const auto method = chat::net::to_method(req.method());
  const unsigned version = req.version();
  const bool keep_alive = req.keep_alive();
  const auto target = req.target();
  const auto path_only = target.substr(0, target.find('?'));
  const bool streaming = req.method() == http::verb::get && (path_only == "/ws" || path_only == "/stream");
  (void)chat::iequals(req[http::field::expect], "100-continue");
  const auto api = streaming ? chat::net::to_api_request(req, "127.0.0.1")
                             : chat::net::to_api_request(std::move(req), "127.0.0.1");
  FUZZ_CHECK(api.method == method);
  FUZZ_CHECK(api.path.find_first_of("?#") == std::string::npos);
  for (const auto& [key, value] : api.query)
    FUZZ_CHECK(!key.empty());
  (void)chat::net::split_path(api.path);
  check_relative_path(api.path);
  auto cursor = chat::net::parse_sse_cursor(api.last_event_id);
  FUZZ_CHECK(cursor.size() <= 1000);
  write_response(method, version, keep_alive);
}

/// What one pass over the connection's bytes parsed: each request's method, target, version, body,
/// and whether reading ended in an error.
struct summary {
  std::vector<std::string> requests;
  bool error = false;
  bool operator==(const summary& o) const { return requests == o.requests && error == o.error; }
};

/// Reads requests from `stream` arriving in chunks of `chunk` bytes (0: all at once) as the session
/// does (one parser per request, unparsed bytes kept for the next); `handle` gets each one.
template <class Handle>
summary read_requests(std::string_view stream, std::size_t chunk, Handle&& handle) {
  const chat::net::server_options limits;
  summary out;
  std::string buffer; // the session's flat_buffer: bytes read, not yet parsed
  std::size_t offered = 0;
  auto read_more = [&] {
    if (offered == stream.size())
      return false;
    const auto n = chunk == 0 ? stream.size() : std::min(chunk, stream.size() - offered);
    buffer.append(stream.substr(offered, n));
    offered += n;
    return true;
  };
  for (int requests = 0; requests < 8; ++requests) { // keep-alive: one parser per request
    http::request_parser<http::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(limits.max_header_bytes));
    parser.body_limit(limits.max_body_bytes);
    beast::error_code ec;
    bool more = true;
    for (int steps = 0; !parser.is_done() && steps < 100000; ++steps) {
      if (buffer.empty() && !read_more()) {
        more = false;
        break;
      }
      const auto used = parser.put(asio::buffer(buffer), ec);
      FUZZ_CHECK(used <= buffer.size());
      buffer.erase(0, used);
      if (ec == http::error::need_more) {
        ec = {};
        if (!read_more()) {
          more = false;
          break;
        }
        continue;
      }
      if (ec)
        break;
    }
    if (!more && !ec && !parser.is_done()) { // the client closed: end of stream
      if (!parser.got_some())
        return out; // between requests: a clean end
      parser.put_eof(ec);
    }
    if (ec || !parser.is_done()) {
      out.error = true; // the session answers 400/413/431 or closes: nothing more is read
      return out;
    }
    auto req = parser.release();
    const bool keep_alive = req.keep_alive();
    out.requests.push_back(std::string{req.method_string()} + ' ' + std::string{req.target()} + ' ' +
                           std::to_string(req.version()) + ' ' + req.body());
    handle(std::move(req));
    if (!keep_alive)
      return out;
  }
  return out;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  chat::fuzz::input in{data, size};
  const std::size_t chunk = in.byte() & 0x7F; // 0: the whole stream at once
  const auto stream = in.rest();
  const auto parsed = read_requests(stream, chunk, [](auto&& req) { handle(std::move(req)); });
  if (chunk != 0) // how the bytes arrive changes nothing
    FUZZ_CHECK(parsed == read_requests(stream, 0, [](auto&&) {}));
  return 0;
}
