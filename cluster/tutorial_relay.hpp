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
///   `show.room` no message follows goes out after `hold` anyway (a timer on `ioc`).
/// Thread-safe. Destroy it once `ioc` no longer runs (the node's shutdown order), as every object
/// with timers on it.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

namespace chat::cluster {

class tutorial_relay {
public:
  /// Adopts a room's tutorial rows of one second; `done` runs once the store answered.
  using adopt_fn = std::function<void(const std::string& room_id, std::int64_t date, std::function<void()> done)>;
  /// Delivers `show.room` (data JSON) to the local connections of `users`, following `room_id`.
  using show_fn = std::function<void(std::vector<std::string> users, std::string room_id, std::string data_json)>;

  tutorial_relay(boost::asio::io_context& ioc, adopt_fn adopt, show_fn show,
                 std::chrono::milliseconds hold = std::chrono::seconds{5});
  ~tutorial_relay();

  tutorial_relay(const tutorial_relay&) = delete;
  tutorial_relay& operator=(const tutorial_relay&) = delete;

  /// A tutorial `message` of `room_id` dated `date` (unix seconds).
  void on_message(std::string room_id, std::int64_t date);
  /// A tutorial `show.room` (tutorial_show_room_data already applied).
  void on_show_room(std::vector<std::string> users, std::string room_id, std::string data_json);

private:
  struct held {
    std::vector<std::string> users;
    std::string data;
    std::uint64_t generation = 0;                      ///< which hold this is (a later one replaces it)
    std::shared_ptr<boost::asio::steady_timer> timer;  ///< ends the hold
  };
  /// Takes the held show.room of `room_id` (empty users when none, or when `generation` is given and
  /// another hold replaced it).
  held take(const std::string& room_id, std::uint64_t generation = 0);

  boost::asio::io_context& ioc_;
  adopt_fn adopt_;
  show_fn show_;
  std::chrono::milliseconds hold_;
  std::mutex mutex_;
  std::unordered_map<std::string, held> held_; ///< room id → its show.room waiting for the message
  std::uint64_t generation_ = 0;
  /// Cleared by the destructor: a cancelled timer's handler that still runs leaves the relay alone.
  std::shared_ptr<std::atomic<bool>> alive_ = std::make_shared<std::atomic<bool>>(true);
};

} // namespace chat::cluster
