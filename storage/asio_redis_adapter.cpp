#include "storage/asio_redis_adapter.hpp"

#include <cstdio>
#include <cstdlib>
#include <memory>

#include <boost/asio/posix/stream_descriptor.hpp>
#include <hiredis/async.h>
#include <hiredis/hiredis.h>

namespace chat::storage::detail {

namespace {

namespace asio = boost::asio;
using boost::system::error_code;

/// Readiness watcher of one context. Owned by a heap shared_ptr in `ac->ev.data` until hiredis
/// calls `cleanup`; pending waits hold their own reference.
class watcher : public std::enable_shared_from_this<watcher> {
public:
  watcher(redisAsyncContext* ac, const redis_strand& strand) : ac_(ac), sd_(strand) {}

  bool assign(int fd) {
    error_code ec;
    sd_.assign(fd, ec);
    return !ec;
  }

  void add_read() {
    want_read_ = true;
    arm(read_pending_, asio::posix::descriptor_base::wait_read);
  }
  void del_read() { want_read_ = false; }
  void add_write() {
    want_write_ = true;
    arm(write_pending_, asio::posix::descriptor_base::wait_write);
  }
  void del_write() { want_write_ = false; }

  /// hiredis is done with the context: forget it, hand the fd back (hiredis closes it).
  void cleanup() {
    if (ac_ != nullptr) {
      ac_->ev.addRead = nullptr;
      ac_->ev.delRead = nullptr;
      ac_->ev.addWrite = nullptr;
      ac_->ev.delWrite = nullptr;
      ac_->ev.cleanup = nullptr;
      ac_->ev.data = nullptr;
    }
    ac_ = nullptr;
    want_read_ = want_write_ = false;
    if (sd_.is_open()) {
      error_code ec;
      sd_.cancel(ec);
      (void) sd_.release();
    }
  }

private:
  void arm(bool& pending, asio::posix::descriptor_base::wait_type what) {
    if (pending || ac_ == nullptr)
      return;
    pending = true;
    sd_.async_wait(what, [self = shared_from_this(), what](const error_code& ec) {
      self->on_ready(what, ec);
    });
  }

  void on_ready(asio::posix::descriptor_base::wait_type what, const error_code& ec) {
    bool reading = what == asio::posix::descriptor_base::wait_read;
    (reading ? read_pending_ : write_pending_) = false;
    if (ec == asio::error::operation_aborted || ac_ == nullptr)
      return;
    if (reading) {
      if (!want_read_)
        return;
      redisAsyncHandleRead(ac_); // may free the context: cleanup() then cleared ac_
      if (ac_ != nullptr && want_read_)
        add_read();
    } else {
      if (!want_write_)
        return;
      redisAsyncHandleWrite(ac_);
      if (ac_ != nullptr && want_write_)
        add_write();
    }
  }

  redisAsyncContext* ac_;
  asio::posix::stream_descriptor sd_;
  bool want_read_ = false;
  bool want_write_ = false;
  bool read_pending_ = false;
  bool write_pending_ = false;
};

using holder = std::shared_ptr<watcher>;

watcher& get(void* p) {
  if (p == nullptr) {
    std::fputs("chat_storage: hiredis event hook called without adapter data\n", stderr);
    std::abort();
  }
  return **static_cast<holder*>(p);
}

void hook_add_read(void* p) { get(p).add_read(); }
void hook_del_read(void* p) { get(p).del_read(); }
void hook_add_write(void* p) { get(p).add_write(); }
void hook_del_write(void* p) { get(p).del_write(); }
void hook_cleanup(void* p) {
  if (p == nullptr)
    return;
  auto* h = static_cast<holder*>(p);
  (*h)->cleanup();
  delete h;
}

} // namespace

bool attach_asio(redisAsyncContext* ac, const redis_strand& strand) {
  if (ac == nullptr || ac->ev.data != nullptr || ac->c.fd < 0)
    return false;
  auto w = std::make_shared<watcher>(ac, strand);
  if (!w->assign(ac->c.fd))
    return false;
  ac->ev.addRead = hook_add_read;
  ac->ev.delRead = hook_del_read;
  ac->ev.addWrite = hook_add_write;
  ac->ev.delWrite = hook_del_write;
  ac->ev.cleanup = hook_cleanup;
  ac->ev.data = new holder(w);
  w->add_write(); // the connect callback fires on the first writable event
  return true;
}

} // namespace chat::storage::detail
