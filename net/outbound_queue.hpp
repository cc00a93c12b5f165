#pragma once
/// One connection's outbound queue, shared by the WebSocket and SSE sessions (ws_session,
/// sse_session): the admission gate (queue_gate.hpp), the inbox other threads fill (inbox.hpp),
/// the queue on the connection's loop, the assembly of the next write (one item as it is, or a
/// batch copied into one buffer), the release of what a burst grew once the queue runs dry, and
/// the written / delivered metrics. Beast-free: the session keeps its socket, its framing (ws_codec
/// header, SSE lines and HTTP chunks), its one write in flight and its close state.
///
/// The flow: a sink admits a frame (a gate slot) and enqueues it. The first item of a burst calls
/// the session's outbound_hooks::flush_wanted(), which gets flush() run on the connection's loop
/// (through its loop's wake_queue, or at a pacing tick); later items ride along with that flush.
/// flush() moves the inbox into the loop's queue (a swap: no allocation in steady state); the
/// session then starts its write with take_one() or take_batch() and reports it with written().
///
/// Threads: admit(), enqueue() and depth() from any thread (the gate's atomic, the inbox's mutex:
/// nothing else per item); every other member only on the connection's loop.
///
/// `Item` (the session's) is movable and default-constructible, and has
///   * `actors::frame_ptr frame`: the shared bytes (may be null where the session's render
///     does not need them),
///   * `bool message() const`: a chat message (counted in chatnode_messages_delivered_total once
///     written),
///   * `bool counted() const`: it holds a gate slot. Items enqueue()d always do (their slot was
///     admitted); push_local() items (the connection's own, e.g. SSE keep-alives) never do.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "actors/client_sink.hpp"
#include "actors/frame.hpp"
#include "net/inbox.hpp"
#include "net/queue_gate.hpp"

namespace chat::metrics {
class node_metrics;
enum class transport;
} // namespace chat::metrics

namespace chat::net {

/// What the session implements for its outbound_queue.
class outbound_hooks {
public:
  /// Any thread, once per burst: the first item since the last flush() arrived. The session gets
  /// flush() run on its loop: through the loop's wake_queue, or at a pacing tick (the pacing hook:
  /// a busy WebSocket connection defers to its loop's write_coalescer here).
  virtual void flush_wanted() = 0;

protected:
  ~outbound_hooks() = default;
};

/// One item as the next write renders it: the connection's own bytes, the shared bytes, a tail.
struct outbound_parts {
  std::string_view head;
  std::string_view body;
  std::string_view tail;

  std::size_t size() const noexcept { return head.size() + body.size() + tail.size(); }
};

/// The half of outbound_queue that does not depend on the item type (outbound_queue.cpp).
class outbound_queue_base {
public:
  /// Queue slots an idle connection keeps (loop-side vector).
  static constexpr std::size_t kKeepCapacity = 16;
  /// Batch buffer a busy connection keeps between writes.
  static constexpr std::size_t kKeepBatchBytes = 16 * 1024;

  outbound_queue_base(const outbound_queue_base&) = delete;
  outbound_queue_base& operator=(const outbound_queue_base&) = delete;

  /// Reserves a slot for a chat message (`droppable == false`) or an ephemeral frame (any thread):
  /// ephemeral frames are dropped at half full, a chat message that does not fit is refused
  /// (`full`: the connection must be cut).
  actors::push_result admit(bool droppable) noexcept { return gate_.admit(droppable); }

  /// Items admitted and not yet written or dropped (any thread).
  std::size_t depth() const noexcept { return gate_.depth(); }

  /// Free slots below the replay budget (any thread): a catch-up from storage fills at most
  /// half the queue, below the level where ephemeral frames are dropped, and leaves the other half
  /// to live events (client_sink::replay_room()).
  std::size_t replay_room() const noexcept {
    const auto d = depth();
    return d >= replay_budget() ? 0 : replay_budget() - d;
  }

  /// Calls `wake` once when replay_room() reaches `want` (clamped to the budget): at once from
  /// this thread when it already has, else from the loop when a write completes (any thread; one
  /// wait at a time, client_sink::wake_on_room()).
  void wake_on_room(std::size_t want, std::function<void()> wake);

  /// Items in the write in flight (loop).
  std::uint32_t in_flight() const noexcept { return in_flight_events_; }

  /// The write in flight completed (loop): its slots are returned, its shared frame and its
  /// batch are no longer needed, and when `ok` it is counted (socket writes, events written,
  /// chat messages delivered).
  void written(bool ok);

protected:
  outbound_queue_base(std::size_t max_frames, metrics::node_metrics& metrics, metrics::transport transport);
  ~outbound_queue_base() = default;

  /// Counts an item into the write in flight.
  void carry(bool message, bool counted) noexcept {
    ++in_flight_events_;
    in_flight_counted_ += counted ? 1 : 0;
    in_flight_messages_ += message ? 1 : 0;
  }
  /// Frees the batch buffer once the queue ran dry (a busy connection keeps a moderate one).
  void release_batch(bool busy);

  std::size_t replay_budget() const noexcept { return gate_.max() / 2; }

  /// Runs the room waiter when its room is there; the caller that swaps room_want_ to 0 owns it.
  void wake_if_room();

