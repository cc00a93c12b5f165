#pragma once
/// One Server-Sent Events stream on `/stream` (docs/protocol.md §2): the chunked response, its
/// bounded write queue (one write in flight), the resume cursor, keep-alive comments, and the
/// session actor feeding it. Private to the net library.

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/string_body.hpp>
#include "actors/session_shard.hpp"

#include "actors/frame.hpp"
#include "net/connection_registry.hpp"
#include "net/queue_gate.hpp"
#include "net/api_env.hpp"
#include "net/inbox.hpp"
#include "net/sse_cursor.hpp"
#include "net/wake_queue.hpp"
#include "net/stream_takeover.hpp"
#include "storage/chat_store.hpp"

namespace chat::net {

class sse_session : public closable, public wakeable, public std::enable_shared_from_this<sse_session> {
public:
  sse_session(boost::beast::tcp_stream&& stream, api_env& env,
              std::shared_ptr<connection_registry> registry, storage::user user, sse_cursor resume);
  ~sse_session() override;

  sse_session(const sse_session&) = delete;
  sse_session& operator=(const sse_session&) = delete;

  /// Writes the response head and starts streaming.
  void run(unsigned http_version);

  /// Drain: sends a `reconnect` event, then ends the stream (thread-safe).
  void close_when_idle() override;

  /// A chat message of `room_id` (slot reserved through the gate; thread-safe).
  void enqueue_message(std::string room_id, std::int64_t id, actors::frame_ptr frame);
  /// An ephemeral event (slot reserved through the gate; thread-safe).
  void enqueue_event(actors::frame_ptr frame);
  /// The cursor of `room_id` moved without a message (slot reserved; thread-safe).
  void enqueue_cursor(std::string room_id, std::int64_t id);
  /// Ends the stream, after a final `reconnect` event when `tell` is set (thread-safe).
  void end(std::string reason, bool tell);

  /// The admission gate of the write queue.
  queue_gate& gate() noexcept { return gate_; }

  /// The wake_queue's drain (on this connection's loop): applies what other threads queued.
  void wake() override;

private:
  /// One queued chunk: per-connection head bytes plus the shared event bytes.
  struct chunk {
    std::string head;
    actors::frame_ptr body; ///< may be null (comments, cursor-only frames)
    bool counted = true;    ///< holds a gate slot
    bool message = false;   ///< a chat message (counted as delivered once written)
  };

  /// What another thread handed over: a chat message (cursor moves, event written), an ephemeral
  /// event, or a cursor move alone. Applied on the loop in arrival order.
  struct inbound {
    enum class kind : unsigned char { message, event, cursor };
    kind what = kind::event;
    std::int64_t id = 0;
    std::string room_id;
    actors::frame_ptr frame;
  };

  void on_header(boost::beast::error_code ec, std::size_t bytes);
  void hand_over(inbound in);
  void on_inbox();
  void push(chunk c);
  void do_write();
  void on_write(boost::beast::error_code ec, std::size_t bytes);
  void close_stream();
  void watch_peer();
  void schedule_keepalive();
  void finish(std::string_view reason);

  boost::beast::tcp_stream stream_;
  api_env& env_;
  std::shared_ptr<connection_registry> registry_;
  std::uint64_t registry_id_ = 0;
  storage::user user_;
  sse_cursor cursor_;
  sse_cursor resume_;
  queue_gate gate_;
  wake_queue* waker_ = nullptr;  ///< its loop's (the loop outlives the connection)
  inbox<inbound> inbox_;          ///< what other threads handed over, until the loop takes it
  std::vector<inbound> applying_; ///< the inbox being applied (loop only; keeps its capacity)
  std::deque<chunk> queue_;                 ///< waiting chunks
  /// The write in flight: its events copied into one HTTP chunk body (one buffer: a gather
  /// write of three buffers per event cost more in Beast's buffer iteration than the copy).
  std::string batch_;
  std::uint32_t in_flight_events_ = 0;   ///< events in the write in flight
  std::uint32_t in_flight_counted_ = 0;  ///< of them, held by the gate until written
  std::uint32_t in_flight_messages_ = 0; ///< of them, chat messages
  boost::beast::http::response<boost::beast::http::empty_body> res_;
  boost::beast::http::response_serializer<boost::beast::http::empty_body> serializer_{res_};
  boost::asio::steady_timer keepalive_;
  char peer_byte_ = 0;
  bool started_ = false;
  bool writing_ = false;
  bool ending_ = false;
  bool finished_ = false;
  std::string end_reason_ = "client";
  actors::session_handle session_; ///< this connection's session (on one of the session shards)
};

/// The `/stream` transport for an authenticated user, resuming from `Last-Event-ID`.
class sse_takeover : public stream_takeover {
public:
  sse_takeover(api_env& env, std::shared_ptr<connection_registry> registry, storage::user user,
               sse_cursor resume);
  void start(boost::beast::tcp_stream&& stream, boost::beast::flat_buffer buffer,
             boost::beast::http::request<boost::beast::http::string_body> req) override;

private:
  api_env& env_;
  std::shared_ptr<connection_registry> registry_;
  storage::user user_;
  sse_cursor resume_;
};

} // namespace chat::net
