#define CAF_SUITE actors_presence

#include "caf/test/unit_test.hpp"
#include "caf_test_dsl.hpp"

#include <caf/all.hpp>

#include "actor_fakes.hpp"
#include "actors/atoms.hpp"
#include "actors/presence_actor.hpp"
#include "actors/room_directory.hpp"
#include "actors/session_shard.hpp"

using namespace chat;
using namespace chat::actors;
using chat::test::fake_history;
using chat::test::fake_presence_backend;
using chat::test::fake_sink;

namespace {

struct fixture : test_coordinator_fixture<> {
  std::shared_ptr<fake_history> history = std::make_shared<fake_history>();
  std::shared_ptr<fake_presence_backend> backend = std::make_shared<fake_presence_backend>();
  presence_options opts;
  caf::actor directory;
  caf::actor presence;

  caf::actor shards[2];
  std::uint64_t next_conn = 0;

  fixture() {
    directory = spawn_room_directory(sys, room_deps{history, nullptr, nullptr}, room_options{});
    presence = spawn_presence(sys, backend, opts, nullptr);
    for (auto& shard : shards)
      shard = spawn_session_shard(sys, session_deps{directory, presence, history, nullptr}, session_options{});
  }

  /// Delivers every queued message without firing timers (timers fire only via advance_time).
  void dispatch() { sched.run(); }

  ~fixture() override {
    caf::anon_send(directory, stop_atom::value);
    caf::anon_send(presence, stop_atom::value);
    run();
  }

  /// A new connection of `user` (consecutive ones alternate between the two shards).
  session_handle connect(const std::string& user, std::shared_ptr<fake_sink> sink = std::make_shared<fake_sink>()) {
    auto id = ++next_conn;
    auto s = open_session(shards[id % 2], id, user, std::move(sink), false);
    dispatch();
    return s;
  }

  void disconnect(const session_handle& s) {
    close_session(s);
    dispatch();
  }
};

using log_t = std::vector<std::string>;

} // namespace

CAF_TEST_FIXTURE_SCOPE(presence_tests, fixture)

CAF_TEST(two_tabs_one_online_and_one_offline_on_the_last_close_only) {
  auto tab1 = connect("7");
  auto tab2 = connect("7");
  CAF_CHECK_EQUAL(backend->log, (log_t{"online:7"}));
  disconnect(tab1);
  advance_time(opts.offline_grace);
  dispatch();
  CAF_CHECK_EQUAL(backend->log, (log_t{"online:7"})); // the second tab is still open
  disconnect(tab2);
  CAF_CHECK_EQUAL(backend->log, (log_t{"online:7"})); // grace: a reload must not flap
  advance_time(opts.offline_grace);
  dispatch();
  CAF_CHECK_EQUAL(backend->log, (log_t{"online:7", "offline:7"}));
}

CAF_TEST(reconnect_within_the_grace_does_not_flap) {
  auto tab = connect("7");
  disconnect(tab);
  auto again = connect("7");
  advance_time(opts.offline_grace);
  dispatch();
  CAF_CHECK_EQUAL(backend->log, (log_t{"online:7"}));
  disconnect(again);
  advance_time(opts.offline_grace);
  dispatch();
  CAF_CHECK_EQUAL(backend->log, (log_t{"online:7", "offline:7"}));
}

CAF_TEST(presence_frames_reach_every_local_session) {
  auto a = std::make_shared<fake_sink>();
  auto b = std::make_shared<fake_sink>();
  connect("1", a);
  connect("2", b);
  caf::anon_send(presence, event_atom::value, make_frame(R"({"type":"user.connected","data":{}})"));
  dispatch();
  CAF_CHECK_EQUAL(a->events.size(), 1u);
  CAF_CHECK_EQUAL(b->events.size(), 1u);
  CAF_CHECK_EQUAL(backend->log, (log_t{"online:1", "online:2"}));
}

