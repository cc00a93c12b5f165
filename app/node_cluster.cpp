// The node's side of the cluster: the Pub/Sub bridge's handlers (other nodes' events into the local
// actors, the tutorial servers' with --tutorial-pubsub), the room interest that subscribes room
// channels, retention's announcements to every node, and the connections' Sentinel locator.
#include <cstdint>
#include <functional>
#include <string_view>
#include <utility>
#include <vector>

#include "actors/json_frames.hpp"
#include "app/node_impl.hpp"
#include "common/event_json.hpp"
#include "metrics/log.hpp"
#include "storage/message_json.hpp"

namespace chat::app {

namespace {

/// Room channels follow the rooms that have local members (actors → Pub/Sub bridge).
class bridge_interest : public actors::room_interest {
public:
  explicit bridge_interest(cluster::pubsub_bridge& bridge) : bridge_(bridge) {}
  void room_active(const std::string& room_id, std::function<void()> subscribed) override {
    bridge_.watch_room(room_id, std::move(subscribed));
  }
  void room_idle(const std::string& room_id) override { bridge_.unwatch_room(room_id); }
  void room_signal(const std::string& room_id, const std::string& kind, const std::string& user_id,
                   const std::string& data) override {
    bridge_.publish_signal(room_id, kind, user_id, data);
  }

private:
  cluster::pubsub_bridge& bridge_;
};

} // namespace

std::shared_ptr<actors::room_interest> node::impl::make_room_interest() {
  return std::make_shared<bridge_interest>(*bridge);
}

cluster::bridge_handlers node::impl::make_bridge_handlers() {
  cluster::bridge_handlers handlers;
  handlers.room_event = [this](std::string room, std::int64_t position, std::int64_t prev, std::int64_t ts,
                               std::string frame, std::string only_user) {
    realtime->publish(room, position, prev, ts, actors::make_frame(std::move(frame)), std::move(only_user));
  };
  handlers.presence = [this](std::string user, std::string frame) { realtime->presence_changed(user, std::move(frame)); };
  handlers.user_event = [this](std::vector<std::string> users, std::string type, std::string action,
                               std::string room, std::string data, std::int64_t after) {
    auto act = actors::parse_user_action(action, type);
    realtime->deliver_user_event(
      actors::user_event{std::move(users), std::move(type), std::move(room), std::move(data), after, act});
  };
  handlers.resubscribed = [this] { realtime->catch_up(); };
  handlers.session_ended = [this](std::string session_id, std::string user_id) {
    server->end_sessions_here(session_id, user_id); // the server exists before the bridge starts
  };
  handlers.room_signal = [this](std::string room, std::string frame, std::string except_user) {
    realtime->relay_signal(room, actors::make_frame(std::move(frame)), except_user);
  };
  if (cfg.store.tutorial_pubsub) {
    // The tutorial servers' messages are adopted into the rooms' chains (every node then gets them
    // from the room's channel, this one included); their show.room reaches the DM's users here.
    tutorial = std::make_unique<cluster::tutorial_relay>(
      ioc, [this](const std::string& room, std::int64_t date, std::function<void()> done) {
        store->adopt_tutorial_messages(room, date, [room, done = std::move(done)](storage::errc e, std::int64_t) {
          if (e != storage::errc::ok)
            log::warn("tutorial_adopt_failed", {{"room", room}});
          done();
        });
      },
      [this](std::vector<std::string> users, std::string room, std::string data) {
        realtime->deliver_user_event(actors::user_event{std::move(users), "show.room", std::move(room),
                                                        std::move(data), 0, actors::user_action::follow});
      });
    handlers.tutorial_message = [this](std::string room, std::int64_t date) { tutorial->on_message(std::move(room), date); };
    handlers.tutorial_show_room = [this](std::vector<std::string> users, std::string room, std::string data) {
      tutorial->on_show_room(std::move(users), std::move(room), std::move(data));
    };
  }
  return handlers;
}

void node::impl::announce_trim(const std::string& room_id, std::int64_t upto) {
  static constexpr std::string_view kind = "history.trimmed";
  auto data = R"({"roomId":)" + storage::json_string(room_id) + R"(,"upto":)" + std::to_string(upto) + "}";
  realtime->relay_signal(room_id, actors::make_frame(event_json(kind, data)), std::string{});
  bridge->publish_signal(room_id, std::string{kind}, std::string{}, data);
}

void node::impl::follow_sentinels() {
  for (const auto& c : {redis, files_redis, bridge->subscriber()}) {
    c->set_locator(sentinels);
    sentinels->follow(c);
  }
  sentinels->start();
}

} // namespace chat::app
