#pragma once
/// WebSocket keep-alive for the connections of one loop, on one timer. A timer per connection (as
/// Beast's idle timeout had) keeps an operation pending in every idle connection (~250 bytes); here
/// the loop sweeps its connections every period instead, and each decides whether its peer has been
/// silent long enough to be pinged or closed, or whether its close handshake has waited long
/// enough (ws_session). Loop-only: add, remove and the sweep run on the
/// loop's thread. The timer runs only while some connection is registered, so an idle loop (and a
/// node shutting down) has nothing pending. Private to the net library.

#include <chrono>
#include <cstddef>
#include <memory>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

namespace chat::net {

/// A connection the sweep visits.
class keepalive_target {
public:
  virtual ~keepalive_target() = default;
  /// One sweep, on the loop: count one more silent period, or start over if the peer was heard.
  virtual void keepalive_sweep() = 0;
};

class keepalive_timer : public std::enable_shared_from_this<keepalive_timer> {
public:
  /// Sweeps every `period` (> 0) while connections are registered.
  keepalive_timer(boost::asio::io_context::executor_type ex, std::chrono::steady_clock::duration period);

  keepalive_timer(const keepalive_timer&) = delete;
  keepalive_timer& operator=(const keepalive_timer&) = delete;

  /// Registers `target` (on the loop). `*slot` receives its place and is kept up to date as
  /// others leave; it must live as long as the target and is only touched on the loop.
  void add(std::weak_ptr<keepalive_target> target, std::size_t* slot);
  /// Unregisters the target in `slot` (on the loop; once).
  void remove(std::size_t slot);

  std::size_t size() const noexcept { return entries_.size(); }
  std::chrono::steady_clock::duration period() const noexcept { return period_; }

private:
  struct entry {
    std::weak_ptr<keepalive_target> target;
    std::size_t* slot; ///< the target's copy of its index (valid while the target lives)
  };
  void erase(std::size_t i);
  void arm();
  void on_sweep();

  std::chrono::steady_clock::duration period_;
  boost::asio::basic_waitable_timer<std::chrono::steady_clock, boost::asio::wait_traits<std::chrono::steady_clock>,
                                    boost::asio::io_context::executor_type> timer_;
  std::vector<entry> entries_;
  bool armed_ = false;
};

} // namespace chat::net
