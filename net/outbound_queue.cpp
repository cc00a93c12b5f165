// The item-independent half of a connection's outbound queue (outbound_queue.hpp).
#include "net/outbound_queue.hpp"

#include <algorithm>
#include <utility>

#include "metrics/node_metrics.hpp"

namespace chat::net {

outbound_queue_base::outbound_queue_base(std::size_t max_frames, metrics::node_metrics& metrics,
                                         metrics::transport transport)
  : gate_(max_frames), metrics_(metrics), transport_(transport) {}

void outbound_queue_base::wake_on_room(std::size_t want, std::function<void()> wake) {
  room_waker_ = std::make_unique<std::function<void()>>(std::move(wake));
  room_want_.store(std::clamp<std::size_t>(want, 1, std::max<std::size_t>(replay_budget(), 1)),
                   std::memory_order_release);
  wake_if_room(); // the room may be there already (or the loop freed it meanwhile)
}

void outbound_queue_base::wake_if_room() {
  const auto want = room_want_.load(std::memory_order_acquire);
  if (want == 0 || replay_room() < want)
    return;
  if (room_want_.exchange(0, std::memory_order_acq_rel) == 0)
    return; // the other side ran it
  const auto wake = std::move(room_waker_); // room_waker_ is null again
  (*wake)();
}

void outbound_queue_base::written(bool ok) {
  gate_.release(in_flight_counted_);
  if (room_want_.load(std::memory_order_relaxed) != 0)
    wake_if_room();
  const auto events = in_flight_events_;
  const auto messages = in_flight_messages_;
  in_flight_events_ = in_flight_counted_ = in_flight_messages_ = 0;
  single_.reset();
  if (!ok)
    return;
  metrics_.socket_writes(transport_).Increment();
  metrics_.events_written(transport_).Increment(static_cast<double>(events));
  if (messages > 0)
    metrics_.messages_delivered(transport_).Increment(static_cast<double>(messages));
}

void outbound_queue_base::release_batch(bool busy) {
  // A burst may have grown the buffer; an idle connection should not keep that memory. A busy
  // one (paced) keeps a moderate buffer for its next write.
  if (batch_ && (!busy || batch_->capacity() > kKeepBatchBytes))
    batch_.reset();
}

} // namespace chat::net
