#define CAF_SUITE storage_password_hasher
#include "caf/test/unit_test.hpp"

#include <atomic>
#include <chrono>
#include <future>
#include <vector>

#include "storage/password_hasher.hpp"

using chat::storage::password_hasher;

namespace {

// Generated once with Python's crypt module (libxcrypt): crypt("password123", $2b$, 2^10 rounds).
constexpr const char* known_hash = "$2b$10$DTrLw5clxhfBYByL0h/99egIErC/ZwBHtZfhR4R3dOOBq4HDRxwXu";

} // namespace

CAF_TEST(known tutorial style hash verifies) {
  password_hasher h{1, 10, 8};
  CAF_CHECK(h.verify_now("password123", known_hash));
  CAF_CHECK(!h.verify_now("password124", known_hash));
  CAF_CHECK(!h.verify_now("", known_hash));
  // $2a$ and $2y$ hashes of the same input are accepted too (same algorithm for ASCII input).
  std::string as_2y = known_hash;
  as_2y[2] = 'y';
  CAF_CHECK(h.verify_now("password123", as_2y));
  std::string as_2a = known_hash;
  as_2a[2] = 'a';
  CAF_CHECK(h.verify_now("password123", as_2a));
}

CAF_TEST(garbage stored hashes never match) {
  password_hasher h{1, 10, 8};
  CAF_CHECK(!h.verify_now("password123", ""));
  CAF_CHECK(!h.verify_now("password123", "password123"));
  CAF_CHECK(!h.verify_now("password123", "$1$abc$def"));
  CAF_CHECK(!h.verify_now("password123", std::string(known_hash).substr(0, 59)));
  CAF_CHECK(!h.verify_now(std::string("pass\0word", 9), known_hash));
}

CAF_TEST(hash then verify on the pool) {
  password_hasher h{2, 10, 8};
  std::promise<std::optional<std::string>> hashed;
  h.hash("s3cret \"pw\"", [&](std::optional<std::string> r) { hashed.set_value(std::move(r)); });
  auto stored = hashed.get_future().get();
  CAF_REQUIRE(stored.has_value());
  CAF_CHECK_EQUAL(stored->substr(0, 7), "$2b$10$");
  CAF_CHECK_EQUAL(stored->size(), 60u);
  std::promise<password_hasher::verdict> ok;
  h.verify("s3cret \"pw\"", *stored, [&](password_hasher::verdict v) { ok.set_value(v); });
  CAF_CHECK(ok.get_future().get() == password_hasher::verdict::match);
  std::promise<password_hasher::verdict> bad;
  h.verify("s3cret", *stored, [&](password_hasher::verdict v) { bad.set_value(v); });
  CAF_CHECK(bad.get_future().get() == password_hasher::verdict::mismatch);
  auto again = h.hash_now("s3cret \"pw\"");
  CAF_REQUIRE(again.has_value());
  CAF_CHECK(*again != *stored); // fresh salt
}

CAF_TEST(full backlog answers busy at once and stop drains) {
  password_hasher h{1, 10, 1};
  std::atomic<int> busy{0};
  std::atomic<int> done{0};
  for (int i = 0; i < 6; ++i)
    h.verify("password123", known_hash, [&](password_hasher::verdict v) {
      if (v == password_hasher::verdict::busy)
        ++busy;
      ++done;
    });
  CAF_CHECK(busy.load() >= 1);
  h.stop();
  CAF_CHECK_EQUAL(done.load(), 6);
  std::promise<password_hasher::verdict> after;
  h.verify("x", known_hash, [&](password_hasher::verdict v) { after.set_value(v); });
  CAF_CHECK(after.get_future().get() == password_hasher::verdict::busy);
}
