#define CAF_SUITE storage_retention
// History retention's Lua step (storage/retention.cpp, lua_retention.hpp) and the replay horizon
// (events_after's `reload` row), against a real redis-server this test starts on a free loopback
// port (skipped when redis-server is not installed).
#include "caf/test/unit_test.hpp"

#include <string>
#include <vector>

#include "redis_test_server.hpp"

using namespace chat::storage;
using namespace std::chrono_literals;
using chat::test::redis_fixture;

namespace {

bool has(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

/// Room 5: messages 1000 (a file, a mention, indexed words), 2000, 3000 (a thread with reply 3500
/// carrying a file), 4000, 5000; log frames 1500 (an edit of 1000), 3500 (the reply), 4500 (a
/// reaction on 4000); a tombstone at 2500.
void seed(redis_fixture& fx) {
  auto row = [](int id, const std::string& text, const std::string& extra = "") {
    return R"({"id":)" + std::to_string(id) + R"(,"roomId":"5","from":"2","date":1,"message":")" + text + "\"" + extra + "}";
  };
  const std::string file_a = R"(,"mentions":["7"],"attachments":[{"id":"aa11","name":"a.png","size":3,"type":"image/png","url":"/files/aa11/a.png"}])";
  const std::string file_b = R"(,"parentId":3000,"attachments":[{"id":"bb22","name":"b.png","size":3,"type":"image/png","url":"/files/bb22/b.png"}])";
  fx.raw({"ZADD", "room:5", "1000", row(1000, "alpha bravo", file_a), "2000", row(2000, "charlie"), "3000",
          row(3000, "delta", R"(,"replies":1,"lastReplyAt":3500)"), "4000", row(4000, "echo"), "5000", row(5000, "foxtrot")});
  fx.raw({"ZADD", "chat:room:5:events", "1500", R"({"type":"message.updated","data":)" + row(1000, "alpha bravo") + "}",
          "3500", R"({"type":"message","data":)" + row(3500, "reply", file_b) + "}", "4500",
          R"({"type":"reaction","data":{"roomId":"5","id":4000,"emoji":"x","userId":"2","on":true,"seq":4500}})"});
  fx.raw({"ZADD", "chat:room:5:thread:3000", "3500", row(3500, "reply", file_b)});
  fx.raw({"HSET", "chat:room:5:reply_parents", "3500", "3000"});
  fx.raw({"ZADD", "chat:room:5:deleted", "2500", R"({"id":2500,"roomId":"5","from":"2","date":1,"deleted":true})"});
  fx.raw({"HSET", "chat:file:aa11", "message", "1000", "room", "5"});
  fx.raw({"HSET", "chat:file:aa11:data", "0", "abc"});
  fx.raw({"HSET", "chat:file:bb22", "message", "3500", "room", "5"});
  fx.raw({"HSET", "chat:file:bb22:data", "0", "abc"});
  fx.raw({"SADD", "chat:room:5:files", "aa11", "bb22"});
  fx.raw({"ZADD", "chat:room:5:mentions:7", "1000", "1000"});
  fx.raw({"ZADD", "chat:search:w:alpha", "1000", "5:1000"});
  fx.raw({"ZADD", "chat:search:w:echo", "4000", "5:4000"});
  fx.raw({"HSET", "chat:search:upto", "5", "5000"});
  fx.raw({"SET", "chat:room:5:last_id", "5000"});
}

std::vector<std::int64_t> scores(redis_fixture& fx, const std::string& key) {
  std::vector<std::int64_t> out;
  auto r = fx.raw({"ZRANGE", key, "0", "-1", "WITHSCORES"});
  for (std::size_t i = 1; i < r.elements.size(); i += 2)
    out.push_back(std::stoll(r.elements[i].str));
  return out;
}

retention_policy keep(std::int64_t n) {
  retention_policy p;
  p.max_messages = n;
  return p;
}

using ids = std::vector<std::int64_t>;

} // namespace

