#include "net/sse_session.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/http/chunk_encode.hpp>
#include <boost/beast/http/write.hpp>

#include "actors/chat_service.hpp"
#include "actors/client_sink.hpp"
#include "actors/realtime.hpp"
#include "metrics/log.hpp"
#include "metrics/node_metrics.hpp"
#include "net/invariant.hpp"
#include "net/live_common.hpp"
#include "net/session_revocation.hpp"
#include "net/transports.hpp"

namespace chat::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

constexpr auto transport = metrics::transport::sse;
constexpr std::size_t kMaxEventsPerWrite = 64;      ///< events coalesced into one HTTP chunk
constexpr std::size_t kMaxBytesPerWrite = 64 * 1024;
constexpr std::string_view kEventTail = "\n\n";

/// The stream's own bytes, shared by every stream (no allocation per use).
const actors::frame_ptr& ready_event() {
  // Reconnect quickly after a drop; the first event tells the client the stream is live.
  static const auto text = actors::make_frame("retry: 2000\nevent: ready\ndata: {\"type\":\"ready\",\"data\":{}}\n\n");
  return text;
}
const actors::frame_ptr& keepalive_comment() {
  static const auto text = actors::make_frame(": keep-alive\n\n");
  return text;
}
const actors::frame_ptr& reconnect_event() {
  static const auto text =
    actors::make_frame("event: reconnect\ndata: {\"type\":\"reconnect\",\"data\":{\"reason\":\"drain\"}}\n\n");
  return text;
}
const actors::frame_ptr& session_ended_event() {
  static const auto text =
    actors::make_frame("event: session.ended\ndata: {\"type\":\"session.ended\",\"data\":{}}\n\n");
  return text;
}

const actors::frame_ptr& banned_event() {
  static const auto text = actors::make_frame("event: banned\ndata: {\"type\":\"banned\",\"data\":{}}\n\n");
  return text;
}

/// The stream's last event when the server closes it for `reason` (none: it just ends).
actors::frame_ptr final_event(actors::close_reason reason) {
  switch (reason) {
    case actors::close_reason::drain: return reconnect_event();
    case actors::close_reason::session_ended: return session_ended_event();
    case actors::close_reason::banned: return banned_event();
    default: return nullptr;
  }
}

/// The session actor's view of this stream.
class sse_sink : public actors::client_sink {
public:
  explicit sse_sink(std::weak_ptr<sse_session> session) : session_(std::move(session)) {}

  actors::push_result push_message(const std::string& room_id, std::int64_t id,
                                   const actors::frame_ptr& frame) override {
    auto s = session_.lock();
    if (!s)
      return actors::push_result::dropped;
    auto r = s->admit(false);
    if (r == actors::push_result::queued)
      s->enqueue_message(room_id, id, frame);
    return r;
  }

  actors::push_result push_event(const actors::frame_ptr& frame) override {
    auto s = session_.lock();
    if (!s)
      return actors::push_result::dropped;
    auto r = s->admit(true);
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
    if (s->admit(false) == actors::push_result::queued)
      s->enqueue_cursor(room_id, id);
    else
      s->end("slow_consumer", nullptr);
  }

  std::size_t replay_room() const override {
    auto s = session_.lock();
    return s ? s->replay_room() : 0;
  }

  void wake_on_room(std::size_t want, std::function<void()> wake) override {
    if (auto s = session_.lock())
      s->wake_on_room(want, std::move(wake));
  }

  void close(actors::close_reason reason) override {
    if (auto s = session_.lock())
      s->end(std::string{close_label(ws_close_code(reason))}, final_event(reason));
  }

private:
  std::weak_ptr<sse_session> session_;
};

} // namespace

sse_session::sse_session(beast::tcp_stream&& stream, api_env& env,
                         std::shared_ptr<connection_registry> registry, storage::user user,
                         sse_cursor resume, connection_slot_ptr slot)
  : stream_(std::move(stream)), env_(env), registry_(std::move(registry)), slot_(std::move(slot)), user_(std::move(user)),
    resume_(std::move(resume)), queue_(env.opts.live.max_queue_frames, *this, env.metrics, transport),
    keepalive_(stream_.get_executor()) {
  waker_ = env_.loop_of(stream_.get_executor()).waker.get();
}

sse_session::~sse_session() {
  if (registry_id_ != 0)
    registry_->remove(registry_id_);
  if (session_)
    env_.realtime->close_session(session_);
}

