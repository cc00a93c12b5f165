#include "net/http_session.hpp"

#include "net/stream_takeover.hpp"

#include <algorithm>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include "metrics/log.hpp"
#include "metrics/node_metrics.hpp"
#include "net/client_address.hpp"
#include "net/exchange.hpp"
#include "net/http_message.hpp"
#include "net/invariant.hpp"
#include "net/replies.hpp"
#include "net/request_guards.hpp"
#include "net/upload_target.hpp"
#include "common/text.hpp"

namespace chat::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;

namespace {

/// Every field named `name`, in order.
std::vector<std::string_view> fields(const http::request_header<>& req, std::string_view name) {
  std::vector<std::string_view> out;
  auto range = req.equal_range(name);
  for (auto it = range.first; it != range.second; ++it)
    out.push_back(it->value());
  return out;
}

/// All `Transfer-Encoding` fields as one list; std::nullopt when there is none.
std::optional<std::string> transfer_encoding(const http::request<http::string_body>& req) {
  auto all = fields(req, "Transfer-Encoding");
  if (all.empty())
    return std::nullopt;
  std::string joined;
  for (auto f : all) {
    if (!joined.empty())
      joined += ',';
    joined += f;
  }
  return joined;
}

} // namespace

void start_http_session(asio::ip::tcp::socket socket, std::shared_ptr<const session_config> cfg) {
  std::make_shared<http_session>(std::move(socket), std::move(cfg))->run();
}

http_session::http_session(asio::ip::tcp::socket&& socket, std::shared_ptr<const session_config> cfg)
  : stream_(std::move(socket)), cfg_(std::move(cfg)) {
  CHAT_NET_INVARIANT(cfg_ && cfg_->handler && cfg_->registry, "incomplete session_config");
  beast::error_code ec;
  auto endpoint = stream_.socket().remote_endpoint(ec);
  // Canonical text (an IPv4-mapped IPv6 peer of a dual-stack listener becomes IPv4).
  remote_ = ec ? std::string{"unknown"} : client_address(endpoint.address().to_string(), {}, {});
}

http_session::~http_session() {
  abort_upload(); // (no-op unless the connection ended mid-upload)
  if (registry_id_ != 0)
    cfg_->registry->remove(registry_id_);
  if (cfg_->metrics != nullptr)
    cfg_->metrics->connections(metrics::transport::http).Decrement();
}

void http_session::run() {
  if (cfg_->metrics != nullptr) {
    cfg_->metrics->connections_accepted(metrics::transport::http).Increment();
    cfg_->metrics->connections(metrics::transport::http).Increment();
  }
  registry_id_ = cfg_->registry->add(weak_from_this());
  // Everything from here on runs on the connection's loop (one thread).
  asio::dispatch(stream_.get_executor(),
                 beast::bind_front_handler(&http_session::do_read, shared_from_this()));
}

void http_session::close_when_idle() {
  asio::post(stream_.get_executor(), [self = shared_from_this()] {
    self->stop_requested_ = true;
    if (self->state_ == state::idle && self->buffer_.size() == 0 &&
        !(self->parser_ && self->parser_->got_some()))
      self->stream_.cancel(); // the pending read ends with operation_aborted
    else if (self->state_ == state::lingering)
      self->stream_.cancel(); // the answer is out: stop discarding the refused body
  });
}

bool http_session::draining() const noexcept {
  return stop_requested_ || cfg_->registry->stopping();
}

// -- reading ------------------------------------------------------------------------------------

void http_session::do_read() {
  if (draining())
    return do_close("drain");
  parser_.emplace();
  parser_->header_limit(static_cast<std::uint32_t>(cfg_->max_header_bytes));
  // A Content-Length over the body limit fails the header read, before the target is known: the
  // head is read with the larger limit, and on_read_header() applies the route's.
  parser_->body_limit(std::max(cfg_->max_body_bytes, cfg_->max_upload_bytes));
  linger_after_write_ = false;
  body_deferred_ = false;
  state_ = state::idle;
  stream_.expires_after(cfg_->request_timeout);
  http::async_read_header(stream_, buffer_, *parser_,
                          beast::bind_front_handler(&http_session::on_read_header, shared_from_this()));
}

void http_session::on_read_header(beast::error_code ec, std::size_t) {
  if (ec)
    return on_read_error(ec);
  state_ = state::reading;
  started_ = std::chrono::steady_clock::now();
  const auto& req = parser_->get();
  // Beast takes a request whose codings do not end in chunked as bodyless: its body would be
  // read as the next request (request smuggling behind a proxy that framed it otherwise).
  if (auto te = transfer_encoding(req); te && !is_supported_transfer_encoding(*te))
    return reject(400, "bad_request", "unsupported Transfer-Encoding (only chunked is accepted)");
  body_deferred_ = cfg_->max_upload_bytes > 0 && req.method() == http::verb::post && is_upload_target(req.target());
  const auto limit = body_deferred_ ? cfg_->max_upload_bytes : cfg_->max_body_bytes;
  parser_->body_limit(limit); // (chunked bodies: counted chunk by chunk from here on)
  if (auto n = parser_->content_length(); n && *n > limit)
    return on_read_error(http::error::body_limit);
  expect_continue_ = !parser_->is_done() && iequals(req[http::field::expect], "100-continue");
  if (body_deferred_)
    return handle_request(); // the body is read once a handler takes it (start_upload)
  if (expect_continue_) {
    asio::async_write(stream_, asio::const_buffer{continue_line.data(), continue_line.size()},
                      beast::bind_front_handler(&http_session::on_continue, shared_from_this()));
    return;
  }
  do_read_body();
}

