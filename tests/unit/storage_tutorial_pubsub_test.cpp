#define CAF_SUITE storage_tutorial_pubsub
// --tutorial-pubsub in the storage scripts, against a real redis-server this test starts on a free
// loopback port (skipped when redis-server is not installed): the send script's tutorial envelopes
// on MESSAGES, and the adoption of a tutorial server's rows (chat_store_tutorial.cpp).
#include "caf/test/unit_test.hpp"

#include <mutex>
#include <string>
#include <thread>

#include "redis_test_server.hpp"

using namespace chat::storage;
using namespace std::chrono_literals;
using chat::test::redis_fixture;

namespace {

bool has(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

/// A SUBSCRIBE connection collecting (channel, payload) pairs.
struct listener {
  std::shared_ptr<redis_client> sub;
  std::mutex mutex;
  std::vector<std::pair<std::string, std::string>> got;

  bool start(redis_fixture& fx, std::vector<std::string> channels) {
    redis_endpoint ep;
    ep.port = static_cast<std::uint16_t>(fx.port);
    sub = redis_client::create(fx.ioc, ep, nullptr, "subscriber");
    sub->set_on_message([this](std::string_view channel, std::string_view payload) {
      std::lock_guard<std::mutex> lock{mutex};
      got.emplace_back(std::string{channel}, std::string{payload});
    });
    auto ready = std::make_shared<std::promise<void>>();
    sub->subscribe(std::move(channels), [ready] {
      try {
        ready->set_value();
      } catch (...) {
      }
    });
    sub->start();
    return ready->get_future().wait_for(10s) == std::future_status::ready;
  }

  /// Waits (bounded) until `n` messages arrived; returns them.
  std::vector<std::pair<std::string, std::string>> wait(std::size_t n) {
    for (int i = 0; i < 200; ++i) {
      {
        std::lock_guard<std::mutex> lock{mutex};
        if (got.size() >= n)
          return got;
      }
      std::this_thread::sleep_for(10ms);
    }
    std::lock_guard<std::mutex> lock{mutex};
    return got;
  }

  ~listener() {
    if (sub)
      sub->stop();
  }
};

} // namespace

CAF_TEST(send script publishes the tutorial envelopes only with the option) {
  redis_fixture fx;
  if (!fx.start()) {
    CAF_MESSAGE("redis-server not available: skipped");
    return;
  }
  auto& plain = *fx.store;
  CAF_REQUIRE(fx.wait<bool>([&](auto cb) { plain.ensure_schema(cb); }).first == errc::ok);
  CAF_REQUIRE(fx.wait<user>([&](auto cb) { plain.create_user("pablo", "$2b$10$x", cb); }).first == errc::ok);
  CAF_REQUIRE(fx.wait<user>([&](auto cb) { plain.create_user("joe", "$2b$10$x", cb); }).first == errc::ok);
  store_options opts;
  opts.server_id = "node-t";
  opts.tutorial_pubsub = true;
  chat_store tut{fx.redis, opts};
  listener l;
  CAF_REQUIRE(l.start(fx, {"MESSAGES"}));

  CAF_REQUIRE(fx.wait<sent_message>([&](auto cb) { plain.send_message("0", "1", "not published", cb); }).first == errc::ok);
  auto sent = fx.wait<sent_message>([&](auto cb) { tut.send_message("0", "1", "hi \"all\"", cb); });
  CAF_REQUIRE(sent.first == errc::ok);
  auto got = l.wait(1);
  CAF_REQUIRE_EQUAL(got.size(), 1u);
  // `ts` (Redis' time in ms) may be below the id (max(now, last + 1)): checked as a prefix and a tail.
  CAF_CHECK(has(got[0].second, R"({"serverId":"node-t","type":"message","ts":)"));
  CAF_CHECK(has(got[0].second, R"(,"data":{"roomId":"0","message":"hi \"all\"","from":"1","date":)"
                                   + std::to_string(sent.second.date) + "}}"));
  CAF_CHECK(!has(got[0].second, "prev")); // the tutorial's shape, not a room event's