CAF_TEST(broadcasts_within_the_window_are_coalesced_into_one_batch) {
  auto a = std::make_shared<fake_sink>();
  auto b = std::make_shared<fake_sink>();
  connect("1", a);
  connect("2", b);
  auto frame = [](const char* id) {
    return make_frame(std::string{R"({"type":"user.connected","data":{"id":")"} + id + "\"}}");
  };
  // Quiet before: the first broadcast goes out at once.
  caf::anon_send(presence, event_atom::value, frame("5"));
  dispatch();
  CAF_CHECK_EQUAL(a->events.size(), 1u);
  CAF_CHECK_EQUAL(a->batches, 1u);
  // Two more inside the window wait for its end, then go out together, in order.
  caf::anon_send(presence, event_atom::value, frame("6"));
  caf::anon_send(presence, event_atom::value, frame("7"));
  dispatch();
  CAF_CHECK_EQUAL(a->events.size(), 1u);
  advance_time(opts.broadcast_window);
  dispatch();
  for (auto& sink : {a, b}) {
    CAF_REQUIRE_EQUAL(sink->events.size(), 3u);
    CAF_CHECK_EQUAL(sink->batches, 2u);
    CAF_CHECK(sink->events[1].find(R"("id":"6")") != std::string::npos);
    CAF_CHECK(sink->events[2].find(R"("id":"7")") != std::string::npos);
  }
}

CAF_TEST(a_batch_joins_its_frames_with_newlines) {
  auto one = make_frame_batch({make_frame("{\"a\":1}")});
  CAF_CHECK_EQUAL(*one->joined, "{\"a\":1}");
  CAF_CHECK_EQUAL(one->joined, one->frames.front()); // no copy for a single frame
  auto two = make_frame_batch({make_frame("{\"a\":1}"), make_frame("{\"b\":2}")});
  CAF_CHECK_EQUAL(*two->joined, "{\"a\":1}\n{\"b\":2}");
  CAF_CHECK_EQUAL(two->frames.size(), 2u);
}

CAF_TEST(user_events_reach_only_that_users_sessions_and_follow_adds_the_room) {
  auto a1 = std::make_shared<fake_sink>();
  auto a2 = std::make_shared<fake_sink>();
  auto b = std::make_shared<fake_sink>();
  connect("1", a1);
  auto tab2 = connect("1", a2);
  connect("2", b);
  caf::anon_send(presence, event_atom::value, std::string{"1"},
                 make_frame(R"({"type":"show.room","data":{"id":"1:3"}})"));
  caf::anon_send(presence, follow_atom::value, std::string{"1"}, std::string{"1:3"}, std::int64_t{0});
  dispatch();
  CAF_CHECK_EQUAL(a1->events.size(), 1u);
  CAF_CHECK_EQUAL(a2->events.size(), 1u);
  CAF_CHECK_EQUAL(b->events.size(), 0u);
  CAF_CHECK_EQUAL(request<std::size_t>(tab2.shard, count_atom::value, tab2.id), 1u); // follows 1:3 now
}

CAF_TEST(kick_closes_every_connection_of_the_user_on_every_shard_and_ends_their_sessions) {
  auto a1 = std::make_shared<fake_sink>();
  auto a2 = std::make_shared<fake_sink>();
  auto b = std::make_shared<fake_sink>();
  auto tab1 = connect("1", a1); // shard 1
  auto tab2 = connect("1", a2); // shard 0
  connect("2", b);
  follow_room(tab1, "0", -1);
  follow_room(tab2, "0", -1);
  dispatch();
  CAF_CHECK_EQUAL(request<std::size_t>(directory, count_atom::value, std::string{"0"}), 2u);
  CAF_CHECK_EQUAL(request<std::size_t>(presence, kick_atom::value, std::string{"1"}, close_reason::kicked), 2u);
  dispatch();
  for (auto& sink : {a1, a2}) {
    CAF_REQUIRE(sink->closed.has_value());
    CAF_CHECK(*sink->closed == close_reason::kicked);
  }
  CAF_CHECK(!b->closed.has_value());
  CAF_CHECK_EQUAL(request<std::size_t>(directory, count_atom::value, std::string{"0"}), 0u); // left the room
  CAF_CHECK_EQUAL(request<std::size_t>(tab1.shard, count_atom::value, tab1.id), 0u);     // session ended
  advance_time(opts.offline_grace);
  dispatch();
  CAF_CHECK_EQUAL(backend->log, (log_t{"online:1", "online:2", "offline:1"}));
}

CAF_TEST_FIXTURE_SCOPE_END()
