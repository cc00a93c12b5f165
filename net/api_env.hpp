#pragma once
/// What every API handler works with: the options and the node's services.

#include <memory>
#include <vector>

#include "metrics/node_metrics.hpp"
#include "net/connection_registry.hpp"
#include "net/io_loops.hpp"
#include "net/keepalive.hpp"
#include "actors/send_rate_limiter.hpp"
#include "net/server.hpp"
#include "net/wake_queue.hpp"
#include "net/write_coalescer.hpp"
#include "storage/chat_store.hpp"
#include "storage/file_store.hpp"
#include "storage/password_hasher.hpp"

namespace chat::actors {
class chat_service;
class realtime;
}

namespace chat::net {

class session_revocation;

/// Options and services shared by all handlers of the client port (outlives every exchange).
struct api_env {
  server_options opts;               ///< the server's options
  storage::chat_store& store;        ///< chat data
  storage::password_hasher& hasher;  ///< bcrypt
  metrics::node_metrics& metrics;    ///< metrics
  actors::realtime* realtime = nullptr;   ///< live fan-out and the /ws, /stream transports (may be null)
  actors::chat_service& chat;             ///< the one command path (send, edit, delete, typing, follow)
  std::shared_ptr<connection_registry> registry; ///< open connections (transports register too)
  /// Cluster-wide admin stats source (see server_deps::admin_stats); may be empty.
  std::function<void(std::function<void(bool ok, std::string json)> done)> admin_stats;
  /// The node's event loops (a connection lives on one of them).
  io_loops* io = nullptr;
  /// What each loop offers its connections; index as in `io`.
  struct loop_services {
    /// Paces the writes of busy batching WebSocket connections (null: ws_write_delay is 0).
    std::shared_ptr<write_coalescer> coalescer;
    /// Wakes WebSocket connections that other threads queued frames for, many per posted drain.
    std::shared_ptr<wake_queue> waker;
    /// Pings silent WebSocket connections and closes dead ones, one timer per loop.
    std::shared_ptr<keepalive_timer> keepalive;
  };
  std::vector<loop_services> loops;
  /// Ends sessions everywhere (logout, a login replacing the token, expiry; later a ban), and keeps
  /// this node's live connections by session (session_registry). Set by the server.
  std::shared_ptr<session_revocation> sessions;
  /// Uploaded files (issue #24); null: the file routes answer 503.
  std::shared_ptr<storage::file_store> files;

  /// The services of the loop `ctx` is; a connection outside the node's loops is a broken
  /// invariant.
  loop_services& loop_of(const boost::asio::execution_context& ctx);
  /// The same for a connection's executor, type-erased or typed on its loop.
  loop_services& loop_of(const boost::asio::any_io_executor& ex);
  loop_services& loop_of(const boost::asio::io_context::executor_type& ex);
};

} // namespace chat::net
