#pragma once
/// pubsub_bridge: this node's end of the Redis Pub/Sub backplane.
///
/// Owns the subscriber connection. Interest-based: a room's channel (`chat:room:{id}`) is
/// subscribed only while the room has local members (reference counted), so the cost of a message
/// grows with the nodes that care, not with all nodes. `MESSAGES` (the tutorial's global channel:
/// presence) and `chat:user-events` (show.room / room.joined / room.left for given users) are always
/// subscribed. With --tutorial-pubsub, the tutorial servers' `message` and `show.room` envelopes on
/// `MESSAGES` are handed on too (chatnodes stamp `ts` into theirs: those are skipped, the room
/// channels carried them already). Envelopes tagged with this node's server id are skipped: the node delivered its own
/// events locally already. After the subscriber connection comes back (also after Redis killed it
/// for a full output buffer), `resubscribed` runs once every channel is confirmed again, so rooms can
/// catch up from storage before going live.

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "storage/redis_url.hpp"

namespace boost::asio {
class io_context;
}

namespace chat::metrics {
class node_metrics;
}

namespace chat::storage {
class redis_client;
}

namespace chat::cluster {

struct envelope;

/// What the bridge hands to the actor layer. Called on the subscriber's strand; must not block.
struct bridge_handlers {
  /// A positioned room event another node wrote (a message, an edit, a delete, any later kind):
  /// its position, the position before it, the publisher's time and the client frame
  /// `{"type":T,"data":D}`, and the only member whose connections get it ("" = every member). The
  /// bridge does not know the kinds: one dispatch for all.
  std::function<void(std::string room_id, std::int64_t position, std::int64_t prev, std::int64_t ts_ms,
                     std::string frame, std::string only_user)>
    room_event;
  /// A user's presence changed (`user.connected` / `user.disconnected`): the user (`data.id`; ""
  /// when absent) and the client frame.
  std::function<void(std::string user_id, std::string frame_json)> presence;
  /// An event for the local connections of some users (show.room, room.joined, room.left, an admin
  /// disconnect, ...), with its action ("" from a node that sent none). Any type: one dispatch.
  std::function<void(std::vector<std::string> users, std::string type, std::string action, std::string room_id,
                     std::string data_json, std::int64_t after)>
    user_event;
  /// A signal (an ephemeral room event: typing, ...) of another node: the client frame, and the user
  /// whose connections skip it.
  std::function<void(std::string room_id, std::string frame, std::string except_user)> room_signal;
  /// A session ended on another node (`session_id`, the token's SHA-256), or every session of
  /// `user_id` (`session_id` empty): this node's connections of it close.
  std::function<void(std::string session_id, std::string user_id)> session_ended;
  /// Every channel is subscribed again after a reconnect: rooms must catch up from storage.
  std::function<void()> resubscribed;
  /// --tutorial-pubsub (unset: off): a tutorial server's `message` on `MESSAGES`: its room and date
  /// (unix seconds). The row is in `room:{id}` already; the node adopts it (chat_store).
  std::function<void(std::string room_id, std::int64_t date)> tutorial_message;
  /// --tutorial-pubsub: a tutorial server's `show.room` for a new DM: the DM's two users and the data
  /// as chatnode sends it (tutorial_show_room_data).
  std::function<void(std::vector<std::string> users, std::string room_id, std::string data_json)> tutorial_show_room;
};

class pubsub_bridge {
public:
  pubsub_bridge(boost::asio::io_context& ioc, storage::redis_endpoint ep,
                std::shared_ptr<storage::redis_client> publisher, std::string server_id,
                metrics::node_metrics* metrics, bridge_handlers handlers);
  ~pubsub_bridge();

  pubsub_bridge(const pubsub_bridge&) = delete;
  pubsub_bridge& operator=(const pubsub_bridge&) = delete;

  /// Connects the subscriber and subscribes the global channels.
  void start();

  /// The subscriber connection (to give it a master locator before start()).
  const std::shared_ptr<storage::redis_client>& subscriber() const noexcept { return subscriber_; }
  /// Disconnects the subscriber.
  void stop();
  /// True while the subscriber connection is up (for /readyz).
  bool connected() const noexcept;

  /// A room became active here: subscribe its channel; `subscribed` runs once Redis confirmed.
  void watch_room(const std::string& room_id, std::function<void()> subscribed);
  /// A room stopped here: unsubscribe when no local room actor needs it any more.
  void unwatch_room(const std::string& room_id);

  /// Publishes an event for some users to every node (through the command connection).
  void publish_user_event(const std::vector<std::string>& users, const std::string& type,
                          const std::string& action, const std::string& room_id, const std::string& data_json,
                          std::int64_t after);

  /// Publishes the end of a session (or of every session of `user_id` when `session_id` is empty) to
  /// every other node (through the command connection, on `chat:user-events`).
  void publish_session_end(const std::string& session_id, const std::string& user_id);

  /// Publishes a signal of a local member on the room's channel (only interested nodes get it).
  void publish_signal(const std::string& room_id, const std::string& type, const std::string& except_user,
                      const std::string& data_json);

  /// Channel names.
  static constexpr const char* global_channel = "MESSAGES";
  static constexpr const char* user_events_channel = "chat:user-events";

private:
  void on_message(std::string_view channel, std::string_view payload);
  /// A tutorial server's envelope on `MESSAGES` (not presence): message or show.room; others ignored.
  void on_tutorial(envelope& e);

  std::shared_ptr<storage::redis_client> subscriber_;
  std::shared_ptr<storage::redis_client> publisher_;
  std::string server_id_;
  std::string own_prefix_; ///< how our own envelopes begin (own_envelope_prefix)
  metrics::node_metrics* metrics_;
  bridge_handlers handlers_;
  std::mutex mutex_;
  std::unordered_map<std::string, int> watchers_; ///< room id → local room actors watching
};

} // namespace chat::cluster
