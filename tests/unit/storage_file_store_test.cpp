#define CAF_SUITE storage_file_store
// redis_file_store (issue #24) against a real redis-server this test starts on a free loopback
// port (skipped when redis-server is not installed): chunks in order, metadata, TTLs, abort,
// quota.
#include "caf/test/unit_test.hpp"

#include <future>
#include <string>
#include <tuple>

#include "redis_test_server.hpp"
#include "storage/key_schema.hpp"
#include "storage/redis_file_store.hpp"

using namespace chat::storage;
using namespace std::chrono_literals;
using chat::test::redis_fixture;

namespace {

template <class... Ts, class Call>
std::tuple<Ts...> wait_for(Call call) {
  auto p = std::make_shared<std::promise<std::tuple<Ts...>>>();
  auto f = p->get_future();
  call([p](Ts... vs) { p->set_value(std::make_tuple(std::move(vs)...)); });
  if (f.wait_for(10s) != std::future_status::ready)
    CAF_FAIL("no answer from Redis");
  return f.get();
}

file_upload_request request(std::string owner, std::uint64_t expected = 0, std::uint64_t quota = 0) {
  file_upload_request r;
  r.room = "0";
  r.owner = std::move(owner);
  r.name = "photo.png";
  r.expected_bytes = expected;
  r.quota_per_day = quota;
  return r;
}

} // namespace

CAF_TEST(file ids and days) {
  auto a = new_file_id(), b = new_file_id();
  CAF_CHECK(is_file_id(a));
  CAF_CHECK(a != b);
  CAF_CHECK(!is_file_id("ABCDEF0123456789abcdef0123456789"));
  CAF_CHECK(!is_file_id("abc"));
  CAF_CHECK_EQUAL(utc_day(0), "19700101");
  CAF_CHECK_EQUAL(utc_day(1796601599000), "20261206"); // 2026-12-06 23:59:59 UTC
  CAF_CHECK_EQUAL(utc_day(1796601600000), "20261207"); // one second later
}

