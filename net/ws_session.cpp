// A WebSocket connection's lifecycle (handshake, realtime session, close handshake) and the client
// frames it handles; reading is in ws_session_read.cpp, the outbound half in ws_session_write.cpp.
#include "net/ws_session.hpp"

#include <chrono>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/websocket.hpp>

#include "actors/chat_service.hpp"
#include "actors/client_sink.hpp"
#include "actors/json_frames.hpp"
#include "actors/realtime.hpp"
#include "metrics/log.hpp"
#include "metrics/node_metrics.hpp"
#include "common/error.hpp"
#include "net/invariant.hpp"
#include "net/live_common.hpp"
#include "net/session_revocation.hpp"
#include "net/transports.hpp"
#include "net/ws_sink.hpp"

namespace chat::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;

metrics::transport transport_of(const ws_options& opts) noexcept {
  return opts.protocol == ws_protocol::socketio ? metrics::transport::socketio : metrics::transport::ws;
}

ws_session::ws_session(beast::tcp_stream&& stream, api_env& env, storage::user user, ws_options opts,
                       connection_slot_ptr slot)
  : socket_(to_loop_socket(stream.release_socket())), ex_(socket_.get_executor()), reader_(env.opts.live.max_ws_frame_bytes), env_(env), slot_(std::move(slot)), user_id_(std::move(user.id)),
    queue_(env.opts.live.max_queue_frames, *this, env.metrics, transport_of(opts)),
    loop_(&env.loop_of(ex_)), // the loop the listener put this connection on: its waker and pacing timer
    opts_(opts) {}

ws_session::~ws_session() {
  if (registry_id_ != 0)
    env_.registry->remove(registry_id_);
  if (session_)
    env_.realtime->close_session(session_);
}

void ws_session::run(http::request<http::string_body> req, std::string early, std::string session_id) {
  registry_id_ = env_.registry->add(weak_from_this());
  // A session that ended meanwhile ends the connection at once (its close goes out after the 101).
  if (env_.sessions)
    session_ticket_ =
      session_ticket{env_.sessions->registry(), std::move(session_id), user_id_, weak_from_this()};
  if (!early.empty())
    rare().rx = std::move(early); // parsed once the handshake is done
  // Beast performs the handshake (and answers a bad upgrade request), within 10 s; then the
  // socket is taken back and speaks frames through ws_codec.hpp.
  auto& handshake = rare().handshake;
  handshake = std::make_unique<websocket::stream<loop_socket, false>>(std::move(socket_));
  handshake->set_option(websocket::stream_base::timeout{std::chrono::seconds(10), websocket::stream_base::none(), false});
  handshake->set_option(websocket::stream_base::decorator(
    [](websocket::response_type& res) { res.set(http::field::server, "chatnode"); }));
  // The user's rooms are read before the 101 goes out: whatever anyone sends after the client saw
  // its connection open is written to Redis after that read, so it is delivered.
  start_realtime();
  handshake->async_accept(req, beast::bind_front_handler(&ws_session::on_accept, shared_from_this()));
}

void ws_session::on_accept(beast::error_code ec) {
  socket_ = std::move(rare_->handshake->next_layer());
  // The stream is released once its own completion has unwound (it runs inside Beast's op).
  asio::post(ex_, [self = shared_from_this()] {
    self->rare_->handshake.reset();
    self->release_rare();
  });
  if (!ec)
    socket_.non_blocking(true, ec); // reads return would_block instead of waiting
  if (ec) {
    log::debug("ws_accept_failed", {{"error", ec.message()}});
    return finish("error"); // not counted (never accepted); ends the session opened in run()
  }
  enter(conn_state::open);
  heard_ = true; // the handshake counts: a new connection gets the whole idle timeout
  loop_->keepalive->add(weak_from_this(), &keepalive_slot_); // until finish(), which removes it
  env_.metrics.connections(transport()).Increment();
  env_.metrics.connections_accepted(transport()).Increment();
  const bool upgrading = rare_ && rare_->upgrading;
  if (socketio() && !upgrading)
    socketio_open(); // the Engine.IO open packet before anything else
  if (!upgrading) // (an upgrade is released by its `5`)
    arm_first_frame_timer();
  if (close_code_ != 0) // closed (drain) during the handshake: the close frame goes out first
    begin_close(false);
  // Frames that came with the upgrade request first.
  if (rare_ && !rare_->rx.empty()) {
    std::string early = std::move(rare_->rx);
    rare_->rx.clear(); // (a moved-from string is valid but unspecified)
    release_rare();
    if (!consume(early.data(), early.size()))
      return;
  }
  // Read before the first wait: a frame the client sent right after the 101 is often there already,
  // and is handled now instead of after a round through the reactor.
  read_available();
}

