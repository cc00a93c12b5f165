// Engine.IO long-polling sessions of `/socket.io/` (socketio_polling.hpp). One polling_session per
// sid: its realtime session and sink, the packets waiting for the next GET, the GET parked until
// something comes, and one timer per session on its loop (pings for a parked GET, the idle reap).
#include "net/socketio_polling.hpp"

#include <algorithm>
#include <map>

#include <chrono>
#include <deque>
#include <variant>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "actors/chat_service.hpp"
#include "actors/client_sink.hpp"
#include "actors/json_frames.hpp"
#include "actors/realtime.hpp"
#include "common/error.hpp"
#include "metrics/node_metrics.hpp"
#include "net/connection_registry.hpp"
#include "net/engineio_codec.hpp"
#include "net/io_loops.hpp"
#include "net/session_registry.hpp"
#include "net/session_revocation.hpp"
#include "net/socketio_codec.hpp"
#include "net/socketio_dialect.hpp"
#include "net/ws_frames.hpp"
#include "storage/session_token.hpp"

namespace chat::net {

namespace asio = boost::asio;

namespace {

constexpr auto transport = metrics::transport::socketio;
constexpr std::chrono::milliseconds kPingTimeout{20000};
/// The sid of every refused handshake (a real sid is hex).
constexpr std::string_view kRefusedSid = "unauthorized";

std::chrono::milliseconds ping_interval(const api_env& env) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(env.opts.live.ws_idle_timeout / 4);
}

api_response text(unsigned status, std::string body) {
  api_response res;
  res.status = status;
  res.body = std::move(body);
  res.content_type = "text/plain; charset=UTF-8";
  res.route = "/socket.io/";
  return res;
}

/// `42["T",D]` of an event frame `{"type":T,"data":D}`.
std::string event_packet(const std::string& frame) {
  std::string_view type, data;
  if (!sio::split_event_frame(frame, type, data))
    return {};
  std::string out;
  out.reserve(sio::kEventHead.size() + type.size() + sio::kEventMid.size() + data.size() + 1);
  out.append(sio::kEventHead).append(type).append(sio::kEventMid).append(data).append(sio::kEventTail);
  return out;
}

} // namespace

class polling_session : public closable,
                        public revocable,
                        public polling_upgrade,
                        public std::enable_shared_from_this<polling_session> {
public:
  polling_session(api_env& env, std::string sid, std::string user_id, connection_slot_ptr slot,
                  std::weak_ptr<socketio_polling::table> table)
    : env_(env), ex_(env.io->next().get_executor()), timer_(ex_), sid_(std::move(sid)),
      user_id_(std::move(user_id)), slot_(std::move(slot)), table_(std::move(table)) {}

  const std::string& user_id() const noexcept { return user_id_; }

  void start(std::string session_id);
  void get(const exchange_ptr& x);
  void post(const exchange_ptr& x);
  /// Queues an Engine.IO packet; false when the queue is full (`droppable`: dropped instead).
  /// `room`/`position`: a positioned event's (recorded as delivered once a GET carries it).
  actors::push_result push(std::string packet, bool droppable, const std::string* room = nullptr,
                           std::int64_t position = 0);
  /// A follow's start position (sink::note_cursor).
  void note_cursor(const std::string& room, std::int64_t position) {
    std::lock_guard lock{mutex_};
    auto& at = delivered_[room];
    at = std::max(at, position);
  }
  void pause() override {
    std::lock_guard lock{mutex_};
    paused_ = true;
    if (parked_) {
      parked_->respond(text(200, "6"));
      parked_.reset();
    }
  }
  polling_handover hand_over() override;
  void close(std::string_view reason);

  void close_when_idle() override { close("drain"); }
  void end_session() override {
    session_ended_.store(true, std::memory_order_release);
    push("4" + sio::encode_connect_error("unauthorized"), false);
    close("session_ended");
  }

private:
  class sink;
  actors::command_origin origin() const { return {user_id_, transport}; }
  actors::post_fn on_loop() {
    return [self = shared_from_this()](std::function<void()> fn) { asio::post(self->ex_, std::move(fn)); };
  }
  void tick();
  void arm();
  /// Answers the parked GET with what waits (lock held); false when nothing does.
  bool answer_locked();
  void on_packet(std::string_view text);
  void on_socketio(std::string_view text);
  void on_chat_frame(std::string_view text);
  void send_event(std::string json) { push(event_packet(json), false); }

  api_env& env_;
  asio::io_context::executor_type ex_;
  asio::steady_timer timer_; ///< on ex_ only
  std::string sid_;
  std::string user_id_;
  connection_slot_ptr slot_;
  std::weak_ptr<socketio_polling::table> table_;
  std::uint64_t registry_id_ = 0;
  session_ticket ticket_;
  actors::session_handle session_;
  std::atomic<bool> session_ended_{false};

  std::mutex mutex_; // everything below
  /// A packet waiting for a GET, with its room position when it is a positioned event.
  struct waiting {
    std::string packet;
    std::string room;
    std::int64_t position = 0;
  };
  std::deque<waiting> out_;
  std::map<std::string, std::int64_t> delivered_; ///< per room: the last position a GET carried
  bool paused_ = false; ///< an upgrade probe came: nothing more goes out over polling
  exchange_ptr parked_;
  std::chrono::steady_clock::time_point last_get_ = std::chrono::steady_clock::now();
  bool connected_ = false;
  bool closed_ = false;
};

