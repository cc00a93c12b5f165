// One chat node's wiring: Redis (directly or through Sentinel), the store, the password hasher, the
// actor layer, the Pub/Sub bridge and membership, the HTTP server, then the I/O threads until a
// signal (app/node_impl.hpp names the other parts).
#include "app/node.hpp"

#include <iostream>

#include "actors/assistant_ports.hpp"
#include "actors/json_frames.hpp"
#include "actors/retention_actor.hpp"
#include "actors/search_indexer.hpp"
#include "actors/store_adapters.hpp"
#include "ai/ai_options.hpp"
#include "app/node_impl.hpp"
#include "metrics/log.hpp"
#include "storage/redis_file_store.hpp"
#include "storage/redis_url.hpp"

namespace chat::app {

namespace {

constexpr std::size_t kHashBacklog = 256; // bcrypt jobs waiting before 503

std::string url(const std::string& bind, std::uint16_t port) {
  std::string host = bind == "0.0.0.0" || bind == "::" ? "localhost" : bind;
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  return "http://" + host + ":" + std::to_string(port) + "/";
}

} // namespace

bool node::impl::start_assistant(std::string& error) {
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
  s.bridge = std::make_unique<cluster::pubsub_bridge>(s.ioc, ep, s.redis, cfg.server_id, &s.metrics,
                                                      s.make_bridge_handlers());
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

  s.realtime = std::make_unique<actors::realtime>(*s.actor_sys, history, presence_backend, s.make_room_interest(),
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
  if (cfg.retention.policy.active()) {
    auto ports = actors::make_retention_ports(*s.store, cfg.retention, &s.metrics);
    ports.announce = [&s](const std::string& room_id, std::int64_t upto) { s.announce_trim(room_id, upto); };
    s.retention = actors::spawn_retention(*s.actor_sys, std::move(ports), cfg.retention);
  }
  log::info("listening", {{"url", url(cfg.server.bind, s.server->port())},
                          {"internal_url", url(cfg.server.bind, s.server->internal_port())},
                          {"port", s.server->port()}, {"internal_port", s.server->internal_port()}});

  if (s.sentinels)
    s.follow_sentinels();
  s.redis->start();
  s.files_redis->start();
  s.bridge->start();
  asio::post(s.strand, [&s] { s.bootstrap(); });
  s.signals.async_wait([&s](boost::system::error_code ec, int sig) {
    if (!ec) s.on_signal(sig);
  });

  s.run_until_stopped();
  return 0;
}

} // namespace chat::app
