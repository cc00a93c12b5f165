#include "storage/send_batcher.hpp"

#include <utility>

#include "metrics/node_metrics.hpp"
#include "storage/chat_store_impl.hpp"
#include "storage/key_schema.hpp"
#include "storage/lua_scripts.hpp"
#include "storage/message_json.hpp"
#include "storage/room_event_replies.hpp"
#include "storage/script_runner.hpp"
#include "storage/search_feed.hpp"

namespace chat::storage {

namespace {

/// Calls one message's callback; a throwing callback is logged and must not keep the others (or the
/// next batch) from being settled.
template <class... A>
void call(const callback<sent_message>& done, A&&... a) {
  try {
    done(std::forward<A>(a)...);
  } catch (const std::exception& ex) {
    log::error("send_callback_threw", {{"error", ex.what()}});
  } catch (...) {
    log::error("send_callback_threw", {});
  }
}

/// One message's element of the script's answer.
void settle(const callback<sent_message>& done, redis_reply& e, metrics::node_metrics* metrics) {
  if (e.text_is("forbidden") || e.text_is("not_found")) { // not a member / no such room: nothing written
    call(done, e.text_is("forbidden") ? errc::forbidden : errc::not_found, sent_message{});
    return;
  }
  if (e.text_is("bad_file")) { // an attachment it may not attach: nothing written
    call(done, errc::invalid, sent_message{});
    return;
  }
  if (e.text_is("archived")) { // an archived channel is read-only: nothing written
    call(done, errc::archived, sent_message{});
    return;
  }
  if (e.text_is("not_replicated")) { // written, but WAIT saw too few replicas (await_replicas)
    call(done, errc::not_replicated, sent_message{});
    return;
  }
  if (auto until = muted_until(e)) { // a moderator muted the sender: nothing written
    sent_message m;
    m.muted_until = *until;
    call(done, errc::muted, std::move(m));
    return;
  }
  if (!e.is_array() || e.elements.size() < 4 || !e.elements[0].is_integer() || !e.elements[1].is_integer()
      || !e.elements[2].is_integer() || !e.elements[3].is_string()) {
    call(done, detail::unexpected(e, "send_message"), sent_message{});
    return;
  }
  if (metrics != nullptr) {
    metrics->messages_persisted().Increment();
    metrics->pubsub_published().Increment();
  }
  sent_message m;
  m.id = e.elements[0].integer;
  m.prev = e.elements[1].integer;
  m.date = e.elements[2].integer;
  m.json = std::move(e.elements[3].str);
  call(done, errc::ok, std::move(m));
}

} // namespace

send_batcher::send_batcher(std::shared_ptr<script_runner> scripts, options opts, std::shared_ptr<search_feed> feed)
  : scripts_(std::move(scripts)), server_id_json_(json_string(opts.server_id)),
    max_in_flight_(opts.max_in_flight == 0 ? 1 : opts.max_in_flight), tutorial_pubsub_(opts.tutorial_pubsub),
    min_replicas_(opts.min_replicas), replica_timeout_ms_(std::to_string(opts.replica_timeout.count())),
    feed_(std::move(feed)) {}

bool send_batcher::add(outgoing_message& m) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (in_flight_ >= max_in_flight_) { // the calls in flight take it along when one is answered
      if (waiting_.size() - waiting_head_ >= kMaxWaiting)
        return false;
      m.queued = std::chrono::steady_clock::now();
      if (waiting_head_ == waiting_.size())
        oldest_queued_.store(m.queued.time_since_epoch().count(), std::memory_order_relaxed);
      waiting_.push_back(std::move(m));
      return true;
    }
    ++in_flight_; // nothing waits while a call slot is free
  }
  send(&m, 1); // alone, straight from the caller (no batch vector)
  return true;
}

std::chrono::steady_clock::duration send_batcher::oldest_wait(std::chrono::steady_clock::time_point now) const noexcept {
  const auto queued = oldest_queued_.load(std::memory_order_relaxed);
  if (queued == 0)
    return std::chrono::steady_clock::duration::zero();
  return std::chrono::steady_clock::duration{now.time_since_epoch().count() - queued};
}

std::vector<outgoing_message> send_batcher::take_batch() {
  std::vector<outgoing_message> batch;
  std::size_t bytes = 0;
  while (waiting_head_ < waiting_.size() && batch.size() < kMaxBatch) {
    auto& next = waiting_[waiting_head_];
    if (!batch.empty() && bytes + next.text_json.size() > kMaxBatchBytes)
      break;
    bytes += next.text_json.size();
    batch.push_back(std::move(next));
    ++waiting_head_;
  }
  oldest_queued_.store(waiting_head_ == waiting_.size() ? 0 : waiting_[waiting_head_].queued.time_since_epoch().count(),
                       std::memory_order_relaxed);
  if (waiting_head_ == waiting_.size()) {
    waiting_.clear();
    waiting_head_ = 0;
  } else if (waiting_head_ * 2 >= waiting_.size()) { // amortised O(1): drop the taken prefix
    waiting_.erase(waiting_.begin(), waiting_.begin() + static_cast<std::ptrdiff_t>(waiting_head_));
    waiting_head_ = 0;
  }
  return batch;
}

