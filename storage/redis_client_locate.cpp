// redis_client with a master locator (Redis Sentinel): asking where the master is before a connect,
// moving to a new master (relocate), leaving a master that turned replica (READONLY). The ROLE check
// is a handshake step (redis_client.cpp).
#include "storage/redis_client.hpp"

#include <boost/asio/post.hpp>
#include <hiredis/async.h>

#include "metrics/log.hpp"
#include "storage/redis_client_impl.hpp"

namespace chat::storage {

namespace asio = boost::asio;

namespace {

/// How long a locator may take to name the master before the client retries (a sentinel that
/// accepts connections but never answers must not hold the client forever).
constexpr auto locate_deadline = std::chrono::seconds{3};

} // namespace

void redis_client::set_locator(std::shared_ptr<master_locator> locator) {
  asio::post(impl_->strand, [self = shared_from_this(), locator = std::move(locator)]() mutable {
    self->impl_->locator = std::move(locator);
  });
}

void redis_client::relocate(master_address where) {
  asio::post(impl_->strand, [self = shared_from_this(), where = std::move(where)] { self->do_relocate(where); });
}

// -- strand ---------------------------------------------------------------------------

void redis_client::do_locate() {
  auto& d = *impl_;
  d.st = impl::state::resolving;
  d.deadline_timer.expires_after(locate_deadline);
  d.deadline_timer.async_wait([w = weak_from_this()](const boost::system::error_code& ec) {
    auto self = w.lock();
    if (!self || ec || self->impl_->st != impl::state::resolving || self->impl_->stopping)
      return;
    log::warn("redis_master_locate_timeout", {{"role", self->role_}});
    self->schedule_reconnect(); // the late answer finds the client no longer resolving and is dropped
  });
  d.locator->locate([w = weak_from_this()](bool ok, master_address where) {
    auto self = w.lock();
    if (!self)
      return;
    asio::post(self->impl_->strand, [self, ok, where = std::move(where)] {
      auto& dd = *self->impl_;
      if (dd.stopping) {
        dd.st = impl::state::stopped;
        return;
      }
      if (dd.st != impl::state::resolving)
        return;
      dd.deadline_timer.cancel(); // answered in time (host resolution below is not the locator's)
      if (!ok) {
        if (!dd.failure_logged) {
          dd.failure_logged = true;
          log::warn("redis_master_unknown", {{"role", self->role_}});
        }
        self->schedule_reconnect();
        return;
      }
      dd.target = where;
      self->resolve_host(where.host, where.port);
    });
  });
}

void redis_client::do_relocate(const master_address& where) {
  auto& d = *impl_;
  if (!d.locator || d.stopping)
    return;
  switch (d.st) {
    case impl::state::up:
    case impl::state::handshaking:
    case impl::state::connecting:
      if (d.target == where || d.ac == nullptr)
        return;
      log::warn("redis_relocating", {{"role", role_}, {"from", describe(d.target)},
                                     {"to", describe(where)}});
      d.attempt = 0; // reconnect at once (the first backoff step)
      if (d.st == impl::state::connecting) {
        redisAsyncContext* ac = d.ac;
        redisAsyncFree(ac);
        if (d.ac == ac) // not TCP-connected: hiredis did not call the disconnect callback
          on_context_gone(false);
      } else {
        redisAsyncDisconnect(d.ac);
      }
      return;
    case impl::state::waiting:
      d.attempt = 0;
      d.reconnect_timer.cancel();
      do_resolve();
      return;
    case impl::state::idle:
    case impl::state::resolving:
    case impl::state::stopped:
      return; // not started, or about to ask the locator anyway
  }
}

void redis_client::on_readonly() {
  auto& d = *impl_;
  if (!d.locator || d.st != impl::state::up || d.ac == nullptr)
    return;
  log::warn("redis_master_readonly", {{"role", role_}, {"server", describe(d.target)}});
  d.locator->suspect(d.target);
  d.attempt = 0;
  redisAsyncDisconnect(d.ac); // replies in flight still arrive; then the client locates the master again
}

} // namespace chat::storage
