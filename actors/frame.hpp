#pragma once
/// Frames and room events: what actors pass around. A frame is serialized once per room event
/// and shared (by pointer) by every recipient's outbound queue: no per-recipient copies.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <caf/allowed_unsafe_message_type.hpp>

namespace chat::actors {

/// One serialized server event: `{"type":T,"data":D}`, shared read-only.
using frame_ptr = std::shared_ptr<const std::string>;

/// Makes a frame from a finished JSON text.
inline frame_ptr make_frame(std::string text) {
  return std::make_shared<const std::string>(std::move(text));
}

/// One chat message of a room, as the room actor orders and fans it out.
struct room_event {
  std::string room_id;
  std::int64_t id = 0;    ///< the message id (strictly increasing per room)
  std::int64_t prev = 0;  ///< id of the previous message in the room (the chain link; 0 = unknown)
  std::int64_t ts_ms = 0; ///< publisher's wall clock in ms (end-to-end latency); 0 = unknown
  frame_ptr frame;        ///< `{"type":"message","data":<message json>}`
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

/// Builds the `message` frame for a stored message JSON.
frame_ptr make_message_frame(const std::string& message_json);

} // namespace chat::actors

// Local-only message types: they never cross a process boundary (the cluster backplane is Redis).
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(chat::actors::room_event)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(chat::actors::frame_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(chat::actors::frame_batch_ptr)
