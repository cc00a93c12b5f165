#include "net/sse_session.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/http/chunk_encode.hpp>
#include <boost/beast/http/write.hpp>

#include "actors/client_sink.hpp"
#include "actors/realtime.hpp"
#include "metrics/log.hpp"
#include "metrics/node_metrics.hpp"
#include "net/live_common.hpp"
#include "net/transports.hpp"

namespace chat::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

constexpr auto transport = metrics::transport::sse;
constexpr std::string_view reconnect_event =
  "event: reconnect\ndata: {\"type\":\"reconnect\",\"data\":{\"reason\":\"drain\"}}\n\n";

/// The session actor's view of this stream.
class sse_sink : public actors::client_sink {
public:
  explicit sse_sink(std::weak_ptr<sse_session> session) : session_(std::move(session)) {}

  actors::push_result push_message(const std::string& room_id, std::int64_t id,
                                   const actors::frame_ptr& frame) override {
    auto s = session_.lock();
    if (!s)
      return actors::push_result::dropped;
    auto r = s->gate().admit(false);
    if (r == actors::push_result::queued)
      s->enqueue_message(room_id, id, frame);
    return r;
  }

  actors::push_result push_event(const actors::frame_ptr& frame) override {
    auto s = session_.lock();
    if (!s)
      return actors::push_result::dropped;
    auto r = s->gate().admit(true);
    if (r == actors::push_result::queued)
      s->enqueue_event(frame);
    return r;
  }

  void note_cursor(const std::string& room_id, std::int64_t id) override {
    auto s = session_.lock();
    if (!s)
      return;
    // The cursor must not be lost (a resume would miss the room): never dropped; a full queue
    // cuts the connection like a chat message would.
    if (s->gate().admit(false) == actors::push_result::queued)
      s->enqueue_cursor(room_id, id);
    else
      s->end("slow_consumer", false);
  }

  void close(actors::close_reason reason) override {
    if (auto s = session_.lock())
      s->end(close_label(ws_close_code(reason)), reason == actors::close_reason::drain);
  }

private:
  std::weak_ptr<sse_session> session_;
};

} // namespace

sse_session::sse_session(beast::tcp_stream&& stream, api_env& env,
                         std::shared_ptr<connection_registry> registry, storage::user user,
                         sse_cursor resume)
  : stream_(std::move(stream)), env_(env), registry_(std::move(registry)), user_(std::move(user)),
    resume_(std::move(resume)), gate_(env.opts.live.max_queue_frames), keepalive_(stream_.get_executor()) {
  waker_ = env_.loop_of(stream_.get_executor()).waker.get();
}

sse_session::~sse_session() {
  if (registry_id_ != 0)
    registry_->remove(registry_id_);
  if (session_)
    env_.realtime->close_session(session_);
}

void sse_session::run(unsigned http_version) {
  registry_id_ = registry_->add(weak_from_this());
  res_.version(http_version);
  res_.result(http::status::ok);
  res_.set(http::field::server, "chatnode");
  res_.set(http::field::content_type, "text/event-stream; charset=utf-8");
  res_.set(http::field::cache_control, "no-cache, no-transform");
  res_.set("X-Accel-Buffering", "no");
  res_.set("X-Content-Type-Options", "nosniff");
  res_.chunked(true);
  stream_.expires_after(std::chrono::seconds(30));
  http::async_write_header(stream_, serializer_,
                           beast::bind_front_handler(&sse_session::on_header, shared_from_this()));
}

void sse_session::on_header(beast::error_code ec, std::size_t) {
  if (ec) {
    finished_ = true;
    return;
  }
  started_ = true;
  stream_.expires_never();
  env_.metrics.connections(transport).Increment();
  env_.metrics.connections_accepted(transport).Increment();
  // Reconnect quickly after a drop; the first event tells the client the stream is live.
  push({"retry: 2000\nevent: ready\ndata: {\"type\":\"ready\",\"data\":{}}\n\n", nullptr, false});
  cursor_ = resume_;
  session_ = env_.realtime->open_session(user_.id, std::make_shared<sse_sink>(weak_from_this()));
  std::map<std::string, std::int64_t> resume{resume_.begin(), resume_.end()};
  follow_user_rooms(env_, user_.id, session_, std::move(resume));
  watch_peer();
  schedule_keepalive();
}

