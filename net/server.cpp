#include "net/server.hpp"

#include "metrics/log.hpp"
#include "net/api_env.hpp"
#include "net/api_service.hpp"
#include "net/connection_registry.hpp"
#include "net/internal_service.hpp"
#include "net/listener.hpp"

namespace chat::net {

namespace {

/// The client port's handler together with the environment it references, so that sessions that
/// outlive the server keep both alive through one shared_ptr.
struct client_stack {
  client_stack(server_options opts, server_deps& deps, std::shared_ptr<connection_registry> registry)
    : limiter(opts.messages_per_10s, std::chrono::seconds{10}),
      env{std::move(opts), deps.store, deps.hasher, deps.metrics, deps.realtime, limiter, std::move(registry)},
      service(env) {}
  send_rate_limiter limiter;
  api_env env;
  api_service service;
};

} // namespace

struct server::impl {
  impl(boost::asio::io_context& io, server_options o, server_deps d)
    : ioc(io), opts(std::move(o)), deps(std::move(d)),
      registry(std::make_shared<connection_registry>()) {}

  boost::asio::io_context& ioc;
  server_options opts;
  server_deps deps;
  std::shared_ptr<connection_registry> registry;
  std::shared_ptr<listener> client;
  std::shared_ptr<listener> internal;
};

server::server(boost::asio::io_context& ioc, server_options opts, server_deps deps)
  : impl_(std::make_unique<impl>(ioc, std::move(opts), std::move(deps))) {}

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

  auto stack = std::make_shared<client_stack>(d.opts, d.deps, d.registry);
  auto client_cfg = std::make_shared<session_config>();
  client_cfg->handler = std::shared_ptr<request_handler>(stack, &stack->service);
  client_cfg->registry = d.registry;
  client_cfg->metrics = &d.deps.metrics;
  client_cfg->max_body_bytes = d.opts.max_body_bytes;
  client_cfg->max_header_bytes = d.opts.max_header_bytes;
  client_cfg->request_timeout = d.opts.request_timeout;

  auto internal_cfg = std::make_shared<session_config>();
  internal_cfg->handler = std::make_shared<internal_service>(d.deps.metrics, d.deps.ready);
  internal_cfg->registry = d.registry;
  internal_cfg->metrics = nullptr; // probes and scrapes are not client traffic
  internal_cfg->max_body_bytes = 1024;
  internal_cfg->max_header_bytes = d.opts.max_header_bytes;
  internal_cfg->request_timeout = d.opts.request_timeout;

  auto client = std::make_shared<listener>(d.ioc, std::move(client_cfg), "client");
  auto internal = std::make_shared<listener>(d.ioc, std::move(internal_cfg), "internal");
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
  return true;
}

void server::stop() {
  auto& d = *impl_;
  if (d.client)
    d.client->stop();
  if (d.internal)
    d.internal->stop();
  d.registry->close_all_when_idle();
  log::info("http_stopping", {{"connections", static_cast<std::int64_t>(d.registry->size())}});
}

std::uint16_t server::port() const {
  return impl_->client ? impl_->client->port() : 0;
}

std::uint16_t server::internal_port() const {
  return impl_->internal ? impl_->internal->port() : 0;
}

} // namespace chat::net
