#define CAF_SUITE actors_room

#include "caf/test/unit_test.hpp"
#include "caf_test_dsl.hpp"

#include <caf/all.hpp>

#include "actor_fakes.hpp"
#include "actors/atoms.hpp"
#include "actors/chat_service.hpp"
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
  room_options room_opts;
  command_limits command_opts;
  caf::actor directory;

  caf::actor shards[2];
  std::uint64_t next_conn = 0;

  fixture() {
    directory = spawn_room_directory(sys, room_deps{history, interest, nullptr}, room_opts);
    for (auto& shard : shards)
      shard = spawn_session_shard(sys, session_deps{directory, {}, history, nullptr}, session_options{});
  }

  /// Delivers every queued message without firing timers (timers fire only via advance_time).
  void dispatch() { sched.run(); }

  ~fixture() override {
    caf::anon_send(directory, stop_atom::value);
    run();
  }

  /// A session of `user`; consecutive sessions alternate between the two shards unless `shard` is
  /// given (so fan-out is tested within one shard and across shards).
  session_handle open(std::shared_ptr<fake_sink> sink, const std::string& user, bool hold = false,
                      int shard = -1) {
    auto id = ++next_conn;
    return open_session(shards[shard < 0 ? id % 2 : static_cast<std::uint64_t>(shard)], id, user,
                        std::move(sink), hold);
  }

  /// A session of `user` following `room` (live only, or resuming after `after`).
  session_handle follow(std::shared_ptr<fake_sink> sink, const std::string& user,
                        const std::string& room = "0", std::int64_t after = -1, int shard = -1) {
    auto s = open(std::move(sink), user, false, shard);
    follow_room(s, room, after);
    dispatch();
    return s;
  }

  void publish(std::int64_t id, std::int64_t prev, const std::string& room = "0") {
    caf::anon_send(directory, publish_atom::value,
                   room_event{room, id, prev, 0, make_message_frame(fake_history::message_json(room, id)), {}});
  }

  /// Room "0" holds 1..5; user 1 follows it live from its head and gets 6 live (a late resume's setup).
  session_handle live_through_6(std::shared_ptr<fake_sink> sink) {
    for (std::int64_t id = 1; id <= 5; ++id)
      history->add("0", id);
    auto s = follow(std::move(sink), "1");
    history->add("0", 6);
    publish(6, 5);
    dispatch();
    return s;
  }

  std::size_t room_members(const std::string& room = "0") {
    return request<std::size_t>(directory, count_atom::value, room);
  }
};

std::vector<std::int64_t> seq(std::int64_t from, std::int64_t to) {
  std::vector<std::int64_t> out;
  for (auto i = from; i <= to; ++i)
    out.push_back(i);
  return out;
}

} // namespace

CAF_TEST_FIXTURE_SCOPE(room_tests, fixture)

CAF_TEST(fan_out_reaches_every_member_in_id_order) {
  auto a = std::make_shared<fake_sink>();
  auto b = std::make_shared<fake_sink>();
  auto c = std::make_shared<fake_sink>();
  follow(a, "1");
  follow(b, "2");
  follow(c, "3");
  for (std::int64_t id = 1; id <= 20; ++id)
    publish(id, id - 1);
  dispatch();
  CAF_CHECK_EQUAL(a->ids(), seq(1, 20));
  CAF_CHECK_EQUAL(b->ids(), seq(1, 20));
  CAF_CHECK_EQUAL(c->ids(), seq(1, 20));
  // Every recipient shares the same serialized bytes: no per-recipient copy.
  CAF_CHECK(a->messages[0].frame.get() == b->messages[0].frame.get());
}

CAF_TEST(duplicates_and_echoes_are_delivered_once) {
  auto a = std::make_shared<fake_sink>();
  follow(a, "1");
  publish(1, 0);
  publish(2, 1);
  publish(2, 1); // the node's own envelope echoed by Pub/Sub
  publish(1, 0);
  publish(3, 2);
  dispatch();
  CAF_CHECK_EQUAL(a->ids(), seq(1, 3));
}

