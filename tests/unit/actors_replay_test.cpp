#define CAF_SUITE actors_replay

// Replay and backfill paced by the connection's queue (actors/session_replay.cpp): a session reads
// storage only as far as the sink has room below its replay budget, continues when the client has
// read, cuts a client that stops reading, and tells a resumed WebSocket client when it caught up.

#include "caf/test/unit_test.hpp"
#include "caf_test_dsl.hpp"

#include <caf/all.hpp>

#include "actor_fakes.hpp"
#include "actors/atoms.hpp"
#include "actors/frame.hpp"
#include "actors/room_directory.hpp"
#include "actors/session_shard.hpp"

using namespace chat;
using namespace chat::actors;
using chat::test::fake_history;
using chat::test::fake_interest;
using chat::test::fake_sink;

namespace {

struct fixture : test_coordinator_fixture<> {
  std::shared_ptr<fake_history> history = std::make_shared<fake_history>();
  std::shared_ptr<fake_interest> interest = std::make_shared<fake_interest>();
  session_options opts;
  caf::actor directory;
  caf::actor shard;
  std::uint64_t next_conn = 0;

  fixture() {
    directory = spawn_room_directory(sys, room_deps{history, interest, nullptr}, room_options{});
    shard = spawn_session_shard(sys, session_deps{directory, {}, history, nullptr}, opts);
  }

  ~fixture() override {
    caf::anon_send(directory, stop_atom::value);
    run();
  }

  /// Delivers every queued message without firing timers.
  void dispatch() { sched.run(); }

  std::shared_ptr<fake_sink> paced_sink(std::size_t budget) {
    auto sink = std::make_shared<fake_sink>();
    sink->budget = budget;
    return sink;
  }

  session_handle open(std::shared_ptr<fake_sink> sink, bool hold = false) {
    const auto id = ++next_conn;
    return open_session(shard, id, "u" + std::to_string(id), std::move(sink), hold);
  }

  void fill(const std::string& room, std::int64_t n) {
    for (std::int64_t id = 1; id <= n; ++id)
      history->add(room, id);
  }

  void publish(std::int64_t id, std::int64_t prev, const std::string& room = "0") {
    caf::anon_send(directory, publish_atom::value,
                   room_event{room, id, prev, 0, make_message_frame(fake_history::message_json(room, id)), {}});
  }

  /// The client reads everything it got, over and over, until nothing more comes.
  void read_until_quiet(fake_sink& sink) {
    for (int round = 0; round < 10000; ++round) {
      auto before = sink.messages.size();
      sink.read(sink.unread);
      dispatch();
      if (sink.messages.size() == before && sink.unread == 0)
        return;
    }
    CAF_FAIL("the replay never went quiet");
  }
};

std::vector<std::int64_t> seq(std::int64_t from, std::int64_t to) {
  std::vector<std::int64_t> out;
  for (auto i = from; i <= to; ++i)
    out.push_back(i);
  return out;
}

} // namespace

CAF_TEST_FIXTURE_SCOPE(replay_tests, fixture)

CAF_TEST(a_replay_reads_only_what_fits_and_goes_on_as_the_client_reads) {
  fill("0", 5000);
  auto a = paced_sink(300);
  follow_room(open(a), "0", 0);
  dispatch();
  CAF_CHECK_EQUAL(a->ids(), seq(1, 300)); // the budget, then it waits for the client
  CAF_CHECK(!a->closed);
  read_until_quiet(*a);
  CAF_CHECK_EQUAL(a->ids(), seq(1, 5000)); // everything, in order, once, on this one connection
  CAF_CHECK(a->max_unread <= 300u);        // never more than the budget queued
  CAF_CHECK(!a->closed);
}

CAF_TEST(live_events_during_a_paced_replay_arrive_once_in_order_after_it) {
  fill("0", 1000);
  auto a = paced_sink(150);
  follow_room(open(a), "0", 0);
  dispatch();
  for (std::int64_t id = 1001; id <= 1100; ++id) { // live while the replay waits for the client
    history->add("0", id);
    publish(id, id - 1);
  }
  dispatch();
  read_until_quiet(*a);
  CAF_CHECK_EQUAL(a->ids(), seq(1, 1100));
}

CAF_TEST(many_rooms_catch_up_together_within_the_budget) {
  for (int r = 1; r <= 20; ++r)
    fill(std::to_string(r), 120);
  auto a = paced_sink(256);
  auto s = open(a);
  for (int r = 1; r <= 20; ++r)
    follow_room(s, std::to_string(r), 0);
  dispatch();
  read_until_quiet(*a);
  for (int r = 1; r <= 20; ++r)
    CAF_CHECK_EQUAL(a->ids(std::to_string(r)), seq(1, 120));
  CAF_CHECK(a->max_unread <= 256u);
}

