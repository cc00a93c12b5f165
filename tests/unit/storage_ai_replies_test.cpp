#define CAF_SUITE storage_ai_replies
// The assistant's Lua scripts (storage/ai_replies.cpp) and the mid-stream reads, against a real
// redis-server this test starts on a free loopback port (skipped when redis-server is not installed).
#include "caf/test/unit_test.hpp"

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

} // namespace

CAF_TEST(assistant replies in redis - bot user start deltas mid-stream reads final write once stop sweep) {
  redis_fixture fx;
  if (!fx.start()) {
    CAF_MESSAGE("redis-server not available: skipped");
    return;
  }
  auto& s = *fx.store;
  // The bot user: created once; the first human is still the admin; its name is taken.
  auto bot = fx.wait<user>([&](auto cb) { s.ensure_ai_bot("Assistant", cb); });
  CAF_REQUIRE(bot.first == errc::ok);
  CAF_CHECK_EQUAL(bot.second.id, "1");
  CAF_CHECK_EQUAL(fx.wait<user>([&](auto cb) { s.ensure_ai_bot("Assistant", cb); }).second.id, "1");
  CAF_CHECK(fx.wait<bool>([&](auto cb) { s.is_empty(cb); }).second); // --seed-demo still seeds
  auto joe = fx.wait<user>([&](auto cb) { s.create_user("joe", "$2b$10$x", cb); });
  CAF_CHECK(!fx.wait<bool>([&](auto cb) { s.is_empty(cb); }).second);
  CAF_CHECK_EQUAL(joe.second.id, "2");
  CAF_CHECK_EQUAL(joe.second.role, "admin");
  auto mary = fx.wait<user>([&](auto cb) { s.create_user("mary", "$2b$10$x", cb); });
  CAF_CHECK_EQUAL(mary.second.role, "user");
  CAF_CHECK(fx.wait<user>([&](auto cb) { s.create_user("assistant", "$2b$10$x", cb); }).first == errc::conflict);
  CAF_CHECK_EQUAL(fx.wait<user>([&](auto cb) { s.create_user("alex", "$2b$10$x", cb); }).second.id, "4");
  auto creds = fx.wait<user_credentials>([&](auto cb) { s.find_credentials("Assistant", cb); });
  CAF_CHECK_EQUAL(creds.second.password_hash, "!");
  CAF_CHECK_EQUAL(creds.second.info.role, "bot");
  CAF_CHECK_EQUAL(fx.raw({"SISMEMBER", "online_users", "1"}).integer, 1);

  // A DM with the bot, a question, the reply's start.
  CAF_REQUIRE(fx.wait<dm_result>([&](auto cb) { s.create_dm("1", "2", "2", cb); }).first == errc::ok);
  const std::string dm = "1:2";
  auto q = fx.wait<sent_message>([&](auto cb) { s.send_message(dm, "2", "what is 2+2?", cb); });
  CAF_REQUIRE(q.first == errc::ok);
  auto started = fx.wait<ai_started>([&](auto cb) { s.ai_start(fx.start_req(dm, "2", 2), cb); });
  CAF_REQUIRE(started.first == errc::ok);
  auto id = started.second.id;
  CAF_CHECK(id > q.second.id);
  CAF_CHECK_EQUAL(started.second.prev, q.second.id);
  CAF_CHECK(has(started.second.json, R"("from":"1")"));
  CAF_CHECK(has(started.second.json, R"("message":"","streaming":true})"));
  CAF_CHECK(fx.wait<ai_started>([&](auto cb) { s.ai_start(fx.start_req(dm, "2"), cb); }).first == errc::conflict);
  CAF_CHECK(fx.wait<ai_started>([&](auto cb) { s.ai_start(fx.start_req(dm, "3"), cb); }).first == errc::forbidden);

  // Deltas: only the owner appends; the text so far is what history and replay serve.
  CAF_CHECK(fx.wait<bool>([&](auto cb) { s.ai_append(fx.append_req(dm, id, "It \"is\""), cb); }).first == errc::ok);
  CAF_CHECK(fx.wait<bool>([&](auto cb) { s.ai_append(fx.append_req(dm, id, "!!", "node-b"), cb); }).first ==
            errc::not_found);
  CAF_CHECK(fx.wait<bool>([&](auto cb) { s.ai_append(fx.append_req(dm, id + 1, "!!"), cb); }).first == errc::not_found);
  auto replay = fx.wait<std::vector<stored_event>>([&](auto cb) { s.events_after(dm, q.second.id, 10, cb); });
  CAF_REQUIRE_EQUAL(replay.second.size(), 1u);
  CAF_CHECK_EQUAL(replay.second[0].id, id);
  CAF_CHECK(has(replay.second[0].frame, R"("message":"It \"is\"","streaming":true)"));
  auto page = fx.wait<std::vector<stored_message>>([&](auto cb) { s.messages_before(dm, std::nullopt, 10, cb); });
  CAF_REQUIRE_EQUAL(page.second.size(), 2u);
  CAF_CHECK(has(page.second[0].json, R"("message":"It \"is\"","streaming":true)"));
  auto offset_page = fx.wait<std::vector<stored_message>>([&](auto cb) { s.messages_by_offset(dm, 0, 1, cb); });
  CAF_REQUIRE_EQUAL(offset_page.second.size(), 1u);
  CAF_CHECK(has(offset_page.second[0].json, R"("message":"It \"is\"")"));

  // The end: once, by the owner, with the text so far plus its last piece.
  auto foreign = fx.wait<written_event>([&](auto cb) { s.ai_finish({dm, id, "node-b", "x", false, ""}, cb); });
  CAF_CHECK(foreign.first == errc::not_found);
  auto fin = fx.wait<written_event>([&](auto cb) { s.ai_finish({dm, id, "node-a", " 4.", false, ""}, cb); });
  CAF_REQUIRE(fin.first == errc::ok);
  CAF_CHECK(fin.second.seq > id);
  CAF_CHECK(has(fin.second.frame, R"({"type":"message.updated","data":{"id":)" + std::to_string(id)));
  CAF_CHECK(has(fin.second.data, R"("message":"It \"is\" 4.","streaming":false,"seq":)"));
  CAF_CHECK(fx.wait<written_event>([&](auto cb) { s.ai_finish({dm, id, "node-a", "", false, ""}, cb); }).first ==
            errc::not_found);
  CAF_CHECK(fx.wait<written_event>([&](auto cb) { s.ai_stop(dm, id, "2", cb); }).first == errc::not_found);
  page = fx.wait<std::vector<stored_message>>([&](auto cb) { s.messages_before(dm, std::nullopt, 10, cb); });
  CAF_CHECK(has(page.second[0].json, R"("message":"It \"is\" 4.","streaming":false})"));
  replay = fx.wait<std::vector<stored_event>>([&](auto cb) { s.events_after(dm, id, 10, cb); });
  CAF_REQUIRE_EQUAL(replay.second.size(), 1u);
  CAF_CHECK_EQUAL(replay.second[0].id, fin.second.seq);
  CAF_CHECK_EQUAL(fx.raw({"EXISTS", "chat:ai:stream:" + dm}).integer, 0);

  // The room is free again; a stop by a DM member keeps the text so far; then the hourly limit (2).
  auto second = fx.wait<ai_started>([&](auto cb) { s.ai_start(fx.start_req(dm, "2", 2), cb); });
  CAF_REQUIRE(second.first == errc::ok);
  fx.wait<bool>([&](auto cb) { s.ai_append(fx.append_req(dm, second.second.id, "Let me"), cb); });
  auto stop = fx.wait<written_event>([&](auto cb) { s.ai_stop(dm, second.second.id, "2", cb); });
  CAF_REQUIRE(stop.first == errc::ok);
  CAF_CHECK(has(stop.second.data, R"("message":"Let me","streaming":false,"stopped":true)"));
  auto limited = fx.wait<ai_started>([&](auto cb) { s.ai_start(fx.start_req(dm, "2", 2), cb); });
  CAF_CHECK(limited.first == errc::rate_limited);
  CAF_CHECK(limited.second.retry_after > 3000);

  // Outside DMs only who asked (or an admin) stops it.
  auto general = fx.wait<ai_started>([&](auto cb) { s.ai_start(fx.start_req("0", "3"), cb); });
  CAF_REQUIRE(general.first == errc::ok);
  CAF_CHECK(fx.wait<written_event>([&](auto cb) { s.ai_stop("0", general.second.id, "3", cb); }).first == errc::ok);
  general = fx.wait<ai_started>([&](auto cb) { s.ai_start(fx.start_req("0", "3"), cb); });
  CAF_REQUIRE(general.first == errc::ok);
  CAF_CHECK(fx.wait<written_event>([&](auto cb) { s.ai_stop("0", general.second.id, "4", cb); }).first ==
            errc::forbidden); // alex: a member, but neither who asked nor an admin
  CAF_CHECK(fx.wait<written_event>([&](auto cb) { s.ai_stop("0", general.second.id, "2", cb); }).first ==
            errc::ok); // joe is an admin

  // An orphan: its lease runs out; one sweep finalizes it as interrupted, with its text.
  auto orphan = fx.wait<ai_started>([&](auto cb) { s.ai_start(fx.start_req("0", "3", 0, 1ms), cb); });
  CAF_REQUIRE(orphan.first == errc::ok);
  auto a = fx.append_req("0", orphan.second.id, "half");
  a.lease = 1ms;
  fx.wait<bool>([&](auto cb) { s.ai_append(a, cb); });
  std::this_thread::sleep_for(20ms);
  auto swept = fx.wait<std::vector<ai_swept>>([&](auto cb) { s.ai_sweep(10, cb); });
  CAF_REQUIRE(swept.first == errc::ok);
  CAF_REQUIRE_EQUAL(swept.second.size(), 1u);
  CAF_CHECK_EQUAL(swept.second[0].room_id, "0");
  CAF_CHECK(has(swept.second[0].event.data, R"("message":"half","streaming":false,"error":"interrupted")"));
  CAF_CHECK(fx.wait<std::vector<ai_swept>>([&](auto cb) { s.ai_sweep(10, cb); }).second.empty());
  CAF_CHECK(fx.wait<written_event>([&](auto cb) { s.ai_finish({"0", orphan.second.id, "node-a", "", false, ""}, cb); })
              .first == errc::not_found);
  // A live reply is not swept.
  auto live = fx.wait<ai_started>([&](auto cb) { s.ai_start(fx.start_req("0", "3"), cb); });
  CAF_REQUIRE(live.first == errc::ok);
  CAF_CHECK(fx.wait<std::vector<ai_swept>>([&](auto cb) { s.ai_sweep(10, cb); }).second.empty());
}
