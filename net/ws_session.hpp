#pragma once
/// One WebSocket connection on `/ws` (docs/protocol.md §2): Beast's handshake, then the bare
/// socket speaking frames through ws_codec.hpp; its outbound queue (outbound_queue.hpp: gate,
/// inbox, batches) with one write in flight, write pacing, keep-alive and control frames, the
/// close handshake (conn_state), client frame handling, and the session (on a session shard) it is
/// fed from. Private to the net library.
///
/// Threads: enqueue(), close_with(), close_when_idle(), end_session(), write_deferred() and wake()
/// may be called from any thread (they hand over to the connection's loop); everything else runs
/// on the loop.

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/buffer.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/websocket/stream.hpp>
#include "actors/chat_service.hpp"
#include "actors/frame.hpp"
#include "actors/session_shard.hpp"
#include "metrics/node_metrics.hpp"
#include "net/connection_registry.hpp"
#include "net/connection_slot.hpp"
#include "net/keepalive.hpp"
#include "net/loop_socket.hpp"
#include "net/api_env.hpp"
#include "net/outbound_queue.hpp"
#include "net/session_registry.hpp"
#include "net/socketio_upgrade.hpp"
#include "net/stream_takeover.hpp"
#include "net/wake_queue.hpp"
#include "net/write_coalescer.hpp"
#include "net/ws_codec.hpp"
#include "net/ws_frames.hpp"
#include "storage/chat_store.hpp"