/// The realtime session's view of a polling session.
class polling_session::sink : public actors::client_sink {
public:
  explicit sink(std::weak_ptr<polling_session> s) : s_(std::move(s)) {}
  actors::push_result push_message(const std::string& room, std::int64_t id, const actors::frame_ptr& frame) override {
    auto s = s_.lock();
    return s ? s->push(event_packet(*frame), false, &room, id) : actors::push_result::dropped;
  }
  void note_cursor(const std::string& room, std::int64_t id) override {
    if (auto s = s_.lock())
      s->note_cursor(room, id);
  }
  actors::push_result push_event(const actors::frame_ptr& frame) override {
    auto s = s_.lock();
    return s ? s->push(event_packet(*frame), true) : actors::push_result::dropped;
  }
  void close(actors::close_reason) override {
    if (auto s = s_.lock())
      s->close("server");
  }

private:
  std::weak_ptr<polling_session> s_;
};

void polling_session::start(std::string session_id) {
  registry_id_ = env_.registry->add(weak_from_this());
  if (env_.sessions)
    ticket_ = session_ticket{env_.sessions->registry(), std::move(session_id), user_id_, weak_from_this()};
  session_ = env_.realtime->open_session(user_id_, std::make_shared<sink>(weak_from_this()), true);
  env_.chat.follow_user_rooms(user_id_, session_);
  env_.metrics.connections(transport).Increment();
  env_.metrics.connections_accepted(transport).Increment();
  asio::post(ex_, [self = shared_from_this()] { self->arm(); });
}

void polling_session::arm() {
  timer_.expires_after(ping_interval(env_));
  timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (!ec)
      self->tick();
  });
}

void polling_session::tick() {
  bool idle = false;
  {
    std::lock_guard lock{mutex_};
    if (closed_)
      return;
    if (parked_) { // a GET waited a whole interval: the ping answers it
      out_.push_back(waiting{"2", {}, 0});
      answer_locked();
    } else { // no GET since the last answer for pingInterval + pingTimeout: the client is gone
      idle = std::chrono::steady_clock::now() - last_get_ > ping_interval(env_) + kPingTimeout;
    }
  }
  if (idle)
    return close("idle");
  arm();
}

actors::push_result polling_session::push(std::string packet, bool droppable, const std::string* room,
                                          std::int64_t position) {
  if (packet.empty())
    return actors::push_result::dropped;
  std::lock_guard lock{mutex_};
  if (closed_)
    return actors::push_result::dropped;
  const auto limit = env_.opts.live.max_queue_frames;
  if (out_.size() >= limit || (droppable && out_.size() >= limit * 3 / 4))
    return droppable ? actors::push_result::dropped : actors::push_result::full;
  out_.push_back(waiting{std::move(packet), room ? *room : std::string{}, position});
  if (parked_)
    answer_locked();
  return actors::push_result::queued;
}

bool polling_session::answer_locked() {
  if (!parked_ || out_.empty() || paused_)
    return false;
  std::vector<std::string> packets;
  std::size_t bytes = 0;
  while (!out_.empty() &&
         (packets.empty() || bytes + out_.front().packet.size() + 1 <= env_.opts.live.max_ws_frame_bytes)) {
    auto& next = out_.front();
    bytes += next.packet.size() + 1;
    if (!next.room.empty()) {
      auto& at = delivered_[next.room];
      at = std::max(at, next.position);
    }
    packets.push_back(std::move(next.packet));
    out_.pop_front();
  }
  auto x = std::move(parked_);
  parked_.reset();
  last_get_ = std::chrono::steady_clock::now();
  env_.metrics.socket_writes(transport).Increment();
  env_.metrics.events_written(transport).Increment(static_cast<double>(packets.size()));
  x->respond(text(200, eio::join_payload(packets)));
  return true;
}

