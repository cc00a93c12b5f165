#pragma once
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "stats.hpp"
#include "ws_client.hpp"

namespace bench {

// Sends chat frames at a fixed rate on one connection, paced by a timer on that connection's loop.
// Schedules on absolute times (no drift); if it falls more than 1 s behind it skips ahead.
class Sender : public std::enable_shared_from_this<Sender> {
 public:
  Sender(std::shared_ptr<WsClient> conn, Stats& stats, int id, std::string room_id,
         std::uint64_t room_connections, std::chrono::nanoseconds period, std::chrono::nanoseconds phase,
         int text_bytes = 0);

  void start();
  void stop();  // thread-safe

 private:
  void do_wait();
  void on_wait(boost::system::error_code ec);
  void send_one();

  std::shared_ptr<WsClient> conn_;
  Stats& stats_;
  boost::asio::steady_timer timer_;
  int id_;
  std::string room_id_;
  std::uint64_t room_connections_;
  std::chrono::nanoseconds period_;
  std::chrono::nanoseconds phase_;
  std::chrono::steady_clock::time_point next_;
  std::uint64_t seq_ = 0;
  int text_bytes_ = 0;  // pad the text with words to about this length
  std::string text_;    // the padded text's buffer (reused)
  bool stopped_ = false;
};

}  // namespace bench
