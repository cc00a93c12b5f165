#include "net/server.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <algorithm>

#include "metrics/log.hpp"
#include "net/api_env.hpp"
#include "net/api_service.hpp"
#include "net/connection_registry.hpp"
#include "net/internal_service.hpp"
#include "net/io_loops.hpp"
#include "net/listener.hpp"
#include "net/session_revocation.hpp"

namespace chat::net {

namespace {

/// The client port's handler together with the environment it references, so that sessions that
/// outlive the server keep both alive through one shared_ptr.
struct client_stack {
  client_stack(io_loops& loops, server_options opts, server_deps& deps,
               std::shared_ptr<connection_registry> registry, std::shared_ptr<session_revocation> sessions)
    : limiter(opts.messages_per_10s, std::chrono::seconds{10}),
      chat(deps.store, deps.realtime, limiter, deps.metrics, opts.commands),
      env{std::move(opts), deps.store, deps.hasher, deps.metrics, deps.realtime, chat, std::move(registry),
          deps.admin_stats, &loops, {}, std::move(sessions), deps.files},
      service(env) {
    chat.set_assistant(deps.assistant);
    // Each loop wakes, paces and keeps alive its own connections: no hand-over between I/O threads.
    for (std::size_t i = 0; i < loops.size(); ++i) {
      auto ex = loops.at(i).get_executor();
      auto& l = env.loops.emplace_back();
      l.waker = std::make_shared<wake_queue>(ex);
      // A connection is pinged after 2 silent sweeps and closed after 4: at half the idle
      // timeout and at the timeout, a quarter of it late at most.
      l.keepalive = std::make_shared<keepalive_timer>(ex, env.opts.live.ws_idle_timeout / 4);
      if (env.opts.live.ws_write_delay.count() > 0)
        l.coalescer = std::make_shared<write_coalescer>(ex, env.opts.live.ws_write_delay,
                                                        env.opts.live.ws_write_delay_max);
    }
  }
  actors::send_rate_limiter limiter;
  actors::chat_service chat;
  api_env env;
  api_service service;
};

} // namespace

struct server::impl {
  impl(io_loops& l, server_options o, server_deps d)
    : loops(l), ioc(l.main()), opts(std::move(o)), deps(std::move(d)),
      registry(std::make_shared<connection_registry>()),
      sessions(std::make_shared<session_revocation>(deps.store, std::make_shared<session_registry>(),
                                                    deps.publish_session_end)) {}