void ws_session::start_realtime() {
  // Every room is followed at once (live events start buffering), but nothing is delivered until
  // the client's first frame: a reconnecting client sends `resume` first, and its rooms must then
  // start exactly at its cursors. A client that sends nothing gets its buffered events after a
  // short wait; nothing is lost either way.
  // One sink for the session and the presence watch: the presence actor keeps a connection's
  // first sink (a later watch's sink is dropped), so the two share one allocation.
  auto sink = std::make_shared<ws_sink>(weak_from_this(), opts_.batch);
  session_ = env_.realtime->open_session(user_id_, sink, true);
  env_.chat.follow_user_rooms(user_id_, session_);
  if (opts_.watch_presence) // nobody's presence until the client names users: no storm in between
    watch_presence({}, {}, false, std::move(sink));
}

void ws_session::watch_presence(std::vector<std::string> users, std::string client_id, bool answer,
                                std::shared_ptr<actors::client_sink> sink) {
  if (!session_)
    return; // the connection ended
  // The presence actor writes to a sink of this connection (kept only while it watches).
  if (!sink)
    sink = std::make_shared<ws_sink>(weak_from_this(), opts_.batch);
  env_.realtime->watch_presence(session_, std::move(sink), std::move(users), std::move(client_id), answer);
}

void ws_session::arm_first_frame_timer() {
  auto& timer = rare().follow_timer;
  timer = std::make_unique<asio::steady_timer>(ex_, std::chrono::milliseconds{500});
  timer->async_wait([self = shared_from_this()](beast::error_code ec) {
    if (!ec && !self->followed_)
      self->follow_all({});
  });
}

void ws_session::follow_all(std::map<std::string, std::int64_t> resume) {
  followed_ = true;
  if (rare_) {
    rare_->follow_timer.reset(); // cancels a pending wait
    release_rare();
  }
  if (resume.empty())
    env_.realtime->release(session_);
  else // the resume's follows, then the release, from one thread: the session sees them in order
    env_.chat.follow_user_rooms(user_id_, session_, std::move(resume), true);
}

// -- client frames ---------------------------------------------------------------------------
// Decoded here, carried out by chat_service (the same rules and errors as HTTP); every completion
// comes back through on_loop(), so it runs on this connection's loop.

actors::post_fn ws_session::on_loop() {
  return [self = shared_from_this()](std::function<void()> fn) { asio::post(self->ex_, std::move(fn)); };
}

actors::command_origin ws_session::origin() const {
  return actors::command_origin{user_id_, transport()};
}

void ws_session::handle_frame(client_frame f) {
  if (f.type == client_frame::kind::presence_watch) // not about rooms: a first resume may follow
    return watch_presence(std::move(f.users), std::move(f.client_id), true);
  if (!followed_) {
    if (f.type == client_frame::kind::resume) // membership is checked against the user's rooms
      return follow_all({f.resume.begin(), f.resume.end()});
    follow_all({});
  }
  auto answer = [self = shared_from_this()](actors::command_result r) { self->answer(r); };
  switch (f.type) {
    case client_frame::kind::command:
      return env_.chat.execute(origin(), std::move(f.command), on_loop(), std::move(answer));
    case client_frame::kind::typing:
      return env_.chat.typing(origin(), f.room_id, f.typing);
    case client_frame::kind::room_join:
      return follow_room(std::move(f.room_id), -1);
    case client_frame::kind::resume:
      for (auto& [room_id, after] : f.resume)
        follow_room(std::move(room_id), after);
      return;
    case client_frame::kind::ping:
      return send_event(R"({"type":"pong","data":{}})");
    case client_frame::kind::presence_watch:
      return; // handled above
  }
}

void ws_session::answer(const actors::command_result& r) {
  if (r.error && r.muted_until) { // muted: the error carries the mute's end
    env_.metrics.errors("ws_muted").Increment();
    return send_event(actors::error_frame_json(info(r.error).code, r.message, r.client_id, r.muted_until));
  }
  if (r.error)
    return send_error(r.error, r.message, r.client_id);
  send_event(actors::ack_frame_json(r.client_id, r.id, r.room_id, r.seq));
}

void ws_session::follow_room(std::string room_id, std::int64_t after) {
  if (!session_)
    return; // the connection ended
  env_.chat.follow(origin(), session_, std::move(room_id), after, on_loop(),
                   [self = shared_from_this()](std::error_code ec, const std::string& why) {
                     if (ec)
                       self->send_error(ec, why, {});
                   });
}

void ws_session::send_error(std::error_code ec, std::string_view message, std::string_view client_id) {
  const auto& e = info(ec);
  env_.metrics.errors("ws_" + std::string{e.code}).Increment();
  send_event(actors::error_frame_json(e.code, message.empty() ? e.message : message, client_id));
}

void ws_session::send_event(std::string json) {
  // Replies to the client's own frames (ack, error, pong) are never dropped: a client that waits
  // for its ack must get it. Their number is bounded by what the client sends (and its rate
  // limit); one that sends without reading fills its queue and is cut like any slow consumer.
  if (queue_.admit(false) == actors::push_result::queued) {
    enqueue(actors::make_frame(std::move(json)));
    return;
  }
  env_.metrics.slow_consumers().Increment();
  const auto why = actors::close_reason::slow_consumer;
  close_with(ws_close_code(why), std::string{close_reason_text(why)});
}

// -- close and end -----------------------------------------------------------------------------

