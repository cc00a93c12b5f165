#include "sender.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>

#include <cstdio>

#include "clock.hpp"

namespace bench {

namespace net = boost::asio;

Sender::Sender(std::shared_ptr<WsClient> conn, Stats& stats, int id, std::string room_id,
               std::uint64_t room_connections, std::chrono::nanoseconds period,
               std::chrono::nanoseconds phase)
    : conn_(std::move(conn)),
      stats_(stats),
      timer_(conn_->executor()),
      id_(id),
      room_id_(std::move(room_id)),
      room_connections_(room_connections),
      period_(period),
      phase_(phase) {}

void Sender::start() {
  net::dispatch(conn_->executor(), [self = shared_from_this()] {
    self->next_ = std::chrono::steady_clock::now() + self->phase_;
    self->do_wait();
  });
}

void Sender::stop() {
  net::post(conn_->executor(), [self = shared_from_this()] {
    self->stopped_ = true;
    self->timer_.cancel();
  });
}

void Sender::do_wait() {
  timer_.expires_at(next_);
  timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) { self->on_wait(ec); });
}

void Sender::on_wait(boost::system::error_code ec) {
  if (ec || stopped_ || !stats_.sending.load()) return;
  auto now = std::chrono::steady_clock::now();
  if (now - next_ > std::chrono::seconds(1)) next_ = now;  // hopelessly behind: do not burst
  while (next_ <= now) {
    send_one();
    next_ += period_;
  }
  do_wait();
}

void Sender::send_one() {
  auto t = now_ns();
  ++seq_;
  char buf[256];
  int n = std::snprintf(buf, sizeof buf,
                        "{\"type\":\"message\",\"roomId\":\"%s\",\"message\":\"b:%d:%llu:%lld\","
                        "\"clientId\":\"%d:%llu:%lld\"}",
                        room_id_.c_str(), id_, static_cast<unsigned long long>(seq_),
                        static_cast<long long>(t), id_, static_cast<unsigned long long>(seq_),
                        static_cast<long long>(t));
  if (n <= 0 || n >= static_cast<int>(sizeof buf)) return;
  if (stats_.in_window(t)) {
    stats_.sent.fetch_add(1, std::memory_order_relaxed);
    stats_.expected.fetch_add(room_connections_, std::memory_order_relaxed);
  }
  conn_->send(std::string(buf, static_cast<std::size_t>(n)));
}

}  // namespace bench
