#pragma once
/// chat_service: the one command path. Every transport (WebSocket frames, HTTP requests) decodes a
/// client command and hands it here; the service validates it with one rule set, rate-limits,
/// authorizes, persists and publishes (through the store's script for the command's event kind),
/// hands the confirmed room event to the local room actor, and answers with one error type
/// (chat::error, common/error.hpp). Transports only map that answer to an `error` event or an
/// HTTP status.
///
/// One thread rule: every completion runs through the caller's `post_fn`, i.e. on the executor of
/// whoever asked (a connection's loop, an HTTP exchange's session), never on the Redis strand.
/// Thread-safe: methods may be called from any thread.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <variant>
#include <vector>

#include "actors/command_rules.hpp"
#include "actors/frame.hpp"
#include "actors/session_shard.hpp"
#include "metrics/node_metrics.hpp"

namespace chat::storage {
class chat_store;
enum class errc;
struct written_event;
}

namespace chat::actors {

class assistant;
class realtime;
class send_rate_limiter;

/// Who issues a command, and over which transport (the metrics label).
struct command_origin {
  std::string user_id;
  metrics::transport transport = metrics::transport::ws;
};

/// Runs a completion on the caller's executor.
using post_fn = std::function<void(std::function<void()>)>;

/// A chat message to send; with `parent_id`, a reply in that message's thread (issue #22); with
/// `attachments` or `location`, a message carrying files or a place (issue #24; its text may be blank).
struct send_command {
  std::string room_id;
  std::string text;
  std::string client_id;
  std::int64_t parent_id = 0; ///< the thread's parent (0: a top-level message)
  std::vector<std::string> attachments{};   ///< file ids the sender uploaded to the room (≤ 10)
  std::optional<message_location> location{}; ///< a place (command_rules.hpp)
};

/// An edit of an own message.
struct edit_command {
  std::string room_id;
  std::int64_t id = 0; ///< the message's id
  std::string text;
  std::string client_id;
};

/// A delete (own message, or any message for an admin).
struct delete_command {
  std::string room_id;
  std::int64_t id = 0; ///< the message's id
  std::string client_id;
};

/// A stop of an assistant reply that is streaming (issue #21): its end is written at once, with the
/// text so far and `"stopped":true` (`message.updated`).
struct stop_command {
  std::string room_id;
  std::int64_t id = 0; ///< the reply's message id
  std::string client_id;
};

/// A read marker (issue #22): the room is read up to position `id`. Answered with the read state; a
/// marker that moved is the room event `read` (a DM: both participants; a channel: the reader's own
/// connections).
struct read_command {
  std::string room_id;
  std::int64_t id = 0; ///< the position read up to (usually the newest message shown)
  std::string client_id;
};

/// A reaction set (`on`) or removed on a message (issue #22): `reaction` to the room, none when
/// nothing changes.
struct reaction_command {
  std::string room_id;
  std::int64_t id = 0; ///< the message's id
  std::string emoji;   ///< one emoji or a :short_name: (common/emoji.hpp)
  bool on = true;
  std::string client_id;
};

/// The most distinct emoji one message may carry.
inline constexpr std::size_t max_reactions_per_message = 20;

/// A client command that writes a room event: what every transport decodes into. A new kind adds
/// its command struct here and its alternative below; transports pass commands through execute().
using room_command =
  std::variant<send_command, edit_command, delete_command, stop_command, read_command, reaction_command>;

/// The room of any command.
const std::string& room_of(const room_command& cmd) noexcept;

/// The answer to a command that writes a room event.
struct command_result {
  std::error_code error;   ///< empty on success (chat::error otherwise)
  std::string message;     ///< human text of the error (more precise than the table's default)
  std::string client_id;   ///< echoed from the command
  std::string room_id;
  std::int64_t id = 0;     ///< the message the command was about (a new message: its id)
  std::int64_t seq = 0;    ///< the event's position in the room (a new message: its id)
  std::optional<std::int64_t> muted_until; ///< error::muted: the mute's end (unix ms; 0 = until lifted)
  std::string data;        ///< the event's data JSON (the message; the updated message; the deletion)
                           ///< (a read: the read state `{"roomId","lastRead","unread","mentions"}`)
};

using result_fn = std::function<void(command_result)>;

/// The `typing` signal of `user_id` in `room_id`: a lease (frame.hpp, room_signal) that the room
/// ends with `typing:false` after `limits.typing_ttl` without a renewal; a stop ends it at once.
room_signal typing_signal(const std::string& room_id, const std::string& user_id, bool typing,
                          const command_limits& limits);

/// The store's outcome as the node's error type (storage::errc::invalid is error::bad_request).
std::error_code from_store(storage::errc e) noexcept;
using status_fn = std::function<void(std::error_code, std::string message)>;

class chat_service {
public:
  chat_service(storage::chat_store& store, realtime* rt, send_rate_limiter& limiter,
               metrics::node_metrics& metrics, command_limits limits);