void sse_session::run(unsigned http_version, std::string session_id) {
  registry_id_ = registry_->add(weak_from_this());
  // A session that ended meanwhile ends the stream at once.
  if (env_.sessions)
    session_ticket_ =
      session_ticket{env_.sessions->registry(), std::move(session_id), user_.id, weak_from_this()};
  if (state_ == conn_state::finished)
    return;
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
  if (state_ != conn_state::head)
    return; // ended meanwhile
  if (ec)
    return finish("error"); // not counted (never started)
  enter(conn_state::open);
  stream_.expires_never();
  env_.metrics.connections(transport).Increment();
  env_.metrics.connections_accepted(transport).Increment();
  push_local(ready_event());
  cursor_ = resume_;
  session_ = env_.realtime->open_session(user_.id, std::make_shared<sse_sink>(weak_from_this()));
  std::map<std::string, std::int64_t> resume{resume_.begin(), resume_.end()};
  env_.chat.follow_user_rooms(user_.id, session_, std::move(resume));
  watch_peer();
  schedule_keepalive();
}

void sse_session::watch_peer() {
  // The client never sends: a read completes only when it disconnects.
  stream_.socket().async_read_some(asio::buffer(&peer_byte_, 1),
                                   [self = shared_from_this()](beast::error_code ec, std::size_t) {
                                     if (ec)
                                       return self->finish(self->ending() ? self->end_reason_ : "client");
                                     self->watch_peer();
                                   });
}

void sse_session::schedule_keepalive() {
  keepalive_.expires_after(env_.opts.live.sse_keepalive);
  keepalive_.async_wait([self = shared_from_this()](beast::error_code ec) {
    if (ec || self->state_ != conn_state::open)
      return;
    if (self->queue_.waiting() == 0 && !self->writing())
      self->push_local(keepalive_comment());
    self->schedule_keepalive();
  });
}

// -- queueing (thread-safe entry points: the outbound queue's inbox, woken through the loop's
// wake_queue) -----------------------------------------------------------------------------------

void sse_session::enqueue_message(std::string room_id, std::int64_t id, actors::frame_ptr frame) {
  queue_.enqueue({outbound::kind::message, id, std::move(room_id), std::move(frame)});
}

void sse_session::enqueue_event(actors::frame_ptr frame) {
  queue_.enqueue({outbound::kind::event, 0, {}, std::move(frame)});
}

void sse_session::enqueue_cursor(std::string room_id, std::int64_t id) {
  queue_.enqueue({outbound::kind::cursor, id, std::move(room_id), nullptr});
}

void sse_session::flush_wanted() {
  waker_->wake(shared_from_this()); // later items ride along with this wake-up
}

void sse_session::wake() {
  asio::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->on_inbox(); });
}

void sse_session::on_inbox() {
  // Events are written only while open: before the head is out, and once the stream is ending,
  // they are dropped.
  if (queue_.flush(state_ == conn_state::open))
    do_write();
}

void sse_session::push_local(const actors::frame_ptr& text) {
  queue_.push_local({outbound::kind::local, 0, {}, text});
  do_write();
}

// -- writing (one write in flight) -------------------------------------------------------------

outbound_parts sse_session::render(outbound& o) {
  // The cursor moves in the order the events are written; an item rendered again (it did not fit
  // the previous chunk) moves it to the same place.
  switch (o.what) {
    case outbound::kind::message:
      cursor_.insert_or_assign(o.room_id, o.id);
      id_line_.assign("id: ").append(format_sse_cursor(cursor_)).append("\ndata: ");
      return {id_line_, *o.frame, kEventTail};
    case outbound::kind::event:
      return {"data: ", *o.frame, kEventTail};
    case outbound::kind::cursor:
      cursor_.insert_or_assign(o.room_id, o.id);
      // An event with an id and no data updates the browser's last event id without an event.
      id_line_.assign("id: ").append(format_sse_cursor(cursor_)).append("\n\n");
      return {id_line_, {}, {}};
    case outbound::kind::local:
      break;
  }
  return {{}, *o.frame, {}};
}

