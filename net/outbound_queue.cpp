// The item-independent half of a connection's outbound queue (outbound_queue.hpp).
#include "net/outbound_queue.hpp"

#include "metrics/node_metrics.hpp"

namespace chat::net {

outbound_queue_base::outbound_queue_base(std::size_t max_frames, metrics::node_metrics& metrics,
                                         metrics::transport transport)
  : gate_(max_frames), metrics_(metrics), transport_(transport) {}

void outbound_queue_base::written(bool ok) {
  gate_.release(in_flight_counted_);
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
  if (batch_.capacity() > std::string{}.capacity() && (!busy || batch_.capacity() > kKeepBatchBytes))
    std::string{}.swap(batch_);
}

} // namespace chat::net
