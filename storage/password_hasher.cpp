#include "storage/password_hasher.hpp"

#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include <crypt.h>
#include <openssl/crypto.h>

#include "metrics/log.hpp"

namespace chat::storage {

namespace {

bool is_bcrypt_hash(const std::string& h) noexcept {
  // $2a$/$2b$/$2y$, two-digit cost, '$', 53 characters of salt+hash: 60 in total.
  return h.size() == 60 && h[0] == '$' && h[1] == '2' && (h[2] == 'a' || h[2] == 'b' || h[2] == 'y')
         && h[3] == '$' && h[6] == '$';
}

std::optional<std::string> do_hash(const std::string& password, unsigned cost) {
  if (password.find('\0') != std::string::npos)
    return std::nullopt;
  char setting[CRYPT_GENSALT_OUTPUT_SIZE];
  if (crypt_gensalt_rn("$2b$", cost, nullptr, 0, setting, sizeof setting) == nullptr)
    return std::nullopt;
  auto data = std::make_unique<crypt_data>();
  std::memset(data.get(), 0, sizeof(crypt_data));
  const char* out = crypt_rn(password.c_str(), setting, data.get(), sizeof(crypt_data));
  if (out == nullptr || out[0] != '$')
    return std::nullopt;
  std::string result{out};
  if (!is_bcrypt_hash(result))
    return std::nullopt;
  return result;
}

bool do_verify(const std::string& password, const std::string& stored) {
  if (!is_bcrypt_hash(stored) || password.find('\0') != std::string::npos)
    return false;
  auto data = std::make_unique<crypt_data>();
  std::memset(data.get(), 0, sizeof(crypt_data));
  const char* out = crypt_rn(password.c_str(), stored.c_str(), data.get(), sizeof(crypt_data));
  if (out == nullptr || out[0] != '$')
    return false;
  std::size_t len = std::strlen(out);
  if (len != stored.size())
    return false;
  return CRYPTO_memcmp(out, stored.data(), len) == 0;
}

} // namespace

struct password_hasher::impl {
  unsigned cost;
  std::size_t max_backlog;
  std::mutex mutex;
  std::condition_variable cv;
  std::deque<std::function<void()>> jobs;
  std::vector<std::thread> workers;
  bool stopping = false;

  /// Queues `job`; false when stopped or the backlog is full.
  bool enqueue(std::function<void()> job) {
    {
      std::lock_guard<std::mutex> lock{mutex};
      if (stopping || jobs.size() >= max_backlog)
        return false;
      jobs.push_back(std::move(job));
    }
    cv.notify_one();
    return true;
  }

  void run() {
    for (;;) {
      std::function<void()> job;
      {
        std::unique_lock<std::mutex> lock{mutex};
        cv.wait(lock, [this] { return stopping || !jobs.empty(); });
        if (jobs.empty())
          return; // stopping and drained
        job = std::move(jobs.front());
        jobs.pop_front();
      }
      try {
        job();
      } catch (const std::exception& e) {
        log::error("hasher_callback_threw", {{"error", e.what()}});
      } catch (...) {
        log::error("hasher_callback_threw");
      }
    }
  }
};

password_hasher::password_hasher(unsigned threads, unsigned cost, std::size_t max_backlog)
  : impl_(std::make_unique<impl>()) {
  impl_->cost = cost < 4 ? 4 : (cost > 31 ? 31 : cost);
  impl_->max_backlog = max_backlog == 0 ? 1 : max_backlog;
  if (threads == 0)
    threads = 1;
  for (unsigned i = 0; i < threads; ++i)
    impl_->workers.emplace_back([d = impl_.get()] { d->run(); });
}

password_hasher::~password_hasher() { stop(); }

void password_hasher::hash(std::string password, std::function<void(std::optional<std::string>)> done) {
  auto shared_done = std::make_shared<std::function<void(std::optional<std::string>)>>(std::move(done));
  unsigned cost = impl_->cost;
  bool queued = impl_->enqueue([pw = std::move(password), shared_done, cost] { (*shared_done)(do_hash(pw, cost)); });
  if (!queued)
    (*shared_done)(std::nullopt);
}

void password_hasher::verify(std::string password, std::string stored_hash, std::function<void(verdict)> done) {
  auto shared_done = std::make_shared<std::function<void(verdict)>>(std::move(done));
  bool queued = impl_->enqueue([pw = std::move(password), h = std::move(stored_hash), shared_done] {
    (*shared_done)(do_verify(pw, h) ? verdict::match : verdict::mismatch);
  });
  if (!queued)
    (*shared_done)(verdict::busy);
}

std::optional<std::string> password_hasher::hash_now(const std::string& password) const {
  return do_hash(password, impl_->cost);
}

bool password_hasher::verify_now(const std::string& password, const std::string& stored_hash) const {
  return do_verify(password, stored_hash);
}

void password_hasher::stop() {
  {
    std::lock_guard<std::mutex> lock{impl_->mutex};
    impl_->stopping = true;
  }
  impl_->cv.notify_all();
  for (auto& t : impl_->workers)
    if (t.joinable() && t.get_id() != std::this_thread::get_id())
      t.join();
  impl_->workers.clear();
}

} // namespace chat::storage
