#include "app/node.hpp"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <iostream>
#include <mutex>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/send.hpp>

#include "actors/assistant_actor.hpp"
#include "actors/atoms.hpp"
#include "actors/assistant_ports.hpp"
#include "actors/json_frames.hpp"
#include "actors/realtime.hpp"
#include "actors/retention_actor.hpp"
#include "actors/store_adapters.hpp"
#include "ai/ai_options.hpp"
#include "ai/backend.hpp"
#include "app/config.hpp"
#include "cluster/membership.hpp"
#include "cluster/node_stats.hpp"
#include "cluster/pubsub_bridge.hpp"
#include "cluster/tutorial_relay.hpp"
#include "metrics/log.hpp"
#include "metrics/node_metrics.hpp"
#include "net/admin_handlers.hpp"
#include "net/io_loops.hpp"
#include "net/server.hpp"
#include "storage/chat_store.hpp"
#include "storage/redis_file_store.hpp"
#include "storage/demo_seed.hpp"
#include "storage/password_hasher.hpp"
#include "storage/presence_store.hpp"
#include "storage/redis_client.hpp"
#include "storage/redis_url.hpp"
#include "storage/sentinel_locator.hpp"

namespace chat::app {

namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

constexpr std::size_t kHashBacklog = 256;          // bcrypt jobs waiting before 503
constexpr auto kShutdownGrace = 2s;                // then the loops are stopped if not dry
constexpr std::size_t kDrainBatch = 100;           // connections told to reconnect at once
constexpr auto kDrainInterval = 100ms;             // between batches (at most)

/// Second SIGINT/SIGTERM during the shutdown: leave at once (async-signal-safe).
extern "C" void exit_now(int sig) { _exit(128 + sig); }

std::string url(const std::string& bind, std::uint16_t port) {
  std::string host = bind == "0.0.0.0" || bind == "::" ? "localhost" : bind;
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  return "http://" + host + ":" + std::to_string(port) + "/";
}

/// Room channels follow the rooms that have local members (actors → Pub/Sub bridge).
class bridge_interest : public actors::room_interest {
public:
  explicit bridge_interest(cluster::pubsub_bridge& bridge) : bridge_(bridge) {}
  void room_active(const std::string& room_id, std::function<void()> subscribed) override {
    bridge_.watch_room(room_id, std::move(subscribed));
  }
  void room_idle(const std::string& room_id) override { bridge_.unwatch_room(room_id); }
  void room_signal(const std::string& room_id, const std::string& kind, const std::string& user_id,
                   const std::string& data) override {
    bridge_.publish_signal(room_id, kind, user_id, data);
  }

private:
  cluster::pubsub_bridge& bridge_;
};

} // namespace

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

  // -- start-up bootstrap (all on the strand; retries until Redis is up, never blocks) ----------

  void retry(std::chrono::milliseconds after) {
    retry_timer.expires_after(after);
    retry_timer.async_wait([this](boost::system::error_code ec) {
      if (!ec) bootstrap();
    });
  }

  /// Runs `fn` on the strand (store callbacks arrive on the Redis strand).
  template <class F>
  void on_strand(F fn) {
    asio::post(strand, std::move(fn));
  }

  void bootstrap() {
    if (stopping) return;
    if (!redis->connected()) return retry(250ms);
    store->ensure_schema([this](storage::errc e, bool) {
      on_strand([this, e] {
        if (stopping) return;
        if (e != storage::errc::ok) {
          log::warn("schema_retry", {{"err", storage::to_string(e)}});
          return retry(1000ms);
        }
        if (!cfg.seed_demo) return promote_admins();
        store->is_empty([this](storage::errc e2, bool empty) {
          on_strand([this, e2, empty] {
            if (stopping) return;
            if (e2 != storage::errc::ok) return retry(1000ms);
            if (!empty) {
              log::info("demo_seed_skipped", {{"reason", "redis already has users"}});
              return promote_admins();
            }
            // seed_demo logs its outcome; a failed seed still leaves a working (empty) node.
            storage::seed_demo(*store, *hasher, [this](bool) {
              on_strand([this] {
                if (!stopping) promote_admins();
              });
            });
          });
        });
      });
    });
  }

  /// `--admin` names that already exist get the admin role (new ones get it when they register).
  void promote_admins() {
    admins_pending = cfg.admins.size();
    if (admins_pending == 0) return finish_bootstrap();
    for (const auto& name : cfg.admins) {
      store->find_credentials(name, [this, name](storage::errc e, storage::user_credentials u) {
        auto done = [this] { on_strand([this] { if (--admins_pending == 0) finish_bootstrap(); }); };
        if (e != storage::errc::ok || u.info.role == "admin") {
          if (e != storage::errc::ok && e != storage::errc::not_found)
            log::warn("admin_promote_failed", {{"user", name}, {"err", storage::to_string(e)}});
          return done();
        }
        store->set_role(u.info.id, "admin", [name, done](storage::errc e2, bool) {
          if (e2 == storage::errc::ok)
            log::info("admin_promoted", {{"user", name}});
          else
            log::warn("admin_promote_failed", {{"user", name}, {"err", storage::to_string(e2)}});
          done();
        });
      });
    }
  }

  void finish_bootstrap() {
    if (stopping) return;
    // Nor its connection slots (--max-connections-per-user); then presence.
    store->reset_connections([this](storage::errc e, std::int64_t freed) {
      on_strand([this, e, freed] {
        if (stopping) return;
        if (e != storage::errc::ok) return retry(1000ms);
        if (freed > 0) log::info("connection_slots_reset", {{"freed", freed}});
        reset_presence();
      });
    });
  }

  void reset_presence() {
    // A restart with the same server id must not resurrect the presence of its previous life.
    presence->reset_node([this](storage::errc e, std::int64_t gone) {
      on_strand([this, e, gone] {
        if (stopping) return;
        if (e != storage::errc::ok) return retry(1000ms);
        if (gone > 0) metrics.presence_reaped("node_restart").Increment(static_cast<double>(gone));
        members->start(); // heartbeat + reaping of dead nodes
        stats->start();   // chat:node:{serverId}:stats for the admin page
        bootstrapped = true;
        log::info("ready");
      });
    });
  }

  /// With a backend configured (--ai-url or --ai-webhook-url): the backend and the assistant actor.
  /// False with `error` set when the backend options cannot be used.
  bool start_assistant(std::string& error) {
    if (cfg.ai.kind == ai::backend_kind::none) return true;
    ai_backend = ai::make_backend(cfg.ai, error);
    if (!ai_backend) return false;
    auto opts = cfg.assistant;
    opts.server_id = cfg.server_id;
    assistant = std::make_shared<actors::assistant>(*actor_sys, ai_backend, actors::make_assistant_store(*store),
                                                    actors::make_assistant_output(*realtime), opts, &metrics.ai());
    log::info("assistant", {{"name", opts.name}, {"backend", ai::describe(cfg.ai)},
                            {"max_concurrent", static_cast<std::int64_t>(opts.max_concurrent)},
                            {"requests_per_hour", opts.requests_per_hour}});
    return true;
  }

  // -- shutdown ---------------------------------------------------------------------------

  void on_signal(int sig) {
    // From now on a second signal ends the process at once.
    boost::system::error_code ignored;
    signals.clear(ignored);
    struct sigaction sa {};
    sa.sa_handler = exit_now;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);

    stopping = true; // /readyz answers 503 from here on
    metrics.drain_in_progress().Set(1);
    log::info("shutdown", {{"signal", sig == SIGINT ? "SIGINT" : "SIGTERM"}});
    // Replies in flight end now (text so far, "error":"interrupted"), written while Redis and the
    // clients being drained are still there.
    if (assistant) assistant->stop();
    // Clients are told to reconnect elsewhere (WebSocket 1012, SSE `reconnect`), in batches.
    server->drain(kDrainBatch, kDrainInterval, std::chrono::duration_cast<std::chrono::milliseconds>(cfg.drain_timeout),
                  [this] { asio::post(strand, [this] { finish_shutdown(); }); });
  }

  void finish_shutdown() {
    server->stop();
    if (search_indexer) // its calls in flight end first; what it did not index, the next indexing does
      caf::anon_send(search_indexer, actors::stop_atom::value);
    if (retention) // its step in flight ends first; the next sweep (here or elsewhere) goes on
      caf::anon_send(retention, actors::stop_atom::value);
    realtime->stop();  // rooms and presence end; sessions end with them
    members->stop();   // no more heartbeats: our alive key is removed
    stats->stop();     // and our stats hash
    bridge->stop();
    // Presence is handed over: this node's users go offline unless connected elsewhere (their
    // clients are reconnecting to other nodes right now), then Redis is released.
    files_redis->stop();
    presence->reset_node([this](storage::errc, std::int64_t) {
      redis->stop();
      if (sentinels)
        sentinels->stop();
    });
    retry_timer.cancel();
    loops.release(); // the I/O threads return once the connections above have wound down
    stop_requested.set_value();
  }
};

