#include "ai/http_exchange.hpp"

#include <array>
#include <optional>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include "ai/http_error_detail.hpp"
#include "ai/tls_client.hpp"

namespace chat::ai {

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using error_code = boost::system::error_code;

std::string seconds(std::chrono::milliseconds d) {
  auto ms = d.count();
  if (ms % 1000 == 0)
    return std::to_string(ms / 1000) + " s";
  return std::to_string(ms) + " ms";
}

bool is_http_error(const error_code& ec) {
  return ec.category() == http::make_error_code(http::error::end_of_stream).category();
}

/// The connection ended (closed or reset by the peer, or TLS cut short).
bool is_closed(const error_code& ec) {
  return ec == http::error::end_of_stream || ec == http::error::partial_message || ec == net::error::eof ||
         ec == net::error::connection_reset || ec == net::error::broken_pipe ||
         ec == net::ssl::error::stream_truncated;
}

class exchange_impl final : public http_exchange, public std::enable_shared_from_this<exchange_impl> {
public:
  exchange_impl(std::shared_ptr<const exchange_setup> setup, std::string body, std::unique_ptr<response_reader> reader,
                stream_handler handler)
      : setup_(std::move(setup)), body_(std::move(body)), reader_(std::move(reader)), handler_(std::move(handler)) {}

  void cancel() override {
    net::post(setup_->ioc->get_executor(), [self = shared_from_this()] { self->stop_now("cancelled"); });
  }

  void stop_now(std::string_view why) override { finish(outcome::stopped, std::string{why}); }

  void launch() override {
    if (ended_ || resolver_)
      return;
    auto& ioc = *setup_->ioc;
    resolver_.emplace(ioc);
    deadline_.emplace(ioc);
    resolve_timer_.emplace(ioc);
    auto self = shared_from_this();
    deadline_->expires_after(setup_->reply_timeout);
    deadline_->async_wait([self](error_code ec) {
      if (!ec)
        self->finish(outcome::timeout, "no complete reply within " + seconds(self->setup_->reply_timeout));
    });
    resolve_timer_->expires_after(setup_->idle_timeout);
    resolve_timer_->async_wait([self](error_code ec) {
      if (!ec)
        self->finish(outcome::unreachable, "resolving " + self->setup_->url.host + " took longer than " +
                                               seconds(self->setup_->idle_timeout));
    });
    resolver_->async_resolve(setup_->url.host, std::to_string(setup_->url.port),
                             [self](error_code ec, tcp::resolver::results_type results) {
                               self->on_resolve(ec, std::move(results));
                             });
  }

private:
  template <class F>
  void with_stream(F&& f) {
    if (tls_)
      f(*tls_);
    else
      f(*tcp_);
  }

  beast::tcp_stream& lowest() { return tls_ ? beast::get_lowest_layer(*tls_) : *tcp_; }

  void on_resolve(error_code ec, tcp::resolver::results_type results) {
    if (ended_)
      return;
    resolve_timer_->cancel();
    if (ec)
      return finish(outcome::unreachable, "cannot resolve " + setup_->url.host + ": " + ec.message());
    auto& ioc = *setup_->ioc;
    if (setup_->tls != nullptr) {
      tls_.emplace(ioc, *setup_->tls);
      std::string error;
      if (!set_tls_peer(tls_->native_handle(), setup_->url.host, error))
        return finish(outcome::unreachable, error);
    } else {
      tcp_.emplace(ioc);
    }
    lowest().expires_after(setup_->idle_timeout);
    lowest().async_connect(results, [self = shared_from_this()](error_code e, const tcp::endpoint&) {
      self->on_connect(e);
    });
  }

  void on_connect(error_code ec) {
    if (ended_)
      return;
    if (ec == beast::error::timeout)
      return finish(outcome::unreachable, "connecting to " + describe(setup_->url) + " took longer than " +
                                              seconds(setup_->idle_timeout));
    if (ec)
      return finish(outcome::unreachable, "cannot connect to " + describe(setup_->url) + ": " + ec.message());
    if (!tls_)
      return write_request();
    lowest().expires_after(setup_->idle_timeout);
    tls_->async_handshake(net::ssl::stream_base::client,
                          [self = shared_from_this()](error_code e) { self->on_handshake(e); });
  }

  void on_handshake(error_code ec) {
    if (ended_)
      return;
    if (ec == beast::error::timeout)
      return finish(outcome::unreachable, "TLS handshake with " + describe(setup_->url) + " took longer than " +
                                              seconds(setup_->idle_timeout));
    if (ec)
      return finish(outcome::unreachable, describe(setup_->url) + ": " + describe_tls_failure(tls_->native_handle(), ec));
    write_request();
  }

  void write_request() {
    request_.method(http::verb::post);
    request_.target(setup_->url.target);
    request_.version(11);
    request_.set(http::field::host, host_header(setup_->url));
    request_.set(http::field::user_agent, "guideops-chatnode");
    request_.set(http::field::content_type, "application/json");
    request_.set(http::field::accept, setup_->accept);
    if (!setup_->api_key.empty())
      request_.set(http::field::authorization, "Bearer " + setup_->api_key);
    request_.body() = std::move(body_);
    request_.prepare_payload();
    lowest().expires_after(setup_->idle_timeout);
    with_stream([this](auto& stream) {
      http::async_write(stream, request_, [self = shared_from_this()](error_code ec, std::size_t) {
        self->on_write(ec);
      });
    });
  }

