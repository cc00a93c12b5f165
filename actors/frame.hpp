#pragma once
/// Frames and room events: what actors pass around. A frame is serialized once per room event
/// and shared (by pointer) by every recipient's outbound queue: no per-recipient copies.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <caf/allowed_unsafe_message_type.hpp>

namespace chat::actors {

/// One serialized server event: `{"type":T,"data":D}`, shared read-only.
using frame_ptr = std::shared_ptr<const std::string>;

/// Makes a frame from a finished JSON text.
inline frame_ptr make_frame(std::string text) {
  return std::make_shared<const std::string>(std::move(text));
}

/// One positioned event of a room (a chat message, an edit, a delete, ...), as the room actor
/// orders and fans it out. The pipeline (room actor, session shards, sinks, transports) never looks
/// at the kind: it moves positions and a finished frame.
struct room_event {
  std::string room_id;
  std::int64_t id = 0;    ///< its position in the room's id sequence (a message: its id)
  std::int64_t prev = 0;  ///< the position before it in the room (the chain link; 0 = unknown)
  std::int64_t ts_ms = 0; ///< publisher's wall clock in ms (end-to-end latency); 0 = unknown
  frame_ptr frame;        ///< the client frame `{"type":T,"data":D}`
  std::string audience;   ///< the only user whose connections get it ("" = every member; a channel's read marker)
};

/// A signal: an ephemeral event of a room member (typing, and any later kind that is shown live but
/// never stored or replayed). Its frame `{"type":kind,"data":data}` goes to the room's local followers
/// except the member's own connections, and to the other nodes. With `end_data`, it is a **lease**:
/// a state of the member that lasts `ttl` unless renewed (repeats within `throttle` only renew it),
/// and whose end, by `end` or expiry, sends `{"type":kind,"data":end_data}` once. The room actor
/// keeps leases generically, by (kind, member): a new kind needs no actor code.
struct room_signal {
  std::string room_id;
  std::string user_id;   ///< the member (a connection of theirs must be in the room on this node)
  std::string kind;      ///< the event type, also the lease's name (e.g. "typing")
  std::string data;      ///< data JSON of the signal
  std::string end_data;  ///< data JSON sent when the lease ends; empty: a one-off signal
  bool end = false;      ///< ends the member's lease of `kind` now (sends end_data if it was active)
  std::chrono::milliseconds ttl{0};      ///< a lease without renewal ends after this
  std::chrono::milliseconds throttle{0}; ///< a renewal within this after the last send is not re-sent
};

/// What a user event does to the recipients' connections besides delivering its frame.
enum class user_action {
  deliver,    ///< only the frame
  follow,     ///< follow `room_id` from `after` first (show.room, room.joined)
  unfollow,   ///< stop following `room_id` (room.left)
  disconnect, ///< close the connections (WebSocket 4001, SSE end); no frame (an admin disconnect)
  ban,        ///< close the connections (WebSocket 4003, SSE `banned`); no frame (a ban, issue #23)
};

/// Stable name of an action (the `action` of a user-event envelope).
const char* to_string(user_action a) noexcept;
/// The action named `name`; for an envelope of an older node without one, the action its `type`
/// implied (room.left: unfollow, user.kick: disconnect, other room changes: follow).
user_action parse_user_action(std::string_view name, std::string_view type) noexcept;

/// An event for some users' connections on every node (user events travel on `chat:user-events`).
struct user_event {
  std::vector<std::string> users;
  std::string type;     ///< the client event type
  std::string room_id;  ///< the room followed / unfollowed (empty when none)
  std::string data;     ///< data JSON of the client event
  std::int64_t after = -1; ///< follow: start after this position (0: a new room; -1: its head then)
  user_action action = user_action::deliver;
};

/// Several ephemeral frames broadcast together (coalesced presence): each frame on its own for
/// connections that take one event per WebSocket message, and `joined` ("\n" between frames) for
/// batching connections, which then cost one queue slot and one write for the whole batch.
struct frame_batch {
  std::vector<frame_ptr> frames;
  frame_ptr joined;
};

using frame_batch_ptr = std::shared_ptr<const frame_batch>;

/// Builds a batch (joins the frames once; a single frame is its own `joined`).
frame_batch_ptr make_frame_batch(std::vector<frame_ptr> frames);

/// A user's presence as a `presence` snapshot lists it (presence.watch).
struct presence_row {
  std::string id;
  std::string username;
  bool online = false;
};

/// Builds the `message` frame for a stored message JSON.
frame_ptr make_message_frame(const std::string& message_json);

} // namespace chat::actors

// Local-only message types: they never cross a process boundary (the cluster backplane is Redis).
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(chat::actors::room_event)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(chat::actors::room_signal)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(chat::actors::frame_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(chat::actors::frame_batch_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<chat::actors::presence_row>)
