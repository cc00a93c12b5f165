#pragma once
/// This node's live connections (WebSocket, SSE) by session, so that the end of a session (logout,
/// a login that replaces the token, expiry, a ban) closes every one of them at once. A session is
/// known by its id: the SHA-256 of its token (the key of `chat:session:{id}`); the token itself is
/// never kept, sent or logged. Thread-safe: one mutex, held only to copy entries, never while a
/// connection runs.

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace chat::net {

/// A live connection that the end of its session closes.
class revocable {
public:
  virtual ~revocable() = default;
  /// The connection's session ended (any thread): from now on the connection refuses commands
  /// (error `unauthorized`), then it closes (WebSocket 4002 "session ended", SSE `session.ended`).
  virtual void end_session() = 0;
};

/// A session with live connections on this node.
struct live_session {
  std::string id;      ///< SHA-256 of the token, hex
  std::string user_id; ///< its user
};

/// A session id as the registry keeps it: the 32 bytes of the SHA-256 (not its 64 hex
/// characters, which would cost a heap block per connection).
struct session_key {
  std::array<unsigned char, 32> bytes{};
  bool operator==(const session_key& o) const noexcept { return bytes == o.bytes; }
  /// The key of a 64-character hex id; nullopt for anything else.
  static std::optional<session_key> parse(const std::string& hex) noexcept;
  /// The id again, 64 lowercase hex characters.
  std::string hex() const;
};

/// Hash of a session_key: its first 8 bytes (it is a SHA-256 already).
struct session_key_hash {
  std::size_t operator()(const session_key& k) const noexcept;
};

class session_registry {
public:
  using clock = std::chrono::steady_clock;

  /// `remember`: how long an ended session stays known, so that a connection whose session was
  /// resolved just before the end (its handshake raced with the logout, here or on another node)
  /// is ended as it registers; at most `max_remembered` ids (the oldest are forgotten first).
  explicit session_registry(clock::duration remember = std::chrono::seconds{60},
                            std::size_t max_remembered = 100000);

  /// Registers a connection of session `id` (64 hex characters: a broken invariant otherwise,
  /// the node aborts) of `user_id`; returns its ticket for remove(). A session that ended within
  /// `remember` ends the connection at once (end_session(), after the connection is registered).
  /// `key`, when given, receives the registry's own copy of the id, valid until this ticket is
  /// removed (a connection keeps that pointer instead of a copy of the id).
  std::uint64_t add(const std::string& id, const std::string& user_id, std::weak_ptr<revocable> conn,
                    const session_key** key = nullptr);
  /// Forgets a connection (when it is destroyed); unknown tickets are ignored. `id` may be the
  /// registry's own copy (add()'s `key`).
  void remove(const session_key& id, std::uint64_t ticket);

  /// Ends session `id` on this node: each of its connections is told (end_session()) and the id is
  /// remembered. Returns how many connections were told (0 for an id that is not 64 hex characters).
  std::size_t end_session(const std::string& id);
  /// Ends every session of `user_id` on this node (a ban ends all of a user's sessions at once).
  std::size_t end_user(const std::string& user_id);

  /// The distinct sessions with connections here (for the expiry check), in no order.
  std::vector<live_session> sessions() const;
  /// Registered connections.
  std::size_t size() const;
  /// True when `id` ended within `remember` (ended sessions are remembered, see the constructor).
  bool ended_recently(const std::string& id) const;

private:
  using conn_ref = std::pair<std::uint64_t, std::weak_ptr<revocable>>; ///< ticket, connection
  /// A session's connections: the first inline (most sessions have one), more in `more` (a
  /// 112-byte map node with no vector, instead of a 96-byte node and a vector's block).
  struct entry {
    std::string user_id;
    conn_ref first;                                ///< ticket 0: none (after its removal)
    std::unique_ptr<std::vector<conn_ref>> more;   ///< the others, in no order; null while none
    bool empty() const noexcept { return first.first == 0 && (!more || more->empty()); }
    template <class Fn>
    void for_each(Fn&& fn) const {
      if (first.first != 0)
        fn(first);
      if (more)
        for (auto& c : *more)
          fn(c);
    }
  };
  using session_map = std::unordered_map<session_key, entry, session_key_hash>;
  /// Takes the connections of `it` out of the map and remembers its id (lock held).
  void take(session_map::iterator it, std::vector<std::shared_ptr<revocable>>& out, clock::time_point now);
  /// Remembers that `id` ended at `now` (lock held).
  void remember(const session_key& id, clock::time_point now);
  /// Forgets the ended ids older than `remember` (lock held).
  void prune(clock::time_point now);

  const clock::duration remember_;
  const std::size_t max_remembered_;
  mutable std::mutex mutex_;
  std::uint64_t next_ticket_ = 1;
  std::size_t count_ = 0;
  session_map sessions_;
  std::unordered_map<session_key, clock::time_point, session_key_hash> ended_; ///< ended id → when
  std::deque<std::pair<clock::time_point, session_key>> ended_order_;        ///< the same, oldest first
};

/// A connection's place in the registry: removes itself when destroyed (move-only). It holds no
/// copy of the session id, only a pointer to the registry's.
class session_ticket {
public:
  session_ticket() = default;
  /// Registers `conn` (see session_registry::add); the registry must outlive the ticket.
  session_ticket(session_registry& registry, std::string id, const std::string& user_id,
                 std::weak_ptr<revocable> conn);
  ~session_ticket();
  session_ticket(session_ticket&& other) noexcept;
  session_ticket& operator=(session_ticket&& other) noexcept;
  session_ticket(const session_ticket&) = delete;
  session_ticket& operator=(const session_ticket&) = delete;

private:
  void release() noexcept;
  session_registry* registry_ = nullptr;
  const session_key* id_ = nullptr; ///< the registry's copy of the session id
  std::uint64_t ticket_ = 0;
};

} // namespace chat::net