void sse_session::watch_peer() {
  // The client never sends: a read completes only when it disconnects.
  stream_.socket().async_read_some(asio::buffer(&peer_byte_, 1),
                                   [self = shared_from_this()](beast::error_code ec, std::size_t) {
                                     if (ec)
                                       return self->finish(self->ending_ ? self->end_reason_ : "client");
                                     self->watch_peer();
                                   });
}

void sse_session::schedule_keepalive() {
  keepalive_.expires_after(env_.opts.live.sse_keepalive);
  keepalive_.async_wait([self = shared_from_this()](beast::error_code ec) {
    if (ec || self->finished_ || self->ending_)
      return;
    if (self->queue_.empty() && !self->writing_)
      self->push({": keep-alive\n\n", nullptr, false});
    self->schedule_keepalive();
  });
}

// -- queueing (thread-safe entry points: an inbox, woken through the loop's wake_queue) -------

void sse_session::enqueue_message(std::string room_id, std::int64_t id, actors::frame_ptr frame) {
  hand_over({inbound::kind::message, id, std::move(room_id), std::move(frame)});
}

void sse_session::enqueue_event(actors::frame_ptr frame) {
  hand_over({inbound::kind::event, 0, {}, std::move(frame)});
}

void sse_session::enqueue_cursor(std::string room_id, std::int64_t id) {
  hand_over({inbound::kind::cursor, id, std::move(room_id), nullptr});
}

void sse_session::hand_over(inbound in) {
  if (inbox_.put(std::move(in))) // later ones ride along with this wake-up
    waker_->wake(shared_from_this());
}

void sse_session::wake() {
  asio::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->on_inbox(); });
}

void sse_session::on_inbox() {
  inbox_.take(applying_);
  for (auto& in : applying_) {
    switch (in.what) {
      case inbound::kind::message:
        cursor_.insert_or_assign(std::move(in.room_id), in.id);
        push({"id: " + format_sse_cursor(cursor_) + "\ndata: ", std::move(in.frame), true, true});
        break;
      case inbound::kind::event:
        push({"data: ", std::move(in.frame), true});
        break;
      case inbound::kind::cursor:
        cursor_.insert_or_assign(std::move(in.room_id), in.id);
        // An event with an id and no data updates the browser's last event id without an event.
        push({"id: " + format_sse_cursor(cursor_) + "\n\n", nullptr, true});
        break;
    }
  }
  applying_.clear();
  if (applying_.capacity() > 64) // a burst is over: an idle stream keeps no large buffer
    std::vector<inbound>{}.swap(applying_);
}

void sse_session::push(chunk c) {
  if (ending_ || finished_ || !started_) {
    if (c.counted)
      gate_.release();
    return;
  }
  queue_.push_back(std::move(c));
  if (!writing_)
    do_write();
}

namespace {

constexpr std::size_t kMaxEventsPerWrite = 64;      ///< events coalesced into one HTTP chunk
constexpr std::size_t kMaxBytesPerWrite = 64 * 1024;
constexpr std::string_view kEventTail = "\n\n";

} // namespace