CAF_TEST(a trim step removes old messages with their files threads mentions search entries and log) {
  redis_fixture fx;
  if (!fx.start()) {
    CAF_MESSAGE("redis-server not available: skipped");
    return;
  }
  auto& s = *fx.store;
  seed(fx);
  auto [e, t] = fx.wait<trim_progress>([&](auto cb) { s.retention_trim("5", keep(2), 50, cb); });
  CAF_REQUIRE(e == errc::ok);
  CAF_CHECK_EQUAL(t.messages, 4); // 1000, 2000, 3000 and the reply 3500
  CAF_CHECK(!t.more);
  CAF_CHECK_EQUAL(t.horizon, 3500); // the reply of a trimmed thread lies above the target (3000)
  CAF_CHECK_EQUAL(t.upto, 3000);    // but of the room's own messages, 3000 is the last to go (4000 stays)
  CAF_CHECK_EQUAL(scores(fx, "room:5"), (ids{4000, 5000}));
  CAF_CHECK_EQUAL(scores(fx, "chat:room:5:events"), (ids{4500}));
  CAF_CHECK(scores(fx, "chat:room:5:deleted").empty());
  CAF_CHECK_EQUAL(fx.raw({"EXISTS", "chat:room:5:thread:3000", "chat:file:aa11", "chat:file:aa11:data", "chat:file:bb22",
                          "chat:file:bb22:data", "chat:room:5:files", "chat:room:5:mentions:7", "chat:search:w:alpha"})
                    .integer,
                  0);
  CAF_CHECK_EQUAL(fx.raw({"HEXISTS", "chat:room:5:reply_parents", "3500"}).integer, 0);
  CAF_CHECK_EQUAL(fx.raw({"ZCARD", "chat:search:w:echo"}).integer, 1); // a kept message keeps its entries
  CAF_CHECK_EQUAL(fx.raw({"GET", "chat:room:5:horizon"}).str, std::string{"3500"});

  // Nothing more to trim: a step changes nothing, the horizon stays.
  auto [e2, t2] = fx.wait<trim_progress>([&](auto cb) { s.retention_trim("5", keep(2), 50, cb); });
  CAF_CHECK(e2 == errc::ok);
  CAF_CHECK_EQUAL(t2.messages, 0);
  CAF_CHECK_EQUAL(t2.horizon, 0);
  CAF_CHECK_EQUAL(t2.upto, 0);

  // A replay from below the horizon starts with `reload`, then exactly what follows the horizon.
  auto [re, rows] = fx.wait<std::vector<stored_event>>([&](auto cb) { s.events_after("5", 1000, 100, cb); });
  CAF_REQUIRE(re == errc::ok);
  CAF_REQUIRE_EQUAL(rows.size(), 4u);
  CAF_CHECK_EQUAL(rows[0].id, 3500);
  CAF_CHECK_EQUAL(rows[0].frame, std::string{R"({"type":"reload","data":{"roomId":"5","horizon":3500}})"});
  CAF_CHECK_EQUAL(rows[1].id, 4000);
  CAF_CHECK_EQUAL(rows[2].id, 4500);
  CAF_CHECK_EQUAL(rows[3].id, 5000);
  // A page of one is the reload alone; the next page goes on from the horizon.
  auto [re1, one] = fx.wait<std::vector<stored_event>>([&](auto cb) { s.events_after("5", 0, 1, cb); });
  CAF_REQUIRE_EQUAL(one.size(), 1u);
  CAF_CHECK(has(one[0].frame, R"("type":"reload")"));
  // From the horizon or after it: exact, no reload.
  auto [re2, rows2] = fx.wait<std::vector<stored_event>>([&](auto cb) { s.events_after("5", 3500, 100, cb); });
  CAF_REQUIRE_EQUAL(rows2.size(), 3u);
  CAF_CHECK_EQUAL(rows2[0].id, 4000);
  CAF_CHECK(has(rows2[0].frame, R"("type":"message")"));
}

CAF_TEST(a small budget trims in several steps to the same end) {
  redis_fixture fx;
  if (!fx.start()) {
    CAF_MESSAGE("redis-server not available: skipped");
    return;
  }
  auto& s = *fx.store;
  seed(fx);
  std::int64_t total = 0;
  int steps = 0;
  for (bool more = true; more && steps < 20; ++steps) {
    auto [e, t] = fx.wait<trim_progress>([&](auto cb) { s.retention_trim("5", keep(2), 1, cb); });
    CAF_REQUIRE(e == errc::ok);
    total += t.messages;
    more = t.more;
  }
  CAF_CHECK(steps > 3);
  CAF_CHECK_EQUAL(total, 4);
  CAF_CHECK_EQUAL(scores(fx, "room:5"), (ids{4000, 5000}));
  CAF_CHECK_EQUAL(scores(fx, "chat:room:5:events"), (ids{4500}));
  CAF_CHECK_EQUAL(fx.raw({"EXISTS", "chat:room:5:thread:3000", "chat:file:bb22", "chat:room:5:deleted"}).integer, 0);
  CAF_CHECK_EQUAL(fx.raw({"GET", "chat:room:5:horizon"}).str, std::string{"3500"});
}

