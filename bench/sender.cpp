#include "sender.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>

#include <cstdio>

#include "clock.hpp"

namespace bench {

namespace net = boost::asio;

Sender::Sender(std::shared_ptr<WsClient> conn, Stats& stats, int id, std::string room_id,
               std::uint64_t room_connections, std::chrono::nanoseconds period,
               std::chrono::nanoseconds phase, int text_bytes)
    : conn_(std::move(conn)),
      stats_(stats),
      timer_(conn_->executor()),
      id_(id),
      room_id_(std::move(room_id)),
      room_connections_(room_connections),
      period_(period),
      phase_(phase),
      text_bytes_(text_bytes) {}

namespace {

// Words for padded texts (--text-bytes): ordinary chat words, so that the search index grows as it
// would with real messages.
constexpr const char* kWords[] = {
  "the", "team", "is", "on", "the", "ridge", "now", "weather", "looks", "good", "snow", "pack",
  "stable", "wind", "from", "north", "meet", "at", "hut", "noon", "can", "you", "bring", "rope",
  "map", "radio", "check", "battery", "low", "route", "closed", "open", "after", "lunch", "we",
  "will", "wait", "for", "group", "two", "three", "photos", "later", "thanks", "ok", "see",
  "tomorrow", "morning", "avalanche", "risk", "moderate", "trail", "parking", "full", "arrived",
  "leaving", "back", "soon", "call", "me", "when", "done", "plan", "changed", "summit", "camp"};

}  // namespace

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
  // The padding (--text-bytes: about that many characters of words) follows the stamp after a
  // space, where the receivers' stamp parser stops; the words vary with the sender and the sequence.
  text_.clear();
  if (text_bytes_ > 0) {
    constexpr std::size_t n_words = sizeof kWords / sizeof kWords[0];
    std::uint64_t k = seq_ * 7919u + static_cast<std::uint64_t>(id_) * 104729u;
    while (text_.size() < static_cast<std::size_t>(text_bytes_)) {
      text_ += ' ';
      text_ += kWords[k % n_words];
      k = k * 6364136223846793005ull + 1442695040888963407ull;
      k ^= k >> 29;
    }
  }
  char buf[4300];
  int n = std::snprintf(buf, sizeof buf,
                        "{\"type\":\"message\",\"roomId\":\"%s\",\"message\":\"b:%d:%llu:%lld%s\","
                        "\"clientId\":\"%d:%llu:%lld\"}",
                        room_id_.c_str(), id_, static_cast<unsigned long long>(seq_),
                        static_cast<long long>(t), text_.c_str(), id_, static_cast<unsigned long long>(seq_),
                        static_cast<long long>(t));
  if (n <= 0 || n >= static_cast<int>(sizeof buf)) return;
  if (stats_.in_window(t)) {
    stats_.sent.fetch_add(1, std::memory_order_relaxed);
    stats_.expected.fetch_add(room_connections_, std::memory_order_relaxed);
  }
  conn_->send(std::string(buf, static_cast<std::size_t>(n)));
}

}  // namespace bench
