// A node's start-up, all on its strand: schema, demo seed, `--admin` roles, connection slots and
// presence of an earlier life of this server id; retried until Redis answers, never blocking.
#include <cstdint>

#include "app/node_impl.hpp"
#include "metrics/log.hpp"
#include "storage/demo_seed.hpp"

namespace chat::app {

using namespace std::chrono_literals;

void node::impl::retry(std::chrono::milliseconds after) {
  retry_timer.expires_after(after);
  retry_timer.async_wait([this](boost::system::error_code ec) {
    if (!ec) bootstrap();
  });
}

void node::impl::bootstrap() {
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

void node::impl::promote_admins() {
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

void node::impl::finish_bootstrap() {
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

void node::impl::reset_presence() {
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

} // namespace chat::app