CAF_TEST(upload read back abort and quota in redis) {
  redis_fixture fx;
  if (!fx.start()) {
    CAF_MESSAGE("redis-server not available: skipped");
    return;
  }
  redis_file_store store{fx.redis};

  // begin → two chunks → finish: metadata, chunks, both keys expiring within 24 h.
  file_status st;
  file_upload up;
  std::tie(st, up) = wait_for<file_status, file_upload>([&](auto cb) { store.begin(request("2"), cb); });
  CAF_REQUIRE(st == file_status::ok);
  CAF_CHECK(is_file_id(up.id));
  file_status m0st;
  file_meta m0;
  std::tie(m0st, m0) = wait_for<file_status, file_meta>([&](auto cb) { store.meta(up.id, cb); });
  CAF_CHECK(m0st == file_status::ok);
  CAF_CHECK(!m0.ready); // still uploading
  const std::string first(file_chunk_bytes, 'a');
  CAF_CHECK(std::get<0>(wait_for<file_status>([&](auto cb) { store.append(up, first, 0, cb); })) == file_status::ok);
  up.next_chunk = 1;
  up.stored = first.size();
  CAF_CHECK(std::get<0>(wait_for<file_status>([&](auto cb) { store.append(up, "tail", 0, cb); })) == file_status::ok);
  up.next_chunk = 2;
  up.stored += 4;
  file_meta fin;
  fin.size = up.stored;
  fin.type = "image/png";
  fin.width = 3;
  fin.height = 4;
  CAF_CHECK(std::get<0>(wait_for<file_status>([&](auto cb) { store.finish(up, fin, cb); })) == file_status::ok);
  file_status mst;
  file_meta m;
  std::tie(mst, m) = wait_for<file_status, file_meta>([&](auto cb) { store.meta(up.id, cb); });
  CAF_REQUIRE(mst == file_status::ok);
  CAF_CHECK(m.ready);
  CAF_CHECK_EQUAL(m.room, "0");
  CAF_CHECK_EQUAL(m.owner, "2");
  CAF_CHECK_EQUAL(m.name, "photo.png");
  CAF_CHECK_EQUAL(m.size, file_chunk_bytes + 4);
  CAF_CHECK_EQUAL(m.type, "image/png");
  CAF_CHECK(m.width == 3u && m.height == 4u);
  CAF_CHECK_EQUAL(m.chunk, file_chunk_bytes);
  CAF_CHECK(m.created > 0);
  file_status c0st;
  std::string c0;
  std::tie(c0st, c0) = wait_for<file_status, std::string>([&](auto cb) { store.read_chunk(up.id, 0, cb); });
  CAF_CHECK(c0st == file_status::ok && c0 == first);
  file_status c1st;
  std::string c1;
  std::tie(c1st, c1) = wait_for<file_status, std::string>([&](auto cb) { store.read_chunk(up.id, 1, cb); });
  CAF_CHECK(c1st == file_status::ok && c1 == "tail");
  CAF_CHECK(std::get<0>(wait_for<file_status, std::string>([&](auto cb) { store.read_chunk(up.id, 2, cb); })) ==
            file_status::gone);
  for (auto key : {keys::file(up.id), keys::file_data(up.id)}) {
    auto ttl = fx.raw({"TTL", key});
    CAF_CHECK(ttl.is_integer() && ttl.integer > 0 && ttl.integer <= 24 * 3600);
  }
  auto used = fx.raw({"GET", up.quota_key});
  CAF_CHECK_EQUAL(used.str, std::to_string(file_chunk_bytes + 4));
  CAF_CHECK(fx.raw({"TTL", up.quota_key}).integer <= 48 * 3600);

  // abort: both keys gone at once, the bytes given back to the quota.
  file_status st2;
  file_upload up2;
  std::tie(st2, up2) = wait_for<file_status, file_upload>([&](auto cb) { store.begin(request("2"), cb); });
  CAF_REQUIRE(st2 == file_status::ok);
  CAF_CHECK(std::get<0>(wait_for<file_status>([&](auto cb) { store.append(up2, "xyz", 0, cb); })) == file_status::ok);
  up2.stored = 3;
  CAF_CHECK(std::get<0>(wait_for<file_status>([&](auto cb) { store.abort(up2, cb); })) == file_status::ok);
  CAF_CHECK_EQUAL(fx.raw({"EXISTS", keys::file(up2.id), keys::file_data(up2.id)}).integer, 0);
  CAF_CHECK_EQUAL(fx.raw({"GET", up.quota_key}).str, std::to_string(file_chunk_bytes + 4));
  CAF_CHECK(std::get<0>(wait_for<file_status, file_meta>([&](auto cb) { store.meta(up2.id, cb); })) == file_status::gone);

  // quota: refused up front from the expected size, and chunk by chunk; nothing stored then.
  const auto quota = file_chunk_bytes + 10;
  CAF_CHECK(std::get<0>(wait_for<file_status, file_upload>([&](auto cb) { store.begin(request("2", 7, quota), cb); })) ==
            file_status::quota_exceeded);
  file_status st3;
  file_upload up3;
  std::tie(st3, up3) = wait_for<file_status, file_upload>([&](auto cb) { store.begin(request("2", 0, quota), cb); });
  CAF_REQUIRE(st3 == file_status::ok);
  CAF_CHECK(std::get<0>(wait_for<file_status>([&](auto cb) { store.append(up3, "123456", quota, cb); })) == file_status::ok);
  up3.next_chunk = 1;
  up3.stored = 6;
  CAF_CHECK(std::get<0>(wait_for<file_status>([&](auto cb) { store.append(up3, "1", quota, cb); })) ==
            file_status::quota_exceeded);
  CAF_CHECK_EQUAL(fx.raw({"HEXISTS", keys::file_data(up3.id), "1"}).integer, 0);
  // Another user's quota is separate.
  CAF_CHECK(std::get<0>(wait_for<file_status, file_upload>([&](auto cb) { store.begin(request("3", 7, quota), cb); })) ==
            file_status::ok);

  // remove; an unknown id is gone.
  CAF_CHECK(std::get<0>(wait_for<file_status>([&](auto cb) { store.remove(up.id, cb); })) == file_status::ok);
  CAF_CHECK(std::get<0>(wait_for<file_status, file_meta>([&](auto cb) { store.meta(up.id, cb); })) == file_status::gone);
  CAF_CHECK_EQUAL(fx.raw({"EXISTS", keys::file_data(up.id)}).integer, 0);
}