void http_session::on_continue(beast::error_code ec, std::size_t) {
  if (ec)
    return do_close("error");
  do_read_body();
}

void http_session::do_read_body() {
  if (parser_->is_done())
    return handle_request();
  http::async_read(stream_, buffer_, *parser_,
                   beast::bind_front_handler(&http_session::on_read, shared_from_this()));
}

void http_session::on_read(beast::error_code ec, std::size_t) {
  if (ec)
    return on_read_error(ec);
  handle_request();
}

void http_session::on_read_error(beast::error_code ec) {
  if (ec == http::error::end_of_stream)
    return do_close("client");
  if (ec == beast::error::timeout)
    return do_close("idle");
  if (ec == asio::error::operation_aborted)
    return do_close(draining() ? "drain" : "error");
  if (ec == http::error::body_limit) {
    const bool upload = cfg_->max_upload_bytes > 0 && is_upload_target(parser_ ? parser_->get().target() : upload_parser_->get().target());
    return reject(413, "payload_too_large",
                  upload ? "file larger than " + std::to_string(cfg_->max_upload_bytes) + " bytes"
                         : "body larger than " + std::to_string(cfg_->max_body_bytes) + " bytes");
  }
  if (ec == http::error::header_limit)
    return reject(431, "headers_too_large",
                  "request head larger than " + std::to_string(cfg_->max_header_bytes) + " bytes");
  if (ec.category() == http::make_error_code(http::error::bad_method).category() ||
      ec == http::error::partial_message)
    return reject(400, "bad_request", "malformed HTTP request");
  do_close(ec == asio::error::eof || ec == asio::error::connection_reset ? "client" : "error");
}

// -- handling -----------------------------------------------------------------------------------

namespace {

/// `/ws`, `/stream` and `/socket.io/` (with or without a query): routes a transport may take over.
bool is_streaming_target(std::string_view target) noexcept {
  auto path = target.substr(0, target.find('?'));
  return path == "/ws" || path == "/stream" || path == "/socket.io/" || path == "/socket.io";
}

/// `/ws` and `/stream`: the streams a node stops taking once it drains (Socket.IO's polling GETs
/// belong to sessions the drain ends with their own close packet).
bool opens_stream_here(std::string_view target) noexcept {
  auto path = target.substr(0, target.find('?'));
  return path == "/ws" || path == "/stream";
}

} // namespace

std::string http_session::begin_handling(const boost::beast::http::request_header<>& head, bool keep_alive) {
  method_ = to_method(head.method());
  version_ = head.version();
  keep_alive_ = keep_alive;
  state_ = state::handling;
  // The client address, once per request: limits, logs and the transports that take over use it.
  if (cfg_->trusted.empty())
    return remote_;
  return client_address(remote_, {fields(head, "X-Forwarded-For"), fields(head, "Forwarded")}, cfg_->trusted);
}

void http_session::dispatch(api_request req) {
  auto self = shared_from_this();
  auto ex = std::make_shared<exchange>(
    std::move(req), [self](std::function<void()> fn) { asio::post(self->stream_.get_executor(), std::move(fn)); },
    [self](api_response res) {
      asio::dispatch(self->stream_.get_executor(),
                     [self, res = std::move(res)]() mutable { self->reply(std::move(res)); });
    });
  cfg_->handler->handle(ex);
}

void http_session::handle_request() {
  kept_request_.reset();
  if (body_deferred_) { // the head only: the parser stays, to read the body into a sink
    const auto& head = parser_->get();
    auto req = to_api_request(parser_->get(), begin_handling(head, parser_->keep_alive()));
    req.body_deferred = true;
    return dispatch(std::move(req));
  }
  auto req = parser_->release();
  if (draining() && req.method() == http::verb::get && opens_stream_here(req.target())) {
    // A WebSocket or SSE stream asked for on a kept-alive connection while the node drains (a proxy
    // reusing its idle connection to us: the listener is closed already): the drain would only hold
    // it until its deadline and cut it. Closed unanswered, as a refused connection would be: the
    // proxy sends the GET to another node (nginx does for a kept connection), a browser retries it.
    return do_close("drain");
  }
  auto client = begin_handling(req, req.keep_alive());
  if (req.method() == http::verb::get && is_streaming_target(req.target())) {
    kept_request_.emplace(std::move(req));
    return dispatch(to_api_request(*kept_request_, client));
  }
  dispatch(to_api_request(std::move(req), client));
}