CAF_TEST(out_of_order_event_waits_then_gap_is_filled_from_storage) {
  auto a = std::make_shared<fake_sink>();
  follow(a, "1");
  publish(1, 0);
  dispatch();
  history->add("0", 1);
  history->add("0", 2);
  history->add("0", 3);
  publish(3, 2); // 2 was lost on the way
  dispatch();
  CAF_CHECK_EQUAL(a->ids(), seq(1, 1)); // 3 waits for 2
  advance_time(room_opts.gap_wait);
  dispatch();
  CAF_CHECK_EQUAL(a->ids(), seq(1, 3));
  publish(2, 1); // the late original arrives after the fill: dropped
  publish(4, 3);
  dispatch();
  CAF_CHECK_EQUAL(a->ids(), seq(1, 4));
}

CAF_TEST(a_gap_fill_or_a_resume_from_below_the_horizon_delivers_reload_first_then_the_rest) {
  auto a = std::make_shared<fake_sink>();
  follow(a, "1");
  publish(1, 0);
  dispatch();
  // 2 and 3 were lost on the way and retention trimmed them meanwhile: storage has 4 and 5, horizon 3.
  history->add("0", 4);
  history->add("0", 5);
  history->set_horizon("0", 3);
  publish(5, 4);
  dispatch();
  advance_time(room_opts.gap_wait);
  dispatch();
  CAF_CHECK_EQUAL(a->ids(), (std::vector<std::int64_t>{1, 3, 4, 5}));
  CAF_REQUIRE_EQUAL(a->messages.size(), 4u);
  CAF_CHECK_EQUAL(*a->messages[1].frame, std::string{R"({"type":"reload","data":{"roomId":"0","horizon":3}})"});
  // A session resuming from 1 (below the horizon): reload at 3, then exactly 4 and 5; from 3: 4 and 5.
  auto b = std::make_shared<fake_sink>();
  follow(b, "2", "0", 1);
  CAF_CHECK_EQUAL(b->ids(), (std::vector<std::int64_t>{3, 4, 5}));
  auto c = std::make_shared<fake_sink>();
  follow(c, "3", "0", 3);
  CAF_CHECK_EQUAL(c->ids(), (std::vector<std::int64_t>{4, 5}));
}

CAF_TEST(member_leaving_mid_fan_out_does_not_disturb_the_others) {
  auto a = std::make_shared<fake_sink>();
  auto b = std::make_shared<fake_sink>();
  follow(a, "1");
  auto sb = follow(b, "2");
  publish(1, 0);
  publish(2, 1);
  close_session(sb); // leaves while 1 and 2 are in flight
  publish(3, 2);
  dispatch();
  CAF_CHECK_EQUAL(a->ids(), seq(1, 3));
  CAF_CHECK(b->ids().size() <= 3);
  CAF_CHECK_EQUAL(room_members(), 1u);
}

CAF_TEST(slow_consumer_is_cut_and_never_slows_the_room) {
  auto fast = std::make_shared<fake_sink>();
  auto slow = std::make_shared<fake_sink>(3); // its queue holds 3 messages
  follow(fast, "1");
  auto s = follow(slow, "2");
  for (std::int64_t id = 1; id <= 10; ++id)
    publish(id, id - 1);
  dispatch();
  CAF_CHECK_EQUAL(fast->ids(), seq(1, 10));
  CAF_CHECK_EQUAL(slow->ids(), seq(1, 3));
  CAF_REQUIRE(slow->closed.has_value());
  CAF_CHECK(*slow->closed == close_reason::slow_consumer);
  CAF_CHECK_EQUAL(room_members(), 1u); // the cut session left the room
}

