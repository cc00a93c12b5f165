#define CAF_SUITE actors_search_indexer

#include "caf/test/unit_test.hpp"
#include "caf_test_dsl.hpp"

#include <algorithm>
#include <deque>
#include <functional>
#include <string>
#include <vector>

#include <caf/all.hpp>

#include "actors/atoms.hpp"
#include "actors/search_indexer.hpp"

using namespace chat::actors;

namespace {

/// Storage as the indexer sees it: rooms to take, and index calls answered by the test.
struct fake_index {
  std::vector<std::string> marked;
  struct call {
    std::string room;
    std::int64_t budget = 0;
    std::function<void(bool, bool)> done;
  };
  std::deque<call> calls; ///< unanswered, in order

  search_indexer_ports ports() {
    search_indexer_ports p;
    p.take_rooms = [this](std::size_t max) {
      std::vector<std::string> out;
      while (!marked.empty() && out.size() < max) {
        out.push_back(marked.front());
        marked.erase(marked.begin());
      }
      return out;
    };
    p.index = [this](std::string room, std::int64_t budget, std::function<void(bool, bool)> done) {
      calls.push_back({std::move(room), budget, std::move(done)});
    };
    return p;
  }
};

struct fixture : test_coordinator_fixture<> {
  fake_index store;
  search_indexer_options opts;
  caf::actor indexer;

  fixture() {
    opts.interval = std::chrono::milliseconds{500};
    opts.budget = 50;
    opts.max_in_flight = 2;
  }

  ~fixture() override {
    if (indexer) {
      caf::anon_send(indexer, stop_atom::value);
      while (!store.calls.empty()) {
        answer(true, false);
      }
      run();
    }
  }

  void start() {
    indexer = spawn_search_indexer(sys, store.ports(), opts);
    sched.run();
  }

  /// Answers the oldest index call.
  void answer(bool ok, bool more) {
    auto c = std::move(store.calls.front());
    store.calls.pop_front();
    c.done(ok, more);
    sched.run();
  }

  std::vector<std::string> in_flight() const {
    std::vector<std::string> out;
    for (const auto& c : store.calls)
      out.push_back(c.room);
    return out;
  }

  void tick() {
    advance_time(opts.interval);
    sched.run();
  }
};

using strings = std::vector<std::string>;

} // namespace

CAF_TEST_FIXTURE_SCOPE(search_indexer_tests, fixture)

CAF_TEST(marked_rooms_are_indexed_at_most_two_at_a_time_with_the_budget) {
  store.marked = {"1", "2", "3"};
  start();
  CAF_CHECK_EQUAL(in_flight(), (strings{"1", "2"}));
  CAF_CHECK_EQUAL(store.calls.front().budget, 50);
  answer(true, false);
  CAF_CHECK_EQUAL(in_flight(), (strings{"2", "3"}));
  answer(true, false);
  answer(true, false);
  CAF_CHECK(store.calls.empty());
  // nothing marked: a tick makes no call
  tick();
  CAF_CHECK(store.calls.empty());
  store.marked = {"4"};
  tick();
  CAF_CHECK_EQUAL(in_flight(), (strings{"4"}));
}

CAF_TEST(a_room_with_more_to_index_goes_to_the_back_of_the_queue) {
  store.marked = {"1", "2", "3"};
  start();
  answer(true, true); // room 1 has more
  CAF_CHECK_EQUAL(in_flight(), (strings{"2", "3"}));
  answer(true, false);
  CAF_CHECK_EQUAL(in_flight(), (strings{"3", "1"}));
}

CAF_TEST(a_failed_call_is_retried_at_the_next_tick_not_at_once) {
  store.marked = {"1"};
  start();
  answer(false, false);
  CAF_CHECK(store.calls.empty());
  tick();
  CAF_CHECK_EQUAL(in_flight(), (strings{"1"}));
}

CAF_TEST(a_room_marked_twice_is_queued_once) {
  store.marked = {"1", "2", "3", "3", "2"};
  opts.max_in_flight = 1;
  start();
  answer(true, false);
  answer(true, false);
  answer(true, false);
  CAF_CHECK(store.calls.empty());
}

CAF_TEST(at_most_max_calls_per_tick_then_the_next_tick_goes_on) {
  store.marked = {"1", "2", "3", "4", "5"};
  opts.max_calls_per_tick = 3;
  start();
  answer(true, false);
  answer(true, false);
  CAF_CHECK_EQUAL(in_flight(), (strings{"3"}));
  answer(true, false);
  CAF_CHECK(store.calls.empty()); // rooms 4 and 5 wait for the next tick
  tick();
  CAF_CHECK_EQUAL(in_flight(), (strings{"4", "5"}));
}

CAF_TEST(while_redis_is_busy_one_call_per_tick_then_the_full_bound_again) {
  store.marked = {"1", "2", "3", "4", "5"};
  opts.max_calls_per_tick = 3;
  opts.busy_calls_per_tick = 1;
  bool busy = true;
  auto ports = store.ports();
  ports.busy = [&busy] { return busy; };
  indexer = spawn_search_indexer(sys, std::move(ports), opts);
  sched.run();
  CAF_CHECK_EQUAL(in_flight(), (strings{"1"}));
  answer(true, false);
  CAF_CHECK(store.calls.empty()); // the busy tick's one call is spent
  tick();
  CAF_CHECK_EQUAL(in_flight(), (strings{"2"}));
  answer(true, false);
  busy = false;
  tick();
  CAF_CHECK_EQUAL(in_flight(), (strings{"3", "4"}));
  answer(true, false);
  answer(true, false);
  CAF_CHECK_EQUAL(in_flight(), (strings{"5"}));
}

CAF_TEST_FIXTURE_SCOPE_END()
