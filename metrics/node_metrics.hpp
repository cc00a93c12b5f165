#pragma once
/// Every Prometheus series one node exports. Created once at start-up; the hot-path series are
/// pre-bound references (an increment is one relaxed atomic add, no lock, no lookup). Label values
/// are always from small fixed sets: never user ids, room ids or connection ids.

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "metrics/ai_metrics.hpp"

namespace chat::metrics {

/// Transport of a client connection or of an inbound chat message.
enum class transport { ws = 0, sse = 1, http = 2, socketio = 3 };

/// Number of transports (the size of the per-transport arrays).
inline constexpr int kTransports = 4;

/// Name of a transport as used in the `transport` label.
std::string_view to_string(transport t) noexcept;

class node_metrics {
public:
  /// Registers every family in a fresh registry and sets `chatnode_build_info`.
  node_metrics(std::string_view server_id, std::string_view version, std::string_view revision);

  node_metrics(const node_metrics&) = delete;
  node_metrics& operator=(const node_metrics&) = delete;

  /// Prometheus text exposition format (version 0.0.4) of every series. Runs the collect hooks
  /// first.
  std::string serialize() const;

  /// Adds `fn`, run at the start of every serialize() (on the scraping thread): it sets gauges
  /// whose value is read from elsewhere, such as a Redis connection's backlog. Thread-safe.
  void add_collect_hook(std::function<void()> fn);

  /// The registry (for tests and for adding series next to these).
  prometheus::Registry& registry() noexcept { return *registry_; }

  // -- connections -----------------------------------------------------------
  prometheus::Gauge& connections(transport t);
  prometheus::Counter& connections_accepted(transport t);
  /// `reason` comes from a fixed set ("client", "slow_consumer", "drain", "idle", "error", …).
  prometheus::Counter& connections_closed(transport t, std::string_view reason);

  // -- messages --------------------------------------------------------------
  prometheus::Counter& messages_received(transport t);
  prometheus::Counter& messages_delivered(transport t);
  /// Socket writes of outbound events (one WebSocket message or one SSE chunk each), and the events
  /// they carried: events per write shows how well busy connections batch.
  prometheus::Counter& socket_writes(transport t);
  prometheus::Counter& events_written(transport t);
  /// WebSocket writes that waited for a pacing tick (--ws-write-delay-ms).
  prometheus::Counter& paced_writes() noexcept { return *paced_writes_; }
  prometheus::Counter& messages_persisted() noexcept { return *messages_persisted_; }
  prometheus::Histogram& fanout_duration() noexcept { return *fanout_duration_; }
  prometheus::Histogram& delivery_duration() noexcept { return *delivery_duration_; }
  prometheus::Counter& slow_consumers() noexcept { return *slow_consumers_; }
  prometheus::Gauge& rooms_active() noexcept { return *rooms_active_; }

  // -- Redis -----------------------------------------------------------------
  /// `command` is the upper-case Redis command or script name ("GET", "EVALSHA:send_message").
  prometheus::Histogram& redis_command_duration(std::string_view command);
  prometheus::Counter& redis_errors(std::string_view command);
  /// `role` is "command", "files" or "subscriber"; 1 while that connection is up.
  prometheus::Gauge& redis_connected(std::string_view role);
  prometheus::Counter& redis_reconnects(std::string_view role);
  /// Commands sent on the connection of `role` and not yet answered (set at scrape time).
  prometheus::Gauge& redis_in_flight(std::string_view role);
  /// Estimated wait of that connection's oldest command in flight (set at scrape time).
  prometheus::Gauge& redis_queue_delay(std::string_view role);
  /// Redis Sentinel: times this node learned that the master moved (a failover).
  prometheus::Counter& redis_master_changes() noexcept { return *redis_master_changes_; }
  /// Chat messages stored whose WAIT (--redis-min-replicas-acked) ended with fewer replicas:
  /// their senders got `not_replicated` instead of an ack.
  prometheus::Counter& messages_not_replicated() noexcept { return *messages_not_replicated_; }
  /// Chat messages refused with `overloaded` because Redis was too far behind.
  prometheus::Counter& messages_shed() noexcept { return *messages_shed_; }
  /// send_message script calls: messages persisted / this = messages per call.
  prometheus::Counter& send_batches() noexcept { return *send_batches_; }
  prometheus::Counter& pubsub_received() noexcept { return *pubsub_received_; }
  prometheus::Counter& pubsub_published() noexcept { return *pubsub_published_; }
  prometheus::Counter& pubsub_catchups() noexcept { return *pubsub_catchups_; }