CAF_TEST(resume_replays_missed_messages_then_continues_live_without_gap_or_duplicate) {
  for (std::int64_t id = 1; id <= 5; ++id)
    history->add("0", id);
  auto live = std::make_shared<fake_sink>();
  follow(live, "1");
  publish(5, 4); // the room's head is 5
  dispatch();
  history->deferred = true; // the replay read is slow...
  auto a = std::make_shared<fake_sink>();
  follow(a, "2", "0", 2); // client saw up to 2
  history->add("0", 6);
  publish(6, 5); // ...and live messages arrive during the replay (6 is also in storage)
  history->add("0", 7);
  publish(7, 6);
  dispatch();
  CAF_CHECK_EQUAL(a->ids(), std::vector<std::int64_t>{}); // held back until the replay is done
  history->deferred = false;
  history->complete_all();
  dispatch();
  CAF_CHECK_EQUAL(a->ids(), seq(3, 7));
}

CAF_TEST(resume_reads_all_pages_when_far_behind) {
  for (std::int64_t id = 1; id <= 450; ++id)
    history->add("0", id);
  auto a = std::make_shared<fake_sink>();
  follow(a, "1", "0", 0);
  dispatch();
  CAF_CHECK_EQUAL(a->ids(), seq(1, 450));
  CAF_CHECK(history->reads >= 3); // pages of 200
}

CAF_TEST(live_follow_starts_exactly_at_the_rooms_head) {
  for (std::int64_t id = 1; id <= 3; ++id)
    history->add("0", id);
  history->deferred = true;
  auto a = std::make_shared<fake_sink>();
  follow(a, "1"); // joined; the head read is pending
  history->add("0", 4); // written after the join, before the head read: history, not live
  publish(4, 3);
  history->add("0", 5);
  publish(5, 4);
  dispatch();
  CAF_CHECK_EQUAL(a->ids(), std::vector<std::int64_t>{}); // held until the start point is known
  history->complete_all(); // head = 5: both count as history (the client pages them over HTTP)
  history->deferred = false;
  history->complete_all();
  dispatch();
  CAF_CHECK_EQUAL(a->ids(), std::vector<std::int64_t>{});
  history->add("0", 6);
  publish(6, 5);
  dispatch();
  CAF_CHECK_EQUAL(a->ids(), std::vector<std::int64_t>{6}); // live from the head on, once
}

CAF_TEST(resume_arriving_while_the_head_replay_is_in_flight_restarts_from_the_older_point) {
  for (std::int64_t id = 1; id <= 5; ++id)
    history->add("0", id);
  auto a = std::make_shared<fake_sink>();
  auto s = open(a, "1");
  history->deferred_reads = true;
  follow_room(s, "0", -1); // connect: live from head
  dispatch(); // joined, head = 5, the read after 5 is in flight...
  follow_room(s, "0", 2); // ...when the resume arrives
  dispatch();
  history->add("0", 6);
  publish(6, 5); // live, held back during the replay
  dispatch();
  history->deferred_reads = false;
  history->complete_all(); // the stale (after 5) answer must not end the replay from 2
  dispatch();
  CAF_CHECK_EQUAL(a->ids(), seq(3, 6));
}

CAF_TEST(held_session_delivers_nothing_until_released_so_a_first_resume_is_exact) {
  for (std::int64_t id = 1; id <= 5; ++id)
    history->add("0", id);
  auto a = std::make_shared<fake_sink>();
  auto s = open(a, "1", true);
  follow_room(s, "0", -1); // connect: from head (5)
  dispatch();
  history->add("0", 6);
  publish(6, 5); // live, before the client's first frame
  history->add("0", 7);
  publish(7, 6);
  dispatch();
  CAF_CHECK_EQUAL(a->ids(), std::vector<std::int64_t>{}); // held
  follow_room(s, "0", 2); // the client's resume
  release_session(s);
  dispatch();
  CAF_CHECK_EQUAL(a->ids(), seq(3, 7)); // exactly what it lacked, in order, once
  history->add("0", 8);
  publish(8, 7);
  dispatch();
  CAF_CHECK_EQUAL(a->ids(), seq(3, 8));
}