void send_batcher::send(outgoing_message* batch, std::size_t n) {
  std::vector<std::string> keys;
  keys.reserve(2 * n);
  std::vector<std::string> args;
  args.reserve(2 + 9 * n);
  args.push_back(server_id_json_);
  std::vector<callback<sent_message>> dones;
  dones.reserve(n);
  std::vector<std::string> rooms; // (search indexing: marked once Redis answered)
  if (feed_)
    rooms.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    auto& m = batch[i];
    if (feed_ && (rooms.empty() || rooms.back() != m.room_id))
      rooms.push_back(m.room_id);
    keys.push_back(keys::room(m.room_id));
    keys.push_back(keys::room_last_id(m.room_id));
    args.push_back(keys::room_channel(m.room_id));
    args.push_back(json_string(m.room_id));
    args.push_back(json_string(m.from_user_id));
    args.push_back(std::move(m.text_json));
    args.push_back(std::move(m.from_user_id));
    args.push_back(std::move(m.room_id));
    args.push_back(std::move(m.mentions));
    args.push_back(std::move(m.files));
    args.push_back(std::move(m.location));
    dones.push_back(std::move(m.done));
  }
  args.emplace_back(tutorial_pubsub_ ? "1" : "0"); // --tutorial-pubsub
  args.emplace_back(min_replicas_ > 0 ? "1" : "0"); // the script's last ARGV: publishing deferred past WAIT
  if (auto* metrics = scripts_->redis()->metrics())
    metrics->send_batches().Increment();
  // The reply handler keeps the batcher alive (weak would drop answers the callers wait for).
  scripts_->run(scripts::send_message, std::move(keys), std::move(args),
                [self = shared_from_this(), dones = std::move(dones), rooms = std::move(rooms)](redis_reply r) mutable {
                  if (self->min_replicas_ > 0 && r.is_array() && r.elements.size() == dones.size()) {
                    self->await_replicas(std::move(dones), std::move(r), std::move(rooms));
                    return;
                  }
                  self->on_reply(dones, r, rooms);
                  self->send_next();
                });
}

void send_batcher::await_replicas(std::vector<callback<sent_message>> dones, redis_reply r,
                                  std::vector<std::string> rooms) {
  // After the script's answer, not pipelined behind it: script_runner may send the script again
  // (EVAL after NOSCRIPT), and WAIT covers only the writes sent before it on this connection.
  auto redis = scripts_->redis();
  redis->command({"WAIT", std::to_string(min_replicas_), replica_timeout_ms_}, "WAIT",
                 [self = shared_from_this(), dones = std::move(dones), r = std::move(r),
                  rooms = std::move(rooms)](redis_reply w) mutable {
                   const bool enough = w.is_integer() && w.integer >= static_cast<long long>(self->min_replicas_);
                   // Now the other nodes may deliver them (also after a shortfall: they are stored on
                   // the master, as any message is without WAIT). In call order: the chains stay whole.
                   auto redis = self->scripts_->redis();
                   for (auto& e : r.elements)
                     if (e.is_array() && e.elements.size() == 6 && e.elements[4].is_string() && e.elements[5].is_string())
                       redis->command({"PUBLISH", std::move(e.elements[4].str), std::move(e.elements[5].str)}, "PUBLISH",
                                      [](redis_reply) {});
                   if (!enough) {
                     // Stored and published, but not known to be on a replica: tell the senders so.
                     auto* metrics = self->scripts_->redis()->metrics();
                     for (auto& e : r.elements) {
                       if (!e.is_array())
                         continue; // refused (forbidden, muted, …): nothing was written, the refusal stands
                       e = redis_reply{redis_reply::kind::status, 0, "not_replicated", {}};
                       if (metrics != nullptr)
                         metrics->messages_not_replicated().Increment();
                     }
                     log::warn("send_not_replicated", {{"replicas", w.is_integer() ? std::to_string(w.integer) : w.str},
                                                       {"wanted", std::to_string(self->min_replicas_)}});
                   }
                   self->on_reply(dones, r, rooms);
                   self->send_next();
                 });
}

void send_batcher::on_reply(std::vector<callback<sent_message>>& dones, redis_reply& r,
                            const std::vector<std::string>& rooms) {
  auto* metrics = scripts_->redis()->metrics();
  if (r.is_array() && r.elements.size() == dones.size()) {
    if (feed_)
      feed_->mark(rooms);
    for (std::size_t i = 0; i < dones.size(); ++i)
      settle(dones[i], r.elements[i], metrics);
  } else {
    // The call failed as a whole (Redis down, script error, unexpected shape): so does every message.
    auto e = detail::failure_of(r, "send_message");
    for (auto& done : dones)
      call(done, e, sent_message{});
  }
}

void send_batcher::send_next() {
  std::vector<outgoing_message> next;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (waiting_head_ == waiting_.size()) {
      --in_flight_;
      return;
    }
    next = take_batch(); // this call's slot goes to the messages that waited
  }
  send(next.data(), next.size());
}

} // namespace chat::storage
