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
#include "net/socketio_polling.hpp"
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
  /// A real-time transport and the choices of its request.
  struct stream_choice {
    enum class kind { ws, sse, socketio, socketio_polling };
    kind type = kind::ws;
    bool batch = false; ///< `/ws?batch=1`
    bool watch = false; ///< `/ws?presence=watch`
    std::shared_ptr<polling_upgrade> upgrade = nullptr; ///< `/socket.io/` WebSocket with `&sid=`
  };

  /// `GET /ws` and `GET /stream`: authenticates, then hands the connection to the transport.
  void open_stream(const exchange_ptr& ex);
  /// `GET /socket.io/?EIO=4&transport=websocket` (docs/protocol.md §2.13): the Socket.IO dialect of
  /// the WebSocket transport; without a valid session, a connection that refuses Socket.IO's CONNECT.
  void open_socketio(const exchange_ptr& ex);
  /// Takes one of the user's connection slots (when limited), then take_over(); 429 when none is free.
  void acquire_and_take_over(const exchange_ptr& x, stream_choice choice);
  /// Answers 101 and hands the connection (with the user's connection slot, null when unlimited)
  /// to the transport.
  void take_over(const exchange_ptr& x, stream_choice choice, connection_slot_ptr slot);

  /// Answers a request the router does not know: static file, or 404.
  void not_routed(const exchange_ptr& ex);

  api_env& env_;
  socketio_polling polling_; ///< `/socket.io/` long-polling sessions
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