void sse_session::do_write() {
  // Every waiting event (up to a bound) goes out in one HTTP chunk, one write: SSE events are
  // self-delimiting, so a busy stream costs one syscall per burst, not one per event.
  if (writing() || queue_.waiting() == 0 || (state_ != conn_state::open && state_ != conn_state::closing))
    return;
  const auto body = queue_.take_batch(kMaxEventsPerWrite, kMaxBytesPerWrite, {},
                                      [this](outbound& o) { return render(o); });
  asio::async_write(stream_, http::make_chunk(asio::buffer(body.data(), body.size())),
                    beast::bind_front_handler(&sse_session::on_write, shared_from_this()));
}

void sse_session::on_write(beast::error_code ec, std::size_t) {
  queue_.written(!ec); // its slots back; counted when it went out
  if (ec)
    return finish(ending() ? end_reason_ : "error");
  if (queue_.waiting() != 0)
    return do_write();
  // Nothing waits: an idle stream keeps no buffer.
  queue_.release_idle(false);
  if (id_line_.capacity() > std::string{}.capacity())
    std::string{}.swap(id_line_);
  if (state_ == conn_state::closing)
    close_stream();
}

void sse_session::close_stream() {
  // Last chunk, then close: the browser reconnects (to any node) with Last-Event-ID.
  enter(conn_state::close_sent);
  asio::async_write(stream_, http::make_chunk_last(), [self = shared_from_this()](beast::error_code, std::size_t) {
    beast::error_code ignored;
    self->stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    self->finish(self->end_reason_);
  });
}

void sse_session::end(std::string reason, actors::frame_ptr last) {
  asio::dispatch(stream_.get_executor(), [self = shared_from_this(), reason = std::move(reason),
                                          last = std::move(last)]() mutable {
    if (self->state_ == conn_state::head)
      return self->finish(reason);
    if (self->state_ != conn_state::open)
      return; // ending already, or finished
    if (last)
      self->push_local(last);
    else // a slow consumer is cut without its backlog: the write in flight completes, what waits is dropped
      self->queue_.drop_waiting();
    self->end_reason_ = std::move(reason);
    self->enter(conn_state::closing); // nothing else is queued after this
    self->keepalive_.cancel();
    if (!self->writing())
      self->close_stream();
  });
}

void sse_session::close_when_idle() { end("drain", reconnect_event()); }

void sse_session::end_session() { end("session_ended", session_ended_event()); }

void sse_session::enter(conn_state next) {
  using s = conn_state;
  bool allowed = false;
  switch (state_) {
    case s::head: allowed = next == s::open || next == s::finished; break;
    case s::open: allowed = next == s::closing || next == s::finished; break;
    case s::closing: allowed = next == s::close_sent || next == s::finished; break;
    case s::close_sent: allowed = next == s::finished; break;
    case s::finished: break;
  }
  CHAT_NET_INVARIANT(allowed, "sse_session: a state change the table does not have");
  state_ = next;
}

void sse_session::finish(std::string_view reason) {
  if (state_ == conn_state::finished)
    return;
  const bool started = state_ != conn_state::head;
  enter(conn_state::finished);
  keepalive_.cancel();
  if (started) {
    env_.metrics.connections(transport).Decrement();
    env_.metrics.connections_closed(transport, reason).Increment();
  }
  if (session_) {
    env_.realtime->close_session(session_);
    session_ = {};
  }
  slot_.reset(); // the user's connection slot is free again at once
  beast::error_code ignored;
  stream_.socket().close(ignored);
}

// -- takeover ----------------------------------------------------------------------------------

sse_takeover::sse_takeover(api_env& env, std::shared_ptr<connection_registry> registry,
                           storage::user user, std::string session_id, sse_cursor resume,
                           connection_slot_ptr slot)
  : env_(env), registry_(std::move(registry)), user_(std::move(user)), session_id_(std::move(session_id)),
    resume_(std::move(resume)), slot_(std::move(slot)) {}

void sse_takeover::start(beast::tcp_stream&& stream, beast::flat_buffer,
                         http::request<http::string_body> req) {
  std::make_shared<sse_session>(std::move(stream), env_, registry_, std::move(user_), std::move(resume_),
                                std::move(slot_))
    ->run(req.version(), std::move(session_id_));
}

std::shared_ptr<stream_takeover> make_sse_takeover(api_env& env, storage::user user, std::string session_id,
                                                   sse_cursor resume, connection_slot_ptr slot) {
  return std::make_shared<sse_takeover>(env, env.registry, std::move(user), std::move(session_id),
                                        std::move(resume), std::move(slot));
}

} // namespace chat::net