CAF_TEST(a_client_that_stops_reading_is_cut_after_the_stall_timeout) {
  fill("0", 2000);
  auto a = paced_sink(200);
  follow_room(open(a), "0", 0);
  dispatch();
  CAF_CHECK_EQUAL(a->ids().size(), 200u);
  advance_time(opts.stall_timeout / 2);
  dispatch();
  CAF_CHECK(!a->closed); // waiting is not stalling yet
  advance_time(opts.stall_timeout);
  dispatch();
  CAF_REQUIRE(a->closed.has_value());
  CAF_CHECK(*a->closed == close_reason::slow_consumer);
}

CAF_TEST(a_client_that_reads_slowly_but_steadily_is_not_cut) {
  fill("0", 1000);
  auto a = paced_sink(200);
  follow_room(open(a), "0", 0);
  dispatch();
  for (int i = 0; i < 12 && a->ids().size() < 1000; ++i) {
    advance_time(opts.stall_timeout / 2); // less than the timeout between two reads
    a->read(a->unread);
    dispatch();
  }
  CAF_CHECK(!a->closed);
  CAF_CHECK_EQUAL(a->ids(), seq(1, 1000));
}

CAF_TEST(a_late_resume_backfills_page_by_page_within_the_budget) {
  fill("0", 10);
  auto a = paced_sink(100);
  auto s = open(a);
  follow_room(s, "0", -1); // live from the head (10)
  dispatch();
  history->add("0", 11);
  publish(11, 10);
  dispatch();
  CAF_CHECK_EQUAL(a->ids(), std::vector<std::int64_t>{11});
  a->read(a->unread);
  follow_room(s, "0", 0); // the late resume: (0, 10] is backfilled
  dispatch();
  read_until_quiet(*a);
  auto want = std::vector<std::int64_t>{11};
  for (auto id : seq(1, 10))
    want.push_back(id);
  CAF_CHECK_EQUAL(a->ids(), want);
}

CAF_TEST(a_large_backfill_is_paced_and_exact) {
  fill("0", 3000);
  auto a = paced_sink(250);
  auto s = open(a);
  follow_room(s, "0", -1); // live from the head (3000)
  dispatch();
  history->add("0", 3001);
  publish(3001, 3000);
  dispatch();
  follow_room(s, "0", 0); // a late resume from the start: 3000 older events
  dispatch();
  CAF_CHECK(a->ids().size() <= 250u);
  read_until_quiet(*a);
  auto ids = a->ids();
  CAF_REQUIRE_EQUAL(ids.size(), 3001u);
  CAF_CHECK_EQUAL(ids.front(), 3001);
  CAF_CHECK_EQUAL(std::vector<std::int64_t>(ids.begin() + 1, ids.end()), seq(1, 3000));
  CAF_CHECK(a->max_unread <= 250u);
}

CAF_TEST(a_released_session_says_resumed_once_every_room_caught_up) {
  fill("1", 400);
  fill("2", 5);
  auto a = paced_sink(100);
  auto s = open(a, true);
  follow_room(s, "1", 0);
  follow_room(s, "2", 0);
  release_session(s);
  dispatch();
  CAF_CHECK(a->events.empty()); // room 1 is still catching up
  read_until_quiet(*a);
  CAF_CHECK_EQUAL(a->ids("1"), seq(1, 400));
  CAF_CHECK_EQUAL(a->ids("2"), seq(1, 5));
  CAF_REQUIRE_EQUAL(a->events.size(), 1u);
  CAF_CHECK_EQUAL(a->events[0], R"({"type":"resumed","data":{"rooms":2}})");
  history->add("1", 401);
  publish(401, 400);
  dispatch();
  CAF_CHECK_EQUAL(a->events.size(), 1u); // once per connection
}

CAF_TEST(a_held_session_reads_nothing_before_the_release) {
  fill("0", 500);
  auto a = paced_sink(100);
  auto s = open(a, true);
  follow_room(s, "0", 0);
  dispatch();
  CAF_CHECK_EQUAL(history->reads, 0); // no page is held in memory for a client that has not started
  release_session(s);
  dispatch();
  read_until_quiet(*a);
  CAF_CHECK_EQUAL(a->ids(), seq(1, 500));
}

CAF_TEST_FIXTURE_SCOPE_END()
