#include "cluster/pubsub_bridge.hpp"

#include "cluster/envelope.hpp"
#include "common/event_json.hpp"
#include "common/text.hpp"
#include "metrics/log.hpp"
#include "metrics/node_metrics.hpp"
#include "storage/key_schema.hpp"
#include "storage/redis_client.hpp"

namespace chat::cluster {
namespace {

constexpr std::string_view room_prefix = "chat:room:";

bool is_presence(std::string_view type) {
  return type == "user.connected" || type == "user.disconnected";
}


} // namespace

pubsub_bridge::pubsub_bridge(boost::asio::io_context& ioc, storage::redis_endpoint ep,
                             std::shared_ptr<storage::redis_client> publisher, std::string server_id,
                             metrics::node_metrics* metrics, bridge_handlers handlers)
  : subscriber_(storage::redis_client::create(ioc, std::move(ep), metrics, "subscriber")),
    publisher_(std::move(publisher)), server_id_(std::move(server_id)),
    own_prefix_(own_envelope_prefix(server_id_)), metrics_(metrics), handlers_(std::move(handlers)) {}

pubsub_bridge::~pubsub_bridge() = default;

void pubsub_bridge::start() {
  // Handlers capture `this`: the bridge outlives the subscriber's strand work (stop() first).
  subscriber_->set_on_message(
    [this](std::string_view channel, std::string_view payload) { on_message(channel, payload); });
  bool first = true;
  subscriber_->set_on_connect([this, first]() mutable {
    if (first) {
      first = false;
      return;
    }
    log::info("pubsub_resubscribed");
    if (handlers_.resubscribed)
      handlers_.resubscribed();
  });
  subscriber_->subscribe({global_channel, user_events_channel});
  subscriber_->start();
}

void pubsub_bridge::stop() { subscriber_->stop(); }

bool pubsub_bridge::connected() const noexcept { return subscriber_->connected(); }

void pubsub_bridge::watch_room(const std::string& room_id, std::function<void()> subscribed) {
  bool fresh;
  {
    std::lock_guard<std::mutex> guard{mutex_};
    fresh = watchers_[room_id]++ == 0;
  }
  // Already subscribed channels are confirmed at once by the client.
  (void)fresh;
  subscriber_->subscribe({storage::keys::room_channel(room_id)}, std::move(subscribed));
}

void pubsub_bridge::unwatch_room(const std::string& room_id) {
  {
    std::lock_guard<std::mutex> guard{mutex_};
    auto it = watchers_.find(room_id);
    if (it == watchers_.end() || --it->second > 0)
      return;
    watchers_.erase(it);
  }
  subscriber_->unsubscribe({storage::keys::room_channel(room_id)});
}

void pubsub_bridge::publish_user_event(const std::vector<std::string>& users, const std::string& type,
                                       const std::string& action, const std::string& room_id,
                                       const std::string& data_json, std::int64_t after) {
  publisher_->command({"PUBLISH", user_events_channel,
                       user_event_envelope(server_id_, type, action, room_id, users, data_json, after)},
                      [](storage::redis_reply) {});
  if (metrics_)
    metrics_->pubsub_published().Increment();
}

void pubsub_bridge::publish_session_end(const std::string& session_id, const std::string& user_id) {
  publisher_->command({"PUBLISH", user_events_channel, session_end_envelope(server_id_, session_id, user_id)},
                      [](storage::redis_reply) {});
  if (metrics_)
    metrics_->pubsub_published().Increment();
}

void pubsub_bridge::publish_signal(const std::string& room_id, const std::string& type,
                                   const std::string& except_user, const std::string& data_json) {
  publisher_->command({"PUBLISH", storage::keys::room_channel(room_id),
                       signal_envelope(server_id_, type, except_user, data_json)},
                      [](storage::redis_reply) {});
  if (metrics_)
    metrics_->pubsub_published().Increment();
}

void pubsub_bridge::on_message(std::string_view channel, std::string_view payload) {
  if (metrics_)
    metrics_->pubsub_received().Increment();
  if (payload.compare(0, own_prefix_.size(), own_prefix_) == 0)
    return; // our own event, delivered locally when it was written: no need to parse it
  auto e = parse_envelope(payload);
  if (!e) {
    if (metrics_)
      metrics_->errors("bad_envelope").Increment();
    log::warn("pubsub_bad_envelope", {{"channel", channel}});
    return;
  }
  if (e->server_id == server_id_)
    return; // our id in another shape (not written by this code): ours as well
  if (channel.compare(0, room_prefix.size(), room_prefix) == 0) {
    // One dispatch for every kind. Positioned events (a message by its id, every other kind by its
    // envelope's `seq`) go into the room's chain; the rest are signals, fanned out as they come.
    std::string room_id{channel.substr(room_prefix.size())};
    auto position = e->seq > 0 ? e->seq : (e->type == "message" ? e->message_id : 0);
    if (position > 0) {
      if (handlers_.room_event)
        handlers_.room_event(std::move(room_id), position, e->prev, e->ts_ms, event_json(e->type, e->data),
                             std::move(e->only_user));
    } else if (handlers_.room_signal) {
      handlers_.room_signal(std::move(room_id), event_json(e->type, e->data), std::move(e->except_user));
    }
    return;
  }
  if (channel == global_channel) {
    if (is_presence(e->type)) {
      if (handlers_.presence)
        handlers_.presence(std::move(e->user_id), event_json(e->type, e->data));
    } else if (e->ts_ms == 0) { // a tutorial server's (a chatnode's carry `ts`: its room channel had it)
      on_tutorial(*e);
    }
    return;
  }
  if (channel == user_events_channel && e->action == "end_session") {
    if (handlers_.session_ended && (!e->session_id.empty() || !e->ended_user_id.empty()))
      handlers_.session_ended(std::move(e->session_id), std::move(e->ended_user_id));
    return;
  }
  if (channel == user_events_channel && !e->to.empty() && handlers_.user_event)
    handlers_.user_event(std::move(e->to), std::move(e->type), std::move(e->action), std::move(e->room_id),
                         std::move(e->data), e->after);
}

void pubsub_bridge::on_tutorial(envelope& e) {
  // Without --tutorial-pubsub the handlers are unset: the tutorial's messages (sent to every node,
  // DMs included) are not relayed, as before.
  auto bad = [this, &e] {
    if (metrics_)
      metrics_->errors("bad_tutorial_envelope").Increment();
    log::warn("pubsub_bad_tutorial_envelope", {{"type", e.type}});
  };
  if (e.type == "message" && handlers_.tutorial_message) {
    if (!is_room_id(e.room_id) || e.date <= 0)
      return bad();
    handlers_.tutorial_message(std::move(e.room_id), e.date);
  } else if (e.type == "show.room" && handlers_.tutorial_show_room) {
    auto data = tutorial_show_room_data(e.data);
    std::string a, b;
    if (!data || !storage::parse_dm_room_id(e.user_id, a, b))
      return bad();
    handlers_.tutorial_show_room({std::move(a), std::move(b)}, std::move(e.user_id), std::move(*data));
  }
}

} // namespace chat::cluster
