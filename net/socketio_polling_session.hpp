#pragma once
/// One Engine.IO long-polling session of `/socket.io/` (socketio_polling.hpp): its realtime session
/// and sink, the packets waiting for the next GET, the parked GET, its timer, and the hand-over to
/// an upgrading WebSocket. Lifecycle and long polls in socketio_polling.cpp, the client's packets in
/// socketio_polling_packets.cpp. Private to the net library (Asio in the interface).

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "actors/chat_service.hpp"
#include "actors/client_sink.hpp"
#include "metrics/node_metrics.hpp"
#include "net/api_types.hpp"
#include "net/connection_registry.hpp"
#include "net/session_registry.hpp"
#include "net/socketio_polling.hpp"
#include "net/socketio_upgrade.hpp"

namespace chat::net {

namespace polling_detail {

inline constexpr auto transport = metrics::transport::socketio;
inline constexpr std::chrono::milliseconds kPingTimeout{20000};

/// pingInterval: the keep-alive sweep's period, as for a WebSocket.
std::chrono::milliseconds ping_interval(const api_env& env);
/// A `text/plain` answer of the route.
api_response text(unsigned status, std::string body);
/// `42["T",D]` of an event frame `{"type":T,"data":D}` (empty when it has another shape).
std::string event_packet(const std::string& frame);

} // namespace polling_detail

/// One long-polling session (thread-safe).
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
      parked_->respond(polling_detail::text(200, "6"));
      parked_.reset();
    }
  }
  polling_handover hand_over() override;
  void resume() override {
    std::lock_guard lock{mutex_};
    paused_ = false;
    answer_locked();
  }
  void close(std::string_view reason);

  void close_when_idle() override { close("drain"); }
  void end_session() override {
    session_ended_.store(true, std::memory_order_release);
    push("4" + sio::encode_connect_error("unauthorized"), false);
    close("session_ended");
  }

private:
  class sink;
  actors::command_origin origin() const { return {user_id_, polling_detail::transport}; }
  actors::post_fn on_loop() {
    return [self = shared_from_this()](std::function<void()> fn) { boost::asio::post(self->ex_, std::move(fn)); };
  }
  void tick();
  void arm();
  /// Answers the parked GET with what waits (lock held); false when nothing does.
  bool answer_locked();
  void on_packet(std::string_view text);
  void on_socketio(std::string_view text);
  void on_chat_frame(std::string_view text);
  void send_event(std::string json) { push(polling_detail::event_packet(json), false); }

  api_env& env_;
  boost::asio::io_context::executor_type ex_;
  boost::asio::steady_timer timer_; ///< on ex_ only
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
    return s ? s->push(polling_detail::event_packet(*frame), false, &room, id) : actors::push_result::dropped;
  }
  void note_cursor(const std::string& room, std::int64_t id) override {
    if (auto s = s_.lock())
      s->note_cursor(room, id);
  }
  actors::push_result push_event(const actors::frame_ptr& frame) override {
    auto s = s_.lock();
    return s ? s->push(polling_detail::event_packet(*frame), true) : actors::push_result::dropped;
  }
  void close(actors::close_reason) override {
    if (auto s = s_.lock())
      s->close("server");
  }

private:
  std::weak_ptr<polling_session> s_;
};

} // namespace chat::net