CAF_TEST(late_resume_backfills_only_what_the_client_lacks) {
  auto a = std::make_shared<fake_sink>();
  auto s = live_through_6(a);
  follow_room(s, "0", 3); // resume arrives late
  dispatch();
  CAF_CHECK_EQUAL(a->ids(), (std::vector<std::int64_t>{6, 4, 5})); // 4 and 5 once each, nothing twice
}

CAF_TEST(a_late_resume_below_a_horizon_past_what_it_lacks_still_gets_reload) {
  auto a = std::make_shared<fake_sink>();
  auto s = live_through_6(a);
  history->set_horizon("0", 6); // retention trimmed everything up to 6 meanwhile
  follow_room(s, "0", 3);        // the late resume lacks (3, 5]: gone
  dispatch();
  CAF_CHECK_EQUAL(a->ids(), (std::vector<std::int64_t>{6, 6})); // 6 live, then the reload at 6
  CAF_REQUIRE_EQUAL(a->messages.size(), 2u);
  CAF_CHECK_EQUAL(*a->messages[1].frame, std::string{R"({"type":"reload","data":{"roomId":"0","horizon":6}})"});
}

CAF_TEST(room_answers_joins_only_once_subscribed_so_nothing_falls_between) {
  interest->deferred = true;
  history->add("0", 1);
  auto a = std::make_shared<fake_sink>();
  follow(a, "1");
  CAF_CHECK_EQUAL(interest->log, std::vector<std::string>{"active:0"});
  // Not subscribed yet: a message written now reaches storage but not this node's Pub/Sub.
  history->add("0", 2);
  dispatch();
  CAF_CHECK_EQUAL(a->ids(), std::vector<std::int64_t>{});
  interest->confirm_all(); // subscribed: the room reads its head (2) and answers the join
  dispatch();
  history->add("0", 3);
  publish(3, 2); // arrives through Pub/Sub from now on
  dispatch();
  CAF_CHECK_EQUAL(a->ids(), std::vector<std::int64_t>{3});
}

CAF_TEST(catch_up_after_a_pubsub_outage_delivers_what_was_missed_once) {
  auto a = std::make_shared<fake_sink>();
  follow(a, "1");
  publish(1, 0);
  dispatch();
  history->add("0", 1);
  history->add("0", 2); // published while the subscriber connection was down: never received
  history->add("0", 3);
  caf::anon_send(directory, catchup_atom::value);
  dispatch();
  CAF_CHECK_EQUAL(a->ids(), seq(1, 3));
  publish(3, 2); // a late duplicate
  publish(4, 3);
  dispatch();
  CAF_CHECK_EQUAL(a->ids(), seq(1, 4));
}

CAF_TEST(an_idle_room_stops_and_releases_its_subscription) {
  auto a = std::make_shared<fake_sink>();
  auto s = follow(a, "1");
  close_session(s);
  dispatch();
  advance_time(room_opts.idle_timeout);
  dispatch();
  CAF_CHECK_EQUAL(interest->log, (std::vector<std::string>{"active:0", "idle:0"}));
  CAF_CHECK_EQUAL(request<std::size_t>(directory, count_atom::value), 0u);
}

CAF_TEST(typing_reaches_other_members_is_throttled_and_expires) {
  auto a = std::make_shared<fake_sink>();
  auto b = std::make_shared<fake_sink>();
  follow(a, "1");
  follow(b, "2");
  caf::anon_send(directory, signal_atom::value, typing_signal("0", "1", true, command_opts));
  caf::anon_send(directory, signal_atom::value, typing_signal("0", "1", true, command_opts)); // throttled
  dispatch();
  CAF_CHECK_EQUAL(a->events.size(), 0u); // not echoed to the typist
  CAF_REQUIRE_EQUAL(b->events.size(), 1u);
  CAF_CHECK_EQUAL(b->events[0], R"({"type":"typing","data":{"roomId":"0","userId":"1","typing":true}})");
  advance_time(command_opts.typing_ttl); // the stop never came
  dispatch();
  CAF_REQUIRE_EQUAL(b->events.size(), 2u);
  CAF_CHECK_EQUAL(b->events[1], R"({"type":"typing","data":{"roomId":"0","userId":"1","typing":false}})");
}

