#pragma once
/// Rooms: GET /rooms/{userId}, POST /room (DM), POST /rooms (channel), GET /rooms/public,
/// POST /rooms/{id}/join, POST /rooms/{id}/leave.

#include "net/api_env.hpp"
#include "net/exchange.hpp"
#include "net/router.hpp"

namespace chat::net {

class room_handlers {
public:
  /// Handlers working with `env` (which must outlive them).
  explicit room_handlers(api_env& env) : env_(env) {}

  /// Registers the routes.
  void add_routes(router& r);

private:
  void do_user_rooms(const exchange_ptr& ex);
  void do_create_dm(const exchange_ptr& ex);
  void do_create_channel(const exchange_ptr& ex);
  void do_public_channels(const exchange_ptr& ex);
  void do_join(const exchange_ptr& ex);
  void on_joined(const exchange_ptr& ex, const std::string& room_id);
  void do_leave(const exchange_ptr& ex);
  /// PUT (mute) / DELETE (unmute) /room/{id}/mute: the caller's per-room mute (issue #22).
  void do_mute(const exchange_ptr& ex, bool muted);

  api_env& env_;
};

} // namespace chat::net