  // A DM's first message: show.room (names as the tutorial's [[n1],[n2]]) before it; later ones: none.
  CAF_REQUIRE(fx.wait<dm_result>([&](auto cb) { tut.create_dm("1", "2", "1", cb); }).first == errc::ok);
  CAF_REQUIRE(fx.wait<sent_message>([&](auto cb) { tut.send_message("1:2", "2", "first", cb); }).first == errc::ok);
  CAF_REQUIRE(fx.wait<sent_message>([&](auto cb) { tut.send_message("1:2", "1", "second", cb); }).first == errc::ok);
  got = l.wait(4);
  CAF_REQUIRE_EQUAL(got.size(), 4u);
  CAF_CHECK(has(got[1].second, R"("type":"show.room")"));
  CAF_CHECK(has(got[1].second, R"("id":"1:2")"));
  CAF_CHECK(has(got[1].second, R"([["pablo"],["joe"]])"));
  CAF_CHECK(has(got[2].second, R"("message":"first","from":"2")"));
  CAF_CHECK(has(got[3].second, R"("message":"second","from":"1")"));
}

CAF_TEST(tutorial rows are adopted into the id sequence of the room once) {
  redis_fixture fx;
  if (!fx.start()) {
    CAF_MESSAGE("redis-server not available: skipped");
    return;
  }
  auto& s = *fx.store;
  CAF_REQUIRE(fx.wait<bool>([&](auto cb) { s.ensure_schema(cb); }).first == errc::ok);
  CAF_REQUIRE(fx.wait<user>([&](auto cb) { s.create_user("pablo", "$2b$10$x", cb); }).first == errc::ok);
  auto ours = fx.wait<sent_message>([&](auto cb) { s.send_message("0", "1", "ours", cb); });
  CAF_REQUIRE(ours.first == errc::ok);
  listener l;
  CAF_REQUIRE(l.start(fx, {"chat:room:0"}));
  const auto date = ours.second.date;
  const auto d = std::to_string(date);
  // Two tutorial rows of that second (one with a float date and a numeric from), one of another
  // second, one that is not JSON: only the first two are adopted.
  fx.raw({"ZADD", "room:0", d, R"({"roomId":"0","message":"tut a","from":1,"date":)" + d + "}"});
  fx.raw({"ZADD", "room:0", d + ".5", R"({"from":"1","date":)" + d + R"(.5,"message":"tut b","roomId":"0"})"});
  fx.raw({"ZADD", "room:0", std::to_string(date - 100), R"({"roomId":"0","message":"older","from":1})"});
  fx.raw({"ZADD", "room:0", d, "not json"});
  auto adopted = fx.wait<std::int64_t>([&](auto cb) { s.adopt_tutorial_messages("0", date, cb); });
  CAF_REQUIRE(adopted.first == errc::ok);
  CAF_CHECK_EQUAL(adopted.second, 2);
  CAF_CHECK_EQUAL(fx.wait<std::int64_t>([&](auto cb) { s.adopt_tutorial_messages("0", date, cb); }).second, 0);
  CAF_CHECK(fx.wait<std::int64_t>([&](auto cb) { s.adopt_tutorial_messages("../0", date, cb); }).first == errc::invalid);

  auto page = fx.wait<std::vector<stored_message>>([&](auto cb) { s.messages_by_offset("0", 0, 10, cb); });
  CAF_REQUIRE(page.first == errc::ok);
  CAF_REQUIRE(page.second.size() >= 4u);
  // Newest first: the adopted two, then ours, then the old tutorial row (its score as id).
  CAF_CHECK(has(page.second[0].json, R"("message":"tut b")") || has(page.second[0].json, R"("message":"tut a")"));
  CAF_CHECK(page.second[0].id > page.second[1].id);
  CAF_CHECK(page.second[1].id > ours.second.id);
  CAF_CHECK_EQUAL(page.second[2].id, ours.second.id);
  CAF_CHECK(has(page.second[0].json, R"("from":"1")"));
  CAF_CHECK(has(page.second[0].json, R"("date":)" + d));
  CAF_CHECK_EQUAL(fx.raw({"GET", "chat:room:0:last_id"}).str, std::to_string(page.second[0].id));

  // Each adoption was published on the room's channel as a message with its chain link.
  auto got = l.wait(2);
  CAF_REQUIRE_EQUAL(got.size(), 2u);
  CAF_CHECK(has(got[0].second, R"({"serverId":"node-a/tutorial","type":"message",)"));
  CAF_CHECK(has(got[0].second, R"("prev":)" + std::to_string(ours.second.id) + ","));
  CAF_CHECK(has(got[1].second, R"("prev":)" + std::to_string(page.second[1].id) + ","));
}