CAF_TEST(typing_stop_is_sent_once_and_cancels_expiry) {
  auto a = std::make_shared<fake_sink>();
  auto b = std::make_shared<fake_sink>();
  follow(a, "1");
  follow(b, "2");
  caf::anon_send(directory, signal_atom::value, typing_signal("0", "1", true, command_opts));
  caf::anon_send(directory, signal_atom::value, typing_signal("0", "1", false, command_opts));
  caf::anon_send(directory, signal_atom::value, typing_signal("0", "1", false, command_opts)); // not active
  dispatch();
  advance_time(command_opts.typing_ttl);
  dispatch();
  CAF_CHECK_EQUAL(b->events.size(), 2u); // start, stop; no second stop, none from the expiry
}

CAF_TEST(signals_of_a_non_member_or_another_kind_are_kept_apart) {
  auto a = std::make_shared<fake_sink>();
  auto b = std::make_shared<fake_sink>();
  follow(a, "1");
  follow(b, "2");
  caf::anon_send(directory, signal_atom::value, typing_signal("0", "9", true, command_opts)); // not here
  room_signal other{"0", "1", "recording", R"({"on":true})", R"({"on":false})", false,
                    std::chrono::milliseconds{1000}, std::chrono::milliseconds{0}};
  caf::anon_send(directory, signal_atom::value, typing_signal("0", "1", true, command_opts));
  caf::anon_send(directory, signal_atom::value, other); // a lease of its own kind
  dispatch();
  CAF_REQUIRE_EQUAL(b->events.size(), 2u);
  CAF_CHECK_EQUAL(b->events[1], R"({"type":"recording","data":{"on":true}})");
  advance_time(std::chrono::milliseconds{1000}); // the recording lease ends, typing goes on
  dispatch();
  CAF_REQUIRE_EQUAL(b->events.size(), 3u);
  CAF_CHECK_EQUAL(b->events[2], R"({"type":"recording","data":{"on":false}})");
  CAF_CHECK_EQUAL(interest->log.back(), "signal:0:recording:1");
}

CAF_TEST(sessions_sharing_a_shard_keep_their_own_start_points_hold_and_rooms) {
  for (std::int64_t id = 1; id <= 4; ++id)
    history->add("0", id);
  auto live = std::make_shared<fake_sink>();
  auto resumed = std::make_shared<fake_sink>();
  auto held = std::make_shared<fake_sink>();
  auto other_room = std::make_shared<fake_sink>();
  follow(live, "1", "0", -1, 0);    // from the head (4)
  follow(resumed, "2", "0", 1, 0);  // after 1: replays 2..4
  auto h = open(held, "3", true, 0); // held until the release
  follow_room(h, "0", 3);
  follow(other_room, "4", "5", -1, 0);
  dispatch();
  history->add("0", 5);
  publish(5, 4);
  dispatch();
  CAF_CHECK_EQUAL(live->ids(), std::vector<std::int64_t>{5});
  CAF_CHECK_EQUAL(resumed->ids(), seq(2, 5));
  CAF_CHECK_EQUAL(held->ids(), std::vector<std::int64_t>{});
  CAF_CHECK_EQUAL(other_room->messages.size(), 0u); // one shard, but not a follower of room 0
  release_session(h);
  dispatch();
  CAF_CHECK_EQUAL(held->ids(), seq(4, 5));
  CAF_CHECK_EQUAL(room_members(), 3u);
  CAF_CHECK_EQUAL(room_members("5"), 1u);
}

CAF_TEST_FIXTURE_SCOPE_END()