  io_loops& loops;
  boost::asio::io_context& ioc; ///< the main loop: listeners, drain
  server_options opts;
  server_deps deps;
  std::shared_ptr<connection_registry> registry;
  std::shared_ptr<session_revocation> sessions; ///< live connections by session; ends sessions
  std::shared_ptr<listener> client;
  std::shared_ptr<listener> internal;
};

server::server(io_loops& loops, server_options opts, server_deps deps)
  : impl_(std::make_unique<impl>(loops, std::move(opts), std::move(deps))) {}

server::~server() {
  if (impl_->client)
    impl_->client->stop();
  if (impl_->internal)
    impl_->internal->stop();
}

bool server::start(std::string& error) {
  auto& d = *impl_;
  if (d.client)
    return true; // already started

  auto stack = std::make_shared<client_stack>(d.loops, d.opts, d.deps, d.registry, d.sessions);
  auto client_cfg = std::make_shared<session_config>();
  client_cfg->handler = std::shared_ptr<request_handler>(stack, &stack->service);
  client_cfg->registry = d.registry;
  client_cfg->metrics = &d.deps.metrics;
  client_cfg->max_body_bytes = d.opts.max_body_bytes;
  client_cfg->max_upload_bytes = d.opts.uploads.max_bytes;
  client_cfg->max_header_bytes = d.opts.max_header_bytes;
  client_cfg->request_timeout = d.opts.request_timeout;
  auto trusted = trusted_proxies::parse(d.opts.trusted_proxies, error);
  if (!trusted) {
    error = "--trusted-proxies: " + error;
    return false;
  }
  client_cfg->trusted = std::move(*trusted);

  auto internal_cfg = std::make_shared<session_config>();
  internal_cfg->handler = std::make_shared<internal_service>(d.deps.metrics, d.deps.ready);
  internal_cfg->registry = d.registry;
  internal_cfg->metrics = nullptr; // probes and scrapes are not client traffic
  internal_cfg->max_body_bytes = 1024;
  internal_cfg->max_header_bytes = d.opts.max_header_bytes;
  internal_cfg->request_timeout = d.opts.request_timeout;

  auto client = std::make_shared<listener>(d.ioc, &d.loops, std::move(client_cfg), "client");
  auto internal = std::make_shared<listener>(d.ioc, nullptr, std::move(internal_cfg), "internal"); // probes stay on the main loop
  if (!client->open(d.opts.bind, d.opts.port, error))
    return false;
  if (!internal->open(d.opts.bind, d.opts.internal_port, error)) {
    client->stop();
    return false;
  }
  d.client = std::move(client);
  d.internal = std::move(internal);
  d.client->run();
  d.internal->run();
  d.sessions->start_checks(d.ioc, d.opts.session_check_interval);
  return true;
}

void server::stop() {
  auto& d = *impl_;
  if (d.client)
    d.client->stop();
  if (d.internal)
    d.internal->stop();
  d.sessions->stop();
  d.registry->close_all_when_idle();
  log::info("http_stopping", {{"connections", static_cast<std::int64_t>(d.registry->size())}});
}

namespace {

/// State of one drain: the connections still to be asked, the timer pacing the batches.
struct drain_job : std::enable_shared_from_this<drain_job> {
  drain_job(boost::asio::io_context& ioc, std::shared_ptr<connection_registry> r,
            std::vector<std::shared_ptr<closable>> open, std::size_t b, std::chrono::milliseconds iv,
            std::chrono::milliseconds dl, std::function<void()> fn)
    : timer(ioc), registry(std::move(r)), pending(std::move(open)), batch(b == 0 ? 1 : b), interval(iv),
      deadline(std::chrono::steady_clock::now() + dl), done(std::move(fn)) {}

  boost::asio::steady_timer timer;
  std::shared_ptr<connection_registry> registry;
  std::vector<std::shared_ptr<closable>> pending;
  std::size_t batch;
  std::chrono::milliseconds interval;
  std::chrono::steady_clock::time_point deadline;
  std::function<void()> done;

  void step() {
    for (std::size_t i = 0; i < batch && !pending.empty(); ++i) {
      pending.back()->close_when_idle();
      pending.pop_back();
    }
    if (pending.empty() && registry->size() == 0) {
      log::info("drain_done");
      return done();
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      log::warn("drain_deadline", {{"open", static_cast<std::int64_t>(registry->size())}});
      for (auto& c : pending)
        c->close_when_idle();
      pending.clear();
      return done();
    }
    timer.expires_after(pending.empty() ? std::chrono::milliseconds{50} : interval);
    timer.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (!ec)
        self->step();
    });
  }
};

} // namespace

void server::drain(std::size_t batch, std::chrono::milliseconds interval, std::chrono::milliseconds deadline,
                   std::function<void()> done) {
  auto& d = *impl_;
  // The internal port stays up: probes and scrapes keep working while the clients move away.
  if (d.client)
    d.client->stop();
  auto open = d.registry->begin_drain();
  // All batches are asked within half the deadline; the other half is for the closes to finish.
  if (batch == 0)
    batch = 1;
  auto batches = static_cast<std::int64_t>((open.size() + batch - 1) / batch);
  if (batches > 0)
    interval = std::min(interval, std::chrono::milliseconds{deadline.count() / 2 / batches});
  log::info("drain_started", {{"connections", static_cast<std::int64_t>(open.size())},
                              {"batch", static_cast<std::int64_t>(batch)}});
  // Drop our references to connections that are already gone; keep the live ones for batching.
  auto job = std::make_shared<drain_job>(d.ioc, d.registry, std::move(open), batch, interval, deadline,
                                         std::move(done));
  job->step();
}

void server::end_sessions_here(const std::string& session_id, const std::string& user_id) {
  impl_->sessions->ended_elsewhere(session_id, user_id);
}

std::uint16_t server::port() const {
  return impl_->client ? impl_->client->port() : 0;
}

std::uint16_t server::internal_port() const {
  return impl_->internal ? impl_->internal->port() : 0;
}

} // namespace chat::net
