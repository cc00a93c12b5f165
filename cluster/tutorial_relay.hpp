#pragma once
/// tutorial_relay: what a chatnode does with the tutorial servers' envelopes on `MESSAGES`
/// (--tutorial-pubsub; pubsub_bridge hands them over).
///
/// - `message`: the row is in `room:{id}` already (seconds score, no id); the store adopts it into
///   the room's id sequence and publishes it on the room's channel, so every node delivers it through
///   the room's ordinary chain (chat_store::adopt_tutorial_messages).
/// - `show.room` (a new DM, published just before the DM's first row is written): delivered to the
///   DM's two users here as our `show.room` (their connections follow the DM from its start), but only
///   once that first message was adopted. Delivered at once, the follow's replay could read the row
///   before its adoption (its seconds score as id) and then get the adopted copy live: twice. A
///   `show.room` no message follows goes out after `hold` anyway.
/// Thread-safe.

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace chat::cluster {

class tutorial_relay {
public:
  /// Adopts a room's tutorial rows of one second; `done` runs once the store answered.
  using adopt_fn = std::function<void(const std::string& room_id, std::int64_t date, std::function<void()> done)>;
  /// Delivers `show.room` (data JSON) to the local connections of `users`, following `room_id`.
  using show_fn = std::function<void(std::vector<std::string> users, std::string room_id, std::string data_json)>;

  tutorial_relay(adopt_fn adopt, show_fn show, std::chrono::milliseconds hold = std::chrono::seconds{5});

  /// A tutorial `message` of `room_id` dated `date` (unix seconds).
  void on_message(std::string room_id, std::int64_t date);
  /// A tutorial `show.room` (tutorial_show_room_data already applied).
  void on_show_room(std::vector<std::string> users, std::string room_id, std::string data_json);

private:
  struct held {
    std::vector<std::string> users;
    std::string data;
    std::chrono::steady_clock::time_point since;
  };
  /// Takes the held show.room of `room_id` (empty users when none).
  held take(const std::string& room_id);
  /// Delivers the held show.room events older than `hold_` (a lazy sweep: no timer).
  void sweep();

  adopt_fn adopt_;
  show_fn show_;
  std::chrono::milliseconds hold_;
  std::mutex mutex_;
  std::unordered_map<std::string, held> held_; ///< room id → its show.room waiting for the message
};

} // namespace chat::cluster