void http_session::reply(api_response res) {
  CHAT_NET_INVARIANT(state_ == state::handling, "response without a request in flight");
  if (body_deferred_) {
    body_deferred_ = false;
    if (res.sink)
      return start_upload(std::move(res.sink));
    if (!parser_->is_done()) { // refused unread: answer, then discard the body (lingering close)
      res.close = true;
      linger_after_write_ = true;
    }
  }
  CHAT_NET_INVARIANT(!res.sink, "a body sink for a request whose body was read");
  write_response(std::move(res));
}

void http_session::write_response(api_response res) {
  if (cfg_->metrics != nullptr) {
    std::chrono::duration<double> took = std::chrono::steady_clock::now() - started_;
    cfg_->metrics->observe_http(res.route, res.status, took.count());
  }
  if (res.takeover) {
    CHAT_NET_INVARIANT(kept_request_.has_value(), "takeover without a kept request");
    return hand_over(std::move(res.takeover));
  }
  bool keep_alive = keep_alive_ && !res.close && !draining();
  if (res.source && method_ != http_method::head) {
    source_ = res.source;
    stream_left_ = res.source_length;
  }
  do_write(to_message(std::move(res), method_, version_, keep_alive), keep_alive);
}

void http_session::reject(unsigned status, std::string_view code, std::string_view message) {
  if (cfg_->metrics != nullptr) {
    cfg_->metrics->errors(code).Increment();
    std::chrono::duration<double> took =
      state_ == state::idle ? std::chrono::duration<double>{0} : std::chrono::steady_clock::now() - started_;
    cfg_->metrics->observe_http("unmatched", status, took.count());
  }
  log::debug("http_rejected", {{"status", status}, {"code", code}, {"peer", remote_}});
  method_ = http_method::other;
  linger_after_write_ = (parser_.has_value() && !parser_->is_done()) ||
                        (upload_parser_.has_value() && !upload_parser_->is_done());
  abort_upload();
  auto res = error_response(status, code, message);
  res.close = true;
  do_write(to_message(std::move(res), method_, 11, false), false);
}

// -- writing ------------------------------------------------------------------------------------

void http_session::do_write(http::message_generator msg, bool keep_alive) {
  state_ = state::writing;
  stream_.expires_after(cfg_->request_timeout);
  beast::async_write(stream_, std::move(msg),
                     beast::bind_front_handler(&http_session::on_write, shared_from_this(), keep_alive));
}

void http_session::on_write(bool keep_alive, beast::error_code ec, std::size_t) {
  if (ec)
    return do_close(ec == beast::error::timeout ? "idle" : "error");
  if (source_ && stream_left_ > 0)
    return do_stream(keep_alive);
  source_.reset();
  if (!keep_alive && linger_after_write_)
    return linger();
  if (!keep_alive)
    return do_close(draining() ? "drain" : "client");
  do_read();
}

// -- lingering close ----------------------------------------------------------------------------
//
// Closing a socket whose receive queue still holds data makes the kernel send a reset, and a reset
// that reaches the client before it read the answer destroys the answer (a 413 for a large body
// would show up as "connection reset"). So after answering a request whose body was not read, the
// session half-closes (FIN after the answer) and reads and discards what the client still sends,
// bounded in bytes and time, before it closes.

void http_session::linger() {
  state_ = state::lingering;
  buffer_.consume(buffer_.size());
  beast::error_code ec;
  stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ec);
  stream_.expires_after(linger_time); // one deadline for the whole discard
  linger_buf_ = std::make_unique<char[]>(linger_chunk);
  do_linger_read();
}

void http_session::do_linger_read() {
  if (draining())
    return do_close("drain");
  stream_.async_read_some(asio::buffer(linger_buf_.get(), linger_chunk),
                          beast::bind_front_handler(&http_session::on_linger_read, shared_from_this()));
}

void http_session::on_linger_read(beast::error_code ec, std::size_t bytes) {
  lingered_ += bytes;
  if (ec == beast::error::timeout)
    return do_close("idle");
  if (ec)
    return do_close(draining() ? "drain" : "client");
  if (lingered_ >= linger_max_bytes)
    return do_close("client");
  do_linger_read();
}

void http_session::do_close(std::string_view reason) {
  if (state_ == state::closed)
    return;
  state_ = state::closed;
  abort_upload();
  source_.reset();
  if (cfg_->metrics != nullptr)
    cfg_->metrics->connections_closed(metrics::transport::http, reason).Increment();
  beast::error_code ec;
  stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ec);
  stream_.close();
  // No operation is pending any more: the session ends when the last handler returns.
}

void http_session::hand_over(std::shared_ptr<stream_takeover> takeover) {
  // The transport owns the socket from here on; this session ends when its last handler returns.
  state_ = state::closed;
  if (cfg_->metrics != nullptr)
    cfg_->metrics->connections_closed(metrics::transport::http, "upgrade").Increment();
  stream_.expires_never();
  takeover->start(std::move(stream_), std::move(buffer_), std::move(*kept_request_));
  kept_request_.reset();
}

} // namespace chat::net