  void on_write(error_code ec) {
    if (ended_)
      return;
    if (ec == beast::error::timeout)
      return finish(outcome::idle_timeout, "sending the request took longer than " + seconds(setup_->idle_timeout));
    if (ec)
      return finish(outcome::upstream, "cannot send the request: " + ec.message());
    request_ = http::request<http::string_body>{}; // the body (the conversation) is no longer needed
    parser_.emplace();
    parser_->header_limit(64 * 1024);
    parser_->body_limit(setup_->max_body);
    lowest().expires_after(setup_->idle_timeout);
    with_stream([this](auto& stream) {
      http::async_read_header(stream, buffer_, *parser_, [self = shared_from_this()](error_code e, std::size_t) {
        self->on_header(e);
      });
    });
  }

  void on_header(error_code ec) {
    if (ended_)
      return;
    if (ec)
      return on_read_error(ec, false);
    const auto& res = parser_->get();
    status_ = res.result_int();
    if (status_ < 200 || status_ >= 300) {
      error_status_ = true;
      reason_ = std::string{res.reason()};
    } else {
      reader_->on_header(res[http::field::content_type]);
    }
    if (parser_->is_done())
      return complete();
    read_body();
  }

  void read_body() {
    auto& body = parser_->get().body();
    body.data = chunk_.data();
    body.size = chunk_.size();
    body.more = true;
    lowest().expires_after(setup_->idle_timeout);
    with_stream([this](auto& stream) {
      http::async_read_some(stream, buffer_, *parser_, [self = shared_from_this()](error_code e, std::size_t) {
        self->on_body(e);
      });
    });
  }

  void on_body(error_code ec) {
    if (ended_)
      return;
    if (ec == http::error::need_buffer)
      ec = {};
    std::size_t got = chunk_.size() - parser_->get().body().size;
    if (got > 0)
      consume(std::string_view{chunk_.data(), got});
    if (ended_)
      return;
    if (ec)
      return on_read_error(ec, true);
    if (parser_->is_done())
      return complete();
    read_body();
  }

  void consume(std::string_view bytes) {
    if (error_status_) {
      auto room = setup_->max_error_body - std::min(setup_->max_error_body, error_body_.size());
      error_body_.append(bytes.substr(0, room));
      if (error_body_.size() >= setup_->max_error_body)
        complete();
      return;
    }
    auto v = reader_->on_body(bytes, emit_fn());
    if (v)
      finish(v->how, std::move(v->detail));
  }

  void complete() {
    if (error_status_)
      return finish(outcome::upstream,
                    describe_http_error(status_, reason_, redact(error_body_, setup_->api_key)));
    auto v = reader_->on_complete(emit_fn());
    finish(v.how, std::move(v.detail));
  }

  void on_read_error(error_code ec, bool in_body) {
    if (ec == beast::error::timeout)
      return finish(outcome::idle_timeout, "no bytes from the backend for " + seconds(setup_->idle_timeout));
    if (error_status_ && is_closed(ec))
      return complete(); // the error status is what matters
    if (is_closed(ec))
      return finish(outcome::upstream, in_body ? "the backend closed the connection mid-response"
                                               : "the backend closed the connection before answering");
    if (ec == http::error::body_limit)
      return finish(outcome::malformed, "response body larger than " + std::to_string(setup_->max_body) + " bytes");
    if (is_http_error(ec))
      return finish(outcome::malformed, "not a valid HTTP response: " + ec.message());
    finish(outcome::upstream, "cannot read the response: " + ec.message());
  }

  text_fn emit_fn() {
    return [this](std::string_view piece) {
      if (!ended_ && handler_.on_text)
        handler_.on_text(piece);
    };
  }

  /// Ends the reply: once, closing the connection at once and stopping every timer.
  void finish(outcome how, std::string detail) {
    if (ended_)
      return;
    ended_ = true;
    if (tls_)
      beast::get_lowest_layer(*tls_).close();
    if (tcp_)
      tcp_->close();
    if (resolver_)
      resolver_->cancel();
    if (deadline_)
      deadline_->cancel();
    if (resolve_timer_)
      resolve_timer_->cancel();
    auto on_end = std::move(handler_.on_end);
    handler_ = {};
    if (on_end)
      on_end(how, redact(detail, setup_->api_key));
  }

  std::shared_ptr<const exchange_setup> setup_;
  std::string body_;
  std::unique_ptr<response_reader> reader_;
  stream_handler handler_;
  bool ended_ = false;

  std::optional<tcp::resolver> resolver_;
  std::optional<net::steady_timer> deadline_;      ///< the reply timeout
  std::optional<net::steady_timer> resolve_timer_; ///< name resolution bounded by the idle timeout
  std::optional<beast::tcp_stream> tcp_;                         ///< http://
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls_;      ///< https://

  http::request<http::string_body> request_;
  std::optional<http::response_parser<http::buffer_body>> parser_;
  beast::flat_buffer buffer_;
  std::array<char, 8192> chunk_{};
  unsigned status_ = 0;
  bool error_status_ = false;
  std::string reason_;
  std::string error_body_;
};

} // namespace

std::shared_ptr<http_exchange> make_exchange(std::shared_ptr<const exchange_setup> setup, std::string body,
                                             std::unique_ptr<response_reader> reader, stream_handler handler) {
  return std::make_shared<exchange_impl>(std::move(setup), std::move(body), std::move(reader), std::move(handler));
}

} // namespace chat::ai
