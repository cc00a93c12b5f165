#pragma once
/// The boundary between a session (kept by a session shard actor) and its connection (a WebSocket or
/// SSE session in net/). Implementations are thread-safe: called on CAF workers, they reserve a slot
/// in the connection's bounded outbound queue and hand the frame to its inbox; the connection's own
/// loop writes it (one wake-up per burst).

#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <string>

#include <caf/allowed_unsafe_message_type.hpp>

#include "actors/frame.hpp"

namespace chat::actors {

/// Why the server closes a client connection.
enum class close_reason { slow_consumer, drain, shutdown, kicked, session_ended, banned };

/// Outcome of handing a frame to a connection.
enum class push_result {
  queued,  ///< accepted into the outbound queue
  dropped, ///< an ephemeral frame was dropped because the queue is filling up (counted)
  full,    ///< the queue is full: a chat message cannot be queued; the connection must be cut
};

class client_sink {
public:
  virtual ~client_sink() = default;

  /// Queues a positioned room event (a message, an edit, a delete, ...) of `room_id` at position `id`
  /// (SSE uses both for its `id:` cursor). A full queue answers `full`: the session cuts the
  /// connection (the client resumes from its cursor).
  virtual push_result push_message(const std::string& room_id, std::int64_t id,
                                   const frame_ptr& frame) = 0;

  /// Queues an ephemeral frame (signals such as typing, presence, user events); may drop it under
  /// pressure.
  virtual push_result push_event(const frame_ptr& frame) = 0;

  /// Queues a batch of ephemeral frames (coalesced presence). By default each frame on its own;
  /// a connection that takes several events per message queues `batch.joined` instead.
  virtual void push_events(const frame_batch& batch) {
    for (auto& f : batch.frames)
      if (push_event(f) != push_result::queued)
        return;
  }

  /// The connection's position in `room_id` is now `id` without a message being sent (the start of
  /// a follow). SSE records it in its `id:` cursor; WebSocket clients track ids themselves.
  virtual void note_cursor(const std::string& room_id, std::int64_t id) {
    (void)room_id;
    (void)id;
  }

  /// Room for positioned events that a replay (a catch-up from storage) may queue now: the free
  /// slots below the connection's replay budget (part of its outbound queue, so that live events
  /// and ephemeral frames keep room beside a catch-up). Any thread. Unbounded by default.
  virtual std::size_t replay_room() const { return std::numeric_limits<std::size_t>::max(); }

  /// Calls `wake` once, from any thread, as soon as replay_room() is at least `want` (clamped to
  /// the budget; at once when it already is). One wait at a time per sink: the caller asks again
  /// only after `wake` ran. A connection that ends never calls it.
  virtual void wake_on_room(std::size_t want, std::function<void()> wake) {
    (void)want;
    wake();
  }

  /// Closes the connection (WS close code / final SSE event chosen from `reason`).
  virtual void close(close_reason reason) = 0;
};

} // namespace chat::actors

// Local-only: a connection's sink, handed to its session shard and (weakly) to presence.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::shared_ptr<chat::actors::client_sink>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::weak_ptr<chat::actors::client_sink>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(chat::actors::close_reason)