  ~chat_service();
  chat_service(const chat_service&) = delete;
  chat_service& operator=(const chat_service&) = delete;

  /// The limits (transports read frame-level bounds from here).
  const command_limits& limits() const noexcept { return limits_; }

  /// False (counted) while Redis is too far behind for a new message: a transport may ask before
  /// any other work (HTTP: before the session lookup).
  bool admit_message();

  /// Seconds until a rate-limited user may send again (`Retry-After`), at least 1.
  unsigned retry_after_seconds() const noexcept;

  // -- commands that write a room event ------------------------------------------------------------

  /// Carries out any room command (the one entry of the transports): the kind's own method below.
  void execute(const command_origin& who, room_command cmd, post_fn post, result_fn done);

  /// Sends a chat message (batched with others: storage send_message), or a thread reply: `message`
  /// with parentId, then the parent's `message.updated` with its new counters.
  void send(const command_origin& who, send_command cmd, post_fn post, result_fn done);
  /// Edits an own message: `message.updated` to the room.
  void edit(const command_origin& who, edit_command cmd, post_fn post, result_fn done);
  /// Deletes a message (author, or an admin): `message.deleted` to the room.
  void remove(const command_origin& who, delete_command cmd, post_fn post, result_fn done);
  /// Stops an assistant reply (a member of a DM; in other rooms who triggered it or an admin):
  /// `message.updated` with `"stopped":true` to the room; the node running it cancels its backend call.
  void stop_reply(const command_origin& who, stop_command cmd, post_fn post, result_fn done);
  /// Moves the caller's read marker of a room forward (members only; never back).
  void read(const command_origin& who, read_command cmd, post_fn post, result_fn done);

  /// Sets or removes the user's reaction on a message of a room they are a member of (idempotent: no
  /// event when nothing changes; then the result has seq 0).
  void react(const command_origin& who, reaction_command cmd, post_fn post, result_fn done);

  /// The node's assistant (issue #21; null: none). Set once before any traffic: a stored message
  /// that is a trigger (assistant::is_trigger) then starts a reply.
  void set_assistant(std::shared_ptr<assistant> a) { assistant_ = std::move(a); }

  // -- ephemeral and following ----------------------------------------------------------------------

  /// Typing start/stop in a room (the room actor checks the typist is a member connected here).
  void typing(const command_origin& who, const std::string& room_id, bool typing);

  /// Checks membership, then makes `session` follow `room_id` from `after` (< 0: its head).
  /// `done` (may be empty) runs on the caller's executor with the refusal, if any.
  void follow(const command_origin& who, const session_handle& session, std::string room_id,
              std::int64_t after, post_fn post, status_fn done);

  /// Follows every room of the user: rooms in `resume` after the given position, the others from
  /// their head as listed now (one read). With `release`, the session's initial hold ends right after.
  void follow_user_rooms(const std::string& user_id, const session_handle& session,
                         std::map<std::string, std::int64_t> resume = {}, bool release = false);

  /// Hands room events a store call outside the commands above wrote (a channel's `room.updated`)
  /// to the local room, in order (they are already published to the other nodes).
  void publish(const std::string& room_id, storage::written_event w);

  /// Checks that the user may read a room (HTTP history): error::not_found / error::forbidden.
  void check_member(const std::string& user_id, const std::string& room_id, post_fn post, status_fn done);

private:
  /// Validation and the rate limit shared by the writing commands: false (and `done` called
  /// through `post`) when refused.
  /// `read`: a read marker, limited by its own bucket (a reader must not spend the sender's budget).
  /// `media`: a message with attachments or a location (its text may be blank; they are checked too).
  bool admit(const command_origin& who, const std::string& room_id, const std::string& client_id,
             const std::string* text, const post_fn& post, const result_fn& done, bool read = false,
             const send_command* media = nullptr);

  storage::chat_store& store_;
  realtime* realtime_;
  send_rate_limiter& limiter_;
  std::unique_ptr<send_rate_limiter> read_limiter_; ///< read markers per user (60 per 10 s)
  metrics::node_metrics& metrics_;
  command_limits limits_;
  std::shared_ptr<assistant> assistant_;
};

} // namespace chat::actors
