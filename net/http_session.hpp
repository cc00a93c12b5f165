#pragma once
/// One HTTP/1.1 connection: reads a request, hands it to the request_handler as an exchange,
/// writes the one response in flight, repeats while keep-alive. Private to the net library.
///
/// The whole stream stays in this class so that a later transport can take it over after a
/// request: the socket (`stream_.release_socket()`), the read buffer and the parsed request are
/// all here.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/message_generator.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include "net/api_types.hpp"
#include "net/connection_registry.hpp"
#include "net/session_config.hpp"

namespace chat::net {

class http_session : public closable, public std::enable_shared_from_this<http_session> {
public:
  /// A session on an accepted socket; run() starts it.
  http_session(boost::asio::ip::tcp::socket&& socket, std::shared_ptr<const session_config> cfg);
  ~http_session() override;

  http_session(const http_session&) = delete;
  http_session& operator=(const http_session&) = delete;

  /// Registers the connection and starts reading (on the session's loop).
  void run();

  /// See closable::close_when_idle.
  void close_when_idle() override;

private:
  enum class state { idle, reading, handling, uploading, writing, lingering, closed };

  /// A refused request's unread body is read and discarded after the answer, up to this much …
  static constexpr std::size_t linger_max_bytes = 64u << 20;
  /// … for at most this long, so that the client reads the answer instead of a connection reset.
  static constexpr std::chrono::seconds linger_time{10};
  /// Size of the discard buffer (allocated only while lingering).
  static constexpr std::size_t linger_chunk = 16 * 1024;
  /// An upload's body is read in pieces of this size (one buffer per upload in progress).
  static constexpr std::size_t upload_piece_bytes = 256 * 1024;
  /// While an upload's body is read, the read buffer holds this much: Beast reads at most the
  /// buffer's free capacity per call, and a buffer sized for request heads made that ~600 bytes
  /// (1,700 reads and timer resets per MiB; 10 ms of CPU per MiB uploaded).
  static constexpr std::size_t upload_read_bytes = 64 * 1024;
  /// The interim answer to `Expect: 100-continue`.
  static constexpr std::string_view continue_line = "HTTP/1.1 100 Continue\r\n\r\n";

  void do_read();
  void on_read_header(boost::beast::error_code ec, std::size_t bytes);
  void on_continue(boost::beast::error_code ec, std::size_t bytes);
  void do_read_body();
  void on_read(boost::beast::error_code ec, std::size_t bytes);
  void on_read_error(boost::beast::error_code ec);
  void handle_request();
  /// Takes method, version and keep-alive from `head` and answers the client address.
  std::string begin_handling(const boost::beast::http::request_header<>& head, bool keep_alive);
  /// Hands `req` to the request handler as an exchange whose answer comes back to reply().
  void dispatch(api_request req);
  void reply(api_response res);
  void reject(unsigned status, std::string_view code, std::string_view message);
  void do_write(boost::beast::http::message_generator msg, bool keep_alive);
  void on_write(bool keep_alive, boost::beast::error_code ec, std::size_t bytes);
  void do_close(std::string_view reason);
  void linger();
  void do_linger_read();
  void on_linger_read(boost::beast::error_code ec, std::size_t bytes);
  void hand_over(std::shared_ptr<stream_takeover> takeover);
  // Deferred bodies (uploads) and streamed bodies (downloads): http_session_body.cpp.
  void start_upload(std::shared_ptr<body_sink> sink);
  void begin_upload_body();
  void do_upload_read();
  void on_upload_read(boost::beast::error_code ec, std::size_t bytes);
  void on_piece_stored(bool last, std::optional<api_response> refusal);
  void on_upload_answer(api_response res, bool body_unread);
  void abort_upload();
  void do_stream(bool keep_alive);
  void on_stream_piece(bool keep_alive, bool ok, std::string piece);
  void on_stream_written(bool keep_alive, boost::beast::error_code ec, std::size_t bytes);
  void write_response(api_response res);
  bool draining() const noexcept;

  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
  std::shared_ptr<const session_config> cfg_;
  std::string remote_;
  std::uint64_t registry_id_ = 0;
  state state_ = state::idle;
  bool stop_requested_ = false;
  http_method method_ = http_method::other;
  unsigned version_ = 11;
  bool keep_alive_ = false;
  /// Set by reject() when the request's body (or head) was not read to its end: after the answer
  /// the session lingers (reads and discards) before it closes.
  bool linger_after_write_ = false;
  std::size_t lingered_ = 0;
  std::unique_ptr<char[]> linger_buf_;
  std::chrono::steady_clock::time_point started_;
  /// The request's body is not read yet (an upload route): a handler's body_sink takes it.
  bool body_deferred_ = false;
  bool expect_continue_ = false; ///< the request asked for `100 Continue`
  std::optional<boost::beast::http::request_parser<boost::beast::http::buffer_body>> upload_parser_;
  std::shared_ptr<body_sink> sink_;       ///< the upload in progress
  std::unique_ptr<char[]> upload_buf_;    ///< upload_piece_bytes while uploading
  std::shared_ptr<body_source> source_;   ///< the streamed body being written
  std::uint64_t stream_left_ = 0;         ///< bytes of source_ still to write
  std::string stream_piece_;              ///< the piece being written
  /// GET requests on streaming routes are kept: a transport may take the connection over with them.
  std::optional<boost::beast::http::request<boost::beast::http::string_body>> kept_request_;
};

} // namespace chat::net
