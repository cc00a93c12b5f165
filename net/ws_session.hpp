#pragma once
/// One WebSocket connection on `/ws` (docs/protocol.md §2): Beast's handshake, then the bare
/// socket speaking frames through ws_codec.hpp; its bounded write queue (one write in flight),
/// client frame handling, and the session actor it feeds from. Private to the net library.

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/buffer.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/websocket/stream.hpp>
#include "actors/session_shard.hpp"

#include "actors/frame.hpp"
#include "net/connection_registry.hpp"
#include "net/inbox.hpp"
#include "net/keepalive.hpp"
#include "net/loop_socket.hpp"
#include "net/queue_gate.hpp"
#include "net/api_env.hpp"
#include "net/stream_takeover.hpp"
#include "net/wake_queue.hpp"
#include "net/write_coalescer.hpp"
#include "net/ws_codec.hpp"
#include "net/ws_frames.hpp"
#include "storage/chat_store.hpp"

namespace chat::net {

/// Per-connection choices made at the handshake.
struct ws_options {
  /// `?batch=1`: several events may share one WebSocket message, separated by "\n"
  /// (docs/protocol.md §2.3). Fewer, larger writes when a connection receives a lot.
  bool batch = false;
};

class ws_session : public closable,
                   public deferred_writer,
                   public wakeable,
                   public keepalive_target,
                   public std::enable_shared_from_this<ws_session> {
public:
  ws_session(boost::beast::tcp_stream&& stream, api_env& env,
             std::shared_ptr<connection_registry> registry, storage::user user, ws_options opts);
  ~ws_session() override;

  ws_session(const ws_session&) = delete;
  ws_session& operator=(const ws_session&) = delete;

  /// Accepts the upgrade request and starts the session. `early`: bytes that came after the
  /// request in the same read (a client that did not wait for the 101); they are read first.
  void run(boost::beast::http::request<boost::beast::http::string_body> req, std::string early);

  /// Drain: closes with 1012 "service restart" (thread-safe).
  void close_when_idle() override;

  /// Queues a frame (thread-safe; the slot was reserved through the gate). `message` marks chat
  /// messages (counted in chatnode_messages_delivered_total when written). Frames from other
  /// threads collect in an inbox; one flush per burst moves them to the connection's loop.
  void enqueue(actors::frame_ptr frame, bool message = false);

  /// Closes with `code` and `reason` (thread-safe).
  void close_with(std::uint16_t code, std::string reason);

  /// The admission gate of the write queue.
  queue_gate& gate() noexcept { return gate_; }

  /// The coalescer's tick: write what collected in the inbox (thread-safe).
  void write_deferred() override;

  /// The wake_queue's drain (on an I/O thread): moves the inbox to the loop and writes; runs
  /// inline (the drain runs on the connection's loop).
  void wake() override;

  /// The loop's keep-alive sweep: pings a peer silent for two sweeps, closes one silent for four.
  void keepalive_sweep() override;

private:
  /// What the write in flight carries.
  enum class write_kind : std::uint8_t { data, control, close };

  void on_accept(boost::beast::error_code ec);
  void start_realtime();
  void arm_first_frame_timer();
  // Reading (ws_session_read.cpp): readiness, then non-blocking reads into the loop's buffer.
  void do_read();
  void on_readable(boost::beast::error_code ec);
  void read_available();
  /// Parses the frames in `data` (and the tail kept from before); false once reading stops.
  bool consume(char* data, std::size_t size);
  bool on_frame(const ws_read& r);
  void on_text(std::string_view text);
  /// A protocol violation: close with `code` (1002, 1007, 1009), then end the connection.
  void fail(std::uint16_t code, std::string_view why);
  // Client frames (ws_session.cpp).
  void handle_frame(client_frame f);
  void send_message(client_frame f);
  void follow_all(std::map<std::string, std::int64_t> resume);
  void join_room(std::string room_id);
  void resume(std::vector<std::pair<std::string, std::int64_t>> rooms);
  void send_error(std::string_view code, std::string_view message, std::string_view client_id);
  void send_event(std::string json);
  // Writing (ws_session_write.cpp).
  void on_inbox();
  /// At a pacing tick: too few events yet, and a later tick is still within max_wait (loop only).
  bool keeps_collecting();
  /// Starts the next write: a due pong or ping, the close frame, or queued events.
  void do_write();
  void write_control(write_kind kind);
  void write_data();
  void on_write(boost::beast::error_code ec, std::size_t bytes);
  void drop_queued();
  void release_idle_buffers();
  /// Starts the close handshake with `code` (loop only; the first close wins).
  void start_close(std::uint16_t code, std::string text, std::string label);
  /// Closes the TCP connection now and finishes.
  void teardown();
  /// The metric label of a connection that ends now.
  std::string_view end_reason() const noexcept;
  void finish(std::string_view reason);

  /// The bare socket, on its loop's executor (loop_socket.hpp). Keep-alive and the close
  /// handshake's bound are the loop's sweep (keepalive.hpp), so no timer is held per connection.
  loop_socket socket_;
  /// Its loop's executor, fixed for the connection's life: other threads dispatch through it while
  /// the socket itself moves in and out of the handshake stream.
  boost::asio::io_context::executor_type ex_;
  /// Beast's websocket stream exists only for the handshake; the socket is taken back after it.
  std::unique_ptr<boost::beast::websocket::stream<loop_socket, false>> handshake_;
  ws_reader reader_;
  /// The unread start of a frame that has not fully arrived (empty, and unallocated, otherwise).
  std::string rx_;
  /// The control frame in flight (pong, ping or close).
  std::string control_;
  std::string pong_payload_; ///< the payload of the latest ping, while its pong is due
  /// The header of the data frame in flight.
  std::array<char, kMaxFrameHeader> header_{};
  api_env& env_;
  std::shared_ptr<connection_registry> registry_;
  std::uint64_t registry_id_ = 0;
  std::string user_id_; ///< all a connection needs of its user
  queue_gate gate_;
  /// An outbound frame and whether it is a chat message.
  struct outbound {
    actors::frame_ptr frame;
    bool message = false;
  };
  inbox<outbound> inbox_;                    ///< frames from other threads, until the flush
  std::vector<outbound> queue_;              ///< waiting frames from queue_head_ on (loop only)
  std::size_t queue_head_ = 0;
  /// The write in flight: one frame as it is (shared, no copy), or a batch copied into
  /// batch_ (one buffer: a gather write of 2 buffers per event cost more in Beast's buffer
  /// iteration and in the kernel's iovec walk than the copy does).
  actors::frame_ptr single_;
  std::string batch_;
  std::uint32_t in_flight_events_ = 0;       ///< frames in the write in flight (still counted by the gate)
  std::uint32_t in_flight_messages_ = 0;     ///< chat messages among them
  ws_options opts_;
  wake_queue* waker_ = nullptr;              ///< its loop's (the loop outlives the connection)
  write_coalescer* coalescer_ = nullptr;     ///< its loop's, for batching connections when pacing is on
  keepalive_timer* keepalive_ = nullptr;     ///< its loop's; registered from the accept to finish()
  std::size_t keepalive_slot_ = 0;           ///< its place there (loop only)
  bool heard_ = false;                       ///< anything (data, ping, pong) came since the last sweep
  bool timed_out_ = false;                   ///< closed by the keep-alive: the peer went silent
  bool ping_due_ = false;                    ///< a keep-alive ping waits for the write in flight
  bool pong_due_ = false;                    ///< a pong (pong_payload_) waits for the write in flight
  std::uint8_t silent_sweeps_ = 0;           ///< sweeps in a row without hearing from the peer
  /// When the last write started (steady_clock ticks; read by enqueue on other threads).
  std::atomic<std::chrono::steady_clock::rep> last_write_{0};
  std::atomic<bool> busy_{false}; ///< the last two writes were less than the pacing interval apart
  bool paced_ = false;            ///< the next write is a pacing tick's (loop only)
  bool writing_ = false;
  write_kind in_flight_kind_ = write_kind::data;
  bool closing_ = false;          ///< a close frame is due or sent; data is no longer written
  bool close_sent_ = false;       ///< our close frame went out: nothing more is written
  bool peer_closed_ = false;      ///< the peer's close frame arrived: nothing more is read
  bool failing_ = false;          ///< a protocol violation: the TCP connection ends after our close
  bool finished_ = false;
  bool accepted_ = false;
  std::string close_reason_ = "client"; ///< metric label of why the server closed
  std::uint16_t close_code_ = 1000;
  std::string close_text_;
  actors::session_handle session_; ///< this connection's session (on one of the session shards)
  bool followed_ = false;                 ///< the user's rooms are followed
  /// Follows live if the client sends no first frame; exists only until the first frame or expiry.
  std::unique_ptr<boost::asio::steady_timer> follow_timer_;
};

/// The `/ws` transport for an authenticated user.
class ws_takeover : public stream_takeover {
public:
  ws_takeover(api_env& env, std::shared_ptr<connection_registry> registry, storage::user user,
              ws_options opts);
  void start(boost::beast::tcp_stream&& stream, boost::beast::flat_buffer buffer,
             boost::beast::http::request<boost::beast::http::string_body> req) override;

private:
  api_env& env_;
  std::shared_ptr<connection_registry> registry_;
  storage::user user_;
  ws_options opts_;
};

} // namespace chat::net
