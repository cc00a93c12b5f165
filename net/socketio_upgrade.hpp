#pragma once
/// The hand-over of a Socket.IO long-polling session to the WebSocket that upgrades it
/// (docs/protocol.md §2.13): the polling side as the WebSocket sees it. Private to the net library.

#include <cstdint>
#include <map>
#include <string>

namespace chat::net {

/// What a polling session hands over at the upgrade.
struct polling_handover {
  /// Per followed room, the last position the polling client was given (or its follow's start):
  /// the WebSocket resumes after exactly these (nothing lost, nothing twice).
  std::map<std::string, std::int64_t> delivered;
  bool connected = false; ///< the Socket.IO CONNECT was answered already
};

/// A polling session being upgraded (thread-safe).
class polling_upgrade {
public:
  virtual ~polling_upgrade() = default;
  /// The probe `2probe` came over the WebSocket: the parked GET is answered with a noop `6` and
  /// nothing more is delivered over polling.
  virtual void pause() = 0;
  /// The upgrade `5` came: the polling session closes (without a close packet) and hands over.
  virtual polling_handover hand_over() = 0;
  /// The probing WebSocket ended before its `5`: the polling session goes on (the client falls
  /// back to polling).
  virtual void resume() = 0;
};

} // namespace chat::net
