#pragma once
/// One Redis connection (hiredis 0.14 async context) driven by Boost.Asio, with reconnect.
///
/// Every hiredis call runs on the connection's own strand; the public methods are thread-safe and
/// post there. Commands are pipelined (any number in flight). While the connection is down every
/// command fails at once with `redis_reply::kind::io_error` (no queueing), and commands in flight
/// when the connection drops get `io_error` too. The client reconnects by itself with jittered
/// exponential backoff (100 ms doubling to 2 s) until stop(). After each connect it runs AUTH and
/// SELECT (when configured) before it reports connected.
///
/// With a master_locator (Redis Sentinel), the client asks it where the master is before every
/// connect, adds ROLE to the handshake (a server that is not a master is left at once), and
/// reconnects when the master answers READONLY or the locator reports a new master (relocate()).
///
/// Lifetime: create() → start() → … → stop(). stop() must be called before the io_context is
/// left to finish: it disconnects cleanly (waiting at most 1 s for replies in flight) and releases
/// the internal self-reference the client holds while a connection exists.

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "storage/master_locator.hpp"
#include "storage/queue_delay.hpp"
#include "storage/redis_reply.hpp"
#include "storage/redis_url.hpp"

namespace boost::asio {
class io_context;
} // namespace boost::asio

namespace chat::metrics {
class node_metrics;
} // namespace chat::metrics

struct redisAsyncContext;

namespace chat::storage {

class redis_client : public std::enable_shared_from_this<redis_client> {
public:
  /// Reply handler; runs on the connection's strand and must not block. Exceptions it throws are
  /// caught and logged.
  using reply_handler = std::function<void(redis_reply)>;

  /// Creates a stopped client. `metrics` may be null. `role` is "command" or "subscriber" (metric
  /// label and log field).
  static std::shared_ptr<redis_client> create(boost::asio::io_context& ioc, redis_endpoint ep,
                                              metrics::node_metrics* metrics, std::string role);

  ~redis_client();

  redis_client(const redis_client&) = delete;
  redis_client& operator=(const redis_client&) = delete;

  /// Takes the master's address from `locator` instead of the endpoint's host and port (the
  /// endpoint still gives AUTH and SELECT). Call before start().
  void set_locator(std::shared_ptr<master_locator> locator);

  /// Starts connecting (idempotent; a stopped client cannot be restarted).
  void start();

  /// The master is now at `where`: a connection to another server is closed and made again (at
  /// once, without backoff), the same for a client waiting to retry. No-op without a locator.
  void relocate(master_address where);

  /// Disconnects and stops reconnecting; callbacks still in flight get `io_error`.
  void stop();

  /// True while the connection is up and AUTH/SELECT succeeded.
  bool connected() const noexcept { return connected_.load(std::memory_order_acquire); }

  /// Sends one command (binary-safe argv). The metric label is the upper-cased command name.
  void command(std::vector<std::string> argv, reply_handler done);

  /// Sends one command and records its latency and errors under `metric_label`
  /// (e.g. "EVALSHA:send_message").
  void command(std::vector<std::string> argv, std::string metric_label, reply_handler done);

  /// The same with a shared argv, for a caller that may send it again (script_runner's EVAL
  /// fallback) without copying every argument of every command.
  void command(std::shared_ptr<const std::vector<std::string>> argv, std::string metric_label,
               reply_handler done);

  /// Called on the strand after each successful connect + AUTH + SELECT. The client re-SUBSCRIBEs
  /// every channel it is subscribed to by itself, and calls this only once Redis confirmed all of
  /// them, so a catch-up read started here cannot miss a message published before the subscription.
  void set_on_connect(std::function<void()> fn);

  /// Called on the strand whenever an established connection is lost.
  void set_on_disconnect(std::function<void()> fn);

  /// Runs `fn` on the connection's strand (used to deliver results that need no Redis call, so
  /// that every store callback runs on the same strand).
  void post(std::function<void()> fn);

  /// Subscriber mode: called on the strand for every Pub/Sub message (views into the reply, valid
  /// during the call).
  void set_on_message(std::function<void(std::string_view channel, std::string_view payload)> fn);

  /// Subscriber mode: SUBSCRIBEs to `channels` now (when connected) and after every reconnect.
  void subscribe(std::vector<std::string> channels);

  /// As subscribe(), and calls `on_subscribed` on the strand once Redis has confirmed every one of
  /// `channels` (at once if they already are; after the next reconnect if the connection is down).
  /// A channel unsubscribed before its confirmation counts as confirmed.
  void subscribe(std::vector<std::string> channels, std::function<void()> on_subscribed);

  /// Subscriber mode: UNSUBSCRIBEs and forgets `channels`.
  void unsubscribe(std::vector<std::string> channels);

  /// The metrics sink given to create() (may be null).
  metrics::node_metrics* metrics() const noexcept { return metrics_; }

  /// "command" or "subscriber".
  const std::string& role() const noexcept { return role_; }

  /// How long the command that has waited longest for its reply has waited as of `now`
  /// (estimated; zero when none is in flight). Thread-safe. See queue_delay_meter.
  std::chrono::steady_clock::duration queue_delay(std::chrono::steady_clock::time_point now) const noexcept {
    return delay_->estimate(now);
  }

  /// The endpoint this client connects to.
  const redis_endpoint& endpoint() const noexcept { return endpoint_; }

private:
  struct impl;
  struct pending_command;
  struct subscription_sink;

  redis_client(boost::asio::io_context& ioc, redis_endpoint ep, metrics::node_metrics* metrics,
               std::string role);

  // All of these run on the strand.
  void do_resolve();
  void do_locate();
  void resolve_host(const std::string& host, std::uint16_t port);
  void do_connect(const std::string& address, std::uint16_t port);
  void do_relocate(const master_address& where);
  void on_readonly();
  void on_connect_result(bool ok);
  void on_handshake_reply(const redis_reply& r, const char* what);
  void on_context_gone(bool was_connected);
  void schedule_reconnect();
  void do_stop();
  void do_command(const std::vector<std::string>& argv, std::string label, reply_handler done);
  bool send_raw(const std::vector<std::string>& argv, std::string& label, reply_handler& done);
  void send_subscription(const char* verb, const std::vector<std::string>& channels);
  void on_pubsub_reply(const redis_reply& r);
  void on_published(std::string_view channel, std::string_view payload);
  void settle_subscriptions();
  void set_connected(bool up);

  static void connect_cb(const redisAsyncContext* ac, int status);
  static void disconnect_cb(const redisAsyncContext* ac, int status);
  static void reply_cb(redisAsyncContext* ac, void* reply, void* privdata);
  static void pubsub_cb(redisAsyncContext* ac, void* reply, void* privdata);

  redis_endpoint endpoint_;
  metrics::node_metrics* metrics_;
  std::string role_;
  std::atomic<bool> connected_{false};
  /// Sends and replies are recorded on the strand; read from anywhere (shared with the scrape hook).
  std::shared_ptr<queue_delay_meter> delay_ = std::make_shared<queue_delay_meter>();
  std::unique_ptr<impl> impl_;
};

} // namespace chat::storage
