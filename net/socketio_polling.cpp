// Engine.IO long-polling sessions of `/socket.io/` (socketio_polling.hpp). One polling_session per
// sid: its realtime session and sink, the packets waiting for the next GET, the GET parked until
// something comes, and one timer per session on its loop (pings for a parked GET, the idle reap).
#include "net/socketio_polling.hpp"

#include <algorithm>
#include <chrono>
#include <map>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "actors/chat_service.hpp"
#include "actors/client_sink.hpp"
#include "actors/realtime.hpp"
#include "metrics/node_metrics.hpp"
#include "net/connection_registry.hpp"
#include "net/engineio_codec.hpp"
#include "net/io_loops.hpp"
#include "net/session_registry.hpp"
#include "net/session_revocation.hpp"
#include "net/socketio_codec.hpp"
#include "net/socketio_dialect.hpp"
#include "net/socketio_polling_session.hpp"
#include "storage/session_token.hpp"

namespace chat::net {

namespace asio = boost::asio;

namespace polling_detail {

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

} // namespace polling_detail

namespace {

using namespace polling_detail;

/// The sid of every refused handshake (a real sid is hex).
constexpr std::string_view kRefusedSid = "unauthorized";

} // namespace

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
  std::size_t messages = 0; // positioned events (chat messages and the like), as a WebSocket counts them
  while (!out_.empty() &&
         (packets.empty() || bytes + out_.front().packet.size() + 1 <= env_.opts.live.max_ws_frame_bytes)) {
    auto& next = out_.front();
    bytes += next.packet.size() + 1;
    if (!next.room.empty()) {
      auto& at = delivered_[next.room];
      at = std::max(at, next.position);
      ++messages;
    }
    packets.push_back(std::move(next.packet));
    out_.pop_front();
  }
  auto x = std::move(parked_);
  parked_.reset();
  last_get_ = std::chrono::steady_clock::now();
  env_.metrics.socket_writes(transport).Increment();
  env_.metrics.events_written(transport).Increment(static_cast<double>(packets.size()));
  if (messages > 0)
    env_.metrics.messages_delivered(transport).Increment(static_cast<double>(messages));
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