namespace chat::net {

/// What a WebSocket connection speaks.
enum class ws_protocol : std::uint8_t {
  chat,     ///< `/ws` (docs/protocol.md §2): one JSON event per text frame (or per line, batch mode)
  socketio, ///< `/socket.io/` (docs/protocol.md §2.13): Engine.IO v4 packets carrying Socket.IO v5
};

/// Per-connection choices made at the handshake.
struct ws_options {
  /// `?batch=1`: several events may share one WebSocket message, separated by "\n"
  /// (docs/protocol.md §2.3). Fewer, larger writes when a connection receives a lot.
  bool batch = false;
  /// `?presence=watch`: presence only of the users the client names in `presence.watch` frames,
  /// nobody's until the first (docs/protocol.md §2.3).
  bool watch_presence = false;
  /// The dialect: `/ws` frames or Socket.IO packets (ws_session_socketio.cpp). Socket.IO
  /// connections never batch and hear everyone's presence (the tutorial client's events).
  ws_protocol protocol = ws_protocol::chat;
};

/// The metrics transport label of a connection with `opts` (`ws` or `socketio`).
metrics::transport transport_of(const ws_options& opts) noexcept;

class ws_session : public closable,
                   public revocable,
                   public deferred_writer,
                   public wakeable,
                   public keepalive_target,
                   private outbound_hooks,
                   public std::enable_shared_from_this<ws_session> {
public:
  /// `slot`: the user's connection slot (null: no limit), freed when the connection finishes.
  /// The connection registers in `env.registry`.
  ws_session(boost::beast::tcp_stream&& stream, api_env& env, storage::user user, ws_options opts,
             connection_slot_ptr slot = nullptr);
  ~ws_session() override;

  ws_session(const ws_session&) = delete;
  ws_session& operator=(const ws_session&) = delete;

  /// Socket.IO dialect: this WebSocket upgrades the long-polling session `from` (before run()): no
  /// open packet, events held until the client's upgrade packet `5`, then resumed after the
  /// positions the polling session delivered.
  void upgrade_from(std::shared_ptr<polling_upgrade> from) { rare().upgrading = std::move(from); }

  /// Accepts the upgrade request and starts the session. `early`: bytes that came after the
  /// request in the same read (a client that did not wait for the 101); they are read first.
  /// `session_id`: the SHA-256 of the session's token (session_registry).
  void run(boost::beast::http::request<boost::beast::http::string_body> req, std::string early,
           std::string session_id);

  /// Drain: closes with 1012 "service restart" (thread-safe).
  void close_when_idle() override;

  /// The session ended (logout, expiry; thread-safe): frames are refused from now on (error
  /// `unauthorized`), then the connection closes with 4002 "session ended".
  void end_session() override;

  /// Reserves a slot in the outbound queue (thread-safe): outbound_queue_base::admit().
  actors::push_result admit(bool droppable) noexcept { return queue_.admit(droppable); }

  /// Replay pacing (thread-safe): outbound_queue_base::replay_room() and wake_on_room().
  std::size_t replay_room() const noexcept { return queue_.replay_room(); }
  void wake_on_room(std::size_t want, std::function<void()> wake) { queue_.wake_on_room(want, std::move(wake)); }

  /// Queues a frame whose slot admit() reserved (thread-safe). `message` marks chat messages
  /// (counted in chatnode_messages_delivered_total when written). Frames from other threads
  /// collect in the queue's inbox; one flush per burst moves them to the connection's loop.
  void enqueue(actors::frame_ptr frame, bool message = false) { queue_.enqueue({std::move(frame), message}); }

  /// Closes with `code` and `reason` (thread-safe).
  void close_with(std::uint16_t code, std::string reason);

  /// The coalescer's tick: write what collected in the inbox (thread-safe).
  void write_deferred() override;

  /// The wake_queue's drain (on an I/O thread): moves the inbox to the loop and writes; runs
  /// inline (the drain runs on the connection's loop).
  void wake() override;

  /// The loop's keep-alive sweep: pings a peer silent for two sweeps, closes one silent for four.
  void keepalive_sweep() override;

private:
  /// Where the connection is in its life; enter() is the only place that changes it, and checks
  /// each change against this table:
  ///   handshake  -> open        the upgrade succeeded (a close chosen meanwhile starts right after)
  ///   handshake  -> finished    the upgrade failed
  ///   open       -> closing     we close (drain, kick, slow consumer): our close frame is due
  ///   open       -> ending      the peer's close came (ours answers it), or a protocol violation
  ///   closing    -> ending      the same while ours is still due
  ///   closing    -> close_sent  our close frame goes out
  ///   ending     -> finished    our close frame was written
  ///   close_sent -> finished    the peer's answer came (or a violation)
  ///   any        -> finished    a read or write error, the idle timeout, a close handshake that
  ///                             took two keep-alive sweeps
  /// Orthogonal to it: the write in flight (write_kind), the control frames due (pong_due_,
  /// ping_due_), the keep-alive count, and the close frame chosen (close_code_ != 0: the first
  /// close wins; chosen during the handshake, it goes out once the socket is ours).
  enum class conn_state : std::uint8_t {
    handshake,  ///< Beast's upgrade: the socket is in handshake_; we neither read nor write
    open,       ///< frames both ways
    closing,    ///< our close is due after the write in flight; no more data is written; the
                ///< peer's frames are read (data dropped) until its close comes
    ending,     ///< our close is due or in flight and is the last thing: the connection ends once
                ///< it is written; nothing more is read
    close_sent, ///< our close is out; we wait for the peer's (two keep-alive sweeps at most)
    finished,   ///< the TCP connection is closed
  };
  /// The write in flight (one at a time).
  enum class write_kind : std::uint8_t { none, data, control, close };
  /// An outbound frame and whether it is a chat message (outbound_queue's item).
  struct outbound {
    actors::frame_ptr frame;
    bool is_message = false;
    bool message() const noexcept { return is_message; }
    static constexpr bool counted() noexcept { return true; }
  };

  /// Moves to `next` (loop only): the one place the state changes; aborts on a change the table
  /// above does not have.
  void enter(conn_state next);
  /// A close frame is due, or out: data is no longer written.
  bool closing() const noexcept {
    return state_ == conn_state::closing || state_ == conn_state::ending || state_ == conn_state::close_sent;
  }

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
  /// A `/ws` client frame (the Socket.IO dialect maps its events onto these).
  void on_chat_frame(std::string_view text);
  // The Socket.IO dialect (ws_session_socketio.cpp).
  bool socketio() const noexcept { return opts_.protocol == ws_protocol::socketio; }
  metrics::transport transport() const noexcept { return transport_of(opts_); }
  /// The Engine.IO open packet, first thing after the upgrade.
  void socketio_open();
  /// One Engine.IO packet (a text frame).
  void on_engineio_text(std::string_view text);
  /// One Socket.IO packet (an Engine.IO message's data).
  void on_socketio_packet(std::string_view text);
  /// A malformed packet: counted, then the connection closes (what Socket.IO servers do).
  void socketio_fail(std::string_view why);
  /// Queues an Engine.IO packet of the connection's own (open, pong, CONNECT answers); it goes
  /// out before queued events, after the write in flight.
  void queue_engineio(std::string_view packet);
  /// A queued event `{"type":T,"data":D}` as the Engine.IO message `42["T",D]`, around D's shared bytes.
  static outbound_parts render_socketio(const std::string& frame);
  /// A protocol violation: close with `code` (1002, 1007, 1009), then end the connection.
  void fail(std::uint16_t code, std::string_view why);
  // Client frames (ws_session.cpp).
  void handle_frame(client_frame f);
  /// Runs a command's completion on this connection's loop (chat_service's one-thread rule).
  actors::post_fn on_loop();
  actors::command_origin origin() const;
  /// The answer to a command: `ack` or `error`.
  void answer(const actors::command_result& r);
  void follow_all(std::map<std::string, std::int64_t> resume);
  /// `room.join` (after < 0) or one room of a `resume`: membership checked, then followed.
  void follow_room(std::string room_id, std::int64_t after);
  /// `presence.watch` (or `?presence=watch` at the start, with no users): the connection's watch set.
  /// `answer`: the client asked (a `presence` event follows even when nobody was added). `sink`:
  /// the one the session has (null: a new one; the presence actor keeps the first it got).
  void watch_presence(std::vector<std::string> users, std::string client_id, bool answer,
                      std::shared_ptr<actors::client_sink> sink = nullptr);
  void send_error(std::error_code ec, std::string_view message, std::string_view client_id);
  void send_event(std::string json);
  // Writing (ws_session_write.cpp).
  /// outbound_hooks: the first frame of a burst (any thread): a wake-up through the loop's
  /// wake_queue, or, for a busy paced connection, the coalescer's next tick.
  void flush_wanted() override;
  void on_inbox();
  /// At a pacing tick: too few events yet, and a later tick is still within max_wait (loop only).
  bool keeps_collecting();
  /// Starts the next write: a due pong or ping, the close frame, or queued events.
  void do_write();
  void write_control(write_kind kind);
  void write_data();
  void on_write(boost::beast::error_code ec, std::size_t bytes);
  void release_idle_buffers();
  /// Chooses the close (code, text, metric label; the first close wins) and starts it (loop only).
  /// `last`: the connection ends once our close frame is written (the peer's close came, or a
  /// protocol violation) instead of waiting for the peer's answer.
  /// `label` is a string literal.
  void start_close(std::uint16_t code, std::string text, std::string_view label, bool last);
  /// open or closing -> closing or ending: data is dropped, the close frame goes out next.
  void begin_close(bool last);
  /// Closes the TCP connection now and finishes.
  void teardown();
  /// The metric label of a connection that ends now.
  std::string_view end_reason() const noexcept;
  void finish(std::string_view reason);

  /// What a connection needs only now and then: Beast's stream during the handshake, the timer
  /// until the first frame, a frame that arrived in parts, a control frame to write, a close
  /// chosen. Allocated when first needed and released once none of it is (release_rare()), so
  /// that an idle connection carries 8 bytes for it instead of about 170.
  struct rare_state {
    /// Beast's websocket stream exists only for the handshake; the socket is taken back after it.
    std::unique_ptr<boost::beast::websocket::stream<loop_socket, false>> handshake;
    /// Follows live if the client sends no first frame; exists only until the first frame or expiry.
    std::unique_ptr<boost::asio::steady_timer> follow_timer;
    /// The unread start of a frame that has not fully arrived (or the bytes that came with the
    /// upgrade request, until the handshake is done).
    std::string rx;
    std::string control;      ///< the control frame in flight (pong, ping or close)
    std::string pong_payload; ///< the payload of the latest ping, while its pong is due
    std::string close_text;   ///< the close frame's reason text, once a close is chosen
    std::string_view close_reason; ///< its metric label (a string literal), once a close is chosen
    std::string engineio;     ///< Socket.IO dialect: Engine.IO packets due (framed), before events
    std::shared_ptr<polling_upgrade> upgrading; ///< Socket.IO dialect: the polling session upgraded, until `5`
  };
  /// rare_, allocated if it is not (loop only).
  rare_state& rare();
  /// Frees rare_ when nothing in it is needed any more: no handshake, no first-frame timer, no
  /// partial frame, no control frame due or in flight, no close chosen (loop only).
  void release_rare() noexcept;
  /// Its loop's coalescer when pacing is on (null otherwise): busy connections, batching or not,
  /// collect events between ticks and write them in one go.
  write_coalescer* coalescer() const noexcept { return loop_->coalescer.get(); }

  /// The bare socket, on its loop's executor (loop_socket.hpp). Keep-alive and the close
  /// handshake's bound are the loop's sweep (keepalive.hpp), so no timer is held per connection.
  loop_socket socket_;
  /// Its loop's executor, fixed for the connection's life: other threads dispatch through it while
  /// the socket itself moves in and out of the handshake stream.
  boost::asio::io_context::executor_type ex_;
  ws_reader reader_;
  std::unique_ptr<rare_state> rare_; ///< null while idle (see rare_state)
  api_env& env_;
  std::uint64_t registry_id_ = 0; ///< its place in env_.registry
  connection_slot_ptr slot_; ///< freed in finish()
  std::string user_id_; ///< all a connection needs of its user
  session_ticket session_ticket_;          ///< its place among the node's connections by session
  /// Gate, inbox, the loop's queue and the batch of the write in flight (outbound_queue.hpp).
  outbound_queue<outbound> queue_;
  /// Its loop's waker, pacing coalescer and keep-alive timer (the loop outlives the connection).
  api_env::loop_services* loop_ = nullptr;
  std::size_t keepalive_slot_ = 0;           ///< its place there (loop only)
  /// When the last write started (steady_clock ticks; read by flush_wanted on other threads).
  std::atomic<std::chrono::steady_clock::rep> last_write_{0};
  actors::session_handle session_; ///< this connection's session (on one of the session shards)
  // The small members together (no padding between them): 24 bytes.
  /// The header of the data frame in flight.
  std::array<char, kMaxFrameHeader> header_{};
  std::uint16_t close_code_ = 0;           ///< the close frame's code once a close is chosen (0: none yet)
  std::atomic<bool> session_ended_{false}; ///< end_session() was called: frames are refused
  ws_options opts_;
  bool heard_ = false;                     ///< anything (data, ping, pong) came since the last sweep
  bool ping_due_ = false;                  ///< a keep-alive ping waits for the write in flight
  bool pong_due_ = false;                  ///< a pong (rare_->pong_payload) waits for the write in flight
  std::uint8_t silent_sweeps_ = 0;         ///< sweeps in a row without hearing from the peer
  std::atomic<bool> busy_{false}; ///< the last two writes were less than the pacing interval apart
  bool paced_ = false;            ///< the next write is a pacing tick's (loop only)
  conn_state state_ = conn_state::handshake;
  write_kind in_flight_ = write_kind::none;
  bool followed_ = false;         ///< the user's rooms are followed
  bool sio_connected_ = false;    ///< Socket.IO dialect: the client's CONNECT was answered
};

/// The `/ws` transport for an authenticated user.
class ws_takeover : public stream_takeover {
public:
  ws_takeover(api_env& env, storage::user user, std::string session_id, ws_options opts,
              connection_slot_ptr slot, std::shared_ptr<polling_upgrade> upgrade = nullptr);
  void start(boost::beast::tcp_stream&& stream, boost::beast::flat_buffer buffer,
             boost::beast::http::request<boost::beast::http::string_body> req) override;

private:
  api_env& env_;
  storage::user user_;
  std::string session_id_;
  ws_options opts_;
  connection_slot_ptr slot_;
  std::shared_ptr<polling_upgrade> upgrade_; ///< Socket.IO: the polling session this WebSocket upgrades
};

} // namespace chat::net
