#pragma once
/// The parts of one chat node and their life (app/node.cpp: wiring and run; node_cluster.cpp: the
/// Pub/Sub bridge's handlers, retention's announcements and Sentinel; node_bootstrap.cpp: start-up on the strand;
/// node_shutdown.cpp: signals, drain, stop and teardown). Only app/ includes it.

#include <atomic>
#include <chrono>
#include <cstddef>
#include <future>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>

#include "actors/assistant_actor.hpp"
#include "actors/realtime.hpp"
#include "ai/backend.hpp"
#include "app/config.hpp"
#include "app/node.hpp"
#include "cluster/membership.hpp"
#include "cluster/node_stats.hpp"
#include "cluster/pubsub_bridge.hpp"
#include "cluster/tutorial_relay.hpp"
#include "metrics/node_metrics.hpp"
#include "net/io_loops.hpp"
#include "net/server.hpp"
#include "storage/chat_store.hpp"
#include "storage/password_hasher.hpp"
#include "storage/presence_store.hpp"
#include "storage/redis_client.hpp"
#include "storage/sentinel_locator.hpp"

namespace chat::app {

namespace asio = boost::asio;

struct node::impl {
  impl(const node_config& c, metrics::node_metrics& m)
      : cfg(c), metrics(m), loops(c.threads) {}

  const node_config& cfg;
  metrics::node_metrics& metrics;
  // The actor system outlives the io_context: sessions destroyed with it still message actors.
  caf::actor_system_config caf_cfg;
  std::unique_ptr<caf::actor_system> actor_sys;
  // Declared first: destroyed last, after everything that owns I/O objects on it.
  net::io_loops loops; // one io_context per I/O thread; loop 0 also runs Redis, Pub/Sub, timers
  asio::io_context& ioc = loops.main();
  asio::signal_set signals{ioc, SIGINT, SIGTERM};
  asio::strand<asio::io_context::executor_type> strand{ioc.get_executor()}; // bootstrap state
  asio::steady_timer retry_timer{strand};

  std::unique_ptr<storage::password_hasher> hasher;
  std::shared_ptr<storage::redis_client> redis;
  /// Uploads and downloads (issue #24) on a connection of their own: a 256 KiB chunk never sits in
  /// the command connection's pipeline ahead of a chat message.
  std::shared_ptr<storage::redis_client> files_redis;
  std::shared_ptr<storage::sentinel_locator> sentinels; ///< --redis-sentinels (null without)
  std::unique_ptr<storage::chat_store> store;
  std::unique_ptr<storage::presence_store> presence;
  std::unique_ptr<cluster::tutorial_relay> tutorial; ///< --tutorial-pubsub (null: off)
  std::unique_ptr<cluster::pubsub_bridge> bridge;
  std::unique_ptr<cluster::membership> members;
  std::unique_ptr<cluster::node_stats> stats;
  std::unique_ptr<actors::realtime> realtime;
  // The assistant (null without a backend). The node keeps the backend too, so that its I/O thread
  // is joined here at the end, never on an actor thread when the assistant actor lets go of it.
  std::shared_ptr<ai::backend> ai_backend;
  std::shared_ptr<actors::assistant> assistant;
  caf::actor search_indexer; ///< (none with --search-index-ms 0)
  caf::actor retention; ///< history retention (none without --history-max-age / --history-max-messages)
  std::unique_ptr<net::server> server;

  std::atomic<bool> stopping{false};
  std::atomic<bool> bootstrapped{false};
  std::promise<void> stop_requested;
  std::size_t admins_pending = 0; // on the strand

  bool ready() const noexcept {
    return bootstrapped && !stopping && redis->connected() && bridge->connected() && (!assistant || assistant->ready());
  }

  // -- wiring (node.cpp, node_cluster.cpp) --------------------------------------------------

  /// With a backend configured (--ai-url or --ai-webhook-url): the backend and the assistant actor.
  /// False with `error` set when the backend options cannot be used.
  bool start_assistant(std::string& error);
  /// What the Pub/Sub bridge does with other nodes' events (and the tutorial servers', with
  /// --tutorial-pubsub: creates `tutorial`). The realtime layer and the server are used only once
  /// the bridge runs.
  cluster::bridge_handlers make_bridge_handlers();
  /// Room channels follow the rooms that have local members (actors → Pub/Sub bridge).
  std::shared_ptr<actors::room_interest> make_room_interest();
  /// History retention removed `room_id`'s messages up to id `upto`: its members here and on every
  /// other node get `history.trimmed` (a signal: shown live, never stored or replayed).
  void announce_trim(const std::string& room_id, std::int64_t upto);
  /// With --redis-sentinels: every connection to the master asks the sentinels where it is and
  /// follows its failovers. Before the connections start.
  void follow_sentinels();

  // -- start-up bootstrap (node_bootstrap.cpp; all on the strand, retries until Redis is up, never blocks)

  void retry(std::chrono::milliseconds after);
  /// Runs `fn` on the strand (store callbacks arrive on the Redis strand).
  template <class F>
  void on_strand(F fn) {
    asio::post(strand, std::move(fn));
  }
  void bootstrap();
  /// `--admin` names that already exist get the admin role (new ones get it when they register).
  void promote_admins();
  void finish_bootstrap();
  void reset_presence();

  // -- shutdown (node_shutdown.cpp) ---------------------------------------------------------

  /// SIGINT/SIGTERM: readiness off, replies in flight ended, clients drained, then finish_shutdown.
  void on_signal(int sig);
  void finish_shutdown();
  /// Runs the I/O threads until the shutdown released them; then everything is torn down in order.
  void run_until_stopped();
};

} // namespace chat::app
