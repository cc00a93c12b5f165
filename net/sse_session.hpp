#pragma once
/// One Server-Sent Events stream on `/stream` (docs/protocol.md §2): the chunked response, its
/// outbound queue (outbound_queue.hpp: gate, inbox, batches) with one write in flight, the resume
/// cursor carried in `id:` lines, keep-alive comments, the end of the stream (conn_state), and the
/// session (on a session shard) it is fed from. Private to the net library.
///
/// Threads: admit(), the enqueue_*() calls, end(), close_when_idle(), end_session() and wake() may
/// be called from any thread (they hand over to the connection's loop); everything else runs on
/// the loop.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

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
#include "net/connection_slot.hpp"
#include "net/api_env.hpp"
#include "net/outbound_queue.hpp"
#include "net/session_registry.hpp"
#include "net/sse_cursor.hpp"
#include "net/wake_queue.hpp"
#include "net/stream_takeover.hpp"
#include "storage/chat_store.hpp"

namespace chat::net {

class sse_session : public closable,
                    public revocable,
                    public wakeable,
                    private outbound_hooks,
                    public std::enable_shared_from_this<sse_session> {
public:
  /// `slot`: the user's connection slot (null: no limit), freed when the stream finishes.
  sse_session(boost::beast::tcp_stream&& stream, api_env& env,
              std::shared_ptr<connection_registry> registry, storage::user user, sse_cursor resume,
              connection_slot_ptr slot = nullptr);
  ~sse_session() override;

  sse_session(const sse_session&) = delete;
  sse_session& operator=(const sse_session&) = delete;

  /// Writes the response head and starts streaming. `session_id`: the SHA-256 of the session's
  /// token (session_registry).
  void run(unsigned http_version, std::string session_id);

  /// Drain: sends a `reconnect` event, then ends the stream (thread-safe).
  void close_when_idle() override;

  /// The session ended (logout, expiry; thread-safe): a final `session.ended` event, then the
  /// stream ends.
  void end_session() override;

  /// Reserves a slot in the outbound queue (thread-safe): outbound_queue_base::admit().
  actors::push_result admit(bool droppable) noexcept { return queue_.admit(droppable); }

  /// Replay pacing (thread-safe): outbound_queue_base::replay_room() and wake_on_room().
  std::size_t replay_room() const noexcept { return queue_.replay_room(); }
  void wake_on_room(std::size_t want, std::function<void()> wake) { queue_.wake_on_room(want, std::move(wake)); }

  /// A chat message of `room_id` (slot reserved through admit(); thread-safe).
  void enqueue_message(std::string room_id, std::int64_t id, actors::frame_ptr frame);
  /// An ephemeral event (slot reserved through admit(); thread-safe).
  void enqueue_event(actors::frame_ptr frame);
  /// The cursor of `room_id` moved without a message (slot reserved; thread-safe).
  void enqueue_cursor(std::string room_id, std::int64_t id);
  /// Ends the stream, after the final event `last` (`reconnect`, `session.ended`) when there is
  /// one (thread-safe).
  void end(std::string reason, actors::frame_ptr last);

  /// The wake_queue's drain (on this connection's loop): writes what other threads queued.
  void wake() override;

private:
  /// Where the stream is in its life; enter() is the only place that changes it, and checks each
  /// change against this table:
  ///   head       -> open        the response head was written
  ///   head       -> finished    it failed, or the stream was ended before it was out
  ///   open       -> closing     end(): what waits (the `reconnect` event, when told) is written first
  ///   closing    -> close_sent  nothing waits any more: the last chunk goes out
  ///   close_sent -> finished    the last chunk was written
  ///   any        -> finished    the peer went away, a write failed
  /// Orthogonal to it: the data write in flight (outbound_queue_base::in_flight()).
  enum class conn_state : std::uint8_t {
    head,       ///< the response head is being written; events are dropped
    open,       ///< events stream
    closing,    ///< the stream ends once the write in flight and what waits are written; new
                ///< events are dropped
    close_sent, ///< the last chunk is in flight; then the socket closes
    finished,   ///< the socket is closed
  };

  /// What the stream writes, in order (the outbound_queue's item): a chat message (the cursor
  /// moves, an `id:` line and the event), an ephemeral event, a cursor move alone, or bytes of the
  /// stream's own (the `ready` event, keep-alive comments, the `reconnect` event; not gated).
  struct outbound {
    enum class kind : unsigned char { message, event, cursor, local };
    kind what = kind::event;
    std::int64_t id = 0;
    std::string room_id;
    actors::frame_ptr frame; ///< null for a cursor move
    bool message() const noexcept { return what == kind::message; }
    bool counted() const noexcept { return what != kind::local; }
  };

  /// Moves to `next` (loop only): the one place the state changes; aborts on a change the table
  /// above does not have.
  void enter(conn_state next);
  /// end() was called: the stream is ending.
  bool ending() const noexcept { return state_ == conn_state::closing || state_ == conn_state::close_sent; }
  /// A data write is in flight.
  bool writing() const noexcept { return queue_.in_flight() != 0; }

  void on_header(boost::beast::error_code ec, std::size_t bytes);
  /// outbound_hooks: the first item of a burst (any thread): a wake-up through the loop's wake_queue.
  void flush_wanted() override;
  void on_inbox();
  /// Queues bytes of the stream's own and writes (loop only).
  void push_local(const actors::frame_ptr& text);
  /// How `o` goes into the next HTTP chunk (moves the cursor of a message or cursor item).
  outbound_parts render(outbound& o);
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
  connection_slot_ptr slot_; ///< freed in finish()
  storage::user user_;
  sse_cursor cursor_;  ///< the position of every room written so far (loop only)
  sse_cursor resume_;
  std::string id_line_; ///< the `id:` line render() built last (loop only)
  wake_queue* waker_ = nullptr; ///< its loop's (the loop outlives the connection)
  /// Gate, inbox, the loop's queue and the batch of the write in flight (outbound_queue.hpp):
  /// every waiting event (up to a bound) goes out as one HTTP chunk.
  outbound_queue<outbound> queue_;
  boost::beast::http::response<boost::beast::http::empty_body> res_;
  boost::beast::http::response_serializer<boost::beast::http::empty_body> serializer_{res_};
  boost::asio::steady_timer keepalive_;
  char peer_byte_ = 0;
  conn_state state_ = conn_state::head;
  std::string end_reason_ = "client"; ///< metric label once the stream is ending
  actors::session_handle session_; ///< this connection's session (on one of the session shards)
  session_ticket session_ticket_;  ///< its place among the node's connections by session
};

/// The `/stream` transport for an authenticated user, resuming from `Last-Event-ID`.
class sse_takeover : public stream_takeover {
public:
  sse_takeover(api_env& env, std::shared_ptr<connection_registry> registry, storage::user user,
               std::string session_id, sse_cursor resume, connection_slot_ptr slot);
  void start(boost::beast::tcp_stream&& stream, boost::beast::flat_buffer buffer,
             boost::beast::http::request<boost::beast::http::string_body> req) override;

private:
  api_env& env_;
  std::shared_ptr<connection_registry> registry_;
  storage::user user_;
  std::string session_id_;
  sse_cursor resume_;
  connection_slot_ptr slot_;
};

} // namespace chat::net
