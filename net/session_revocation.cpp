#include "net/session_revocation.hpp"

#include <algorithm>

#include <boost/asio/post.hpp>

#include "metrics/log.hpp"

namespace chat::net {

namespace {

/// Sessions looked up per MGET: a node with 10,000 distinct sessions sends 20 commands per check.
constexpr std::size_t kLookupBatch = 500;

} // namespace

std::vector<std::string> ended_sessions(const std::vector<live_session>& live,
                                        const std::vector<std::string>& stored) {
  std::vector<std::string> out;
  if (live.size() != stored.size())
    return out;
  for (std::size_t i = 0; i < live.size(); ++i)
    if (stored[i] != live[i].user_id)
      out.push_back(live[i].id);
  return out;
}

session_revocation::session_revocation(storage::chat_store& store, std::shared_ptr<session_registry> registry,
                                       publisher publish)
  : store_(store), registry_(std::move(registry)), publish_(std::move(publish)) {}

void session_revocation::end_session(const std::string& session_id, std::function<void(storage::errc)> done) {
  // Here first, before Redis: a frame this node reads from now on is refused, so nothing sent after
  // the logout's answer is carried out (the answer waits for the delete below).
  const auto here = registry_->end_session(session_id);
  if (here > 0)
    log::info("session_ended", {{"connections", static_cast<std::int64_t>(here)}, {"where", "here"}});
  auto deleted = [publish = publish_, session_id, done = std::move(done)](storage::errc e, bool) {
    // Then the other nodes, once the delete is done (a node that gets the envelope finds the
    // session gone too). Told even when the delete failed: their connections close either way,
    // and a client that retries the logout ends the session.
    if (publish)
      publish(session_id, {});
    if (done)
      done(e);
  };
  store_.delete_session(session_id, std::move(deleted));
}

void session_revocation::end_user_sessions(const std::string& user_id) {
  const auto here = registry_->end_user(user_id);
  log::info("user_sessions_ended", {{"user", user_id}, {"connections", static_cast<std::int64_t>(here)}});
  if (publish_)
    publish_({}, user_id);
}

void session_revocation::ended_elsewhere(const std::string& session_id, const std::string& user_id) {
  const auto here = session_id.empty() ? registry_->end_user(user_id) : registry_->end_session(session_id);
  if (here > 0)
    log::info("session_ended", {{"connections", static_cast<std::int64_t>(here)}, {"where", "elsewhere"}});
}

// -- expiry check ----------------------------------------------------------------------------------

void session_revocation::start_checks(boost::asio::io_context& ioc, std::chrono::milliseconds interval) {
  timer_ = std::make_unique<boost::asio::steady_timer>(ioc);
  interval_ = std::max(interval, std::chrono::milliseconds{100});
  schedule();
}

void session_revocation::schedule() {
  timer_->expires_after(interval_);
  timer_->async_wait([weak = weak_from_this()](boost::system::error_code ec) {
    auto self = weak.lock();
    if (ec || !self || self->stopped_.load(std::memory_order_acquire))
      return;
    self->check_now();
    self->schedule();
  });
}

void session_revocation::stop() {
  stopped_.store(true, std::memory_order_release);
  if (timer_) // the timer lives on its loop: cancelled there
    boost::asio::post(timer_->get_executor(), [self = shared_from_this()] { self->timer_->cancel(); });
}

void session_revocation::check_now() {
  if (lookups_.load(std::memory_order_acquire) > 0)
    return; // the previous check is still waiting for Redis: no pile-up behind a slow Redis
  auto live = registry_->sessions();
  if (live.empty())
    return;
  const auto batches = (live.size() + kLookupBatch - 1) / kLookupBatch;
  lookups_.store(static_cast<int>(batches), std::memory_order_release);
  for (std::size_t b = 0; b < batches; ++b) {
    auto first = live.begin() + static_cast<std::ptrdiff_t>(b * kLookupBatch);
    auto last = live.begin() + static_cast<std::ptrdiff_t>(std::min(live.size(), (b + 1) * kLookupBatch));
    std::vector<live_session> part{std::make_move_iterator(first), std::make_move_iterator(last)};
    std::vector<std::string> ids;
    ids.reserve(part.size());
    for (auto& s : part)
      ids.push_back(s.id);
    store_.session_users(std::move(ids), [self = shared_from_this(), part = std::move(part)](
                                           storage::errc e, std::vector<std::string> stored) {
      self->lookups_.fetch_sub(1, std::memory_order_acq_rel);
      if (e != storage::errc::ok)
        return; // Redis unavailable: nothing is ended on doubt (the next check asks again)
      std::size_t connections = 0;
      const auto gone = ended_sessions(part, stored);
      for (auto& id : gone)
        connections += self->registry_->end_session(id);
      if (!gone.empty())
        log::info("sessions_expired", {{"sessions", static_cast<std::int64_t>(gone.size())},
                                       {"connections", static_cast<std::int64_t>(connections)}});
    });
  }
}

} // namespace chat::net
