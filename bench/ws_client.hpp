#pragma once
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/system/error_code.hpp>

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "stats.hpp"

namespace bench {

// One WebSocket connection on one event loop (each loop has one thread, so its handlers never
// run concurrently): connect, upgrade, then read forever while at most one write is in flight.
// The frames are parsed in place by ws_wire; one read takes everything the socket holds.
class WsClient : public std::enable_shared_from_this<WsClient> {
 public:
  using tcp = boost::asio::ip::tcp;
  using executor_type = boost::asio::io_context::executor_type;
  using Ready = std::function<void(bool ok)>;

  // `path`: the upgrade target (batch mode, presence protocol); `first_frames`: text frames sent
  // right after the 101, in order (the web client's `resume`, presence.watch).
  WsClient(boost::asio::io_context& ioc, Stats& stats, tcp::endpoint remote,
           std::optional<boost::asio::ip::address> local, std::string token, std::string path,
           std::vector<std::string> first_frames, Ready on_ready);

  void start();                      // connect, handshake, then read; calls on_ready once
  void send(std::string text);       // thread-safe: one text message
  void close();                      // thread-safe, best effort
  executor_type executor() const { return ex_; }
  // Presence events this connection received (any thread).
  std::uint32_t presence_events() const { return presence_.load(std::memory_order_relaxed); }

 private:
  void do_connect();
  void on_connect(boost::system::error_code ec);
  void on_upgrade_written(boost::system::error_code ec);
  void do_read();
  void on_read(boost::system::error_code ec, std::size_t bytes);
  bool parse_frames();  // false: the connection is unusable
  void handle_message(std::string_view text, std::int64_t now);
  void handle_event(std::string_view event, std::int64_t now);
  void handle_engineio(std::string_view packet, std::int64_t now);
  void queue_frame(std::string frame);
  void do_write();
  void on_write(boost::system::error_code ec, std::size_t bytes);
  void fail(std::string_view why);
  void ready(bool ok);

  executor_type ex_;
  tcp::socket socket_;
  boost::asio::steady_timer connect_timer_;
  std::vector<char> buf_;       // read buffer: [begin_, end_) is received and not yet parsed
  std::size_t begin_ = 0, end_ = 0;
  std::string fragments_;       // a message split over several frames (the node sends whole ones)
  std::deque<std::string> queue_;  // encoded frames; the front one is being written
  Stats& stats_;
  tcp::endpoint remote_;
  std::optional<boost::asio::ip::address> local_;
  std::string token_;
  std::uint32_t mask_;
  std::uint64_t delivered_ = 0;  // counted per read, added to stats_ once
  std::string path_;
  std::vector<std::string> first_frames_;
  std::atomic<std::uint32_t> presence_{0};
  std::int64_t resumed_ns_ = INT64_MAX;  // when `resumed` came (the connection's set-up is over)
  Ready on_ready_;
  bool socketio_ = false;   // the path is /socket.io/: Engine.IO packets carrying Socket.IO events
  bool open_ = false;       // the 101 arrived: the buffer holds frames, writes may go out
  bool closing_ = false;
};

}  // namespace bench
