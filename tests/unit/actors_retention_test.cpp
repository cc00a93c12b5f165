#define CAF_SUITE actors_retention

#include "caf/test/unit_test.hpp"
#include "caf_test_dsl.hpp"

#include <deque>
#include <functional>
#include <string>
#include <vector>

#include <caf/all.hpp>

#include "actors/atoms.hpp"
#include "actors/retention_actor.hpp"

using namespace chat::actors;

namespace {

/// Storage as the retention actor sees it: every call waits until the test answers it.
struct fake_store {
  struct call {
    std::string kind; ///< "lease", "scan" or "trim"
    std::string arg;  ///< the cursor or the room
    std::function<void(bool)> lease;
    std::function<void(bool, std::string, std::vector<std::string>)> scan;
    std::function<void(bool, std::int64_t, bool, std::int64_t)> trim;
  };
  std::deque<call> calls;
  std::int64_t counted = 0;
  std::vector<std::string> announced; ///< "room@upto", in order

  retention_ports ports() {
    retention_ports p;
    p.lease = [this](std::function<void(bool)> done) { calls.push_back({"lease", "", std::move(done), {}, {}}); };
    p.scan = [this](std::string cursor, std::function<void(bool, std::string, std::vector<std::string>)> done) {
      calls.push_back({"scan", std::move(cursor), {}, std::move(done), {}});
    };
    p.trim = [this](std::string room, std::function<void(bool, std::int64_t, bool, std::int64_t)> done) {
      calls.push_back({"trim", std::move(room), {}, {}, std::move(done)});
    };
    p.trimmed = [this](std::int64_t n) { counted += n; };
    p.announce = [this](const std::string& room, std::int64_t upto) { announced.push_back(room + "@" + std::to_string(upto)); };
    return p;
  }
};

struct fixture : test_coordinator_fixture<> {
  fake_store store;
  retention_options opts;
  caf::actor actor;

  fixture() {
    opts.policy.max_messages = 10;
    opts.interval = std::chrono::milliseconds{1000};
    opts.tick = std::chrono::milliseconds{100};
    opts.max_calls_per_tick = 4;
    opts.busy_calls_per_tick = 1;
    opts.lease_renew_ticks = 5;
  }

  ~fixture() override {
    if (actor) {
      caf::anon_send(actor, stop_atom::value);
      sched.run();
      while (!store.calls.empty()) // the call in flight answers; then the actor ends
        answer_any();
      run();
    }
  }

  void start(retention_ports p) {
    actor = spawn_retention(sys, std::move(p), opts);
    sched.run();
  }

  std::string next() const { return store.calls.empty() ? "" : store.calls.front().kind + ":" + store.calls.front().arg; }

  fake_store::call take() {
    auto c = std::move(store.calls.front());
    store.calls.pop_front();
    return c;
  }

  void lease(bool held) {
    take().lease(held);
    sched.run();
  }
  void scan(std::string next_cursor, std::vector<std::string> rooms, bool ok = true) {
    take().scan(ok, std::move(next_cursor), std::move(rooms));
    sched.run();
  }
  void trim(std::int64_t n, bool more, bool ok = true, std::int64_t upto = 0) {
    take().trim(ok, n, more, upto);
    sched.run();
  }
  void answer_any() {
    auto c = take();
    if (c.lease) c.lease(false);
    else if (c.scan) c.scan(false, "0", {});
    else c.trim(false, 0, false, 0);
    sched.run();
  }

