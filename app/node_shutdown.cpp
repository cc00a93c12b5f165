// A node's end: the first SIGINT/SIGTERM drains the clients (told to reconnect elsewhere, in
// batches), then stops the actors, hands presence over and releases Redis; the I/O threads return,
// and everything is destroyed in dependency order. A second signal exits at once.
#include <signal.h>
#include <unistd.h>

#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include <caf/send.hpp>

#include "actors/atoms.hpp"
#include "app/node_impl.hpp"
#include "metrics/log.hpp"

namespace chat::app {

using namespace std::chrono_literals;

namespace {

constexpr auto kShutdownGrace = 2s;      // then the loops are stopped if not dry
constexpr std::size_t kDrainBatch = 100; // connections told to reconnect at once
constexpr auto kDrainInterval = 100ms;   // between batches (at most)

/// Second SIGINT/SIGTERM during the shutdown: leave at once (async-signal-safe).
extern "C" void exit_now(int sig) { _exit(128 + sig); }

} // namespace

void node::impl::on_signal(int sig) {
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

void node::impl::finish_shutdown() {
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

void node::impl::run_until_stopped() {
  std::mutex m;
  std::condition_variable cv;
  unsigned running = cfg.threads;
  std::vector<std::thread> threads;
  for (unsigned i = 0; i < cfg.threads; ++i) {
    threads.emplace_back([this, &m, &cv, &running, i] {
      for (;;) {
        try {
          loops.at(i).run();
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
  stop_requested.get_future().wait();
  hasher->stop();
  {
    std::unique_lock<std::mutex> lock{m};
    if (!cv.wait_for(lock, kShutdownGrace, [&] { return running == 0; })) {
      log::warn("shutdown_grace_expired", {{"grace_ms", static_cast<std::int64_t>(kShutdownGrace / 1ms)}});
      loops.stop();
    }
  }
  for (auto& t : threads) t.join();

  // Completions that were queued when the loop stopped (aborted I/O, late hasher callbacks) run
  // now, while the store, the hasher and the server still exist.
  loops.poll_remaining();
  // Every actor has ended (the directory and presence were stopped; sessions end with them)
  // before anything they reference goes away.
  actor_sys->await_all_actors_done();
  server.reset();
  assistant.reset();
  ai_backend.reset(); // joins the backend's I/O thread
  realtime.reset();
  stats.reset();
  members.reset();
  bridge.reset();
  presence.reset();
  store.reset();
  redis.reset();
  files_redis.reset();
  loops.poll_remaining();
  log::info("stopped");
}

} // namespace chat::app
