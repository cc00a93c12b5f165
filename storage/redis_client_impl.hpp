#pragma once
/// Internal to chat_storage: the state behind redis_client, shared by redis_client.cpp (connection
/// state machine) and redis_client_io.cpp (commands and Pub/Sub). Everything here is touched only
/// on the connection's strand.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include <prometheus/counter.h>
#include <prometheus/histogram.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "storage/asio_redis_adapter.hpp"
#include "storage/redis_client.hpp"

namespace chat::storage {

/// Connection state, timers and handlers; only touched on the strand.
/// The Prometheus series of one command label, resolved once per client (no lock per command).
struct command_series {
  prometheus::Histogram* duration = nullptr;
  prometheus::Counter* errors = nullptr;
};

struct redis_client::impl {
  enum class state { idle, resolving, connecting, handshaking, up, waiting, stopped };

  explicit impl(boost::asio::io_context& ioc)
    : strand(boost::asio::make_strand(ioc)), reconnect_timer(strand), deadline_timer(strand),
      resolver(strand), rng(std::random_device{}()) {}

  detail::redis_strand strand;
  boost::asio::steady_timer reconnect_timer;
  boost::asio::steady_timer deadline_timer;
  boost::asio::ip::tcp::resolver resolver;
  redisAsyncContext* ac = nullptr;
  state st = state::idle;
  bool started = false;
  bool stopping = false;
  bool ever_connected = false;
  bool failure_logged = false;
  int handshake_left = 0;
  unsigned attempt = 0;
  std::uint64_t generation = 0;
  std::shared_ptr<redis_client> self; ///< keeps the client alive while `ac` exists
  std::set<std::string> channels;  ///< what we want to be subscribed to
  std::set<std::string> confirmed; ///< what Redis confirmed on the current connection
  struct waiter {
    std::set<std::string> remaining;
    std::function<void()> fn;
  };
  std::vector<waiter> waiters;     ///< subscribe(…, on_subscribed) calls not yet confirmed
  bool connect_pending = false;    ///< on_connect is due once every channel is confirmed
  std::unique_ptr<subscription_sink> sink;
  /// label → series; touched on the strand only, so the hot path takes no metrics lock.
  std::unordered_map<std::string, command_series> series;
  std::shared_ptr<master_locator> locator; ///< (null: connect to the endpoint's host and port)
  master_address target;                   ///< the server connected or being connected to
  std::function<void()> on_connect;
  std::function<void()> on_disconnect;
  std::function<void(std::string_view, std::string_view)> on_message;
  std::minstd_rand rng;
};

/// privdata of one command: deleted after its single callback.
struct redis_client::pending_command {
  reply_handler done;
  std::string label;
  std::chrono::steady_clock::time_point start;
  command_series series; ///< null members when metrics are off
};

/// privdata of every (UN)SUBSCRIBE: lives as long as the client, never freed per message.
struct redis_client::subscription_sink {
  std::weak_ptr<redis_client> client;
};


} // namespace chat::storage