void polling_session::get(const exchange_ptr& x) {
  std::lock_guard lock{mutex_};
  if (closed_)
    return x->respond(text(200, "1")); // the close packet
  if (paused_) // upgrading: the client polls no more; a stray poll ends empty
    return x->respond(text(200, "6"));
  if (parked_) { // two polls at once: Engine.IO closes the session; here the older one ends empty
    parked_->respond(text(200, "6"));
    parked_.reset();
  }
  parked_ = x;
  last_get_ = std::chrono::steady_clock::now();
  answer_locked();
}

void polling_session::post(const exchange_ptr& x) {
  const auto& body = x->request().body;
  for (auto packet : eio::split_payload(body, 64))
    on_packet(packet);
  x->respond(text(200, "ok"));
}

void polling_session::on_packet(std::string_view text) {
  eio::packet_error error{};
  const auto packet = eio::parse_packet(text, &error);
  if (!packet) {
    env_.metrics.errors("sio_bad_packet").Increment();
    return close("protocol_error");
  }
  switch (packet->type) {
    case eio::packet_type::message:
      return on_socketio(packet->data);
    case eio::packet_type::close:
      return close("client");
    case eio::packet_type::ping:
      push(eio::encode_packet(eio::packet_type::pong, packet->data), false);
      return;
    default: // pong, noop, upgrade (not offered)
      return;
  }
}

void polling_session::on_socketio(std::string_view text) {
  auto parsed = sio::parse_packet(text);
  if (std::holds_alternative<sio::packet_error>(parsed)) {
    env_.metrics.errors("sio_bad_packet").Increment();
    return close("protocol_error");
  }
  auto& p = std::get<sio::packet>(parsed);
  if (p.nsp != "/") {
    env_.metrics.errors("sio_bad_namespace").Increment();
    if (p.type == sio::packet_type::connect)
      push("4" + sio::encode_connect_error("Invalid namespace", p.nsp), false);
    return;
  }
  switch (p.type) {
    case sio::packet_type::connect: {
      if (session_ended_.load(std::memory_order_acquire)) {
        push("4" + sio::encode_connect_error("unauthorized"), false);
        return;
      }
      {
        std::lock_guard lock{mutex_};
        if (connected_)
          return;
        connected_ = true;
      }
      push("4" + sio::encode_connect(storage::new_session_token().substr(0, 20)), false);
      env_.realtime->release(session_); // the held events follow the answer
      return;
    }
    case sio::packet_type::disconnect:
      return close("client");
    case sio::packet_type::event: {
      bool connected = false;
      {
        std::lock_guard lock{mutex_};
        connected = connected_;
      }
      if (!connected) {
        env_.metrics.errors("sio_not_connected").Increment();
        return;
      }
      if (auto frame = sio::to_chat_frame(p))
        return on_chat_frame(*frame);
      env_.metrics.errors("sio_unknown_event").Increment();
      return;
    }
    default:
      env_.metrics.errors("sio_unexpected_packet").Increment();
      return;
  }
}

void polling_session::on_chat_frame(std::string_view text) {
  auto parsed = parse_client_frame(text, env_.chat.limits().max_resume_rooms, env_.chat.limits().max_watch_users);
  auto send_error = [this](std::error_code ec, std::string_view message, std::string_view client_id) {
    const auto& e = info(ec);
    env_.metrics.errors("ws_" + std::string{e.code}).Increment();
    send_event(actors::error_frame_json(e.code, message.empty() ? e.message : message, client_id));
  };
  if (auto* err = std::get_if<frame_error>(&parsed))
    return send_error(err->error, err->message, err->client_id);
  auto& f = std::get<client_frame>(parsed);
  if (session_ended_.load(std::memory_order_acquire))
    return send_error(error::unauthorized, "session ended", {});
  auto self = shared_from_this();
  if (f.type == client_frame::kind::command) {
    return env_.chat.execute(origin(), std::move(f.command), on_loop(), [self](actors::command_result r) {
      if (r.error)
        return self->send_event(actors::error_frame_json(info(r.error).code, r.message, r.client_id, r.muted_until));
      self->send_event(actors::ack_frame_json(r.client_id, r.id, r.room_id, r.seq));
    });
  }
  if (f.type == client_frame::kind::room_join) {
    return env_.chat.follow(origin(), session_, std::move(f.room_id), -1, on_loop(),
                            [self, send_error](std::error_code ec, const std::string& why) {
                              if (ec)
                                send_error(ec, why, {});
                            });
  }
}

