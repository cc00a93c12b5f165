#pragma once
/// Public entry point of the HTTP layer: the client API port and the internal (probes, metrics) port.
/// No Beast or Asio headers here, so main and other libraries stay cheap to compile.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "actors/command_rules.hpp"
#include "storage/chat_store.hpp"


namespace chat::storage {
class chat_store;
class file_store;
class password_hasher;
} // namespace chat::storage

namespace chat::metrics {
class node_metrics;
}

namespace chat::actors {
class assistant;
class realtime;
}

namespace chat::net {

class io_loops;

/// Tunables of the real-time transports (WebSocket /ws, SSE /stream).
struct live_options {
  std::size_t max_ws_frame_bytes = 65536;   ///< larger client frames: close 1009
  std::size_t max_queue_frames = 1024;      ///< outbound queue per connection; full: cut (4008)
  /// A WebSocket peer silent for half of this is pinged, one silent this long is closed (checked
  /// every quarter of it, so up to a quarter later).
  std::chrono::seconds ws_idle_timeout{40};
  std::chrono::seconds sse_keepalive{15};   ///< SSE comment interval
  /// Batching WebSocket clients that wrote less than this ago wait for the next tick of this
  /// period, so a busy connection gets many events per write (0: every burst is written at once).
  std::chrono::milliseconds ws_write_delay{10};
  /// A paced connection with fewer than kMinEventsPerWrite events at a tick keeps collecting at
  /// later ticks, up to this long after its last write (pacing_policy.hpp); at or below
  /// ws_write_delay, every tick writes.
  std::chrono::milliseconds ws_write_delay_max{25};
};

/// Limits of file uploads (issue #24).
struct upload_options {
  std::size_t max_bytes = 10u << 20;              ///< one file; 413 above
  std::uint64_t quota_bytes_per_day = 200u << 20; ///< per user and UTC day; 429 above (0 = none)
  unsigned max_concurrent = 8;                    ///< uploads reading their body on one node; 503 above
  /// All uploads of one node together write at most this many bytes per second to Redis (0 = no
  /// limit); they also pause while chat's Redis backlog is over 2 ms (net/upload_pacer.hpp).
  std::uint64_t bytes_per_second = 16u << 20;
};

/// Tunables of the HTTP layer (the app fills them from the command line).
struct server_options {
  std::string bind = "0.0.0.0";             ///< address both listeners bind to
  std::uint16_t port = 8080;                ///< client API, web client, (later) /ws and /stream
  std::uint16_t internal_port = 9090;       ///< /livez /readyz /healthz /metrics
  std::size_t max_body_bytes = 65536;       ///< 413 above
  std::size_t max_header_bytes = 8192;      ///< 431 above
  actors::command_limits commands;          ///< limits of client commands (chat text, clientId, resume)
  std::string web_root;                     ///< folder served at / (static files); empty = none
  bool cookie_secure = false;               ///< adds `Secure` to the session cookie
  std::string tutorial_github_url;          ///< GET /links: `{"github":…}`; empty = `{}`
  std::vector<std::string> allowed_origins; ///< empty = same-origin only (Origin host must equal Host)
  /// CIDR blocks (or addresses) of proxies whose X-Forwarded-For / Forwarded headers name the
  /// client address used for limits and logs; empty = trust nobody (the TCP peer is the client).
  std::vector<std::string> trusted_proxies;
  /// Failed logins per (username, client address), and registrations per client address, per minute.
  unsigned login_attempts_per_minute = 10;
  /// Failed logins per client address (any username) per minute.
  unsigned login_failures_per_address_per_minute = 30;
  unsigned messages_per_10s = 50;           ///< per user, HTTP sends
  /// Live connections (WebSocket + SSE) of one user on all nodes together; more: 429
  /// too_many_connections before the upgrade. 0 = no limit.
  unsigned max_connections_per_user = 20;
  std::chrono::seconds session_ttl = storage::store_options{}.session_ttl; ///< Max-Age of the session cookie
  std::chrono::seconds request_timeout{30};         ///< per read / write of one request
  /// How often the sessions of the live connections are looked up in Redis (one MGET per 500
  /// sessions); a connection whose session expired is closed at the next check.
  std::chrono::seconds session_check_interval{30};
  live_options live;                                ///< WebSocket and SSE
  upload_options uploads;                           ///< files (issue #24)
};

/// What the HTTP layer uses; every referenced object must outlive the io_context's threads.
struct server_deps {
  storage::chat_store& store;        ///< all chat data
  storage::password_hasher& hasher;  ///< bcrypt off the I/O threads
  metrics::node_metrics& metrics;    ///< HTTP, error and rate-limit series
  std::function<bool()> ready;       ///< true when Redis is up and the node is not draining (for /readyz); thread-safe
  actors::realtime* realtime = nullptr; ///< the actor layer; null: no /ws, /stream or live fan-out
  /// Reads the cluster-wide admin stats (app/ wires cluster::node_stats): `done(ok, json)` on any
  /// thread. Empty: `GET /admin/stats` answers 503.
  std::function<void(std::function<void(bool ok, std::string json)> done)> admin_stats;
  /// Tells the other nodes that a session ended (`session_id`: the token's SHA-256), or every
  /// session of `user_id` (`session_id` empty); app/ wires the Pub/Sub bridge. Empty: one node.
  std::function<void(const std::string& session_id, const std::string& user_id)> publish_session_end;
  /// The node's assistant (issue #21): messages that trigger it start replies, `message.stop` ends
  /// them. Null: no assistant configured.
  std::shared_ptr<actors::assistant> assistant;
  /// Where uploaded files are kept (issue #24). Null: the file routes answer 503.
  std::shared_ptr<storage::file_store> files;
};

/// Both HTTP listeners of a node. Listeners, probes and drain run on the main loop; client
/// connections are spread over all loops (each loop one thread: a connection's handlers never
/// run concurrently).
class server {
public:
  /// Prepares the listeners; nothing is bound until start().
  server(io_loops& loops, server_options opts, server_deps deps);
  /// Stops accepting (see stop()); sessions still running keep what they need alive.
  ~server();

  server(const server&) = delete;
  server& operator=(const server&) = delete;

  /// Binds and starts accepting on both ports; returns false and fills `error` on failure (e.g. port in use).
  bool start(std::string& error);
  /// Stops accepting and closes idle keep-alive connections (in-flight requests finish).
  void stop();
  /// Graceful drain: stops accepting client connections (the internal port stays up), then asks the
  /// open connections to close in batches of `batch` every `interval` at most (shortened so that all
  /// batches go out within half of `deadline`; WebSocket 1012, SSE `reconnect`: clients move to
  /// other nodes without stampeding them), and calls `done` (on an I/O thread) when every
  /// connection is gone or `deadline` passed. Call stop() afterwards.
  void drain(std::size_t batch, std::chrono::milliseconds interval, std::chrono::milliseconds deadline,
             std::function<void()> done);

  /// Another node ended a session (`session_id`), or every session of `user_id` (`session_id`
  /// empty): this node's connections of it close (WebSocket 4002, SSE `session.ended`). Thread-safe.
  void end_sessions_here(const std::string& session_id, const std::string& user_id);

  /// The client port actually bound (useful when 0 was requested); 0 before start().
  std::uint16_t port() const;
  /// The internal port actually bound; 0 before start().
  std::uint16_t internal_port() const;

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace chat::net
