#include "cluster/tutorial_relay.hpp"

#include <memory>

namespace chat::cluster {

tutorial_relay::tutorial_relay(adopt_fn adopt, show_fn show, std::chrono::milliseconds hold)
  : adopt_(std::move(adopt)), show_(std::move(show)), hold_(hold) {}

void tutorial_relay::on_message(std::string room_id, std::int64_t date) {
  sweep();
  adopt_(room_id, date, [this, room_id] {
    auto h = take(room_id);
    if (!h.users.empty())
      show_(std::move(h.users), room_id, std::move(h.data));
  });
}

void tutorial_relay::on_show_room(std::vector<std::string> users, std::string room_id, std::string data_json) {
  sweep();
  std::lock_guard<std::mutex> lock{mutex_};
  held_[std::move(room_id)] = held{std::move(users), std::move(data_json), std::chrono::steady_clock::now()};
}

tutorial_relay::held tutorial_relay::take(const std::string& room_id) {
  std::lock_guard<std::mutex> lock{mutex_};
  auto it = held_.find(room_id);
  if (it == held_.end())
    return {};
  auto h = std::move(it->second);
  held_.erase(it);
  return h;
}

void tutorial_relay::sweep() {
  std::vector<std::pair<std::string, held>> due;
  {
    std::lock_guard<std::mutex> lock{mutex_};
    auto now = std::chrono::steady_clock::now();
    for (auto it = held_.begin(); it != held_.end();) {
      if (now - it->second.since >= hold_) {
        due.emplace_back(it->first, std::move(it->second));
        it = held_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (auto& [room, h] : due)
    show_(std::move(h.users), room, std::move(h.data));
}

} // namespace chat::cluster