  void tick() {
    advance_time(opts.tick);
    sched.run();
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(retention_tests, fixture)

CAF_TEST(a_sweep_takes_the_lease_walks_the_rooms_and_trims_each_one_call_at_a_time) {
  start(store.ports());
  CAF_CHECK_EQUAL(next(), std::string{"lease:"});
  CAF_CHECK_EQUAL(store.calls.size(), 1u);
  lease(true);
  CAF_CHECK_EQUAL(next(), std::string{"scan:0"});
  scan("17", {"0", "3"});
  CAF_CHECK_EQUAL(next(), std::string{"trim:0"});
  CAF_CHECK_EQUAL(store.calls.size(), 1u); // one call in flight
  trim(5, false);
  CAF_CHECK_EQUAL(next(), std::string{"trim:3"}); // the tick's 4th call (lease, scan, trim, trim)
  trim(0, false);
  CAF_CHECK(store.calls.empty()); // 4 calls this tick: the walk goes on at the next
  tick();
  CAF_CHECK_EQUAL(next(), std::string{"scan:17"});
  scan("0", {"5"});
  CAF_CHECK_EQUAL(next(), std::string{"trim:5"});
  trim(2, false);
  CAF_CHECK(store.calls.empty()); // the walk is complete: the sweep ended
  CAF_CHECK_EQUAL(store.counted, 7);
  tick();
  CAF_CHECK(store.calls.empty()); // no sweep is due before the interval
}

CAF_TEST(a_room_with_more_to_trim_goes_to_the_back_of_the_queue) {
  start(store.ports());
  lease(true);
  scan("0", {"1", "2"});
  trim(50, true); // room 1 has more
  CAF_CHECK_EQUAL(next(), std::string{"trim:2"});
  trim(1, false);
  CAF_CHECK(store.calls.empty()); // the tick's calls are spent
  tick();
  CAF_CHECK_EQUAL(next(), std::string{"trim:1"});
  trim(3, false);
  CAF_CHECK(store.calls.empty());
  CAF_CHECK_EQUAL(store.counted, 54);
}

CAF_TEST(each_trimmed_room_is_announced_once_after_its_last_step_with_the_highest_id_gone) {
  start(store.ports());
  lease(true);
  scan("0", {"1", "2", "3"});
  trim(50, true, true, 60); // room 1: a first step, more to come (it goes to the back)
  CAF_CHECK(store.announced.empty());
  CAF_REQUIRE_EQUAL(next(), std::string{"trim:2"});
  trim(0, false, true, 0); // room 2: nothing to trim, nothing to announce
  tick();
  CAF_REQUIRE_EQUAL(next(), std::string{"trim:3"});
  trim(4, false, true, 9); // room 3: done in one step
  CAF_CHECK_EQUAL(store.announced, std::vector<std::string>{"3@9"});
  CAF_REQUIRE_EQUAL(next(), std::string{"trim:1"});
  trim(20, false, true, 85); // room 1's last step
  CAF_CHECK_EQUAL(store.announced, (std::vector<std::string>{"3@9", "1@85"}));
}

CAF_TEST(a_sweep_cut_short_still_announces_what_it_trimmed) {
  opts.max_calls_per_tick = 1;
  start(store.ports());
  lease(true);
  tick();
  scan("0", {"1"});
  std::int64_t h = 0;
  for (int i = 1; i < 10; ++i) { // room 1 always has more, until the lease's renewal is due
    tick();
    if (next() != "trim:1")
      break;
    h = 60 + i;
    trim(10, true, true, h);
  }
  CAF_REQUIRE_EQUAL(next(), std::string{"lease:"});
  CAF_CHECK(store.announced.empty());
  lease(false); // lost: the sweep ends with room 1 half done
  CAF_CHECK_EQUAL(store.announced, std::vector<std::string>{"1@" + std::to_string(h)});
  CAF_CHECK(h > 60);
}

CAF_TEST(a_node_without_the_lease_does_nothing_until_the_next_interval) {
  start(store.ports());
  lease(false); // another node sweeps
  CAF_CHECK(store.calls.empty());
  for (int i = 0; i < 9; ++i)
    tick();
  CAF_CHECK(store.calls.empty());
  tick(); // the interval (1 s) passed: it asks again (at this tick or the next)
  tick();
  CAF_CHECK_EQUAL(next(), std::string{"lease:"});
  CAF_CHECK_EQUAL(store.calls.size(), 1u);
  lease(true);
  CAF_CHECK_EQUAL(next(), std::string{"scan:0"});
}

CAF_TEST(the_lease_is_renewed_during_a_long_sweep_and_a_lost_lease_ends_it) {
  opts.max_calls_per_tick = 1;
  start(store.ports());
  lease(true);
  tick();
  scan("9", {"1", "2", "3"});
  for (int i = 0; i < 3; ++i) { // ticks 2..4: one trim each
    tick();
    CAF_REQUIRE_EQUAL(next().substr(0, 5), std::string{"trim:"});
    trim(0, false);
  }
  tick(); // the 5th tick since the lease: renewed before anything else
  CAF_CHECK_EQUAL(next(), std::string{"lease:"});
  lease(false); // lost (another node took over)
  tick();
  CAF_CHECK(store.calls.empty());
}

CAF_TEST(while_redis_is_busy_one_call_per_tick) {
  bool busy = true;
  auto p = store.ports();
  p.busy = [&busy] { return busy; };
  start(std::move(p));
  lease(true); // the tick's one call
  CAF_CHECK(store.calls.empty());
  tick();
  CAF_CHECK_EQUAL(next(), std::string{"scan:0"});
  scan("0", {"1", "2", "3"});
  CAF_CHECK(store.calls.empty());
  tick();
  CAF_CHECK_EQUAL(next(), std::string{"trim:1"});
  trim(0, false);
  CAF_CHECK(store.calls.empty());
  busy = false;
  tick();
  CAF_CHECK_EQUAL(next(), std::string{"trim:2"});
  trim(0, false);
  CAF_CHECK_EQUAL(next(), std::string{"trim:3"});
}

CAF_TEST(a_failed_scan_ends_the_sweep_until_the_next_interval) {
  start(store.ports());
  lease(true);
  scan("0", {}, false);
  CAF_CHECK(store.calls.empty());
  tick();
  CAF_CHECK(store.calls.empty());
  advance_time(opts.interval);
  sched.run();
  tick();
  CAF_CHECK(next() == "lease:" || next() == "scan:0"); // a new sweep (the lease is fresh enough)
}

CAF_TEST_FIXTURE_SCOPE_END()