node::node(const node_config& cfg, metrics::node_metrics& metrics)
    : impl_(std::make_unique<impl>(cfg, metrics)) {}

node::~node() = default;

int node::run() {
  auto& s = *impl_;
  const auto& cfg = s.cfg;

  storage::redis_endpoint ep;
  std::string error;
  if (!storage::parse_redis_url(cfg.redis_url, ep, error)) { // validated already; belt and braces
    std::cerr << "chatnode: invalid --redis-url: " << error << "\n";
    return 2;
  }
  if (!cfg.redis_sentinels.empty()) {
    storage::sentinel_options so;
    if (!storage::parse_sentinel_list(cfg.redis_sentinels, so.sentinels, error)) { // validated already
      std::cerr << "chatnode: invalid --redis-sentinels: " << error << "\n";
      return 2;
    }
    for (auto& sentinel : so.sentinels)
      sentinel.password = cfg.redis_sentinel_password;
    so.master_name = cfg.redis_master_name;
    s.sentinels = storage::sentinel_locator::create(s.ioc, std::move(so), &s.metrics);
  }
  log::info("starting", {{"version", version_line()}, {"redis", s.sentinels ? "sentinel:" + cfg.redis_master_name : storage::describe(ep)},
                         {"threads", cfg.threads}, {"hash_threads", cfg.hash_threads},
                         {"web_root", cfg.server.web_root}, {"seed_demo", cfg.seed_demo}});

  s.hasher = std::make_unique<storage::password_hasher>(cfg.hash_threads, cfg.bcrypt_cost, kHashBacklog);
  s.redis = storage::redis_client::create(s.ioc, ep, &s.metrics, "command");
  s.files_redis = storage::redis_client::create(s.ioc, ep, &s.metrics, "files");
  s.store = std::make_unique<storage::chat_store>(s.redis, cfg.store);
  s.store->set_admin_names(cfg.admins);

  // The actor layer: rooms, sessions and presence, reading history and writing presence to Redis.
  // Two policies, chosen by --actor-scheduler. CAF's work stealing polls with 50 us sleeps for
  // a while whenever a worker runs dry, which on a small machine costs more CPU than the actors do.
  s.caf_cfg.set("scheduler.max-threads", static_cast<std::size_t>(cfg.actor_threads));
  s.caf_cfg.set("scheduler.policy", caf::atom_from_string(cfg.actor_scheduler));
  s.actor_sys = std::make_unique<caf::actor_system>(s.caf_cfg);
  s.presence = std::make_unique<storage::presence_store>(s.redis, cfg.server_id);
  auto history = std::make_shared<actors::store_history>(*s.store, *s.presence);
  auto presence_backend = std::make_shared<actors::store_presence>(
      *s.presence, *s.store,
      [&s](const std::string& user, std::string frame) { s.realtime->presence_changed(user, std::move(frame)); });

  // The Pub/Sub backplane: other nodes' events into the local actors.
  cluster::bridge_handlers handlers;
  handlers.room_event = [&s](std::string room, std::int64_t position, std::int64_t prev, std::int64_t ts,
                             std::string frame, std::string only_user) {
    s.realtime->publish(room, position, prev, ts, actors::make_frame(std::move(frame)), std::move(only_user));
  };
  handlers.presence = [&s](std::string user, std::string frame) { s.realtime->presence_changed(user, std::move(frame)); };
  handlers.user_event = [&s](std::vector<std::string> users, std::string type, std::string action,
                             std::string room, std::string data, std::int64_t after) {
    auto act = actors::parse_user_action(action, type);
    s.realtime->deliver_user_event(
      actors::user_event{std::move(users), std::move(type), std::move(room), std::move(data), after, act});
  };
  handlers.resubscribed = [&s] { s.realtime->catch_up(); };
  handlers.session_ended = [&s](std::string session_id, std::string user_id) {
    s.server->end_sessions_here(session_id, user_id); // the server exists before the bridge starts
  };
  handlers.room_signal = [&s](std::string room, std::string frame, std::string except_user) {
    s.realtime->relay_signal(room, actors::make_frame(std::move(frame)), except_user);
  };
  if (cfg.store.tutorial_pubsub) {
    // The tutorial servers' messages are adopted into the rooms' chains (every node then gets them
    // from the room's channel, this one included); their show.room reaches the DM's users here.
    s.tutorial = std::make_unique<cluster::tutorial_relay>(
      s.ioc, [&s](const std::string& room, std::int64_t date, std::function<void()> done) {
        s.store->adopt_tutorial_messages(room, date, [room, done = std::move(done)](storage::errc e, std::int64_t) {
          if (e != storage::errc::ok)
            log::warn("tutorial_adopt_failed", {{"room", room}});
          done();
        });
      },
      [&s](std::vector<std::string> users, std::string room, std::string data) {
        s.realtime->deliver_user_event(actors::user_event{std::move(users), "show.room", std::move(room),
                                                          std::move(data), 0, actors::user_action::follow});
      });
    handlers.tutorial_message = [&s](std::string room, std::int64_t date) { s.tutorial->on_message(std::move(room), date); };
    handlers.tutorial_show_room = [&s](std::vector<std::string> users, std::string room, std::string data) {
      s.tutorial->on_show_room(std::move(users), std::move(room), std::move(data));
    };
  }
  s.bridge = std::make_unique<cluster::pubsub_bridge>(s.ioc, ep, s.redis, cfg.server_id, &s.metrics,
                                                      std::move(handlers));
  // The heartbeat and the stats hash share a period and a TTL: node_stats_options' defaults.
  cluster::node_stats_options stats_opts;
  stats_opts.server_id = cfg.server_id;
  stats_opts.version = CHAT_VERSION;
  s.members = std::make_unique<cluster::membership>(
      s.ioc, s.redis, cfg.server_id, stats_opts.interval, stats_opts.ttl, &s.metrics,
      [&s](std::vector<cluster::reaped_user> gone) {
        for (auto& u : gone) s.realtime->presence_changed(u.id, actors::presence_frame_json(u.id, u.username, false));
      });

  s.stats = std::make_unique<cluster::node_stats>(s.ioc, s.redis, stats_opts, s.metrics);

  s.realtime = std::make_unique<actors::realtime>(*s.actor_sys, history, presence_backend,
                                                  std::make_shared<bridge_interest>(*s.bridge),
                                                  cfg.realtime, &s.metrics);
  s.realtime->set_cluster_publisher([&s](const actors::user_event& ev) {
    s.bridge->publish_user_event(ev.users, ev.type, actors::to_string(ev.action), ev.room_id, ev.data, ev.after);
  });

  if (!s.start_assistant(error)) {
    log::error("ai_backend_invalid", {{"err", error}});
    std::cerr << "chatnode: the assistant's backend cannot be used: " << error << "\n";
    s.hasher->stop();
    s.realtime->stop();
    s.actor_sys->await_all_actors_done();
    return 2;
  }

  s.server = std::make_unique<net::server>(
      s.loops, cfg.server,
      net::server_deps{*s.store, *s.hasher, s.metrics, [&s] { return s.ready(); }, s.realtime.get(),
                       [&s](std::function<void(bool, std::string)> done) { s.stats->read_cluster(std::move(done)); },
                       [&s](const std::string& session_id, const std::string& user_id) {
                         s.bridge->publish_session_end(session_id, user_id);
                       },
                       s.assistant, std::make_shared<storage::redis_file_store>(s.files_redis)});

  // Bind before anything connects anywhere: a taken port is a clean exit 1.
  if (!s.server->start(error)) {
    log::error("listen_failed", {{"bind", cfg.server.bind}, {"port", cfg.server.port},
                                 {"internal_port", cfg.server.internal_port}, {"err", error}});
    std::cerr << "chatnode: cannot listen on " << cfg.server.bind << ": " << error << "\n";
    s.hasher->stop();
    s.realtime->stop();
    s.actor_sys->await_all_actors_done();
    return 1;
  }
  if (cfg.search.interval.count() > 0)
    s.search_indexer = actors::spawn_search_indexer(*s.actor_sys, actors::make_search_indexer_ports(*s.store), cfg.search);
  if (cfg.retention.policy.active())
    s.retention = actors::spawn_retention(*s.actor_sys, actors::make_retention_ports(*s.store, cfg.retention, &s.metrics),
                                          cfg.retention);
  log::info("listening", {{"url", url(cfg.server.bind, s.server->port())},
                          {"internal_url", url(cfg.server.bind, s.server->internal_port())},
                          {"port", s.server->port()}, {"internal_port", s.server->internal_port()}});

  if (s.sentinels) {
    // Every connection to the master asks the sentinels where it is and follows its failovers.
    for (const auto& c : {s.redis, s.files_redis, s.bridge->subscriber()}) {
      c->set_locator(s.sentinels);
      s.sentinels->follow(c);
    }
    s.sentinels->start();
  }
  s.redis->start();
  s.files_redis->start();
  s.bridge->start();
  asio::post(s.strand, [&s] { s.bootstrap(); });
  s.signals.async_wait([&s](boost::system::error_code ec, int sig) {
    if (!ec) s.on_signal(sig);
  });

  std::mutex m;
  std::condition_variable cv;
  unsigned running = cfg.threads;
  std::vector<std::thread> threads;
  for (unsigned i = 0; i < cfg.threads; ++i) {
    threads.emplace_back([&s, &m, &cv, &running, i] {
      for (;;) {
        try {
          s.loops.at(i).run();
          break;
        } catch (const std::exception& e) {
          log::error("io_thread_exception", {{"err", e.what()}});
        }
      }
      std::lock_guard<std::mutex> lock{m};
      if (--running == 0) cv.notify_all();
    });
  }

  // The main thread waits for the signal, finishes bcrypt jobs off the I/O threads, then gives
  // the loop a short grace to run dry before stopping it.
  s.stop_requested.get_future().wait();
  s.hasher->stop();
  {
    std::unique_lock<std::mutex> lock{m};
    if (!cv.wait_for(lock, kShutdownGrace, [&] { return running == 0; })) {
      log::warn("shutdown_grace_expired", {{"grace_ms", static_cast<std::int64_t>(kShutdownGrace / 1ms)}});
      s.loops.stop();
    }
  }
  for (auto& t : threads) t.join();

  // Completions that were queued when the loop stopped (aborted I/O, late hasher callbacks) run
  // now, while the store, the hasher and the server still exist.
  s.loops.poll_remaining();
  // Every actor has ended (the directory and presence were stopped; sessions end with them)
  // before anything they reference goes away.
  s.actor_sys->await_all_actors_done();
  s.server.reset();
  s.assistant.reset();
  s.ai_backend.reset(); // joins the backend's I/O thread
  s.realtime.reset();
  s.stats.reset();
  s.members.reset();
  s.bridge.reset();
  s.presence.reset();
  s.store.reset();
  s.redis.reset();
  s.files_redis.reset();
  s.loops.poll_remaining();
  log::info("stopped");
  return 0;
}

} // namespace chat::app
