#define CAF_SUITE actors_user_rooms

// Room membership per user (actors/session_state.hpp): the connections of one user on a shard
// share one member entry per room, keep no per-room state once settled, and still each get every
// event exactly once from their own start point.

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

  void dispatch() { sched.run(); }

  session_handle open(std::shared_ptr<fake_sink> sink, const std::string& user, bool hold = false) {
    return open_session(shard, ++next_conn, user, std::move(sink), hold);
  }

  void publish(std::int64_t id, std::int64_t prev, const std::string& room = "0") {
    history->add(room, id);
    caf::anon_send(directory, publish_atom::value,
                   room_event{room, id, prev, 0, make_message_frame(fake_history::message_json(room, id)), {}});
  }

  std::size_t room_members(const std::string& room) {
    return request<std::size_t>(directory, count_atom::value, room);
  }

  /// Rooms a connection keeps per-room state for (the request also fires every pending timer).
  std::size_t catchups(const session_handle& s) {
    return request<std::size_t>(shard, count_atom::value, s.id, true);
  }

  /// What a connection does at connect: held, follows every room from its head, then the client's
  /// first frame (resume) and the release.
  session_handle connect(std::shared_ptr<fake_sink> sink, const std::string& user,
                         const std::vector<std::string>& rooms, std::int64_t after = -1) {
    auto s = open(std::move(sink), user, true);
    for (auto& r : rooms)
      follow_room(s, r, after);
    release_session(s);
    dispatch();
    return s;
  }
};

std::vector<std::int64_t> seq(std::int64_t from, std::int64_t to) {
  std::vector<std::int64_t> out;
  for (auto i = from; i <= to; ++i)
    out.push_back(i);
  return out;
}

std::vector<std::string> room_names(int n) {
  std::vector<std::string> out;
  for (int i = 1; i <= n; ++i)
    out.push_back("r" + std::to_string(i));
  return out;
}

} // namespace

CAF_TEST_FIXTURE_SCOPE(user_rooms_tests, fixture)

CAF_TEST(connections_of_one_user_share_one_member_per_room_and_keep_nothing_per_room_once_settled) {
  auto rooms = room_names(50);
  std::vector<std::shared_ptr<fake_sink>> sinks;
  std::vector<session_handle> sessions;
  for (int i = 0; i < 20; ++i) {
    sinks.push_back(std::make_shared<fake_sink>());
    sessions.push_back(connect(sinks.back(), "u1", rooms));
  }
  for (auto& r : rooms)
    CAF_CHECK_EQUAL(room_members(r), 1u); // before: one member per connection (20)
  advance_time(opts.late_resume_window); // (a request runs due timers: count after the window)
  dispatch();
  for (auto& s : sessions)
    CAF_CHECK_EQUAL(catchups(s), 0u); // settled: nothing per room
  publish(1, 0, "r7");
  dispatch();
  for (auto& sink : sinks)
    CAF_CHECK_EQUAL(sink->ids("r7"), std::vector<std::int64_t>{1}); // still every connection, once
}

CAF_TEST(a_second_connection_resumes_from_its_own_cursor_while_the_first_stays_live) {
  auto a = std::make_shared<fake_sink>();
  connect(a, "u1", {"0"});
  for (std::int64_t id = 1; id <= 10; ++id)
    publish(id, id - 1);
  dispatch();
  CAF_CHECK_EQUAL(a->ids(), seq(1, 10));
  auto b = std::make_shared<fake_sink>();
  auto sb = open(b, "u1", true);
  follow_room(sb, "0", 4); // its client saw up to 4
  release_session(sb);
  publish(11, 10); // live while b catches up
  dispatch();
  publish(12, 11);
  dispatch();
  CAF_CHECK_EQUAL(a->ids(), seq(1, 12)); // nothing twice for the live one
  CAF_CHECK_EQUAL(b->ids(), seq(5, 12)); // exactly what it lacked, then live
}