void sse_session::do_write() {
  // Every waiting event (up to a bound) goes out in one HTTP chunk, one write: SSE events are
  // self-delimiting, so a busy stream costs one syscall per burst, not one per event.
  writing_ = true;
  batch_.clear();
  while (!queue_.empty() && in_flight_events_ < kMaxEventsPerWrite) {
    auto& c = queue_.front();
    std::size_t size = c.head.size() + (c.body ? c.body->size() + kEventTail.size() : 0);
    if (in_flight_events_ > 0 && batch_.size() + size > kMaxBytesPerWrite)
      break;
    batch_.append(c.head);
    if (c.body) {
      batch_.append(*c.body);
      batch_.append(kEventTail);
    }
    in_flight_messages_ += c.message ? 1 : 0;
    in_flight_counted_ += c.counted ? 1 : 0;
    ++in_flight_events_;
    queue_.pop_front();
  }
  asio::async_write(stream_, http::make_chunk(asio::buffer(batch_)),
                    beast::bind_front_handler(&sse_session::on_write, shared_from_this()));
}

void sse_session::on_write(beast::error_code ec, std::size_t) {
  writing_ = false;
  gate_.release(in_flight_counted_);
  const auto events = in_flight_events_;
  const auto messages = in_flight_messages_;
  in_flight_events_ = in_flight_counted_ = in_flight_messages_ = 0;
  if (ec)
    return finish(ending_ ? end_reason_ : "error");
  env_.metrics.socket_writes(transport).Increment();
  env_.metrics.events_written(transport).Increment(static_cast<double>(events));
  if (messages > 0)
    env_.metrics.messages_delivered(transport).Increment(static_cast<double>(messages));
  if (!queue_.empty())
    return do_write();
  if (batch_.capacity() > std::string{}.capacity()) // nothing waits: an idle stream keeps no buffer
    std::string{}.swap(batch_);
  if (ending_)
    close_stream();
}

void sse_session::close_stream() {
  // Last chunk, then close: the browser reconnects (to any node) with Last-Event-ID.
  writing_ = true;
  asio::async_write(stream_, http::make_chunk_last(), [self = shared_from_this()](beast::error_code, std::size_t) {
    beast::error_code ignored;
    self->stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    self->finish(self->end_reason_);
  });
}

void sse_session::end(std::string reason, bool tell) {
  asio::dispatch(stream_.get_executor(), [self = shared_from_this(), reason = std::move(reason), tell]() mutable {
    if (self->ending_ || self->finished_)
      return;
    if (!self->started_) {
      self->finish(reason);
      return;
    }
    if (tell)
      self->push({std::string{reconnect_event}, nullptr, false});
    // Nothing else is queued after this; a slow consumer is cut without its backlog.
    if (!tell) { // the write in flight completes; what waits is dropped
      for (auto& c : self->queue_)
        if (c.counted)
          self->gate_.release();
      self->queue_.clear();
    }
    self->ending_ = true;
    self->end_reason_ = std::move(reason);
    self->keepalive_.cancel();
    if (!self->writing_)
      self->close_stream();
  });
}

void sse_session::close_when_idle() { end("drain", true); }

void sse_session::finish(std::string_view reason) {
  if (finished_)
    return;
  finished_ = true;
  keepalive_.cancel();
  if (started_) {
    env_.metrics.connections(transport).Decrement();
    env_.metrics.connections_closed(transport, reason).Increment();
  }
  if (session_) {
    env_.realtime->close_session(session_);
    session_ = {};
  }
  beast::error_code ignored;
  stream_.socket().close(ignored);
}

// -- takeover ----------------------------------------------------------------------------------

sse_takeover::sse_takeover(api_env& env, std::shared_ptr<connection_registry> registry,
                           storage::user user, sse_cursor resume)
  : env_(env), registry_(std::move(registry)), user_(std::move(user)), resume_(std::move(resume)) {}

void sse_takeover::start(beast::tcp_stream&& stream, beast::flat_buffer,
                         http::request<http::string_body> req) {
  std::make_shared<sse_session>(std::move(stream), env_, registry_, std::move(user_), std::move(resume_))
    ->run(req.version());
}

std::shared_ptr<stream_takeover> make_sse_takeover(api_env& env, storage::user user, sse_cursor resume) {
  return std::make_shared<sse_takeover>(env, env.registry, std::move(user), std::move(resume));
}

} // namespace chat::net
