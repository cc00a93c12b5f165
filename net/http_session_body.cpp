// http_session: bodies that do not fit in memory. An upload's body is read in pieces into the
// handler's body_sink, one piece in flight (read → stored → read); a download's body is written
// piece by piece from a body_source after the head. Every callback of a sink or source is posted
// back to the session's loop before it touches the session.
#include "net/http_session.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>

#include "metrics/node_metrics.hpp"
#include "net/http_message.hpp"
#include "net/invariant.hpp"

namespace chat::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;

// -- uploads ------------------------------------------------------------------------------------

void http_session::start_upload(std::shared_ptr<body_sink> sink) {
  sink_ = std::move(sink);
  state_ = state::uploading;
  if (!expect_continue_)
    return begin_upload_body();
  // The client waits for this before it sends the body: refusals above never made it send.
  asio::async_write(stream_, asio::const_buffer{continue_line.data(), continue_line.size()},
                    [self = shared_from_this()](beast::error_code ec, std::size_t) {
                      if (ec)
                        return self->do_close("error");
                      self->begin_upload_body();
                    });
}

void http_session::begin_upload_body() {
  // The head is parsed and no body byte was: the parser may change its body type now.
  upload_parser_.emplace(std::move(*parser_));
  parser_.reset();
  upload_buf_ = std::make_unique<char[]>(upload_piece_bytes);
  buffer_.reserve(upload_read_bytes);
  if (upload_parser_->is_done())
    return on_piece_stored(true, std::nullopt); // an empty body: the sink decides
  do_upload_read();
}

void http_session::do_upload_read() {
  auto& body = upload_parser_->get().body();
  body.data = upload_buf_.get();
  body.size = upload_piece_bytes;
  body.more = true;
  stream_.expires_after(cfg_->request_timeout);
  http::async_read(stream_, buffer_, *upload_parser_,
                   beast::bind_front_handler(&http_session::on_upload_read, shared_from_this()));
}

void http_session::on_upload_read(beast::error_code ec, std::size_t) {
  if (ec == http::error::need_buffer) // the piece is full
    ec = {};
  if (ec)
    return on_read_error(ec); // body_limit: 413 (reject() aborts the upload); else closes
  const auto n = upload_piece_bytes - upload_parser_->get().body().size;
  const bool last = upload_parser_->is_done();
  if (n == 0)
    return last ? on_piece_stored(true, std::nullopt) : do_upload_read();
  if (draining()) { // the node stops: the client retries the upload on another node
    abort_upload();
    return do_close("drain");
  }
  stream_.expires_never(); // the store's pace is not the client's idleness
  auto self = shared_from_this();
  sink_->write(std::string{upload_buf_.get(), n}, [self, last](std::optional<api_response> refusal) {
    asio::post(self->stream_.get_executor(), [self, last, refusal = std::move(refusal)]() mutable {
      self->on_piece_stored(last, std::move(refusal));
    });
  });
}

void http_session::on_piece_stored(bool last, std::optional<api_response> refusal) {
  if (state_ == state::closed)
    return; // (do_close aborted the upload)
  if (refusal) { // the sink cleaned up after itself
    sink_.reset();
    return on_upload_answer(std::move(*refusal), !last);
  }
  if (!last)
    return do_upload_read();
  auto self = shared_from_this();
  sink_->finish([self](api_response res) {
    asio::post(self->stream_.get_executor(), [self, res = std::move(res)]() mutable {
      if (self->state_ == state::closed)
        return;
      self->sink_.reset();
      self->on_upload_answer(std::move(res), false);
    });
  });
}

void http_session::on_upload_answer(api_response res, bool body_unread) {
  upload_buf_.reset();
  buffer_.shrink_to_fit(); // back to a head's size (keeps any pipelined bytes)
  if (body_unread) {
    res.close = true;
    linger_after_write_ = true;
  } else {
    upload_parser_.reset();
  }
  state_ = state::handling;
  write_response(std::move(res));
}

void http_session::abort_upload() {
  if (!sink_)
    return;
  auto sink = std::move(sink_);
  sink_.reset();
  sink->abort();
}

// -- streamed bodies ----------------------------------------------------------------------------

void http_session::do_stream(bool keep_alive) {
  state_ = state::writing;
  auto self = shared_from_this();
  source_->next([self, keep_alive](bool ok, std::string piece) {
    asio::post(self->stream_.get_executor(), [self, keep_alive, ok, piece = std::move(piece)]() mutable {
      self->on_stream_piece(keep_alive, ok, std::move(piece));
    });
  });
}

void http_session::on_stream_piece(bool keep_alive, bool ok, std::string piece) {
  if (state_ == state::closed)
    return;
  if (!ok || piece.empty() || piece.size() > stream_left_) {
    // The head promised stream_left_ more bytes: closing is the only honest end (a short body).
    if (cfg_->metrics != nullptr)
      cfg_->metrics->errors("stream_body_failed").Increment();
    return do_close("error");
  }
  stream_left_ -= piece.size();
  stream_piece_ = std::move(piece);
  stream_.expires_after(cfg_->request_timeout);
  asio::async_write(stream_, asio::buffer(stream_piece_),
                    beast::bind_front_handler(&http_session::on_stream_written, shared_from_this(), keep_alive));
}

void http_session::on_stream_written(bool keep_alive, beast::error_code ec, std::size_t bytes) {
  stream_piece_ = std::string{}; // (frees the piece)
  on_write(keep_alive, ec, bytes);
}

} // namespace chat::net
