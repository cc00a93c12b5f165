#include "metrics/node_metrics.hpp"

#include <chrono>

#include <prometheus/text_serializer.h>

namespace chat::metrics {
namespace {

using prometheus::Histogram;

// Latency buckets from 0.25 ms to 10 s: covers a loopback Redis round trip and a stalled cross-node hop.
const Histogram::BucketBoundaries& latency_buckets() {
  static const Histogram::BucketBoundaries buckets{0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                   0.05,    0.1,    0.25,  0.5,    1.0,   2.5,   10.0};
  return buckets;
}

std::string str(std::string_view s) { return std::string{s}; }

} // namespace

std::string_view to_string(transport t) noexcept {
  switch (t) {
    case transport::ws: return "ws";
    case transport::sse: return "sse";
    case transport::http: return "http";
    case transport::socketio: return "socketio";
  }
  return "unknown";
}

node_metrics::node_metrics(std::string_view server_id, std::string_view version,
                           std::string_view revision)
  : registry_(std::make_shared<prometheus::Registry>()) {
  using namespace prometheus;
  auto& reg = *registry_;

  BuildGauge().Name("chatnode_build_info").Help("Build and identity of this node (value is always 1)")
    .Register(reg).Add({{"version", str(version)}, {"revision", str(revision)}, {"server_id", str(server_id)}})
    .Set(1);
  BuildGauge().Name("chatnode_process_start_time_seconds").Help("Start time of the process since the Unix epoch")
    .Register(reg).Add({})
    .Set(std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count());

  ai_ = std::make_unique<ai_metrics>(reg);
  connections_family_ = &BuildGauge().Name("chatnode_connections")
    .Help("Open client connections by transport").Register(reg);
  accepted_family_ = &BuildCounter().Name("chatnode_connections_accepted_total")
    .Help("Client connections accepted by transport").Register(reg);
  closed_family_ = &BuildCounter().Name("chatnode_connections_closed_total")
    .Help("Client connections closed by transport and reason").Register(reg);
  received_family_ = &BuildCounter().Name("chatnode_messages_received_total")
    .Help("Chat messages received from clients by transport").Register(reg);
  delivered_family_ = &BuildCounter().Name("chatnode_messages_delivered_total")
    .Help("Chat messages written to client connections by transport").Register(reg);
  writes_family_ = &BuildCounter().Name("chatnode_socket_writes_total")
    .Help("Socket writes of outbound events (a WebSocket message or an SSE chunk each) by transport").Register(reg);
  events_written_family_ = &BuildCounter().Name("chatnode_events_written_total")
    .Help("Outbound events (chat messages, acks, typing, presence, SSE keep-alives) written to client connections by transport")
    .Register(reg);
  paced_writes_ = &BuildCounter().Name("chatnode_paced_writes_total")
    .Help("WebSocket writes that waited for a pacing tick (--ws-write-delay-ms)").Register(reg).Add({});
  for (auto t : {transport::ws, transport::sse, transport::http, transport::socketio}) {
    auto i = static_cast<int>(t);
    Labels l{{"transport", str(to_string(t))}};
    connections_[i] = &connections_family_->Add(l);
    accepted_[i] = &accepted_family_->Add(l);
    received_[i] = &received_family_->Add(l);
    delivered_[i] = &delivered_family_->Add(l);
    writes_[i] = &writes_family_->Add(l);
    events_written_[i] = &events_written_family_->Add(l);
  }

  messages_persisted_ = &BuildCounter().Name("chatnode_messages_persisted_total")
    .Help("Chat messages this node wrote to Redis (confirmed)").Register(reg).Add({});
  fanout_duration_ = &BuildHistogram().Name("chatnode_fanout_duration_seconds")
    .Help("Time for one room event to be queued to every local member connection")
    .Register(reg).Add({}, latency_buckets());
  delivery_duration_ = &BuildHistogram().Name("chatnode_message_delivery_duration_seconds")
    .Help("End-to-end latency from the publisher's timestamp to queueing on this node's connection")
    .Register(reg).Add({}, latency_buckets());
  slow_consumers_ = &BuildCounter().Name("chatnode_slow_consumers_total")
    .Help("Connections cut because their outbound queue was full").Register(reg).Add({});
  rooms_active_ = &BuildGauge().Name("chatnode_rooms_active")
    .Help("Rooms with at least one local member connection").Register(reg).Add({});

  uploads_in_progress_ = &BuildGauge().Name("chatnode_uploads_in_progress")
    .Help("File uploads reading their body on this node").Register(reg).Add({});
  upload_bytes_ = &BuildCounter().Name("chatnode_upload_bytes_total")
    .Help("Bytes of uploaded files stored").Register(reg).Add({});
  download_bytes_ = &BuildCounter().Name("chatnode_download_bytes_total")
    .Help("Bytes of stored files written to clients").Register(reg).Add({});

  redis_duration_family_ = &BuildHistogram().Name("chatnode_redis_command_duration_seconds")
    .Help("Redis command round-trip time by command").Register(reg);
  redis_errors_family_ = &BuildCounter().Name("chatnode_redis_errors_total")
    .Help("Redis commands that failed (error reply or connection down) by command").Register(reg);
  redis_connected_family_ = &BuildGauge().Name("chatnode_redis_connected")
    .Help("1 while the Redis connection of this role is up").Register(reg);
  redis_reconnects_family_ = &BuildCounter().Name("chatnode_redis_reconnects_total")
    .Help("Redis reconnect attempts by connection role").Register(reg);
  redis_in_flight_family_ = &BuildGauge().Name("chatnode_redis_commands_in_flight")
    .Help("Redis commands sent and not yet answered, by connection role").Register(reg);
  redis_queue_delay_family_ = &BuildGauge().Name("chatnode_redis_queue_delay_seconds")
    .Help("Estimated wait of the oldest Redis command in flight, by connection role").Register(reg);
  redis_master_changes_ = &BuildCounter().Name("chatnode_redis_master_changes_total")
    .Help("Redis Sentinel: times this node learned that the master moved to another server").Register(reg).Add({});
  messages_not_replicated_ = &BuildCounter().Name("chatnode_messages_not_replicated_total")
    .Help("Chat messages stored on the master whose WAIT for --redis-min-replicas-acked replicas timed out")
    .Register(reg).Add({});
  messages_shed_ = &BuildCounter().Name("chatnode_messages_shed_total")
    .Help("Chat messages refused (error overloaded) because Redis was further behind than the limit")
    .Register(reg).Add({});
  send_batches_ = &BuildCounter().Name("chatnode_send_batches_total")
    .Help("send_message script calls; chatnode_messages_persisted_total divided by this is messages per call")
    .Register(reg).Add({});
  pubsub_received_ = &BuildCounter().Name("chatnode_pubsub_messages_received_total")
    .Help("Pub/Sub envelopes received from Redis").Register(reg).Add({});
  pubsub_published_ = &BuildCounter().Name("chatnode_pubsub_messages_published_total")
    .Help("Pub/Sub envelopes published to Redis").Register(reg).Add({});
  pubsub_catchups_ = &BuildCounter().Name("chatnode_pubsub_catchups_total")
    .Help("Room catch-ups from storage after a Pub/Sub gap or reconnect").Register(reg).Add({});
  retention_trimmed_ = &BuildCounter().Name("chatnode_retention_trimmed_messages_total")
    .Help("Messages (with their thread replies) removed by history retention (--history-max-age, "
          "--history-max-messages)").Register(reg).Add({});

  presence_entries_ = &BuildGauge().Name("chatnode_presence_entries")
    .Help("Users with at least one connection on this node").Register(reg).Add({});
  reaped_family_ = &BuildCounter().Name("chatnode_presence_reaped_total")
    .Help("Presence entries removed by reason").Register(reg);

  http_requests_family_ = &BuildCounter().Name("chatnode_http_requests_total")
    .Help("HTTP requests by route pattern and status code").Register(reg);
  http_duration_family_ = &BuildHistogram().Name("chatnode_http_request_duration_seconds")
    .Help("HTTP request handling time by route pattern").Register(reg);
  errors_family_ = &BuildCounter().Name("chatnode_errors_total")
    .Help("Handled errors (bad input, refused requests) by kind").Register(reg);
  rate_limited_family_ = &BuildCounter().Name("chatnode_rate_limited_total")
    .Help("Requests or messages refused by a rate limit, by kind").Register(reg);

  drain_in_progress_ = &BuildGauge().Name("chatnode_drain_in_progress")
    .Help("1 while the node drains its connections before exit").Register(reg).Add({});
}

void node_metrics::add_collect_hook(std::function<void()> fn) {
  std::lock_guard<std::mutex> lock(hooks_mutex_);
  hooks_.push_back(std::move(fn));
}

std::string node_metrics::serialize() const {
  {
    std::lock_guard<std::mutex> lock(hooks_mutex_);
    for (const auto& fn : hooks_)
      fn();
  }
  return prometheus::TextSerializer{}.Serialize(registry_->Collect());
}

prometheus::Gauge& node_metrics::connections(transport t) {
  return *connections_[static_cast<int>(t)];
}
prometheus::Counter& node_metrics::connections_accepted(transport t) {
  return *accepted_[static_cast<int>(t)];
}
prometheus::Counter& node_metrics::connections_closed(transport t, std::string_view reason) {
  return closed_family_->Add({{"transport", str(to_string(t))}, {"reason", str(reason)}});
}
prometheus::Counter& node_metrics::messages_received(transport t) {
  return *received_[static_cast<int>(t)];
}
prometheus::Counter& node_metrics::messages_delivered(transport t) {
  return *delivered_[static_cast<int>(t)];
}
prometheus::Counter& node_metrics::socket_writes(transport t) {
  return *writes_[static_cast<int>(t)];
}
prometheus::Counter& node_metrics::events_written(transport t) {
  return *events_written_[static_cast<int>(t)];
}
prometheus::Histogram& node_metrics::redis_command_duration(std::string_view command) {
  return redis_duration_family_->Add({{"command", str(command)}}, latency_buckets());
}
prometheus::Counter& node_metrics::redis_errors(std::string_view command) {
  return redis_errors_family_->Add({{"command", str(command)}});
}
prometheus::Gauge& node_metrics::redis_connected(std::string_view role) {
  return redis_connected_family_->Add({{"role", str(role)}});
}
prometheus::Counter& node_metrics::redis_reconnects(std::string_view role) {
  return redis_reconnects_family_->Add({{"role", str(role)}});
}
prometheus::Gauge& node_metrics::redis_in_flight(std::string_view role) {
  return redis_in_flight_family_->Add({{"role", str(role)}});
}
prometheus::Gauge& node_metrics::redis_queue_delay(std::string_view role) {
  return redis_queue_delay_family_->Add({{"role", str(role)}});
}
prometheus::Counter& node_metrics::presence_reaped(std::string_view reason) {
  return reaped_family_->Add({{"reason", str(reason)}});
}
void node_metrics::observe_http(std::string_view route, unsigned status, double seconds) {
  http_requests_family_->Add({{"route", str(route)}, {"code", std::to_string(status)}}).Increment();
  http_duration_family_->Add({{"route", str(route)}}, latency_buckets()).Observe(seconds);
}
prometheus::Counter& node_metrics::errors(std::string_view kind) {
  return errors_family_->Add({{"kind", str(kind)}});
}
prometheus::Counter& node_metrics::rate_limited(std::string_view kind) {
  return rate_limited_family_->Add({{"kind", str(kind)}});
}

} // namespace chat::metrics
