#include "cluster/tutorial_relay.hpp"

#include <memory>

namespace chat::cluster {

tutorial_relay::tutorial_relay(boost::asio::io_context& ioc, adopt_fn adopt, show_fn show,
                               std::chrono::milliseconds hold)
  : ioc_(ioc), adopt_(std::move(adopt)), show_(std::move(show)), hold_(hold) {}

tutorial_relay::~tutorial_relay() {
  std::lock_guard<std::mutex> lock{mutex_};
  *alive_ = false;
  for (auto& [room, h] : held_)
    h.timer->cancel();
}

void tutorial_relay::on_message(std::string room_id, std::int64_t date) {
  adopt_(room_id, date, [this, room_id] {
    auto h = take(room_id);
    if (!h.users.empty())
      show_(std::move(h.users), room_id, std::move(h.data));
  });
}

void tutorial_relay::on_show_room(std::vector<std::string> users, std::string room_id, std::string data_json) {
  auto timer = std::make_shared<boost::asio::steady_timer>(ioc_, hold_);
  std::uint64_t generation;
  {
    std::lock_guard<std::mutex> lock{mutex_};
    generation = ++generation_;
    auto& h = held_[room_id];
    if (h.timer)
      h.timer->cancel();
    h = held{std::move(users), std::move(data_json), generation, timer};
  }
  timer->async_wait([this, alive = alive_, room_id = std::move(room_id), generation](const boost::system::error_code& ec) {
    if (ec || !*alive)
      return;
    auto h = take(room_id, generation);
    if (!h.users.empty())
      show_(std::move(h.users), room_id, std::move(h.data));
  });
}

tutorial_relay::held tutorial_relay::take(const std::string& room_id, std::uint64_t generation) {
  std::lock_guard<std::mutex> lock{mutex_};
  auto it = held_.find(room_id);
  if (it == held_.end() || (generation != 0 && it->second.generation != generation))
    return {};
  auto h = std::move(it->second);
  held_.erase(it);
  if (generation == 0)
    h.timer->cancel(); // taken by the adopted message: the hold's end has nothing to do
  return h;
}

} // namespace chat::cluster