void ws_session::enter(conn_state next) {
  using s = conn_state;
  bool allowed = false;
  switch (state_) {
    case s::handshake: allowed = next == s::open || next == s::finished; break;
    case s::open: allowed = next == s::closing || next == s::ending || next == s::finished; break;
    case s::closing: allowed = next == s::ending || next == s::close_sent || next == s::finished; break;
    case s::ending:
    case s::close_sent: allowed = next == s::finished; break;
    case s::finished: break;
  }
  CHAT_NET_INVARIANT(allowed, "ws_session: a state change the table does not have");
  state_ = next;
}

void ws_session::close_with(std::uint16_t code, std::string reason) {
  asio::dispatch(ex_, [self = shared_from_this(), code, reason = std::move(reason)]() mutable {
    if (self->state_ != conn_state::finished)
      self->start_close(code, std::move(reason), close_label(code), false);
  });
}

void ws_session::close_when_idle() { close_with(1012, "service restart"); }

void ws_session::end_session() {
  // Refused from here on, whichever thread reads the next frame; the close follows on the loop.
  session_ended_.store(true, std::memory_order_release);
  const auto reason = actors::close_reason::session_ended;
  close_with(ws_close_code(reason), std::string{close_reason_text(reason)});
}

void ws_session::start_close(std::uint16_t code, std::string text, std::string_view label, bool last) {
  if (close_code_ == 0) { // the first close wins; its frame is due or sent
    close_code_ = code;
    auto& rare = this->rare(); // kept until the connection ends
    rare.close_text = std::move(text);
    rare.close_reason = label;
  }
  if (state_ != conn_state::handshake) // during the handshake: on_accept starts it
    begin_close(last);
}

void ws_session::begin_close(bool last) {
  switch (state_) {
    case conn_state::open:
      enter(last ? conn_state::ending : conn_state::closing);
      break;
    case conn_state::closing: // our close is due already; it is now the last thing written
      if (last)
        enter(conn_state::ending);
      return;
    default: // ending (ours due or in flight), close_sent (ours is out), finished
      return;
  }
  silent_sweeps_ = 0; // the keep-alive sweep now bounds the close handshake (two sweeps)
  pong_due_ = ping_due_ = false;
  queue_.drop_waiting();
  do_write(); // after the write in flight, if any
}

void ws_session::teardown() {
  finish(end_reason());
}

std::string_view ws_session::end_reason() const noexcept {
  return close_code_ != 0 ? rare_->close_reason : std::string_view{"error"};
}

void ws_session::finish(std::string_view reason) {
  if (state_ == conn_state::finished)
    return;
  const bool accepted = state_ != conn_state::handshake;
  enter(conn_state::finished);
  if (accepted) {
    loop_->keepalive->remove(keepalive_slot_); // registered at the accept
    env_.metrics.connections(transport()).Decrement();
    env_.metrics.connections_closed(transport(), reason).Increment();
  }
  if (rare_) {
    rare_->follow_timer.reset(); // cancels a pending wait
    if (auto from = std::move(rare_->upgrading)) // an upgrade that did not happen: polling goes on
      from->resume();
  }
  // The TCP connection ends here: pending operations complete with operation_aborted.
  beast::error_code ignored;
  socket_.shutdown(loop_socket::shutdown_both, ignored);
  socket_.close(ignored);
  if (session_) {
    env_.realtime->close_session(session_);
    session_ = {};
  }
  slot_.reset(); // the user's connection slot is free again at once
}

// -- takeover --------------------------------------------------------------------------------

ws_takeover::ws_takeover(api_env& env, storage::user user, std::string session_id, ws_options opts,
                         connection_slot_ptr slot, std::shared_ptr<polling_upgrade> upgrade)
  : env_(env), user_(std::move(user)), session_id_(std::move(session_id)),
    opts_(opts), slot_(std::move(slot)), upgrade_(std::move(upgrade)) {}

void ws_takeover::start(beast::tcp_stream&& stream, beast::flat_buffer buffer,
                        http::request<http::string_body> req) {
  auto session = std::make_shared<ws_session>(std::move(stream), env_, std::move(user_), opts_, std::move(slot_));
  if (upgrade_)
    session->upgrade_from(std::move(upgrade_));
  session->run(std::move(req), beast::buffers_to_string(buffer.data()), std::move(session_id_));
}

std::shared_ptr<stream_takeover> make_ws_takeover(api_env& env, storage::user user, std::string session_id,
                                                  bool batch, bool watch_presence, connection_slot_ptr slot) {
  return std::make_shared<ws_takeover>(env, std::move(user), std::move(session_id),
                                       ws_options{batch, watch_presence}, std::move(slot));
}

std::shared_ptr<stream_takeover> make_socketio_takeover(api_env& env, storage::user user, std::string session_id,
                                                        connection_slot_ptr slot,
                                                        std::shared_ptr<polling_upgrade> upgrade) {
  return std::make_shared<ws_takeover>(env, std::move(user), std::move(session_id),
                                       ws_options{false, false, ws_protocol::socketio}, std::move(slot),
                                       std::move(upgrade));
}

} // namespace chat::net