CAF_TEST(a_reconnect_with_nothing_missed_goes_live_without_reading_storage) {
  auto a = std::make_shared<fake_sink>();
  connect(a, "u1", room_names(30));
  for (int r = 1; r <= 30; ++r)
    publish(1, 0, "r" + std::to_string(r));
  dispatch();
  auto reads = history->reads;
  auto b = std::make_shared<fake_sink>();
  auto sb = open(b, "u1", true);
  for (int r = 1; r <= 30; ++r)
    follow_room(sb, "r" + std::to_string(r), 1); // its cursors are the rooms' live points
  release_session(sb);
  dispatch();
  CAF_CHECK_EQUAL(history->reads, reads); // no storage read per room
  CAF_REQUIRE_EQUAL(b->events.size(), 1u);
  CAF_CHECK_EQUAL(b->events[0], R"({"type":"resumed","data":{"rooms":30}})");
  publish(2, 1, "r3");
  dispatch();
  CAF_CHECK_EQUAL(b->ids("r3"), std::vector<std::int64_t>{2});
}

CAF_TEST(a_new_room_and_leaving_it_apply_to_every_connection_of_the_user) {
  auto a = std::make_shared<fake_sink>();
  auto b = std::make_shared<fake_sink>();
  auto sa = connect(a, "u1", {"0"});
  connect(b, "u1", {"0"});
  follow_room(sa, "9", 0); // e.g. a DM created: every connection of the user follows it
  dispatch();
  publish(1, 0, "9");
  dispatch();
  CAF_CHECK_EQUAL(a->ids("9"), std::vector<std::int64_t>{1});
  CAF_CHECK_EQUAL(b->ids("9"), std::vector<std::int64_t>{1});
  CAF_CHECK_EQUAL(room_members("9"), 1u);
  unfollow_room(sa, "9");
  dispatch();
  publish(2, 1, "9");
  dispatch();
  CAF_CHECK_EQUAL(a->ids("9"), std::vector<std::int64_t>{1});
  CAF_CHECK_EQUAL(b->ids("9"), std::vector<std::int64_t>{1});
  CAF_CHECK_EQUAL(room_members("9"), 0u);
}

CAF_TEST(the_last_connection_of_a_user_leaves_its_rooms) {
  auto a = std::make_shared<fake_sink>();
  auto b = std::make_shared<fake_sink>();
  auto sa = connect(a, "u1", {"0", "1"});
  auto sb = connect(b, "u1", {"0", "1"});
  close_session(sa);
  dispatch();
  CAF_CHECK_EQUAL(room_members("1"), 1u); // b still follows
  publish(1, 0, "1");
  dispatch();
  CAF_CHECK_EQUAL(b->ids("1"), std::vector<std::int64_t>{1});
  close_session(sb);
  dispatch();
  CAF_CHECK_EQUAL(room_members("1"), 0u);
}

CAF_TEST(a_late_resume_within_the_window_backfills_exactly_and_after_it_changes_nothing) {
  for (std::int64_t id = 1; id <= 5; ++id)
    history->add("0", id);
  auto a = std::make_shared<fake_sink>();
  auto sa = open(a, "u1"); // no hold (like SSE): live from the head at once
  follow_room(sa, "0", -1);
  dispatch();
  publish(6, 5);
  dispatch();
  follow_room(sa, "0", 3); // within the window: 4 and 5, once
  dispatch();
  CAF_CHECK_EQUAL(a->ids(), (std::vector<std::int64_t>{6, 4, 5}));
  advance_time(opts.late_resume_window);
  dispatch();
  follow_room(sa, "0", 1); // settled: no per-room state left to tell what it lacks
  publish(7, 6);
  dispatch();
  CAF_CHECK_EQUAL(a->ids(), (std::vector<std::int64_t>{6, 4, 5, 7}));
}

CAF_TEST_FIXTURE_SCOPE_END()