  queue_gate gate_;
  /// The write in flight: one frame as it is (shared, no copy), or a batch copied into batch_
  /// (one buffer: a gather write of 2 or 3 buffers per event cost more in Beast's buffer
  /// iteration and in the kernel's iovec walk than the copy does: docs/benchmarks.md, session 5).
  actors::frame_ptr single_;
  /// Allocated by the first batch, freed with release_batch() when idle (8 bytes while none).
  std::unique_ptr<std::string> batch_;

private:
  metrics::node_metrics& metrics_;
  metrics::transport transport_;
  std::uint32_t in_flight_events_ = 0;   ///< items in the write in flight
  std::uint32_t in_flight_counted_ = 0;  ///< of them, holding a gate slot
  std::uint32_t in_flight_messages_ = 0; ///< of them, chat messages
  /// The room a waiter wants (0: nobody waits). Written with release after room_waker_, swapped to
  /// 0 by whoever runs the waiter (it then owns room_waker_ until the next wake_on_room()).
  std::atomic<std::size_t> room_want_{0};
  /// Allocated by wake_on_room() (a replay waiting for room is rare; an idle connection holds 8
  /// bytes here instead of a std::function's 32).
  std::unique_ptr<std::function<void()>> room_waker_;
};

template <class Item>
class outbound_queue : public outbound_queue_base {
public:
  outbound_queue(std::size_t max_frames, outbound_hooks& hooks, metrics::node_metrics& metrics,
                 metrics::transport transport)
    : outbound_queue_base(max_frames, metrics, transport), hooks_(hooks) {}

  // -- any thread ------------------------------------------------------------------------------

  /// Queues `item`, whose slot admit() reserved. The first item of a burst calls
  /// hooks.flush_wanted(); later ones ride along with that flush.
  void enqueue(Item&& item) {
    if (inbox_.put(std::move(item)))
      hooks_.flush_wanted();
  }

  // -- the connection's loop -------------------------------------------------------------------

  /// Moves what other threads queued into the loop's queue. `keep == false` (the connection
  /// writes no more data: not open yet, or closing): everything waiting is dropped instead.
  /// True when items wait to be written.
  bool flush(bool keep) {
    if (head_ == queue_.size()) { // the usual case: the inbox is swapped in (no allocation)
      queue_.clear();
      head_ = 0;
    } else if (head_ >= kKeepCapacity && head_ * 2 >= queue_.size()) {
      // Still writing what came before: drop the written prefix first (amortised O(1)), so that a
      // connection that never quite drains does not grow the vector without bound.
      queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(head_));
      head_ = 0;
    }
    inbox_.take(queue_);
    if (!keep)
      drop_waiting();
    return head_ != queue_.size();
  }

  /// Queues an item of the connection's own, behind what waits; not gated (`counted()` false).
  void push_local(Item&& item) { queue_.push_back(std::move(item)); }

  /// Items in the loop's queue, not yet taken into a write.
  std::size_t waiting() const noexcept { return queue_.size() - head_; }

  /// Items waiting anywhere: in the inbox and in the loop's queue (takes the inbox's lock).
  std::size_t pending() { return inbox_.size() + waiting(); }

  /// The next write is the next item as it is (an item waits; no write in flight): returns its
  /// frame, held until written().
  const std::string& take_one() {
    auto& next = queue_[head_++];
    carry(next.message(), next.counted());
    single_ = std::move(next.frame);
    compact();
    return *single_;
  }

  /// The next write is a batch (an item waits; no write in flight): up to `max_frames` items,
  /// each as `render(item)` gives it (outbound_parts), `joiner` between two, copied into one
  /// buffer; the item that would take it past `max_bytes` waits for the next write (the first is
  /// always taken). Returns the buffer, valid until written(). `render` may be called again for
  /// the item that did not fit, at the next batch.
  template <class Render>
  std::string_view take_batch(std::size_t max_frames, std::size_t max_bytes, std::string_view joiner,
                              Render&& render) {
    if (!batch_)
      batch_ = std::make_unique<std::string>();
    auto& batch = *batch_;
    batch.clear();
    std::size_t taken = 0;
    while (head_ < queue_.size() && taken < max_frames) {
      auto& next = queue_[head_];
      const outbound_parts parts = render(next);
      if (taken > 0) {
        if (batch.size() + joiner.size() + parts.size() > max_bytes)
          break;
        batch.append(joiner);
      }
      if (!parts.head.empty())
        batch.append(parts.head);
      batch.append(parts.body);
      if (!parts.tail.empty())
        batch.append(parts.tail);
      carry(next.message(), next.counted());
      ++taken;
      next.frame.reset();
      ++head_;
    }
    compact();
    return batch;
  }

  /// take_batch() of the items' frames as they are.
  std::string_view take_batch(std::size_t max_frames, std::size_t max_bytes, std::string_view joiner) {
    return take_batch(max_frames, max_bytes, joiner,
                      [](const Item& item) { return outbound_parts{{}, *item.frame, {}}; });
  }

  /// Drops the items waiting in the loop's queue; their slots are returned.
  void drop_waiting() {
    std::size_t slots = 0;
    for (auto i = head_; i < queue_.size(); ++i)
      slots += queue_[i].counted() ? 1 : 0;
    gate_.release(slots);
    queue_.clear();
    head_ = 0;
  }

  /// The queue ran dry (nothing waits, no write in flight): gives back the memory a burst grew.
  /// `busy` (a paced connection, written again soon) keeps a batch buffer up to kKeepBatchBytes.
  void release_idle(bool busy) {
    if (queue_.capacity() > kKeepCapacity)
      std::vector<Item>{}.swap(queue_);
    release_batch(busy);
  }

private:
  /// Once everything was taken, the queue starts over (its capacity stays).
  void compact() noexcept {
    if (head_ == queue_.size()) {
      queue_.clear();
      head_ = 0;
    }
  }

  outbound_hooks& hooks_;
  inbox<Item> inbox_;       ///< items from other threads, until the flush
  std::vector<Item> queue_; ///< waiting items from head_ on (loop only)
  std::size_t head_ = 0;
};

} // namespace chat::net
