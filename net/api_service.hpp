#pragma once
/// The client port: request guards (Origin, Content-Type), the API routes and the static files.

#include <memory>

#include "net/admin_handlers.hpp"
#include "net/api_env.hpp"
#include "net/auth_handlers.hpp"
#include "net/connection_slot.hpp"
#include "net/message_handlers.hpp"
#include "net/admin_table_handlers.hpp"
#include "net/channel_handlers.hpp"
#include "net/file_handlers.hpp"
#include "net/moderation_handlers.hpp"
#include "net/request_handler.hpp"
#include "net/room_handlers.hpp"
#include "net/search_handlers.hpp"
#include "net/router.hpp"
#include "net/static_files.hpp"
#include "net/tutorial_handlers.hpp"
#include "net/user_handlers.hpp"

namespace chat::net {

class api_service final : public request_handler {
public:
  /// Builds the routes; `env` must outlive the service.
  explicit api_service(api_env& env);

  api_service(const api_service&) = delete;
  api_service& operator=(const api_service&) = delete;

  /// See request_handler::handle.
  void handle(const exchange_ptr& ex) override;

private:
  /// `GET /ws` and `GET /stream`: authenticates, then hands the connection to the transport.
  void open_stream(const exchange_ptr& ex);
  /// Answers 101 and hands the connection (with the user's connection slot, null when unlimited)
  /// to the transport; `watch`: a WebSocket that starts watching nobody's presence.
  void take_over(const exchange_ptr& x, bool ws, bool batch, bool watch, connection_slot_ptr slot);

  /// Answers a request the router does not know: static file, or 404.
  void not_routed(const exchange_ptr& ex);

  api_env& env_;
  router router_;
  auth_handlers auth_;
  user_handlers users_;
  room_handlers rooms_;
  message_handlers messages_;
  search_handlers search_;
  admin_handlers admin_;
  admin_table_handlers admin_tables_;
  moderation_handlers moderation_;
  channel_handlers channels_;
  file_handlers uploads_;
  tutorial_handlers tutorial_;
  static_files files_;
};

} // namespace chat::net
