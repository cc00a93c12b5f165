// redis_client: creation and the connection state machine (resolve, connect, AUTH/SELECT,
// reconnect with backoff, stop). Commands and Pub/Sub are in redis_client_io.cpp.
#include "storage/redis_client.hpp"

#include <algorithm>

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>
#include <hiredis/async.h>
#include <hiredis/hiredis.h>

#include "metrics/log.hpp"
#include "metrics/node_metrics.hpp"
#include "storage/redis_client_impl.hpp"

namespace chat::storage {

namespace asio = boost::asio;
using boost::system::error_code;
using namespace std::chrono_literals;

namespace {

constexpr auto connect_deadline = 3s;   // TCP connect + AUTH + SELECT
constexpr auto stop_grace = 1s;         // replies in flight at stop()
constexpr int backoff_first_ms = 100;
constexpr int backoff_max_ms = 2000;

} // namespace

std::shared_ptr<redis_client> redis_client::create(asio::io_context& ioc, redis_endpoint ep,
                                                   metrics::node_metrics* metrics, std::string role) {
  std::shared_ptr<redis_client> c{new redis_client(ioc, std::move(ep), metrics, std::move(role))};
  c->impl_->sink = std::make_unique<subscription_sink>(subscription_sink{c});
  if (c->metrics_ != nullptr) {
    c->metrics_->redis_connected(c->role_).Set(0);
    // Backlog gauges are read at scrape time: fresh even while Redis answers nothing.
    auto* in_flight = &c->metrics_->redis_in_flight(c->role_);
    auto* delay = &c->metrics_->redis_queue_delay(c->role_);
    // The hook shares the meter, not the client: a scrape never ends a client's life.
    c->metrics_->add_collect_hook([meter = c->delay_, in_flight, delay] {
      in_flight->Set(static_cast<double>(meter->in_flight()));
      delay->Set(std::chrono::duration<double>(meter->estimate(std::chrono::steady_clock::now())).count());
    });
  }
  return c;
}

redis_client::redis_client(asio::io_context& ioc, redis_endpoint ep, metrics::node_metrics* metrics,
                           std::string role)
  : endpoint_(std::move(ep)), metrics_(metrics), role_(std::move(role)),
    impl_(std::make_unique<impl>(ioc)) {}

redis_client::~redis_client() = default;

void redis_client::start() {
  asio::post(impl_->strand, [self = shared_from_this()] {
    auto& d = *self->impl_;
    if (d.started || d.stopping)
      return;
    d.started = true;
    self->do_resolve();
  });
}

void redis_client::stop() {
  asio::post(impl_->strand, [self = shared_from_this()] { self->do_stop(); });
}

// -- connection state machine (strand) -------------------------------------------------------

void redis_client::do_resolve() {
  auto& d = *impl_;
  if (d.stopping) {
    d.st = impl::state::stopped;
    return;
  }
  if (d.locator) {
    do_locate();
    return;
  }
  d.target = master_address{endpoint_.host, endpoint_.port};
  resolve_host(endpoint_.host, endpoint_.port);
}

void redis_client::resolve_host(const std::string& host, std::uint16_t port) {
  auto& d = *impl_;
  error_code ec;
  auto literal = asio::ip::make_address(host, ec);
  if (!ec) {
    do_connect(literal.to_string(), port);
    return;
  }
  d.st = impl::state::resolving;
  d.resolver.async_resolve(
    host, std::to_string(port),
    asio::bind_executor(d.strand, [self = shared_from_this(), host, port](const error_code& rec,
                                                                          asio::ip::tcp::resolver::results_type res) {
      auto& dd = *self->impl_;
      if (dd.stopping) {
        dd.st = impl::state::stopped;
        return;
      }
      if (rec || res.empty()) {
        if (!dd.failure_logged) {
          dd.failure_logged = true;
          log::warn("redis_resolve_failed", {{"role", self->role_}, {"host", host},
                                             {"error", rec.message()}});
        }
        self->schedule_reconnect();
        return;
      }
      self->do_connect(res.begin()->endpoint().address().to_string(), port);
    }));
}

void redis_client::do_connect(const std::string& address, std::uint16_t port) {
  auto& d = *impl_;
  redisAsyncContext* ac = redisAsyncConnect(address.c_str(), port);
  if (ac == nullptr) {
    schedule_reconnect();
    return;
  }
  if (ac->err != 0) {
    if (!d.failure_logged) {
      d.failure_logged = true;
      log::warn("redis_connect_failed", {{"role", role_}, {"endpoint", describe(impl_->target)},
                                         {"error", ac->errstr != nullptr ? ac->errstr : "?"}});
    }
    redisAsyncFree(ac);
    schedule_reconnect();
    return;
  }
  ac->data = this;
  redisAsyncSetConnectCallback(ac, &redis_client::connect_cb);
  redisAsyncSetDisconnectCallback(ac, &redis_client::disconnect_cb);
  if (!detail::attach_asio(ac, d.strand)) {
    redisAsyncFree(ac);
    log::error("redis_attach_failed", {{"role", role_}});
    schedule_reconnect();
    return;
  }
  d.ac = ac;
  d.self = shared_from_this();
  d.st = impl::state::connecting;
  ++d.generation;
  d.deadline_timer.expires_after(connect_deadline);
  d.deadline_timer.async_wait([w = weak_from_this(), gen = d.generation](const error_code& ec) {
    auto self = w.lock();
    if (!self)
      return;
    auto& dd = *self->impl_;
    if (ec || gen != dd.generation || dd.ac == nullptr || dd.st == impl::state::up)
      return;
    log::warn("redis_connect_timeout", {{"role", self->role_}, {"endpoint", describe(self->impl_->target)}});
    redisAsyncContext* stuck = dd.ac;
    redisAsyncFree(stuck);
    if (dd.ac == stuck) // not TCP-connected: hiredis did not call the disconnect callback
      self->on_context_gone(false);
  });
}

void redis_client::connect_cb(const redisAsyncContext* ac, int status) {
  auto* self = static_cast<redis_client*>(ac->data);
  self->on_connect_result(status == REDIS_OK);
}

void redis_client::disconnect_cb(const redisAsyncContext* ac, int status) {
  auto* self = static_cast<redis_client*>(ac->data);
  if (status != REDIS_OK && self->impl_->st == impl::state::up)
    log::warn("redis_connection_lost", {{"role", self->role_},
                                        {"error", ac->errstr != nullptr ? ac->errstr : "?"}});
  self->on_context_gone(true);
}

void redis_client::on_connect_result(bool ok) {
  auto& d = *impl_;
  if (!ok) {
    if (!d.failure_logged) {
      d.failure_logged = true;
      log::warn("redis_connect_failed", {{"role", role_}, {"endpoint", describe(impl_->target)},
                                         {"error", d.ac != nullptr && d.ac->errstr != nullptr ? d.ac->errstr : "?"}});
    }
    on_context_gone(false); // hiredis frees the context right after this callback
    return;
  }
  d.st = impl::state::handshaking;
  std::vector<std::vector<std::string>> steps;
  if (!endpoint_.password.empty()) {
    if (endpoint_.username.empty())
      steps.push_back({"AUTH", endpoint_.password});
    else
      steps.push_back({"AUTH", endpoint_.username, endpoint_.password});
  }
  if (endpoint_.db != 0)
    steps.push_back({"SELECT", std::to_string(endpoint_.db)});
  if (d.locator)
    steps.push_back({"ROLE"}); // a failover may have turned the server the sentinels named into a replica
  d.handshake_left = static_cast<int>(steps.size());
  if (steps.empty()) {
    on_handshake_reply(redis_reply{redis_reply::kind::status, 0, "OK", {}}, "none");
    return;
  }
  for (auto& argv : steps) {
    const char* what = argv.front() == "AUTH" ? "AUTH" : argv.front() == "SELECT" ? "SELECT" : "ROLE";
    auto gen = d.generation;
    reply_handler on_reply = [w = weak_from_this(), gen, what](redis_reply r) {
      if (auto self = w.lock(); self && self->impl_->generation == gen)
        self->on_handshake_reply(r, what);
    };
    std::string label{what};
    bool sent = send_raw(argv, label, on_reply);
    if (!sent) {
      redisAsyncDisconnect(d.ac);
      return;
    }
  }
}

void redis_client::on_handshake_reply(const redis_reply& r, const char* what) {
  auto& d = *impl_;
  if (d.st != impl::state::handshaking)
    return;
  if (r.is_io_error())
    return; // the disconnect callback follows
  if (r.is_error()) {
    if (!d.failure_logged) { // once per failure streak: the client retries every ≤2 s
      d.failure_logged = true;
      log::error("redis_handshake_failed", {{"role", role_}, {"step", what}, {"error", r.str}});
    }
    d.st = impl::state::connecting;
    redisAsyncDisconnect(d.ac); // we are inside a hiredis callback: it disconnects afterwards
    return;
  }
  if (std::string_view{what} == "ROLE"
      && !(r.is_array() && !r.elements.empty() && r.elements[0].text_is("master"))) {
    log::warn("redis_not_master", {{"role", role_}, {"server", describe(d.target)}});
    if (d.locator)
      d.locator->suspect(d.target);
    d.st = impl::state::connecting;
    redisAsyncDisconnect(d.ac);
    return;
  }
  if (--d.handshake_left > 0)
    return;
  d.st = impl::state::up;
  d.attempt = 0;
  d.failure_logged = false;
  d.deadline_timer.cancel();
  set_connected(true);
  if (d.ever_connected && metrics_ != nullptr)
    metrics_->redis_reconnects(role_).Increment();
  log::info(d.ever_connected ? "redis_reconnected" : "redis_connected",
            {{"role", role_}, {"endpoint", describe(impl_->target)}});
  d.ever_connected = true;
  send_subscription("SUBSCRIBE", std::vector<std::string>(d.channels.begin(), d.channels.end()));
  d.connect_pending = true;
  settle_subscriptions(); // fires on_connect now when there is nothing to confirm
}

void redis_client::on_context_gone(bool /*from_disconnect_cb*/) {
  auto& d = *impl_;
  bool was_up = d.st == impl::state::up;
  d.ac = nullptr;
  ++d.generation;
  d.confirmed.clear();
  d.connect_pending = false;
  d.deadline_timer.cancel();
  if (was_up) {
    set_connected(false);
    if (d.on_disconnect) {
      try {
        d.on_disconnect();
      } catch (...) {
        log::error("redis_on_disconnect_threw", {{"role", role_}});
      }
    }
  }
  // Release the self-reference later: hiredis is still inside its free routine.
  asio::post(d.strand, [keep = std::move(d.self)] {});
  if (d.stopping) {
    d.st = impl::state::stopped;
    log::info("redis_stopped", {{"role", role_}});
    return;
  }
  schedule_reconnect();
}

void redis_client::schedule_reconnect() {
  auto& d = *impl_;
  if (d.stopping) {
    d.st = impl::state::stopped;
    return;
  }
  d.st = impl::state::waiting;
  int delay = backoff_max_ms;
  if (d.attempt < 5)
    delay = std::min(backoff_max_ms, backoff_first_ms << d.attempt);
  ++d.attempt;
  std::uniform_int_distribution<int> jitter(delay / 2, delay);
  d.reconnect_timer.expires_after(std::chrono::milliseconds(jitter(d.rng)));
  d.reconnect_timer.async_wait([self = shared_from_this()](const error_code& ec) {
    if (!ec && !self->impl_->stopping)
      self->do_resolve();
  });
}

void redis_client::do_stop() {
  auto& d = *impl_;
  if (d.stopping)
    return;
  d.stopping = true;
  d.reconnect_timer.cancel();
  d.resolver.cancel();
  if (d.ac == nullptr) {
    d.st = impl::state::stopped;
    return;
  }
  if (d.st == impl::state::connecting) {
    redisAsyncContext* ac = d.ac;
    redisAsyncFree(ac);
    if (d.ac == ac)
      on_context_gone(false);
    return;
  }
  redisAsyncDisconnect(d.ac); // waits for replies in flight
  if (d.ac == nullptr)
    return;
  d.deadline_timer.expires_after(stop_grace);
  d.deadline_timer.async_wait([w = weak_from_this(), gen = d.generation](const error_code& ec) {
    auto self = w.lock();
    if (!self || ec || gen != self->impl_->generation || self->impl_->ac == nullptr)
      return;
    redisAsyncContext* ac = self->impl_->ac;
    redisAsyncFree(ac);
    if (self->impl_->ac == ac)
      self->on_context_gone(false);
  });
}

void redis_client::set_connected(bool up) {
  connected_.store(up, std::memory_order_release);
  if (metrics_ != nullptr)
    metrics_->redis_connected(role_).Set(up ? 1 : 0);
}

} // namespace chat::storage
