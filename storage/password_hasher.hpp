#pragma once
/// bcrypt ($2b$, libcrypt's crypt_rn / crypt_gensalt_rn) off the I/O threads.
///
/// bcrypt at cost 10 costs tens of milliseconds of CPU by design, so hashing and verifying run on
/// a small dedicated thread pool with a bounded backlog; when the backlog is full the callback
/// gets `busy` at once (the HTTP layer answers 503) instead of queueing without bound.

#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace chat::storage {

class password_hasher {
public:
  /// Result of a verify.
  enum class verdict { match, mismatch, busy };

  /// `threads` workers, bcrypt `cost` (tutorial: 10), at most `max_backlog` jobs waiting.
  password_hasher(unsigned threads, unsigned cost, std::size_t max_backlog);
  ~password_hasher();

  password_hasher(const password_hasher&) = delete;
  password_hasher& operator=(const password_hasher&) = delete;

  /// Hashes `password` with a fresh salt; std::nullopt when busy or on failure.
  /// The callback runs on a hasher thread.
  void hash(std::string password, std::function<void(std::optional<std::string>)> done);

  /// Compares `password` with a stored `$2b$`/`$2a$`/`$2y$` hash in constant time.
  /// The callback runs on a hasher thread.
  void verify(std::string password, std::string stored_hash, std::function<void(verdict)> done);

  /// Synchronous hash for tools and tests (blocks the caller).
  std::optional<std::string> hash_now(const std::string& password) const;

  /// Synchronous verify for tools and tests (blocks the caller).
  bool verify_now(const std::string& password, const std::string& stored_hash) const;

  /// Finishes queued jobs and joins the threads (also done by the destructor).
  void stop();

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace chat::storage