CAF_TEST(max age trims by position time and the scan finds rooms) {
  redis_fixture fx;
  if (!fx.start()) {
    CAF_MESSAGE("redis-server not available: skipped");
    return;
  }
  auto& s = *fx.store;
  auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                  std::chrono::system_clock::now().time_since_epoch()).count();
  const auto old_id = std::to_string(now_ms - 2 * 3600 * 1000);
  const auto new_id = std::to_string(now_ms);
  fx.raw({"ZADD", "room:6", old_id, R"({"id":)" + old_id + R"(,"roomId":"6","from":"2","date":1,"message":"old"})", new_id,
          R"({"id":)" + new_id + R"(,"roomId":"6","from":"2","date":1,"message":"new"})"});
  fx.raw({"SADD", "room:6:members", "2"});
  fx.raw({"SET", "room:6:name", "six"});
  retention_policy p;
  p.max_age = 1h;
  auto [e, t] = fx.wait<trim_progress>([&](auto cb) { s.retention_trim("6", p, 50, cb); });
  CAF_REQUIRE(e == errc::ok);
  CAF_CHECK_EQUAL(t.messages, 1);
  CAF_CHECK_EQUAL(fx.raw({"ZCARD", "room:6"}).integer, 1);
  CAF_CHECK_EQUAL(fx.raw({"GET", "chat:room:6:horizon"}).str, old_id);

  // The walk: every room holding messages, nothing else (room:6:members is a set, room:6:name a string).
  std::vector<std::string> rooms;
  std::string cursor = "0";
  int pages = 0;
  do {
    auto [se, page] = fx.wait<room_scan_page>([&](auto cb) { s.retention_scan(cursor, 100, cb); });
    CAF_REQUIRE(se == errc::ok);
    rooms.insert(rooms.end(), page.rooms.begin(), page.rooms.end());
    cursor = page.next;
  } while (cursor != "0" && ++pages < 100);
  CAF_CHECK_EQUAL(rooms, (std::vector<std::string>{"6"}));

  // The lease: one holder at a time; the holder renews it.
  auto [le, held] = fx.wait<bool>([&](auto cb) { s.retention_lease(5s, cb); });
  CAF_CHECK(le == errc::ok && held);
  auto [le2, again] = fx.wait<bool>([&](auto cb) { s.retention_lease(5s, cb); });
  CAF_CHECK(le2 == errc::ok && again);
  fx.raw({"SET", "chat:retention:lease", "node-b", "PX", "5000"});
  auto [le3, other] = fx.wait<bool>([&](auto cb) { s.retention_lease(5s, cb); });
  CAF_CHECK(le3 == errc::ok && !other);
}

CAF_TEST(the event log cap raises the horizon) {
  redis_fixture fx;
  if (!fx.start()) {
    CAF_MESSAGE("redis-server not available: skipped");
    return;
  }
  auto& s = *fx.store;
  // A log at its cap written before horizons were recorded: cut just below its oldest frame.
  std::vector<std::string> argv{"ZADD", "chat:room:7:events"};
  for (int i = 1; i <= 10000; ++i) {
    argv.push_back(std::to_string(100 + i));
    argv.push_back(R"({"type":"reaction","data":{"roomId":"7","id":1,"seq":)" + std::to_string(100 + i) + "}}");
  }
  fx.raw(argv);
  auto [e, rows] = fx.wait<std::vector<stored_event>>([&](auto cb) { s.events_after("7", 50, 2, cb); });
  CAF_REQUIRE(e == errc::ok);
  CAF_REQUIRE_EQUAL(rows.size(), 2u);
  CAF_CHECK_EQUAL(rows[0].frame, std::string{R"({"type":"reload","data":{"roomId":"7","horizon":100}})"});
  CAF_CHECK_EQUAL(rows[1].id, 101);
  auto [e2, rows2] = fx.wait<std::vector<stored_event>>([&](auto cb) { s.events_after("7", 100, 1, cb); });
  CAF_REQUIRE_EQUAL(rows2.size(), 1u);
  CAF_CHECK_EQUAL(rows2[0].id, 101);
}

CAF_TEST(an event past the log cap drops the oldest frame and records it as the horizon) {
  redis_fixture fx;
  if (!fx.start()) {
    CAF_MESSAGE("redis-server not available: skipped");
    return;
  }
  auto& s = *fx.store;
  fx.raw({"HSET", "user:2", "username", "bob"});
  fx.raw({"ZADD", "room:0", "20000", R"({"id":20000,"roomId":"0","from":"2","date":20,"message":"hello"})"});
  std::vector<std::string> argv{"ZADD", "chat:room:0:events"};
  for (int i = 1; i <= 10000; ++i) {
    argv.push_back(std::to_string(i));
    argv.push_back(R"({"type":"reaction","data":{"roomId":"0","id":1,"seq":)" + std::to_string(i) + "}}");
  }
  fx.raw(argv);
  fx.raw({"SET", "chat:room:0:horizon", "0"}); // recorded (an empty horizon), so the cap alone decides
  auto [e, w] = fx.wait<written_event>([&](auto cb) { s.edit_message("0", 20000, "2", "hello again", cb); });
  CAF_REQUIRE(e == errc::ok);
  CAF_CHECK(w.seq > 20000);
  CAF_CHECK_EQUAL(fx.raw({"ZCARD", "chat:room:0:events"}).integer, 10000);
  CAF_CHECK_EQUAL(fx.raw({"GET", "chat:room:0:horizon"}).str, std::string{"1"});
  auto [e2, rows] = fx.wait<std::vector<stored_event>>([&](auto cb) { s.events_after("0", 0, 2, cb); });
  CAF_REQUIRE(e2 == errc::ok);
  CAF_REQUIRE_EQUAL(rows.size(), 2u);
  CAF_CHECK_EQUAL(rows[0].frame, std::string{R"({"type":"reload","data":{"roomId":"0","horizon":1}})"});
  CAF_CHECK_EQUAL(rows[1].id, 2);
}