void polling_session::close(std::string_view reason) {
  {
    std::lock_guard lock{mutex_};
    if (closed_)
      return;
    closed_ = true;
    if (parked_ && !paused_) {
      out_.push_back(waiting{"1", {}, 0});
      answer_locked();
    }
    out_.clear();
  }
  env_.metrics.connections(transport).Decrement();
  env_.metrics.connections_closed(transport, reason).Increment();
  if (registry_id_ != 0)
    env_.registry->remove(registry_id_);
  ticket_ = session_ticket{};
  if (session_)
    env_.realtime->close_session(session_);
  slot_.reset();
  asio::post(ex_, [self = shared_from_this()] { self->timer_.cancel(); });
  if (auto table = table_.lock())
    table->forget(sid_);
}

polling_handover polling_session::hand_over() {
  polling_handover h;
  {
    std::lock_guard lock{mutex_};
    h.delivered = delivered_;
    h.connected = connected_;
    paused_ = true;
  }
  close("upgrade");
  return h;
}

// -- the registry ----------------------------------------------------------------------------

void socketio_polling::table::forget(const std::string& sid) {
  std::shared_ptr<polling_session> gone; // destroyed outside the lock
  std::lock_guard lock{mutex};
  if (auto it = sessions.find(sid); it != sessions.end()) {
    gone = std::move(it->second);
    sessions.erase(it);
  }
}

socketio_polling::socketio_polling(api_env& env, std::size_t max_sessions)
  : env_(env), max_sessions_(max_sessions), table_(std::make_shared<table>()) {}

socketio_polling::~socketio_polling() = default;

void socketio_polling::open(const exchange_ptr& x, std::string session_id, connection_slot_ptr slot) {
  auto sid = storage::new_session_token().substr(0, 20);
  auto session = std::make_shared<polling_session>(env_, sid, x->user()->id, std::move(slot), table_);
  {
    std::lock_guard lock{table_->mutex};
    if (table_->sessions.size() >= max_sessions_) {
      env_.metrics.errors("sio_polling_full").Increment();
      return x->respond(text(503, "too many polling sessions"));
    }
    table_->sessions.emplace(sid, session);
  }
  session->start(std::move(session_id));
  x->respond(text(200, eio::open_packet(sid, true, ping_interval(env_), kPingTimeout,
                                        env_.opts.live.max_ws_frame_bytes)));
}

void socketio_polling::open_refused(const exchange_ptr& x) {
  x->respond(text(200, eio::open_packet(kRefusedSid, false, ping_interval(env_), kPingTimeout, 4096)));
}

void socketio_polling::request(const exchange_ptr& x, const std::string& sid, const std::string& user_id) {
  const bool is_post = x->request().method == http_method::post;
  if (sid == kRefusedSid) {
    env_.metrics.errors("sio_unauthorized").Increment();
    return x->respond(text(200, is_post ? "ok" : "4" + sio::encode_connect_error("unauthorized")));
  }
  std::shared_ptr<polling_session> session;
  {
    std::lock_guard lock{table_->mutex};
    if (auto it = table_->sessions.find(sid); it != table_->sessions.end())
      session = it->second;
  }
  // The sid is a capability of its user: another user's request gets what an unknown sid gets.
  if (!session || session->user_id() != user_id) {
    auto res = text(400, R"({"code":1,"message":"Session ID unknown"})");
    res.content_type = "application/json";
    return x->respond(std::move(res));
  }
  if (is_post)
    return session->post(x);
  session->get(x);
}

std::shared_ptr<polling_upgrade> socketio_polling::upgrading(const std::string& sid, const std::string& user_id) {
  std::lock_guard lock{table_->mutex};
  auto it = table_->sessions.find(sid);
  if (it == table_->sessions.end() || it->second->user_id() != user_id)
    return nullptr;
  return it->second;
}

} // namespace chat::net