  // -- presence ----------------------------------------------------------------
  prometheus::Gauge& presence_entries() noexcept { return *presence_entries_; }
  prometheus::Counter& presence_reaped(std::string_view reason);

  // -- HTTP and errors --------------------------------------------------------
  /// Counts one HTTP request; `route` is the route pattern ("/room/{id}/messages"), never the raw path.
  void observe_http(std::string_view route, unsigned status, double seconds);
  /// Bad input and other handled errors, by kind ("bad_json", "too_large", "unauthorized", …).
  prometheus::Counter& errors(std::string_view kind);
  prometheus::Counter& rate_limited(std::string_view kind);

  // -- files (issue #24) ---------------------------------------------------------
  /// Uploads reading their body now (node-wide; --max-concurrent-uploads is its ceiling).
  prometheus::Gauge& uploads_in_progress() noexcept { return *uploads_in_progress_; }
  /// Bytes of uploads stored (in chunks, as Redis confirmed them) and of downloads written.
  prometheus::Counter& upload_bytes() noexcept { return *upload_bytes_; }
  prometheus::Counter& download_bytes() noexcept { return *download_bytes_; }

  // -- history retention (issue #26) ----------------------------------------------
  /// Messages (rows and thread replies) removed by history retention (--history-max-*).
  prometheus::Counter& retention_trimmed() noexcept { return *retention_trimmed_; }

  // -- drain -------------------------------------------------------------------
  prometheus::Gauge& drain_in_progress() noexcept { return *drain_in_progress_; }

  // -- the assistant -------------------------------------------------------------
  ai_metrics& ai() noexcept { return *ai_; }

private:
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Gauge* uploads_in_progress_;
  prometheus::Counter* redis_master_changes_;
  prometheus::Counter* messages_not_replicated_;
  prometheus::Counter* upload_bytes_;
  prometheus::Counter* download_bytes_;
  prometheus::Counter* retention_trimmed_;

  prometheus::Family<prometheus::Gauge>* connections_family_;
  prometheus::Family<prometheus::Counter>* accepted_family_;
  prometheus::Family<prometheus::Counter>* closed_family_;
  prometheus::Family<prometheus::Counter>* received_family_;
  prometheus::Family<prometheus::Counter>* delivered_family_;
  prometheus::Family<prometheus::Counter>* writes_family_;
  prometheus::Family<prometheus::Counter>* events_written_family_;
  prometheus::Family<prometheus::Histogram>* redis_duration_family_;
  prometheus::Family<prometheus::Counter>* redis_errors_family_;
  prometheus::Family<prometheus::Gauge>* redis_connected_family_;
  prometheus::Family<prometheus::Counter>* redis_reconnects_family_;
  prometheus::Family<prometheus::Gauge>* redis_in_flight_family_;
  prometheus::Family<prometheus::Gauge>* redis_queue_delay_family_;
  prometheus::Family<prometheus::Counter>* reaped_family_;
  prometheus::Family<prometheus::Counter>* http_requests_family_;
  prometheus::Family<prometheus::Histogram>* http_duration_family_;
  prometheus::Family<prometheus::Counter>* errors_family_;
  prometheus::Family<prometheus::Counter>* rate_limited_family_;

  // Pre-bound per transport (index = transport).
  prometheus::Gauge* connections_[kTransports];
  prometheus::Counter* accepted_[kTransports];
  prometheus::Counter* received_[kTransports];
  prometheus::Counter* delivered_[kTransports];
  prometheus::Counter* writes_[kTransports];
  prometheus::Counter* events_written_[kTransports];
  prometheus::Counter* paced_writes_;

  prometheus::Counter* messages_persisted_;
  prometheus::Counter* messages_shed_;
  prometheus::Counter* send_batches_;
  prometheus::Histogram* fanout_duration_;
  prometheus::Histogram* delivery_duration_;
  prometheus::Counter* slow_consumers_;
  prometheus::Gauge* rooms_active_;
  prometheus::Counter* pubsub_received_;
  prometheus::Counter* pubsub_published_;
  prometheus::Counter* pubsub_catchups_;
  prometheus::Gauge* presence_entries_;
  prometheus::Gauge* drain_in_progress_;

  std::unique_ptr<ai_metrics> ai_;

  mutable std::mutex hooks_mutex_;
  std::vector<std::function<void()>> hooks_; ///< guarded by hooks_mutex_
};

} // namespace chat::metrics
