#pragma once
/// Engine.IO's HTTP long-polling transport of `/socket.io/` (docs/protocol.md §2.13): the node's
/// polling sessions by sid. The handshake (`GET …&transport=polling`, no sid) opens a session and
/// its realtime session; `GET …&sid=` long-polls for the packets waiting (answered at once when some
/// wait, when the next one comes, or with a ping `2` after pingInterval); `POST …&sid=` carries the
/// client's packets, which take the Socket.IO dialect's path (the same `/ws` command path). The
/// upgrade to WebSocket is offered: a WebSocket with the sid probes (the polling session pauses),
/// then upgrades (the session hands its delivered positions over: socketio_upgrade.hpp). A
/// session without a GET for pingInterval + pingTimeout is closed. Thread-safe.

#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "net/api_env.hpp"
#include "net/connection_slot.hpp"
#include "net/exchange.hpp"
#include "net/socketio_upgrade.hpp"

namespace chat::net {

class polling_session;

class socketio_polling {
public:
  /// At most `max_sessions` sessions at once (a handshake beyond: 503).
  socketio_polling(api_env& env, std::size_t max_sessions = 10000);
  ~socketio_polling();

  socketio_polling(const socketio_polling&) = delete;
  socketio_polling& operator=(const socketio_polling&) = delete;

  /// The handshake of an authenticated user (with the user's connection slot, null when
  /// unlimited): answers the open packet. `session_id`: the SHA-256 of the session's token.
  void open(const exchange_ptr& x, std::string session_id, connection_slot_ptr slot);

  /// The handshake without a valid session: an open packet whose sid answers every poll with
  /// CONNECT_ERROR `44{"message":"unauthorized"}`.
  void open_refused(const exchange_ptr& x);

  /// `GET` or `POST` with `sid` (`user_id`: the request's user, empty when none).
  void request(const exchange_ptr& x, const std::string& sid, const std::string& user_id);

  /// The session `sid` of `user_id` that a WebSocket upgrades (null: none such).
  std::shared_ptr<polling_upgrade> upgrading(const std::string& sid, const std::string& user_id);

  /// The sessions by sid (shared with the sessions, which remove themselves when they close).
  struct table {
    std::mutex mutex;
    std::unordered_map<std::string, std::shared_ptr<polling_session>> sessions;
    void forget(const std::string& sid);
  };

private:
  api_env& env_;
  std::size_t max_sessions_;
  std::shared_ptr<table> table_;
};

} // namespace chat::net
