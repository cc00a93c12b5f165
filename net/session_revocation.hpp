#pragma once
/// The end of a session, everywhere at once: this node's connections of it (session_registry), the
/// session in Redis, and the other nodes (one Pub/Sub envelope, published through app/ by the
/// `publisher`; each node ends its own connections once). And the expiry check: sessions end in
/// Redis by their TTL without telling anyone, so every `interval` the node looks up the distinct
/// sessions of its live connections (MGET, 500 per command) and ends those that are gone.

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "net/session_registry.hpp"
#include "storage/chat_store.hpp"

namespace chat::net {

/// The sessions of `live` that are gone: `stored[i]` is the user id Redis holds for `live[i]`'s
/// session ("" when the key is missing or expired); a session whose key is gone or names another
/// user has ended. Sizes must match (otherwise nothing is reported: never end on doubt).
std::vector<std::string> ended_sessions(const std::vector<live_session>& live,
                                        const std::vector<std::string>& stored);

class session_revocation : public std::enable_shared_from_this<session_revocation> {
public:
  /// Tells the other nodes that a session ended (`session_id`), or every session of `user_id`
  /// (`session_id` empty). Thread-safe; may be empty (a single node).
  using publisher = std::function<void(const std::string& session_id, const std::string& user_id)>;

  session_revocation(storage::chat_store& store, std::shared_ptr<session_registry> registry,
                     publisher publish);

  /// Ends session `session_id` (logout, a login that replaces the token): its connections on this
  /// node refuse commands from now on and close, the session is deleted in Redis, then the other
  /// nodes are told. `done` gets the delete's outcome (on the Redis strand).
  void end_session(const std::string& session_id, std::function<void(storage::errc)> done);

  /// Closes every live connection of `user_id` on every node (WebSocket 4002, SSE
  /// `session.ended`): for a ban, once its sessions no longer resolve in Redis.
  void end_user_sessions(const std::string& user_id);

  /// An end another node published: this node's connections only (`session_id` empty: every
  /// session of `user_id`).
  void ended_elsewhere(const std::string& session_id, const std::string& user_id);

  /// Starts the expiry check on `ioc`, every `interval`.
  void start_checks(boost::asio::io_context& ioc, std::chrono::milliseconds interval);
  /// Stops it (thread-safe).
  void stop();
  /// Looks the live sessions up now (what each tick does).
  void check_now();

  session_registry& registry() noexcept { return *registry_; }

private:
  void schedule();

  storage::chat_store& store_;
  std::shared_ptr<session_registry> registry_;
  publisher publish_;
  std::unique_ptr<boost::asio::steady_timer> timer_;
  std::chrono::milliseconds interval_{0};
  std::atomic<bool> stopped_{false};
  std::atomic<int> lookups_{0}; ///< MGETs of the last check still in flight (a check waits for them)
};

} // namespace chat::net
